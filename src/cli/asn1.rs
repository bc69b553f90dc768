//! `euiccd asn1`: decode SGP.22 / SGP.32 messages for inspection.

use super::parser::{Arg, Command, Matches, Opt, UsageError};
use super::{Failure, outln};
use anyhow::anyhow;
use euicc_asn1::Layout;
use euicc_asn1::registry;

/// The `asn1` subcommands.
#[derive(Debug)]
pub(crate) enum Asn1Command {
    /// Decode a BER/DER message given as hex and print it as JSON (X.697 JER form).
    Decode {
        /// ASN.1 type name.
        type_name: String,
        /// The message as hex (spaces allowed).
        hex: String,
        /// The SGP.32 layout to decode with.
        sgp32_version: Layout,
    },
    /// List the type names `decode` knows.
    Types {
        /// The SGP.32 layout.
        sgp32_version: Layout,
    },
}

/// `euiccd asn1`.
pub(crate) const COMMAND: Command = Command {
    subcommands: &[
        &Command {
            opts: &[&[Opt::value(
                "version",
                "SGP32_VERSION",
                "The SGP.32 layout to decode with (v1.0 is v1.0.1's, which also reads the eIM configuration tags v1.0.1 withdrew).",
            )
            .default("v1.2")]],
            args: &[
                Arg {
                    name: "TYPE_NAME",
                    help: "ASN.1 type name, e.g. EsipaMessageFromEimToIpa, EuiccPackageRequest, ProfileInfoListResponse.",
                    many: false,
                },
                Arg {
                    name: "HEX",
                    help: "The message as hex (spaces allowed).",
                    many: false,
                },
            ],
            ..Command::new(
                "decode",
                "Decode a BER/DER message given as hex and print it as JSON (X.697 JER form).",
            )
        },
        &Command {
            opts: &[&[Opt::value("version", "SGP32_VERSION", "The SGP.32 layout.").default("v1.2")]],
            ..Command::new("types", "List the type names `decode` knows.")
        },
    ],
    needs_subcommand: true,
    ..Command::new("asn1", "Inspect SGP.22 / SGP.32 messages.")
};

impl Asn1Command {
    /// The subcommand of [`COMMAND`] that `m` (the `asn1` level) chose.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        let sub = m.needed_subcommand()?;
        match sub.name() {
            "decode" => Ok(Self::Decode {
                type_name: sub.arg(0)?,
                hex: sub.arg(1)?,
                sgp32_version: sub.needed("version")?,
            }),
            "types" => Ok(Self::Types {
                sgp32_version: sub.needed("version")?,
            }),
            _ => Err(sub.unknown()),
        }
    }
}

/// Runs an `asn1` subcommand.
pub(crate) fn run(cmd: Asn1Command) -> Result<(), Failure> {
    match cmd {
        Asn1Command::Decode {
            type_name,
            hex,
            sgp32_version,
        } => decode(&type_name, &hex, sgp32_version),
        Asn1Command::Types { sgp32_version } => {
            for name in registry::names(sgp32_version) {
                outln!("{name}")?;
            }
            Ok(())
        }
    }
}

fn decode(type_name: &str, hex_text: &str, version: Layout) -> Result<(), Failure> {
    let entry = registry::lookup(type_name, version).ok_or_else(|| {
        Failure::input(anyhow!(
            "unknown type {type_name:?}; `euiccd asn1 types` lists the known ones"
        ))
    })?;
    let compact: String = hex_text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = hex::decode(&compact).map_err(|e| Failure::input(anyhow!("invalid hex: {e}")))?;
    let value = (entry.decode)(&bytes)
        .map_err(|e| Failure::input(anyhow!("cannot decode {type_name}: {e}")))?;
    let text = serde_json::to_string_pretty(&value).map_err(Failure::from)?;
    outln!("{text}")
}
