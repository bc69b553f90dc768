//! What the unit tests of several modules share: a runtime to run one test's future on, and a TLS server end
//! for loopback servers written inside a test.

use std::sync::Arc;

use euiccd_sim::crypto::pki::CertAndKey;
use rustls::SupportedProtocolVersion;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Runs `future` on a fresh current-thread runtime with I/O and timers.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A TLS acceptor with `tls`'s certificate and key, speaking `versions`, on rustls' ring provider.
pub(crate) fn tls_acceptor(
    tls: &CertAndKey,
    versions: &[&'static SupportedProtocolVersion],
) -> tokio_rustls::TlsAcceptor {
    let key = PrivateKeyDer::from_pem_slice(tls.key.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let chain = vec![CertificateDer::from(tls.cert.der().to_vec())];
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}
