//! TLS against the simulated HTTPS server on loopback: session resumption across connections, trust from an
//! eIM configuration (a pinned key, a certificate as CA), and the bytes counted on the wire.

use std::net::SocketAddr;
use std::sync::Arc;

use euicc_asn1::from_ber;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use rustls::{ClientConfig, HandshakeKind};

use super::*;
use crate::euicc::EimKey;
use crate::remote::tls::{client_config, eim_client_config};
use euiccd_sim::crypto::pki::{CertAndKey, DEFAULT_EIM_HOST, TestPki};
use euiccd_sim::https_server::{self, Listening};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn pki() -> TestPki {
    TestPki::generate(&"89049032123451234512345678901235".parse().unwrap()).unwrap()
}

/// A server answering every request `200 ok` with the certificate and key `tls`.
async fn server(tls: &CertAndKey) -> Listening {
    https_server::serve("test", tls, "127.0.0.1:0".parse().unwrap(), |_| async {
        let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
        *response.status_mut() = StatusCode::OK;
        response
    })
    .await
    .unwrap()
}

fn client(tls: &Arc<ClientConfig>, addr: SocketAddr) -> HttpsClient {
    HttpsClient::new(
        Arc::clone(tls),
        HttpOptions {
            timeout: Duration::from_secs(10),
            connect_override: Some(addr.to_string()),
            ..HttpOptions::default()
        },
    )
}

async fn get(client: &mut HttpsClient, host: &str) -> Result<HttpResponse, HttpError> {
    let server = Server::parse(host).unwrap();
    client
        .post(&server, "/", "text/plain", &[], b"hi".to_vec())
        .await
}

/// The `trustedPublicKeyDataTls` that pins the key of `pinned`.
fn pinned_key(pinned: &CertAndKey) -> EimKey {
    EimKey::PublicKey(from_ber(&pinned.key.verifying_key().to_spki_der().unwrap()).unwrap())
}

#[test]
fn a_later_connection_resumes_the_session_and_bytes_are_counted() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path()).unwrap();
    block_on(async {
        let listening = server(&pki.eim_tls).await;
        let tls = client_config(&[dir.path().join("ci.cert.pem")]).unwrap();
        let mut first = client(&tls, listening.local_addr());
        let stats = first.wire_stats();
        assert_eq!(get(&mut first, DEFAULT_EIM_HOST).await.unwrap().body, b"ok");
        assert_eq!(first.last_handshake(), Some(HandshakeKind::Full));
        let full = stats.snapshot();
        assert_eq!((full.full_handshakes, full.resumed_handshakes), (1, 0));
        // Keep-alive: a second request on the open connection costs no handshake.
        get(&mut first, DEFAULT_EIM_HOST).await.unwrap();
        let kept = stats.snapshot().since(&full);
        assert_eq!(kept.full_handshakes + kept.resumed_handshakes, 0);
        assert!(kept.sent > 0 && kept.received > 0, "{kept:?}");
        // A new connection, even by a new client from the same configuration, resumes.
        first.disconnect();
        get(&mut first, DEFAULT_EIM_HOST).await.unwrap();
        assert_eq!(first.last_handshake(), Some(HandshakeKind::Resumed));
        let resumed = stats.snapshot().since(&full);
        assert_eq!(resumed.resumed_handshakes, 1);
        let mut second = client(&tls, listening.local_addr());
        get(&mut second, DEFAULT_EIM_HOST).await.unwrap();
        assert_eq!(second.last_handshake(), Some(HandshakeKind::Resumed));
        // The resumed handshake brings no certificate: the server sends less than in the full one.
        let second_counts = second.wire_stats().snapshot();
        let cert_len = pki.eim_tls.cert.der().len() as u64;
        assert!(
            second_counts.received + cert_len / 2 < full.received,
            "resumed {second_counts:?} vs full {full:?}"
        );
    });
}

#[test]
fn a_pinned_key_is_accepted_and_any_other_key_refused() {
    let pki = pki();
    block_on(async {
        let listening = server(&pki.eim_tls).await;
        let pinned = eim_client_config(Some(&pinned_key(&pki.eim_tls)), &[]).unwrap();
        let mut ok = client(&pinned, listening.local_addr());
        get(&mut ok, DEFAULT_EIM_HOST).await.unwrap();
        // The key is the identity: the name does not matter.
        ok.disconnect();
        let mut other_name = client(&pinned, listening.local_addr());
        get(&mut other_name, "eim.elsewhere.test").await.unwrap();

        let wrong = eim_client_config(Some(&pinned_key(&pki.dp_tls)), &[]).unwrap();
        let mut refused = client(&wrong, listening.local_addr());
        let error = get(&mut refused, DEFAULT_EIM_HOST).await.unwrap_err();
        assert!(matches!(error, HttpError::Handshake { .. }), "{error}");
    });
}

#[test]
fn an_eim_certificate_anchor_is_used_as_ca() {
    let pki = pki();
    let other = self::pki();
    block_on(async {
        let listening = server(&pki.eim_tls).await;
        let ci = EimKey::Certificate(from_ber(pki.ci.cert.der()).unwrap());
        let tls = eim_client_config(Some(&ci), &[]).unwrap();
        let mut ok = client(&tls, listening.local_addr());
        get(&mut ok, DEFAULT_EIM_HOST).await.unwrap();
        // As a CA, the name is checked.
        let mut wrong_name = client(&tls, listening.local_addr());
        let error = get(&mut wrong_name, "eim.elsewhere.test")
            .await
            .unwrap_err();
        assert!(matches!(error, HttpError::Handshake { .. }), "{error}");
        // Another CI does not vouch for this server.
        let foreign = EimKey::Certificate(from_ber(other.ci.cert.der()).unwrap());
        let tls = eim_client_config(Some(&foreign), &[]).unwrap();
        let mut refused = client(&tls, listening.local_addr());
        let error = get(&mut refused, DEFAULT_EIM_HOST).await.unwrap_err();
        assert!(matches!(error, HttpError::Handshake { .. }), "{error}");
    });
}
