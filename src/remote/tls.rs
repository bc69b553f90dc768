//! The TLS client configuration: rustls with the ring provider (no aws-lc, no OpenSSL), TLS 1.2 and 1.3, offering
//! only the suites, group and signature schemes an eIM and an SM-DP+ need ([`provider`]), and no ALPN.
//!
//! SM-DP+ servers chain to the GSMA CI roots, which no OS store holds, so trust anchors come from files
//! (PEM, one or more certificates, or a single DER certificate); an OS bundle can be added as one more file
//! ([`SYSTEM_CA_BUNDLE`]). There is no switch to turn certificate verification off.
//!
//! An eIM is trusted as its eUICC configuration says (`trustedPublicKeyDataTls`, [`eim_client_config`]): a
//! bare public key is pinned (the server must present a certificate with exactly that key and prove it holds
//! the private key; name and dates are not checked, the key is the identity), a certificate is used as the
//! only CA. Without one, the configured anchor files apply.
//!
//! Every configuration keeps a small in-memory session cache, so a client built from one `Arc<ClientConfig>`
//! kept for the life of the agent resumes its sessions (TLS 1.3 tickets, TLS 1.2 session ids or tickets):
//! an idle poll then costs an abbreviated handshake instead of a certificate chain.
//!
//! Certificates are checked at the verification time of [`crate::clock`]: the system clock, but never
//! earlier than the build time or the latest time the daemon stored, so an unset clock (1970 on a board
//! without RTC) does not make every certificate "not valid yet".
//!
//! rustls implements no brainpool curve: a server that offers only brainpoolP256r1 fails the handshake, and
//! [`HandshakeFailure`] says so, as it says what to do about an unknown issuer, a wrong name or a
//! certificate outside its dates.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WantsClientCert};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::time_provider::TimeProvider;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, ConfigBuilder, DigitallySignedStruct,
    RootCertStore, SignatureScheme,
};

use crate::clock::{self, SystemClock};
use crate::euicc::EimKey;

/// Sessions remembered for resumption: the IPA talks to one eIM and a few SM-DP+ servers.
const SESSION_CACHE_SIZE: usize = 8;

/// Where Debian, Ubuntu, Alpine and OpenWrt (`ca-bundle`) keep the system's PEM bundle.
pub(crate) const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A trust anchor file could not be read.
    #[error("cannot read the trust anchors in {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A trust anchor file holds no certificate rustls accepts as an anchor.
    #[error("trust anchors {path}: no usable certificate (PEM or DER)")]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// No trust anchor at all: every connection would fail.
    #[error(
        "no trust anchors: give the SM-DP+'s CI certificate (--smdp-ca) or use the system store"
    )]
    NoAnchors,
    /// rustls refused the configuration.
    #[error("rustls refused the TLS configuration")]
    Config(#[from] rustls::Error),
    /// The eIM's `trustedPublicKeyDataTls` certificate cannot serve as a trust anchor.
    #[error("the eIM's TLS trust anchor certificate is unusable: {0}")]
    BadAnchor(String),
}

/// Builds a client configuration that trusts the certificates in `anchor_files`.
pub fn client_config(anchor_files: &[PathBuf]) -> Result<Arc<ClientConfig>, TlsError> {
    client_config_with_clock(anchor_files, SystemClock::Real)
}

/// [`client_config`] checking certificates at the verification time of `clock` ([`crate::clock`]).
pub(crate) fn client_config_with_clock(
    anchor_files: &[PathBuf],
    clock: SystemClock,
) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    for path in anchor_files {
        add_anchors(&mut roots, path)?;
    }
    if roots.is_empty() {
        return Err(TlsError::NoAnchors);
    }
    Ok(finish(builder(clock)?.with_root_certificates(roots)))
}

/// Builds the client configuration of an eIM from its `trustedPublicKeyDataTls` (`anchor`): a public key is
/// pinned, a certificate is the only CA. Without an anchor, the certificates in `anchor_files` are trusted.
pub fn eim_client_config(
    anchor: Option<&EimKey>,
    anchor_files: &[PathBuf],
) -> Result<Arc<ClientConfig>, TlsError> {
    match anchor {
        Some(EimKey::PublicKey(key)) => pinned_key_config(key.as_der()),
        Some(EimKey::Certificate(cert)) => {
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from(cert.as_der().to_vec()))
                .map_err(|e| TlsError::BadAnchor(e.to_string()))?;
            Ok(finish(
                builder(SystemClock::Real)?.with_root_certificates(roots),
            ))
        }
        None => client_config(anchor_files),
    }
}

/// Builds a client configuration that accepts exactly one server key, `spki_der` (a DER
/// SubjectPublicKeyInfo): see the module documentation.
pub(crate) fn pinned_key_config(spki_der: &[u8]) -> Result<Arc<ClientConfig>, TlsError> {
    let verifier = PinnedKey {
        spki: spki_der.to_vec(),
        algorithms: provider().signature_verification_algorithms,
    };
    Ok(finish(
        builder(SystemClock::Real)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier)),
    ))
}

/// What the client offers, and nothing more: every offered suite, group and signature scheme costs bytes in
/// every ClientHello, on every poll of every device.
///
/// - TLS 1.3: `TLS_AES_128_GCM_SHA256` only, the suite every TLS 1.3 server must implement (RFC 8446 §9.1).
///   AES-256 and ChaCha20 buy nothing here and cost two bytes each in the ClientHello and their code.
/// - TLS 1.2 (SM-DP+ servers built for SGP.22 v2 may speak only it): `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`,
///   the suite SGP.22 §2.6.6 prescribes, and `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256` for a server under a
///   public CA (`system_ca`) with an RSA certificate, whose TLS 1.2 suite must name the key type.
/// - Key exchange: secp256r1 only, the curve SGP.22 §2.6.6 prescribes and so every eIM and SM-DP+ has; the one
///   key share the ClientHello carries is therefore the one the server takes, with no HelloRetryRequest.
///   (x25519 would be 33 bytes shorter each way, but a server that does not offer it costs a whole extra
///   round trip and a second ClientHello; secp384r1 nobody needs.)
/// - Signatures ([`VERIFICATION_ALGORITHMS`]): ECDSA on P-256 and P-384 (GSMA CI and eIM certificates), RSA for
///   the public CAs a `system_ca` server chains to.
///
/// Built field by field rather than from `rustls::crypto::ring::default_provider()`, whose list of every suite
/// and group links the code of all of them (x25519, P-384, ChaCha20, AES-256) although none is offered.
fn provider() -> CryptoProvider {
    use rustls::crypto::ring::{cipher_suite, kx_group};
    CryptoProvider {
        cipher_suites: vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        kx_groups: vec![kx_group::SECP256R1],
        signature_verification_algorithms: VERIFICATION_ALGORITHMS,
        secure_random: &SystemRandom,
        key_provider: &NoClientKeys,
    }
}

/// The operating system's random generator (getrandom), through ring as rustls' own provider uses it; rustls
/// keeps its instance private. Also the daemon's source of poll jitter.
#[derive(Debug)]
pub(crate) struct SystemRandom;

impl rustls::crypto::SecureRandom for SystemRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), rustls::crypto::GetRandomFailed> {
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), buf)
            .map_err(|_| rustls::crypto::GetRandomFailed)
    }
}

/// The client presents no certificate, so it loads no private key.
#[derive(Debug)]
struct NoClientKeys;

impl rustls::crypto::KeyProvider for NoClientKeys {
    fn load_private_key(
        &self,
        _key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn rustls::sign::SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "the IPA presents no client certificate".into(),
        ))
    }
}

/// The signature algorithms certificates and handshakes are verified with. `mapping` is what the ClientHello
/// offers, in this order: ECDSA P-256 first (SGP.22 §2.6.6), P-384, then RSA-PSS (a TLS 1.3 server with an
/// RSA key must sign with it) and PKCS#1 (TLS 1.2 with RSA), both SHA-256. `all` also verifies chains, where a
/// public CA may sign with SHA-384 or SHA-512.
static VERIFICATION_ALGORITHMS: WebPkiSupportedAlgorithms = {
    use webpki::ring as alg;
    WebPkiSupportedAlgorithms {
        all: &[
            alg::ECDSA_P256_SHA256,
            alg::ECDSA_P256_SHA384,
            alg::ECDSA_P384_SHA256,
            alg::ECDSA_P384_SHA384,
            alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
            alg::RSA_PKCS1_2048_8192_SHA256,
            alg::RSA_PKCS1_2048_8192_SHA384,
            alg::RSA_PKCS1_2048_8192_SHA512,
        ],
        mapping: &[
            (
                SignatureScheme::ECDSA_NISTP256_SHA256,
                &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
            ),
            (
                SignatureScheme::ECDSA_NISTP384_SHA384,
                &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
            ),
            (
                SignatureScheme::RSA_PSS_SHA256,
                &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA256,
                &[alg::RSA_PKCS1_2048_8192_SHA256],
            ),
        ],
    }
};

/// What a record of the negotiated `suite` adds to its plaintext besides the 5-byte header: the AEAD tag and
/// the inner content type in TLS 1.3, the explicit nonce and the tag in TLS 1.2 AES-GCM (the only TLS 1.2
/// suites [`provider`] offers). For the byte accounting of [`super::wire`].
pub(crate) fn record_expansion(suite: rustls::SupportedCipherSuite) -> u64 {
    match suite {
        rustls::SupportedCipherSuite::Tls13(_) => 16 + 1,
        rustls::SupportedCipherSuite::Tls12(_) => 8 + 16,
    }
}

fn builder(
    clock: SystemClock,
) -> Result<ConfigBuilder<ClientConfig, rustls::WantsVerifier>, TlsError> {
    Ok(
        ClientConfig::builder_with_details(Arc::new(provider()), Arc::new(VerificationTime(clock)))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?,
    )
}

/// The time rustls checks certificates (and ages session tickets) at: the system clock raised to the
/// floor of [`crate::clock`], so that a device whose clock is unset still reaches its servers.
#[derive(Debug)]
struct VerificationTime(SystemClock);

impl TimeProvider for VerificationTime {
    fn current_time(&self) -> Option<UnixTime> {
        let since_epoch = clock::verification_time(self.0.now())
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(UnixTime::since_unix_epoch(since_epoch))
    }
}

/// The settings every configuration shares: no client certificate, a small session cache. No ALPN: without
/// it a server speaks HTTP/1.1 (HTTP/2 over TLS needs ALPN, RFC 9113 §3.2), which is what ESipa and ES9+ use,
/// and the extension would cost 15 bytes in every ClientHello and again in the server's answer.
fn finish(builder: ConfigBuilder<ClientConfig, WantsClientCert>) -> Arc<ClientConfig> {
    let mut config = builder.with_no_client_auth();
    config.resumption = Resumption::in_memory_sessions(SESSION_CACHE_SIZE);
    Arc::new(config)
}

/// Accepts a server whose end-entity certificate carries exactly the pinned key, and checks that the
/// handshake is signed with it. Intermediates, name and validity dates are not looked at: the key is what
/// the eUICC configuration trusts.
#[derive(Debug)]
struct PinnedKey {
    spki: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedKey {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let parsed = ParsedCertificate::try_from(end_entity)?;
        if parsed.subject_public_key_info().as_ref() == self.spki.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Largest trust-anchor file read: a system CA bundle is about 200 KiB.
const MAX_ANCHOR_FILE: u64 = 4 * 1024 * 1024;

/// Adds the certificates of one file: every PEM `CERTIFICATE` block, or the file as one DER certificate.
/// Certificates rustls cannot use as anchors are skipped; a file without any usable one is an error.
fn add_anchors(roots: &mut RootCertStore, path: &Path) -> Result<(), TlsError> {
    let bytes =
        crate::bounded_read::read(path, MAX_ANCHOR_FILE).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })?;
    let mut certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    if certificates.is_empty() && bytes.first() == Some(&0x30) {
        certificates.push(CertificateDer::from(bytes));
    }
    let (added, _ignored) = roots.add_parsable_certificates(certificates);
    if added == 0 {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// Why a TLS handshake failed, in words a person can act on: each says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeFailure {
    /// The server's chain ends at a CA this client does not trust.
    UnknownIssuer,
    /// The chain names a trusted CA but its signature does not verify with that CA's key: another CA of
    /// the same name (a test CI instead of the production one, or the reverse).
    WrongIssuerKey,
    /// The certificate is not issued for the server's name.
    NameMismatch,
    /// The certificate expired before the verification time (`secs`: the verification time and
    /// `notAfter`, seconds since 1970, when rustls says).
    Expired(Option<(u64, u64)>),
    /// The certificate is not valid before a time later than the verification time (`notBefore`).
    NotValidYet(Option<(u64, u64)>),
    /// The server and rustls share no curve, signature scheme or cipher suite: the usual sign of a
    /// brainpool-only SM-DP+.
    NoCommonAlgorithm,
    /// The server certificate cannot be parsed (a brainpool key is a common cause).
    BadCertificate,
    /// Anything else: the TLS library's own words.
    Other(String),
}

impl HandshakeFailure {
    /// Classifies what tokio-rustls returned for a failed handshake (a `rustls::Error` inside an I/O error,
    /// or the socket's own error).
    pub(crate) fn classify(error: &std::io::Error) -> Self {
        use rustls::{Error, PeerIncompatible, PeerMisbehaved};
        let Some(tls) = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Error>())
        else {
            return Self::Other(error.to_string());
        };
        match tls {
            Error::InvalidCertificate(certificate) => match certificate {
                CertificateError::UnknownIssuer => Self::UnknownIssuer,
                CertificateError::BadSignature => Self::WrongIssuerKey,
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => Self::NameMismatch,
                CertificateError::Expired => Self::Expired(None),
                CertificateError::ExpiredContext { time, not_after } => {
                    Self::Expired(Some((time.as_secs(), not_after.as_secs())))
                }
                CertificateError::NotValidYet => Self::NotValidYet(None),
                CertificateError::NotValidYetContext { time, not_before } => {
                    Self::NotValidYet(Some((time.as_secs(), not_before.as_secs())))
                }
                CertificateError::UnsupportedSignatureAlgorithmContext { .. } => {
                    Self::NoCommonAlgorithm
                }
                CertificateError::BadEncoding => Self::BadCertificate,
                other => Self::Other(Error::InvalidCertificate(other.clone()).to_string()),
            },
            Error::PeerIncompatible(
                PeerIncompatible::NoKxGroupsInCommon
                | PeerIncompatible::NoSignatureSchemesInCommon
                | PeerIncompatible::NoCipherSuitesInCommon
                | PeerIncompatible::UncompressedEcPointsRequired,
            )
            | Error::AlertReceived(
                AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity,
            )
            | Error::PeerMisbehaved(PeerMisbehaved::SelectedUnofferedKxGroup) => {
                Self::NoCommonAlgorithm
            }
            other => Self::Other(other.to_string()),
        }
    }

    /// A stable name of the class, for `error.kind` in the CLI's JSON.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::UnknownIssuer | Self::WrongIssuerKey => "tls-unknown-issuer",
            Self::NameMismatch => "tls-name-mismatch",
            Self::Expired(_) => "tls-expired",
            Self::NotValidYet(_) => "tls-not-valid-yet",
            Self::NoCommonAlgorithm | Self::BadCertificate => "tls-no-common-algorithm",
            Self::Other(_) => "tls",
        }
    }
}

impl std::fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownIssuer => f.write_str(
                "its certificate is issued by a CA this device does not trust; give the CA certificate \
                 that issued it (for an SM-DP+ the GSMA CI root, which no operating system's store holds) \
                 with --smdp-ca FILE or trust_anchors in the configuration",
            ),
            Self::WrongIssuerKey => f.write_str(
                "its certificate does not verify under the CA certificate given for its issuer (a CA \
                 of the same name but another key, e.g. a test CI instead of the production one); give \
                 the CA certificate that really issued it with --smdp-ca FILE or trust_anchors in the \
                 configuration",
            ),
            Self::NameMismatch => f.write_str(
                "its certificate is not issued for this name; check the server address (activation code \
                 or configuration), or whether --smdp-connect sends the connection to another server",
            ),
            Self::Expired(times) => {
                f.write_str("its certificate expired")?;
                if let Some((time, not_after)) = times {
                    write!(
                        f,
                        " on {} (checked at {})",
                        clock::utc(*not_after),
                        clock::utc(*time)
                    )?;
                }
                f.write_str("; if the system clock is ahead, set it, otherwise the server must renew it")
            }
            Self::NotValidYet(times) => {
                f.write_str("its certificate is not valid yet")?;
                if let Some((time, not_before)) = times {
                    write!(
                        f,
                        " (valid from {}, checked at {})",
                        clock::utc(*not_before),
                        clock::utc(*time)
                    )?;
                }
                f.write_str("; check the system clock (date -u) and NTP")
            }
            Self::NoCommonAlgorithm => f.write_str(
                "the server and this client share no TLS curve, signature scheme or cipher suite; an \
                 SM-DP+ that offers only brainpoolP256r1 cannot be reached, because rustls (ring) \
                 implements NIST P-256/P-384 but no brainpool curve; ask the operator for a NIST P-256 \
                 endpoint",
            ),
            Self::BadCertificate => f.write_str(
                "its certificate cannot be parsed; a brainpoolP256r1 key (which rustls does not \
                 implement) is a common cause with SM-DP+ servers",
            ),
            Self::Other(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
#[path = "tls_clock_tests.rs"]
mod clock_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_empty_anchor_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        assert!(matches!(
            client_config(std::slice::from_ref(&missing)),
            Err(TlsError::Read { .. })
        ));
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        assert!(matches!(
            client_config(&[junk]),
            Err(TlsError::NoCertificate { .. })
        ));
        assert!(matches!(client_config(&[]), Err(TlsError::NoAnchors)));
    }

    #[test]
    fn anchors_load_from_pem_and_der() {
        let eid = "89049032123451234512345678901235".parse().unwrap();
        let pki = euiccd_sim::crypto::pki::TestPki::generate(&eid).unwrap();
        let dir = tempfile::tempdir().unwrap();
        pki.write_to(dir.path()).unwrap();
        let der = dir.path().join("ci.der");
        std::fs::write(&der, pki.ci.cert.der()).unwrap();
        client_config(&[dir.path().join("ci.cert.pem"), der]).unwrap();
    }

    #[test]
    fn brainpool_style_failures_are_explained() {
        use rustls::{Error, PeerIncompatible};
        let wrapped = |error: Error| std::io::Error::new(std::io::ErrorKind::InvalidData, error);
        let failure = HandshakeFailure::classify(&wrapped(Error::PeerIncompatible(
            PeerIncompatible::NoKxGroupsInCommon,
        )));
        assert_eq!(failure, HandshakeFailure::NoCommonAlgorithm);
        assert!(failure.to_string().contains("brainpool"), "{failure}");
        assert_eq!(
            HandshakeFailure::classify(&wrapped(Error::AlertReceived(
                AlertDescription::HandshakeFailure
            ))),
            HandshakeFailure::NoCommonAlgorithm
        );
        assert_eq!(
            HandshakeFailure::classify(&wrapped(Error::General("x".into()))),
            HandshakeFailure::Other("unexpected error: x".into())
        );
    }
}
