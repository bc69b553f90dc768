//! The eIM a device starts with (SGP.32 §5.9.4 ES10b.AddInitialEim): at first start an eUICC has no
//! eIM, so nobody could send it signed packages; the configuration names one, and the agent associates it.
//!
//! [`InitialEim`] is that configuration (it deserializes from the daemon's TOML and from JSON); the same
//! parsing serves `euiccd eim add-initial`. [`ensure_initial_eim`] is idempotent and never overrides what
//! the eUICC already has: the eIMs that are associated own the card, and only they may change its eIMs.

use std::path::{Path, PathBuf};

use euicc_asn1::types::sgp22::Certificate;
use euicc_asn1::types::sgp32::common::{AddInitialEimResult, SubjectPublicKeyInfo};
use euicc_asn1::{ChildCursor, Ctx, DecodeError, Limits, Tlv, from_ber};

use crate::apdu::CardChannel;
use crate::euicc::{EimConfig, EimKey, Euicc, EuiccError};

/// The eIM to associate when the eUICC has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InitialEim {
    /// The eIM's identifier (`eimId`), as its packages name it.
    pub(crate) eim_id: String,
    /// Where the eIM is reached: `HOST` or `HOST:PORT`.
    pub(crate) fqdn: String,
    /// The key that verifies the eIM's packages: a public key or a certificate.
    pub(crate) public_key: KeySource,
    /// The initial replay counter; the eIM's first package must carry a larger one.
    pub(crate) counter: Option<i64>,
    /// The trust anchor of the eIM's TLS server: a public key or a certificate.
    pub(crate) tls_anchor: Option<KeySource>,
    /// The eIM relays profile downloads (SGP.32 v1.2 `indirectProfileDownload`): with the download route
    /// `auto`, triggered downloads then go through it.
    pub(crate) indirect_profile_download: bool,
}

/// Where a key or certificate comes from: a file (PEM or DER) or inline PEM text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySource {
    /// A PEM or DER file.
    Path(PathBuf),
    /// PEM text (`-----BEGIN PUBLIC KEY-----` or `-----BEGIN CERTIFICATE-----`).
    Pem(String),
}

/// A configured eIM that cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InitialEimError {
    /// The FQDN is not `HOST` or `HOST:PORT`.
    #[error("eIM FQDN: expected HOST or HOST:PORT, not {0:?}")]
    Fqdn(String),
    /// A key file could not be read.
    #[error("cannot read {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// PEM text without a well-formed block.
    #[error("{0}: malformed PEM")]
    Pem(String),
    /// The bytes are neither a SubjectPublicKeyInfo nor a certificate.
    #[error("{what}: not a public key or certificate: {reason}")]
    NotAKey {
        /// Where the bytes came from.
        what: String,
        /// What the decoder reported.
        reason: String,
    },
}

impl InitialEim {
    /// The eIM configuration to send in AddInitialEim, with both keys read and checked.
    pub(crate) fn to_config(&self) -> Result<EimConfig, InitialEimError> {
        check_fqdn(&self.fqdn)?;
        Ok(EimConfig {
            eim_id: self.eim_id.clone(),
            fqdn: Some(self.fqdn.clone()),
            counter_value: self.counter,
            public_key: Some(self.public_key.read()?),
            tls_anchor: self.tls_anchor.as_ref().map(KeySource::read).transpose()?,
            indirect_profile_download: self.indirect_profile_download,
            ..EimConfig::default()
        })
    }
}

impl KeySource {
    /// Reads the key or certificate.
    pub(crate) fn read(&self) -> Result<EimKey, InitialEimError> {
        match self {
            Self::Path(path) => read_key_file(path),
            Self::Pem(text) => key_from_text_or_der(text.as_bytes(), "inline PEM"),
        }
    }
}

/// What [`ensure_initial_eim`] found and did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) enum Bootstrap {
    /// The eUICC had no eIM; the configured one was added.
    Added {
        /// The association token the eUICC assigned, if it assigns them.
        association_token: Option<i64>,
    },
    /// The configured eIM is already associated: nothing was done.
    AlreadyAssociated,
    /// The eUICC is associated with other eIMs: nothing was done (only they may change its eIMs).
    OtherEims {
        /// Their identifiers.
        eim_ids: Vec<String>,
    },
}

/// Why [`ensure_initial_eim`] failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BootstrapError {
    /// The configuration is unusable.
    #[error("the [initial_eim] configuration is unusable")]
    Config(#[from] InitialEimError),
    /// The eUICC failed or refused.
    #[error("adding the initial eIM failed")]
    Euicc(#[from] EuiccError),
    /// The eUICC answered AddInitialEim with a number of results other than one.
    #[error("initial eIM: AddInitialEim gave {0} results for one eIM")]
    Results(usize),
}

/// Associates `initial` with the eUICC when it has no eIM yet; does nothing when it has this one or others
/// (and says which). The configuration is checked before the eUICC is asked anything.
pub(crate) async fn ensure_initial_eim<C: CardChannel>(
    euicc: &mut Euicc<C>,
    initial: &InitialEim,
) -> Result<Bootstrap, BootstrapError> {
    let config = initial.to_config()?;
    let present = euicc.eim_configuration().await?;
    if present.iter().any(|eim| eim.eim_id == initial.eim_id) {
        return Ok(Bootstrap::AlreadyAssociated);
    }
    if !present.is_empty() {
        let eim_ids: Vec<String> = present.into_iter().map(|eim| eim.eim_id).collect();
        tracing::warn!(?eim_ids, configured = %initial.eim_id, "the eUICC has other eIMs; the configured one is not added");
        return Ok(Bootstrap::OtherEims { eim_ids });
    }
    let association_token = add_initial_eim(euicc, config).await?;
    tracing::info!(eim_id = %initial.eim_id, "initial eIM associated");
    Ok(Bootstrap::Added { association_token })
}

/// AddInitialEim for one eIM; returns the association token, if the eUICC assigned one.
pub(crate) async fn add_initial_eim<C: CardChannel>(
    euicc: &mut Euicc<C>,
    config: EimConfig,
) -> Result<Option<i64>, BootstrapError> {
    match euicc.add_initial_eim(vec![config]).await?.as_slice() {
        [AddInitialEimResult::AssociationToken(token)] => Ok(Some(*token)),
        [_] => Ok(None),
        other => Err(BootstrapError::Results(other.len())),
    }
}

/// Accepts `host` or `host:port` (no scheme, no path).
fn check_fqdn(fqdn: &str) -> Result<(), InitialEimError> {
    let bad = || InitialEimError::Fqdn(fqdn.to_owned());
    let (host, port) = match fqdn.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (fqdn, None),
    };
    if host.is_empty() || host.contains(['/', ' ', ':']) {
        return Err(bad());
    }
    match port.map(str::parse::<u16>) {
        Some(Err(_)) => Err(bad()),
        _ => Ok(()),
    }
}

/// Largest key or certificate file read (one PEM certificate is a few KiB).
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Reads a public key (SubjectPublicKeyInfo) or a certificate from a PEM or DER file.
fn read_key_file(path: &Path) -> Result<EimKey, InitialEimError> {
    let bytes =
        crate::bounded_read::read(path, MAX_KEY_FILE).map_err(|source| InitialEimError::Read {
            path: path.to_owned(),
            source,
        })?;
    key_from_text_or_der(&bytes, &path.display().to_string())
}

/// A key from PEM text or DER bytes; `what` names the source in errors.
fn key_from_text_or_der(bytes: &[u8], what: &str) -> Result<EimKey, InitialEimError> {
    let der = match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN ") => {
            pem_body(text).ok_or_else(|| InitialEimError::Pem(what.to_owned()))?
        }
        _ => bytes.to_vec(),
    };
    key_from_der(&der).map_err(|reason| InitialEimError::NotAKey {
        what: what.to_owned(),
        reason,
    })
}

/// A SubjectPublicKeyInfo starts `30 { 30 { 06 algorithm …` ; a certificate `30 { 30 { A0 version | 02 …`.
fn key_from_der(der: &[u8]) -> Result<EimKey, String> {
    let decode = |e: DecodeError| e.to_string();
    let mut cx = Ctx::new(Limits::default());
    let outer = Tlv::parse_message(der, &mut cx).map_err(decode)?;
    let first = ChildCursor::new(&outer)
        .next(&mut cx)
        .map_err(decode)?
        .ok_or("empty SEQUENCE")?;
    let inner = ChildCursor::new(&first).next(&mut cx).map_err(decode)?;
    if inner.is_some_and(|t| t.raw.first() == Some(&0x06)) {
        from_ber::<SubjectPublicKeyInfo>(der).map(EimKey::PublicKey)
    } else {
        from_ber::<Certificate>(der).map(EimKey::Certificate)
    }
    .map_err(decode)
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

    #[test]
    fn a_bad_configuration_is_a_typed_error() {
        let initial = |fqdn: &str, key: KeySource| InitialEim {
            eim_id: "e".into(),
            fqdn: fqdn.into(),
            public_key: key,
            counter: None,
            tls_anchor: None,
            indirect_profile_download: false,
        };
        let missing = initial("eim", KeySource::Path("/nonexistent/key.pem".into()));
        assert!(matches!(
            missing.to_config(),
            Err(InitialEimError::Read { .. })
        ));
        let bad_pem = initial("eim", KeySource::Pem("-----BEGIN X-----\n!!\n".into()));
        assert!(matches!(bad_pem.to_config(), Err(InitialEimError::Pem(_))));
        let not_key = initial(
            "eim",
            KeySource::Pem("-----BEGIN X-----\nMAA=\n-----END X-----".into()),
        );
        assert!(matches!(
            not_key.to_config(),
            Err(InitialEimError::NotAKey { .. })
        ));
        let bad_fqdn = initial("https://eim", KeySource::Path("k".into()));
        assert!(matches!(
            bad_fqdn.to_config(),
            Err(InitialEimError::Fqdn(_))
        ));
    }

    /// `ensure_initial_eim` against the simulated eUICC in process.
    mod on_the_simulated_euicc {
        use super::*;
        use crate::agent::tests::{block_on, in_process, scratch_pki};
        use crate::apdu::inprocess::InProcessChannel;
        use euiccd_sim::euicc::{SimEuicc, SimEuiccConfig};

        fn setup() -> (tempfile::TempDir, Euicc<InProcessChannel>) {
            let (dir, pki) = scratch_pki();
            let sim = SimEuicc::new(pki.euicc_identity(), SimEuiccConfig::default());
            (dir, in_process(sim))
        }

        fn initial(dir: &Path, eim_id: &str) -> InitialEim {
            InitialEim {
                eim_id: eim_id.into(),
                fqdn: "eim.example.test".into(),
                public_key: KeySource::Path(dir.join("eim-sign.cert.pem")),
                counter: Some(0),
                tls_anchor: Some(KeySource::Path(dir.join("ci.cert.pem"))),
                indirect_profile_download: false,
            }
        }

        #[test]
        fn added_once_then_left_alone_and_never_beside_another() {
            block_on(async {
                let (dir, mut euicc) = setup();
                let first = initial(dir.path(), "eim-first");
                let added = ensure_initial_eim(&mut euicc, &first).await.unwrap();
                assert!(
                    matches!(
                        added,
                        Bootstrap::Added {
                            association_token: Some(_)
                        }
                    ),
                    "{added:?}"
                );
                let eims = euicc.eim_configuration().await.unwrap();
                assert_eq!(eims.len(), 1);
                assert_eq!(eims[0].fqdn.as_deref(), Some("eim.example.test"));
                assert!(matches!(eims[0].public_key, Some(EimKey::Certificate(_))));
                assert!(eims[0].tls_anchor.is_some());

                let again = ensure_initial_eim(&mut euicc, &first).await.unwrap();
                assert_eq!(again, Bootstrap::AlreadyAssociated);
                let other = initial(dir.path(), "eim-other");
                let refused = ensure_initial_eim(&mut euicc, &other).await.unwrap();
                assert_eq!(
                    refused,
                    Bootstrap::OtherEims {
                        eim_ids: vec!["eim-first".into()]
                    }
                );
                assert_eq!(euicc.eim_configuration().await.unwrap().len(), 1);
            });
        }

        #[test]
        fn a_bad_key_is_reported_before_the_euicc_is_asked() {
            block_on(async {
                let (dir, mut euicc) = setup();
                let mut bad = initial(dir.path(), "eim-bad");
                bad.public_key = KeySource::Path(dir.path().join("missing.pem"));
                let before = euicc.session().counters().es10_commands;
                let error = ensure_initial_eim(&mut euicc, &bad).await.unwrap_err();
                assert!(matches!(
                    error,
                    BootstrapError::Config(InitialEimError::Read { .. })
                ));
                assert_eq!(euicc.session().counters().es10_commands, before);
            });
        }
    }
}
