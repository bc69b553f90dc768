//! `euiccd apdu HEX...`: raw APDUs on the ISD-R's logical channel, for debugging. The channel bits of CLA are
//! set by the transport; no GET RESPONSE is sent.

use super::card::with_euicc;
use super::output::{Report, Table, emit};
use super::parser::{Arg, Command, Matches, UsageError};
use super::target::TargetArgs;
use super::{EXIT_INPUT, Failure};
use crate::euicc::EuiccError;
use anyhow::anyhow;
use serde::Serialize;

/// The shortest command APDU: CLA INS P1 P2 (ISO/IEC 7816-4 §5.1).
const MIN_APDU: usize = 4;
/// The longest: the header, extended Lc (3 bytes), 65,535 data bytes and extended Le (2 bytes).
const MAX_APDU: usize = 4 + 3 + 65_535 + 2;

/// `apdu HEX...`.
#[derive(Debug, Clone)]
pub(crate) struct ApduArgs {
    /// The APDUs, in hex.
    pub(crate) apdus: Vec<String>,
}

/// `euiccd apdu`.
pub(crate) const COMMAND: Command = Command {
    args: &[Arg {
        name: "APDUS",
        help: "The APDUs, in hex (spaces within one argument are not allowed).",
        many: true,
    }],
    ..Command::new("apdu", "Send raw APDUs on the ISD-R channel (debugging).")
};

impl ApduArgs {
    /// The arguments [`COMMAND`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            apdus: m.args_from(0)?,
        })
    }
}

/// Runs `apdu`.
pub(crate) fn run(target: &TargetArgs, args: ApduArgs, json: bool) -> Result<(), Failure> {
    let commands = args
        .apdus
        .iter()
        .map(|text| parse_apdu(text))
        .collect::<Result<Vec<_>, _>>()?;
    let exchanges = with_euicc(target, async |euicc| {
        let mut out = Vec::with_capacity(commands.len());
        for command in &commands {
            let response = euicc
                .session()
                .transmit_raw(command)
                .await
                .map_err(|source| EuiccError::Transport {
                    function: "APDU",
                    source,
                })?;
            out.push(Exchange {
                command: hex::encode_upper(command),
                response: hex::encode_upper(&response.data),
                sw: format!("{:04X}", response.sw.0),
            });
        }
        Ok(out)
    })?;
    emit(&ApduReport { exchanges }, json)
}

/// One APDU argument: hex of 4 to [`MAX_APDU`] bytes.
fn parse_apdu(text: &str) -> Result<Vec<u8>, Failure> {
    let input = |error| Failure {
        error,
        code: EXIT_INPUT,
    };
    let bytes = hex::decode(text).map_err(|e| input(anyhow!("{text:?} is not hex: {e}")))?;
    if !(MIN_APDU..=MAX_APDU).contains(&bytes.len()) {
        return Err(input(anyhow!(
            "an APDU has {MIN_APDU} to {MAX_APDU} bytes (CLA INS P1 P2, then Lc, data, Le), not {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

#[derive(Debug, Serialize)]
struct ApduReport {
    exchanges: Vec<Exchange>,
}

#[derive(Debug, Serialize)]
struct Exchange {
    command: String,
    response: String,
    sw: String,
}

impl Report for ApduReport {
    fn human(&self) -> String {
        let mut table = Table::new(&["COMMAND", "SW", "RESPONSE"]);
        for e in &self.exchanges {
            table.row(vec![e.command.clone(), e.sw.clone(), e.response.clone()]);
        }
        table.render("no APDUs")
    }
}
