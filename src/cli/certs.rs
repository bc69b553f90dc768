//! `euiccd certs`: the EUM and eUICC certificates (GetCerts).

use super::Failure;
use super::card::with_euicc;
use super::output::{Report, emit, fields};
use super::parser::{Command, Matches, Opt, UsageError};
use super::target::TargetArgs;
use euicc_asn1::Octets;
use serde::Serialize;

/// `certs [--ci-pk-id HEX]`.
#[derive(Debug, Clone)]
pub(crate) struct CertsArgs {
    /// The CI key identifier the chain must lead to; the eUICC picks one when absent.
    pub(crate) ci_pk_id: Option<Octets>,
}

/// `euiccd certs`.
pub(crate) const COMMAND: Command = Command {
    opts: &[&[Opt::value(
        "ci-pk-id",
        "CI_PK_ID",
        "The CI key identifier (subject key identifier, hex) the chain must lead to; the eUICC picks one when absent.",
    )]],
    ..Command::new("certs", "Show the EUM and eUICC certificates (GetCerts).")
};

impl CertsArgs {
    /// The options [`COMMAND`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            ci_pk_id: m.value_by("ci-pk-id", parse_hex)?,
        })
    }
}

/// Runs `certs`.
pub(crate) fn run(target: &TargetArgs, args: CertsArgs, json: bool) -> Result<(), Failure> {
    let certs = with_euicc(target, async |euicc| euicc.certs(args.ci_pk_id).await)?;
    emit(
        &CertsReport {
            eum_certificate: hex::encode_upper(certs.eum_certificate.as_der()),
            euicc_certificate: hex::encode_upper(certs.euicc_certificate.as_der()),
        },
        json,
    )
}

fn parse_hex(text: &str) -> Result<Octets, hex::FromHexError> {
    hex::decode(text).map(Octets)
}

#[derive(Debug, Serialize)]
struct CertsReport {
    eum_certificate: String,
    euicc_certificate: String,
}

impl Report for CertsReport {
    fn human(&self) -> String {
        fields(&[
            ("EUM certificate (DER)", self.eum_certificate.clone()),
            ("eUICC certificate (DER)", self.euicc_certificate.clone()),
        ])
    }
}
