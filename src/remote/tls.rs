//! The TLS client configuration: rustls with the ring provider (no aws-lc, no OpenSSL), TLS 1.2 and 1.3.
//!
//! SM-DP+ servers chain to the GSMA CI roots, which no OS store holds, so trust anchors come from files
//! (PEM, one or more certificates, or a single DER certificate); an OS bundle can be added as one more file
//! ([`SYSTEM_CA_BUNDLE`]). There is no switch to turn certificate verification off.
//!
//! rustls implements no brainpool curve: a server that offers only brainpoolP256r1 fails the handshake, and
//! [`describe_handshake_error`] says so.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{AlertDescription, ClientConfig, RootCertStore};

/// Where Debian, Ubuntu, Alpine and OpenWrt (`ca-bundle`) keep the system's PEM bundle.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A trust anchor file could not be read.
    #[error("trust anchors {path}: {source}")]
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
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Builds a client configuration that trusts the certificates in `anchor_files`.
pub fn client_config(anchor_files: &[PathBuf]) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    for path in anchor_files {
        add_anchors(&mut roots, path)?;
    }
    if roots.is_empty() {
        return Err(TlsError::NoAnchors);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Adds the certificates of one file: every PEM `CERTIFICATE` block, or the file as one DER certificate.
/// Certificates rustls cannot use as anchors are skipped; a file without any usable one is an error.
fn add_anchors(roots: &mut RootCertStore, path: &Path) -> Result<(), TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
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

/// A readable explanation of a failed handshake, when the failure means the server and rustls share no
/// curve, signature scheme or cipher suite: the usual sign of a brainpool-only SM-DP+.
pub fn describe_handshake_error(error: &rustls::Error) -> Option<&'static str> {
    use rustls::{CertificateError, Error, PeerIncompatible};
    const BRAINPOOL: &str = "the server and this client share no TLS curve, signature scheme or cipher \
        suite; an SM-DP+ that offers only brainpoolP256r1 cannot be reached, because rustls (ring) \
        implements NIST P-256/P-384 but no brainpool curve";
    match error {
        Error::PeerIncompatible(
            PeerIncompatible::NoKxGroupsInCommon
            | PeerIncompatible::NoSignatureSchemesInCommon
            | PeerIncompatible::NoCipherSuitesInCommon
            | PeerIncompatible::UncompressedEcPointsRequired,
        )
        | Error::AlertReceived(
            AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity,
        )
        | Error::InvalidCertificate(CertificateError::UnsupportedSignatureAlgorithmContext {
            ..
        })
        | Error::PeerMisbehaved(rustls::PeerMisbehaved::SelectedUnofferedKxGroup) => {
            Some(BRAINPOOL)
        }
        Error::InvalidCertificate(CertificateError::BadEncoding) => Some(
            "the server certificate cannot be parsed; a brainpoolP256r1 key (unsupported by rustls) \
             is a common cause with SM-DP+ servers",
        ),
        _ => None,
    }
}

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

    #[cfg(feature = "sim")]
    #[test]
    fn anchors_load_from_pem_and_der() {
        let eid = "89049032123451234512345678901235".parse().unwrap();
        let pki = crate::sim::crypto::pki::TestPki::generate(&eid).unwrap();
        let dir = tempfile::tempdir().unwrap();
        pki.write_to(dir.path()).unwrap();
        let der = dir.path().join("ci.der");
        std::fs::write(&der, pki.ci.cert.der()).unwrap();
        client_config(&[dir.path().join("ci.cert.pem"), der]).unwrap();
    }

    #[test]
    fn brainpool_style_failures_are_explained() {
        use rustls::{Error, PeerIncompatible};
        let text = describe_handshake_error(&Error::PeerIncompatible(
            PeerIncompatible::NoKxGroupsInCommon,
        ))
        .unwrap();
        assert!(text.contains("brainpool"), "{text}");
        assert!(
            describe_handshake_error(&Error::AlertReceived(AlertDescription::HandshakeFailure))
                .is_some()
        );
        assert!(describe_handshake_error(&Error::General("x".into())).is_none());
    }
}
