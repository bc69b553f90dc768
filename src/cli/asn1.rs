//! `euiccd asn1`: decode SGP.22 / SGP.32 messages for inspection.

use clap::Subcommand;

/// The `asn1` subcommands.
#[derive(Debug, Subcommand)]
pub enum Asn1Command {
    /// Decode a DER/BER message given as hex and print it as JSON (X.697 JER).
    Decode {
        /// ASN.1 type name, e.g. EsipaMessageFromEimToIpa.
        type_name: String,
        /// The message as hex.
        hex: String,
    },
}

/// Runs an `asn1` subcommand.
pub fn run(cmd: Asn1Command) -> Result<(), super::Failure> {
    match cmd {
        Asn1Command::Decode { type_name, hex } => {
            let _ = (type_name, hex);
            Err(super::Failure::input(anyhow::anyhow!("not yet implemented")))
        }
    }
}
