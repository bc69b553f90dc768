//! `euiccd asn1`: decode SGP.22 / SGP.32 messages for inspection.

use super::{Failure, outln};
use anyhow::anyhow;
use clap::Subcommand;
use euicc_asn1::Layout;
use euicc_asn1::registry;

/// The `asn1` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Asn1Command {
    /// Decode a BER/DER message given as hex and print it as JSON (X.697 JER form).
    Decode {
        /// ASN.1 type name, e.g. EsipaMessageFromEimToIpa, EuiccPackageRequest, ProfileInfoListResponse.
        type_name: String,
        /// The message as hex (spaces allowed).
        hex: String,
        /// The SGP.32 layout to decode with (v1.0 is v1.0.1's, which also reads the eIM configuration tags
        /// v1.0.1 withdrew).
        #[arg(long = "version", default_value = "v1.2", value_parser = parse_version)]
        sgp32_version: Layout,
    },
    /// List the type names `decode` knows.
    Types {
        /// The SGP.32 layout.
        #[arg(long = "version", default_value = "v1.2", value_parser = parse_version)]
        sgp32_version: Layout,
    },
}

fn parse_version(s: &str) -> Result<Layout, String> {
    s.parse()
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
