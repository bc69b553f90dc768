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
use crate::remote::wire::Parts;
use crate::test_support::{block_on, tls_acceptor};
use euiccd_sim::crypto::pki::{CertAndKey, DEFAULT_EIM_HOST, TestPki};
use euiccd_sim::https_server::{self, Listening};

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
        // As OpenSSL does, the simulated server sends two tickets after a full handshake, one after a
        // resumption.
        let (full_tickets, resumed_tickets) = (
            full.parts.received.tickets,
            second_counts.parts.received.tickets,
        );
        assert!(
            resumed_tickets > 100 && resumed_tickets * 3 < full_tickets * 2,
            "{resumed_tickets} after a resumption, {full_tickets} after a full handshake"
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

/// One extension of a ClientHello: its type and data.
struct Extension {
    kind: u16,
    data: Vec<u8>,
}

/// What a ClientHello offers: cipher suites and extensions (RFC 8446 §4.1.2), parsed by hand so that the
/// test does not read it with the library that wrote it.
struct ClientHello {
    suites: Vec<u16>,
    extensions: Vec<Extension>,
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn u16_list(bytes: &[u8]) -> Vec<u16> {
    bytes.chunks(2).map(|pair| u16_at(pair, 0)).collect()
}

impl ClientHello {
    /// Parses the handshake message in one TLS record.
    fn parse(record: &[u8]) -> Self {
        assert_eq!(record[0], 22, "a handshake record");
        let message = &record[5..];
        assert_eq!(message[0], 1, "a ClientHello");
        let body = &message[4..];
        let mut at = 2 + 32;
        at += 1 + usize::from(body[at]);
        let suites_len = usize::from(u16_at(body, at));
        let suites = u16_list(&body[at + 2..at + 2 + suites_len]);
        at += 2 + suites_len;
        at += 1 + usize::from(body[at]);
        let end = at + 2 + usize::from(u16_at(body, at));
        at += 2;
        let mut extensions = Vec::new();
        while at < end {
            let len = usize::from(u16_at(body, at + 2));
            extensions.push(Extension {
                kind: u16_at(body, at),
                data: body[at + 4..at + 4 + len].to_vec(),
            });
            at += 4 + len;
        }
        Self { suites, extensions }
    }

    fn extension(&self, kind: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| e.data.as_slice())
    }
}

/// The first record a client built from `tls` writes: its ClientHello, captured by a bare TCP listener.
async fn client_hello(tls: &Arc<ClientConfig>) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut connecting = client(tls, listener.local_addr().unwrap());
    let attempt = tokio::spawn(async move { get(&mut connecting, DEFAULT_EIM_HOST).await });
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut record = vec![0; 5];
    socket.read_exact(&mut record).await.unwrap();
    let len = usize::from(u16_at(&record, 3));
    record.resize(5 + len, 0);
    socket.read_exact(&mut record[5..]).await.unwrap();
    drop(socket);
    assert!(attempt.await.unwrap().is_err());
    record
}

#[test]
fn the_client_hello_offers_only_what_an_eim_and_an_smdp_need() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path()).unwrap();
    let anchors = client_config(&[dir.path().join("ci.cert.pem")]).unwrap();
    let pinned = eim_client_config(Some(&pinned_key(&pki.eim_tls)), &[]).unwrap();
    for tls in [anchors, pinned] {
        let hello = ClientHello::parse(&block_on(client_hello(&tls)));
        // TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff) is a signal, not a suite.
        let suites: Vec<u16> = hello
            .suites
            .iter()
            .copied()
            .filter(|s| *s != 0x00ff)
            .collect();
        assert_eq!(
            suites,
            [0x1301, 0xc02b, 0xc02f],
            "TLS_AES_128_GCM_SHA256, ECDHE_ECDSA and ECDHE_RSA with AES_128_GCM_SHA256"
        );
        let groups = hello.extension(10).expect("supported_groups");
        assert_eq!(u16_list(&groups[2..]), [0x0017], "secp256r1 only");
        // One key share, secp256r1's uncompressed point.
        let shares = hello.extension(51).expect("key_share");
        assert_eq!(usize::from(u16_at(shares, 0)), shares.len() - 2);
        assert_eq!(
            (u16_at(shares, 2), u16_at(shares, 4), shares.len()),
            (0x0017, 65, 2 + 4 + 65)
        );
        let schemes = hello.extension(13).expect("signature_algorithms");
        assert_eq!(
            u16_list(&schemes[2..]),
            [0x0403, 0x0503, 0x0804, 0x0401],
            "ECDSA P-256 and P-384, RSA-PSS and PKCS#1 with SHA-256"
        );
        assert!(hello.extension(16).is_none(), "no ALPN");
        assert!(hello.extension(0).is_some(), "SNI");
    }
}

#[test]
fn an_esipa_request_carries_only_the_binding_headers_and_its_bytes_add_up_by_part() {
    use std::sync::Mutex;
    let pki = pki();
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let capture = Arc::clone(&seen);
    block_on(async move {
        let listening = https_server::serve(
            "test",
            &pki.eim_tls,
            "127.0.0.1:0".parse().unwrap(),
            move |request: hyper::Request<hyper::body::Incoming>| {
                let headers = request
                    .headers()
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
                    .collect();
                *capture.lock().unwrap() = headers;
                async {
                    let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
                    *response.status_mut() = StatusCode::OK;
                    response
                }
            },
        )
        .await
        .unwrap();
        let tls = eim_client_config(Some(&pinned_key(&pki.eim_tls)), &[]).unwrap();
        let http = client(&tls, listening.local_addr());
        let wire = http.wire_stats();
        let mut esipa =
            crate::remote::esipa::EsipaClient::new(http, Server::parse(DEFAULT_EIM_HOST).unwrap());
        let poll = vec![0xbf, 0x4f, 0x03, 0x5a, 0x01, 0x00];
        // "ok" is no ESipa answer: what matters here is what went over the wire.
        let _ = esipa.exchange(euicc_asn1::Layout::V1_2, poll.clone()).await;
        let headers = seen.lock().unwrap().clone();
        let mut names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "content-length",
                "content-type",
                "host",
                "user-agent",
                "x-admin-protocol"
            ]
        );
        assert!(headers.contains(&("user-agent".into(), "gsma-rsp-ipad".into())));
        let head = "POST /gsma/rsp2/asn1 HTTP/1.1\r\n".len()
            + headers
                .iter()
                .map(|(name, value)| name.len() + 2 + value.len() + 2)
                .sum::<usize>()
            + 2;
        let first = wire.snapshot();
        let (sent, received) = (first.parts.sent, first.parts.received);
        assert_eq!(
            (sent.http_head, sent.http_body),
            (head as u64, poll.len() as u64)
        );
        assert_eq!(received.http_body, 2);
        assert_eq!(
            (sent.total(), received.total()),
            (first.sent, first.received)
        );
        // A full handshake; the server's two tickets (rustls' default) come after it.
        assert!(sent.handshake > 0 && received.handshake > 500, "{first:?}");
        assert!(received.tickets > 2 * 100, "{first:?}");
        assert_eq!(
            (sent.records, received.records),
            (22, 22),
            "one TLS 1.3 record each way"
        );
        assert_eq!((sent.other, received.other), (0, 0));
        // On the kept-alive connection: no handshake, no ticket.
        let _ = esipa.exchange(euicc_asn1::Layout::V1_2, poll).await;
        let kept = wire.snapshot().since(&first);
        assert_eq!(
            kept.parts.sent,
            Parts {
                handshake: 0,
                ..sent
            }
        );
        assert_eq!(
            kept.parts.received,
            Parts {
                handshake: 0,
                tickets: 0,
                ..received
            }
        );
        assert_eq!(kept.parts.received.total(), kept.received);
    });
}

/// A TLS 1.2-only server (as an SM-DP+ built for SGP.22 v2 may be) with `tls`'s certificate, answering one
/// HTTP/1.1 request per connection with `200` and a two-byte body; the suite it negotiated is set in the cell.
async fn tls12_server(
    tls: &CertAndKey,
) -> (
    SocketAddr,
    Arc<std::sync::Mutex<Option<rustls::CipherSuite>>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let acceptor = tls_acceptor(tls, &[&rustls::version::TLS12]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let negotiated: Arc<std::sync::Mutex<Option<rustls::CipherSuite>>> = Arc::default();
    let suite = Arc::clone(&negotiated);
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(socket).await.unwrap();
        *suite.lock().unwrap() = tls.get_ref().1.negotiated_cipher_suite().map(|s| s.suite());
        let mut request = Vec::new();
        let mut buf = [0; 512];
        // The test's request: a head and the two-byte body "hi".
        while !request.ends_with(b"\r\n\r\nhi") {
            let read = tls.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..read]);
        }
        tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            .await
            .unwrap();
        tls.flush().await.unwrap();
        std::future::pending::<()>().await;
    });
    (address, negotiated)
}

#[test]
fn a_tls12_server_gets_ecdhe_ecdsa_aes128_gcm_and_its_records_are_counted() {
    let pki = pki();
    block_on(async {
        let (address, negotiated) = tls12_server(&pki.eim_tls).await;
        let tls = eim_client_config(Some(&pinned_key(&pki.eim_tls)), &[]).unwrap();
        let mut client = client(&tls, address);
        let wire = client.wire_stats();
        assert_eq!(
            get(&mut client, DEFAULT_EIM_HOST).await.unwrap().body,
            b"ok"
        );
        assert_eq!(
            *negotiated.lock().unwrap(),
            Some(rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
        );
        let counts = wire.snapshot();
        let (sent, received) = (counts.parts.sent, counts.parts.received);
        // TLS 1.2 AES-GCM: a 5-byte header, an 8-byte explicit nonce and a 16-byte tag per record; no ticket
        // after the handshake (TLS 1.2 sends it inside).
        assert_eq!((sent.records, received.records), (29, 29), "{counts:?}");
        assert_eq!(received.http_head, 38);
        assert_eq!((sent.http_body, received.http_body), (2, 2));
        assert_eq!((received.tickets, sent.other, received.other), (0, 0, 0));
        assert_eq!(
            (sent.total(), received.total()),
            (counts.sent, counts.received)
        );
    });
}
