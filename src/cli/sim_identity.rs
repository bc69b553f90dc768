//! `euiccd sim identity`: mint a simulated eUICC's identity under a given EUM.
//!
//! With the GSMA SGP.26 test EUM (its certificate and key are public) the simulated card gets an eUICC
//! certificate that chains to the SGP.26 CI, so any SM-DP+ or eIM that trusts that CI accepts it. The
//! directory written is what `--identity DIR` loads.

use super::parser::{Command, Matches, Opt, UsageError};
use super::{Failure, outln};
use anyhow::{Context, anyhow};
use euicc_asn1::Eid;
use euiccd_sim::crypto::cert::Certificate;
use euiccd_sim::crypto::ecdsa::SigningKey;
use euiccd_sim::crypto::pki::{CertAndKey, EuiccIdentity};
use std::path::{Path, PathBuf};

/// Options of `sim identity`.
#[derive(Debug)]
pub(crate) struct IdentityArgs {
    /// `--eid`: the EID to certify.
    pub(crate) eid: String,
    /// `--eum-cert`: the EUM certificate.
    pub(crate) eum_cert: PathBuf,
    /// `--eum-key`: the EUM private key.
    pub(crate) eum_key: PathBuf,
    /// `--ci`: the CI certificates the card trusts.
    pub(crate) ci: Vec<PathBuf>,
    /// `--out`: the directory to write the identity to.
    pub(crate) out: PathBuf,
}

/// `euiccd sim identity`.
pub(crate) const COMMAND: Command = Command {
    opts: &[&[
        Opt::value(
            "eid",
            "EID",
            "The EID to certify (32 digits; it must fit the EUM's name constraints, e.g. 89049032… for SGP.26).",
        )
        .required(),
        Opt::value(
            "eum-cert",
            "FILE",
            "The EUM certificate (PEM or DER), e.g. SGP.26 `EUM/CERT_EUM_ECDSA_NIST.der`.",
        )
        .required(),
        Opt::value(
            "eum-key",
            "FILE",
            "The EUM private key (PKCS#8 or SEC1, PEM or DER), e.g. SGP.26 `EUM/SK_EUM_ECDSA_NIST.pem`.",
        )
        .required(),
        Opt::value(
            "ci",
            "FILE",
            "A CI certificate the card trusts (repeat for several), e.g. SGP.26 `CertificateIssuer/CERT_CI_ECDSA_NIST.der`.",
        )
        .many()
        .required(),
        Opt::value(
            "out",
            "DIR",
            "The directory to write the identity to (created if missing).",
        )
        .required(),
    ]],
    ..Command::new(
        "identity",
        "Mint an eUICC identity under a given EUM (e.g. the GSMA SGP.26 test EUM) for `--identity DIR`.",
    )
};

impl IdentityArgs {
    /// The options [`COMMAND`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            eid: m.needed("eid")?,
            eum_cert: m.needed_path("eum-cert")?,
            eum_key: m.needed_path("eum-key")?,
            ci: m.paths("ci"),
            out: m.needed_path("out")?,
        })
    }
}

/// Largest key or certificate file read.
const MAX_PKI_FILE: u64 = 1024 * 1024;

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    crate::bounded_read::read(path, MAX_PKI_FILE)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::input)
}

/// Mints a fresh eUICC key and certificate under the EUM, checks the chain up to a CI, and writes the identity.
pub(crate) fn run(args: IdentityArgs, json: bool) -> Result<(), Failure> {
    let eid: Eid = args
        .eid
        .parse()
        .map_err(|e| Failure::input(anyhow!("--eid: {e}")))?;
    let eum = CertAndKey {
        cert: Certificate::from_bytes(&read(&args.eum_cert)?)
            .map_err(|e| Failure::input(anyhow!("--eum-cert {}: {e}", args.eum_cert.display())))?,
        key: SigningKey::from_bytes(&read(&args.eum_key)?)
            .map_err(|e| Failure::input(anyhow!("--eum-key {}: {e}", args.eum_key.display())))?,
    };
    let mut ci = Vec::new();
    for path in &args.ci {
        ci.push(
            Certificate::from_bytes(&read(path)?)
                .map_err(|e| Failure::input(anyhow!("--ci {}: {e}", path.display())))?,
        );
    }
    let identity = EuiccIdentity::mint(&eid, &eum, ci)
        .map_err(|e| Failure::input(anyhow!("cannot mint: {e}")))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    identity.write_to(&args.out)?;
    if json {
        outln!(
            "{}",
            serde_json::json!({ "eid": eid.to_string(), "identity": args.out })
        )
    } else {
        outln!(
            "eUICC identity for EID {eid} written to {}",
            args.out.display()
        )
    }
}
