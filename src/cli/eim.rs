//! `euiccd eim`: the eIM associations of the eUICC (GetEimConfigurationData, AddInitialEim).

use super::card::with_euicc;
use super::info::code_name;
use super::output::{Report, Table, emit, or_dash};
use super::target::TargetArgs;
use super::{EXIT_FAILURE, Failure};
use crate::euicc::{EimConfig, EimKey};
use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use euicc_asn1::types::sgp22::Certificate;
use euicc_asn1::types::sgp22::codes::CodeTable;
use euicc_asn1::types::sgp32::common::{AddInitialEimResult, EIM_ID_TYPE, SubjectPublicKeyInfo};
use euicc_asn1::{ChildCursor, Ctx, Limits, Tlv, from_ber};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Bits of `eimSupportedProtocol`.
const SUPPORTED_PROTOCOL: CodeTable = &[
    (0, "eimRetrieveHttps"),
    (1, "eimRetrieveCoaps"),
    (2, "eimInjectHttps"),
    (3, "eimInjectCoaps"),
    (4, "eimProprietary"),
];

/// `eim list|add-initial`.
#[derive(Debug, Clone, Subcommand)]
pub enum EimCommand {
    /// List the eIM configurations (GetEimConfigurationData).
    List,
    /// Associate the first eIM (AddInitialEim; initial provisioning only, later changes come signed from an
    /// eIM).
    AddInitial {
        /// The eIM's identifier.
        #[arg(long)]
        id: String,
        /// Where the eIM is reached: HOST or HOST:PORT.
        #[arg(long)]
        fqdn: String,
        /// The eIM's package-signing key: a public key or certificate, PEM or DER.
        #[arg(long)]
        public_key: PathBuf,
        /// The initial replay counter value.
        #[arg(long)]
        counter: Option<i64>,
        /// The trust anchor of the eIM's TLS server: a public key or certificate, PEM or DER.
        #[arg(long)]
        tls_anchor: Option<PathBuf>,
    },
}

/// Runs `eim`.
pub fn run(target: &TargetArgs, command: EimCommand, json: bool) -> Result<(), Failure> {
    match command {
        EimCommand::List => {
            let eims = with_euicc(target, async |euicc| euicc.eim_configuration().await)?;
            emit(
                &EimList {
                    eims: eims.iter().map(EimView::from).collect(),
                },
                json,
            )
        }
        EimCommand::AddInitial {
            id,
            fqdn,
            public_key,
            counter,
            tls_anchor,
        } => {
            check_fqdn(&fqdn).map_err(Failure::input)?;
            let config = EimConfig {
                eim_id: id.clone(),
                fqdn: Some(fqdn),
                counter_value: counter,
                public_key: Some(read_key(&public_key).map_err(Failure::input)?),
                tls_anchor: tls_anchor
                    .as_deref()
                    .map(read_key)
                    .transpose()
                    .map_err(Failure::input)?,
                ..EimConfig::default()
            };
            let results = with_euicc(target, async |euicc| {
                euicc.add_initial_eim(vec![config]).await
            })?;
            let association_token = match results.as_slice() {
                [AddInitialEimResult::AssociationToken(token)] => Some(*token),
                [_] => None,
                other => {
                    return Err(Failure {
                        error: anyhow!("AddInitialEim: {} results for one eIM", other.len()),
                        code: EXIT_FAILURE,
                    });
                }
            };
            emit(
                &Added {
                    eim_id: id,
                    result: "ok",
                    association_token,
                },
                json,
            )
        }
    }
}

/// Accepts `host` or `host:port` (no scheme, no path).
fn check_fqdn(fqdn: &str) -> anyhow::Result<()> {
    let (host, port) = match fqdn.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (fqdn, None),
    };
    if host.is_empty() || host.contains(['/', ' ', ':']) {
        bail!("--fqdn takes HOST or HOST:PORT, not {fqdn:?}");
    }
    if let Some(port) = port {
        port.parse::<u16>()
            .with_context(|| format!("--fqdn: bad port in {fqdn:?}"))?;
    }
    Ok(())
}

/// Reads a public key (SubjectPublicKeyInfo) or a certificate from a PEM or DER file.
fn read_key(path: &Path) -> anyhow::Result<EimKey> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let der = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN ") => {
            pem_body(text).with_context(|| format!("{}: malformed PEM", path.display()))?
        }
        _ => bytes,
    };
    key_from_der(&der)
        .with_context(|| format!("{}: not a public key or certificate", path.display()))
}

/// A SubjectPublicKeyInfo starts `30 { 30 { 06 algorithm …` ; a certificate `30 { 30 { A0 version | 02 …`.
fn key_from_der(der: &[u8]) -> anyhow::Result<EimKey> {
    let mut cx = Ctx::new(Limits::default());
    let outer = Tlv::parse_message(der, &mut cx)?;
    let first = ChildCursor::new(&outer)
        .next(&mut cx)?
        .ok_or_else(|| anyhow!("empty SEQUENCE"))?;
    let inner = ChildCursor::new(&first).next(&mut cx)?;
    Ok(if inner.is_some_and(|t| t.raw.first() == Some(&0x06)) {
        EimKey::PublicKey(from_ber::<SubjectPublicKeyInfo>(der)?)
    } else {
        EimKey::Certificate(from_ber::<Certificate>(der)?)
    })
}

/// The bytes of the first PEM block in `text`.
fn pem_body(text: &str) -> Option<Vec<u8>> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("-----BEGIN "));
    lines.next()?;
    let body: String = lines.take_while(|l| !l.starts_with("-----END ")).collect();
    base64_decode(&body)
}

/// Standard base64 (RFC 4648 §4) with optional padding; `None` on any other character.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[derive(Debug, Serialize)]
struct EimList {
    eims: Vec<EimView>,
}

#[derive(Debug, Serialize)]
struct EimView {
    eim_id: String,
    fqdn: Option<String>,
    id_type: Option<String>,
    counter_value: Option<i64>,
    association_token: Option<i64>,
    public_key: Option<KeyView>,
    tls_anchor: Option<KeyView>,
    supported_protocols: Vec<String>,
    ci_pk_id: Option<String>,
    indirect_profile_download: bool,
}

#[derive(Debug, Serialize)]
struct KeyView {
    kind: &'static str,
    der: String,
}

impl From<&EimKey> for KeyView {
    fn from(key: &EimKey) -> Self {
        Self {
            kind: match key {
                EimKey::PublicKey(_) => "public_key",
                EimKey::Certificate(_) => "certificate",
            },
            der: hex::encode_upper(key.as_der()),
        }
    }
}

impl From<&EimConfig> for EimView {
    fn from(c: &EimConfig) -> Self {
        Self {
            eim_id: c.eim_id.clone(),
            fqdn: c.fqdn.clone(),
            id_type: c.id_type.map(|t| code_name(EIM_ID_TYPE, t)),
            counter_value: c.counter_value,
            association_token: c.association_token,
            public_key: c.public_key.as_ref().map(KeyView::from),
            tls_anchor: c.tls_anchor.as_ref().map(KeyView::from),
            supported_protocols: c
                .supported_protocol
                .iter()
                .flat_map(|bits| bits.set_bits())
                .map(|bit| code_name(SUPPORTED_PROTOCOL, bit as i64))
                .collect(),
            ci_pk_id: c.ci_pk_id.as_ref().map(|k| hex::encode_upper(&k.0)),
            indirect_profile_download: c.indirect_profile_download,
        }
    }
}

impl Report for EimList {
    fn human(&self) -> String {
        let mut table = Table::new(&["EIM ID", "FQDN", "COUNTER", "TOKEN", "KEY", "TLS ANCHOR"]);
        for e in &self.eims {
            table.row(vec![
                e.eim_id.clone(),
                or_dash(e.fqdn.as_ref()),
                or_dash(e.counter_value),
                or_dash(e.association_token),
                or_dash(e.public_key.as_ref().map(|k| k.kind)),
                or_dash(e.tls_anchor.as_ref().map(|k| k.kind)),
            ]);
        }
        table.render("no eIM configured")
    }
}

#[derive(Debug, Serialize)]
struct Added {
    eim_id: String,
    result: &'static str,
    association_token: Option<i64>,
}

impl Report for Added {
    fn human(&self) -> String {
        super::output::fields(&[
            ("eIM added", self.eim_id.clone()),
            ("association token", or_dash(self.association_token)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_forms() {
        assert!(check_fqdn("eim.example.com").is_ok());
        assert!(check_fqdn("127.0.0.1:8000").is_ok());
        assert!(check_fqdn("https://eim").is_err());
        assert!(check_fqdn("eim:99999").is_err());
        assert!(check_fqdn(":80").is_err());
    }

    #[test]
    fn base64_and_pem() {
        assert_eq!(base64_decode("TWFu").as_deref(), Some(&b"Man"[..]));
        assert_eq!(base64_decode("TWE=").as_deref(), Some(&b"Ma"[..]));
        assert_eq!(base64_decode("TQ==").as_deref(), Some(&b"M"[..]));
        assert_eq!(base64_decode("T!"), None);
        let pem = "junk\n-----BEGIN PUBLIC KEY-----\nTW\nFu\n-----END PUBLIC KEY-----\n";
        assert_eq!(pem_body(pem).as_deref(), Some(&b"Man"[..]));
        assert_eq!(pem_body("no pem"), None);
    }

    #[test]
    fn keys_and_certificates_are_told_apart() {
        // SEQUENCE { SEQUENCE { OID ecPublicKey, OID prime256v1 }, BIT STRING }
        let spki =
            hex::decode("3019301306072A8648CE3D020106082A8648CE3D030107030200FF").expect("hex");
        assert!(matches!(key_from_der(&spki), Ok(EimKey::PublicKey(_))));
        // SEQUENCE { SEQUENCE { [0] { INTEGER 2 } … } … } reads as a certificate.
        let cert = hex::decode("300C3005A0030201023000030100").expect("hex");
        assert!(matches!(key_from_der(&cert), Ok(EimKey::Certificate(_))));
        assert!(key_from_der(&[0x30, 0x00]).is_err());
        assert!(key_from_der(b"garbage").is_err());
    }
}
