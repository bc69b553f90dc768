//! `euiccd certs`: the EUM and eUICC certificates (GetCerts).

use super::Failure;
use super::card::with_euicc;
use super::output::{Report, emit, fields};
use super::target::TargetArgs;
use clap::Args;
use euicc_asn1::Octets;
use serde::Serialize;

/// `certs [--ci-pk-id HEX]`.
#[derive(Debug, Clone, Args)]
pub(crate) struct CertsArgs {
    /// The CI key identifier (subject key identifier, hex) the chain must lead to; the eUICC picks one
    /// when absent.
    #[arg(long, value_parser = parse_hex)]
    pub(crate) ci_pk_id: Option<Octets>,
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
