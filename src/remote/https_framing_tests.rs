//! The HTTPS client against a scripted TLS server on loopback that answers with bytes given here: framings the
//! simulated (hyper) servers never send (chunks with extensions and trailers, an interim `100`, a body read to
//! the close, HTTP/1.0), reuse of the connection as the answer allows, a connection the server closed while
//! idle, and broken answers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use euicc_asn1::from_ber;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::euicc::EimKey;
use crate::remote::tls::eim_client_config;
use crate::test_support::{block_on, tls_acceptor};
use euiccd_sim::crypto::pki::{CertAndKey, DEFAULT_EIM_HOST, TestPki};

/// One scripted answer: its bytes, and whether the server closes the connection after it.
struct Answer {
    bytes: &'static [u8],
    close: bool,
}

const fn keep(bytes: &'static [u8]) -> Answer {
    Answer {
        bytes,
        close: false,
    }
}

const fn close(bytes: &'static [u8]) -> Answer {
    Answer { bytes, close: true }
}

/// A TLS server answering each request with the next scripted answer, and counting its connections.
struct Scripted {
    address: std::net::SocketAddr,
    connections: Arc<AtomicUsize>,
}

async fn scripted(tls: &CertAndKey, answers: Vec<Answer>) -> Scripted {
    let acceptor = tls_acceptor(tls, rustls::DEFAULT_VERSIONS);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&connections);
    let script = Arc::new(Mutex::new(answers.into_iter()));
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            count.fetch_add(1, Ordering::SeqCst);
            let Ok(mut tls) = acceptor.accept(socket).await else {
                continue;
            };
            let script = Arc::clone(&script);
            tokio::spawn(async move {
                while read_request(&mut tls).await {
                    let Some(answer) = script.lock().unwrap().next() else {
                        return;
                    };
                    tls.write_all(answer.bytes).await.unwrap();
                    tls.flush().await.unwrap();
                    if answer.close {
                        let _ = tls.shutdown().await;
                        return;
                    }
                }
            });
        }
    });
    Scripted {
        address,
        connections,
    }
}

/// Reads one request whose body is the test's two bytes; false when the client closed instead.
async fn read_request(tls: &mut tokio_rustls::server::TlsStream<TcpStream>) -> bool {
    let mut request = Vec::new();
    let mut byte = [0; 1];
    while !request.ends_with(b"\r\n\r\nhi") {
        match tls.read(&mut byte).await {
            Ok(1) => request.push(byte[0]),
            _ => return false,
        }
    }
    true
}

struct Rig {
    server: Scripted,
    client: HttpsClient,
}

impl Rig {
    async fn new(answers: Vec<Answer>) -> Self {
        let pki = TestPki::generate(&"89049032123451234512345678901235".parse().unwrap()).unwrap();
        let server = scripted(&pki.eim_tls, answers).await;
        let pinned = EimKey::PublicKey(
            from_ber(&pki.eim_tls.key.verifying_key().to_spki_der().unwrap()).unwrap(),
        );
        let tls = eim_client_config(Some(&pinned), &[]).unwrap();
        let client = HttpsClient::new(
            tls,
            HttpOptions {
                timeout: Duration::from_secs(5),
                max_body: 64,
                connect_override: Some(server.address.to_string()),
                ..HttpOptions::default()
            },
        );
        Self { server, client }
    }

    async fn post(&mut self) -> Result<HttpResponse, HttpError> {
        let server = Server::parse(DEFAULT_EIM_HOST).unwrap();
        self.client
            .post(&server, "/", "text/plain", &[], b"hi".to_vec())
            .await
    }

    fn connections(&self) -> usize {
        self.server.connections.load(Ordering::SeqCst)
    }
}

#[test]
fn answers_of_every_framing_are_read_and_a_kept_connection_reused() {
    block_on(async {
        let mut rig = Rig::new(vec![
            keep(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Admin-Protocol: gsma/rsp/v2.1.0\r\n\r\n\
                  3;ext=\"a\"\r\none\r\n4\r\n two\r\n0\r\nX-Trailer: t\r\n\r\n",
            ),
            keep(
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nthree",
            ),
            keep(b"HTTP/1.1 204 No Content\r\n\r\n"),
            close(b"HTTP/1.1 200 OK\r\n\r\nto the close"),
            keep(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfive"),
        ])
        .await;
        let chunked = rig.post().await.unwrap();
        assert_eq!(
            (chunked.status, chunked.body.as_slice()),
            (200, &b"one two"[..])
        );
        assert_eq!(chunked.admin_protocol.as_deref(), Some("gsma/rsp/v2.1.0"));
        let interim = rig.post().await.unwrap();
        assert_eq!(
            (interim.status, interim.body.as_slice()),
            (201, &b"three"[..])
        );
        assert_eq!(rig.post().await.unwrap().status, 204);
        assert_eq!(rig.connections(), 1, "one kept-alive connection");
        let to_close = rig.post().await.unwrap();
        assert_eq!(to_close.body, b"to the close");
        assert_eq!(rig.post().await.unwrap().body, b"five");
        assert_eq!(
            rig.connections(),
            2,
            "a body read to the close ends the connection"
        );
    });
}

#[test]
fn connection_close_and_http_1_0_answers_end_reuse() {
    block_on(async {
        // The server leaves each connection open: only the answer says it is not to be reused.
        let mut rig = Rig::new(vec![
            keep(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na"),
            keep(b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb"),
            keep(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc"),
            keep(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd"),
        ])
        .await;
        for (body, connections) in [(b"a", 1), (b"b", 2), (b"c", 3), (b"d", 3)] {
            assert_eq!(rig.post().await.unwrap().body, body);
            assert_eq!(rig.connections(), connections);
        }
    });
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_reused() {
    block_on(async {
        let mut rig = Rig::new(vec![
            close(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"),
            keep(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"),
        ])
        .await;
        assert_eq!(rig.post().await.unwrap().body, b"a");
        // The answer allowed reuse, but the server closed the connection after it (an idle timeout).
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            rig.post().await.unwrap().body,
            b"b",
            "not a retry: a new connection"
        );
        assert_eq!(rig.connections(), 2);
    });
}

#[test]
fn broken_answers_are_typed_errors_and_drop_the_connection() {
    block_on(async {
        let mut rig = Rig::new(vec![
            keep(b"garbage\r\n\r\n"),
            close(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"),
            keep(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n"),
            keep(b"HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n"),
            close(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
            keep(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        ])
        .await;
        let framing_error = |error: HttpError| match error {
            HttpError::Http(ExchangeError::Framing(error)) => error,
            other => panic!("{other}"),
        };
        assert_eq!(
            framing_error(rig.post().await.unwrap_err()),
            framing::Error::StatusLine
        );
        assert_eq!(
            framing_error(rig.post().await.unwrap_err()),
            framing::Error::Truncated
        );
        let error = rig.post().await.unwrap_err();
        assert!(matches!(error, HttpError::BodyTooLarge(64)), "{error}");
        let error = rig.post().await.unwrap_err();
        assert!(matches!(error, HttpError::BodyTooLarge(64)), "{error}");
        assert_eq!(
            framing_error(rig.post().await.unwrap_err()),
            framing::Error::TransferEncoding
        );
        assert_eq!(rig.post().await.unwrap().body, b"ok");
        assert_eq!(rig.connections(), 6, "every failure dropped its connection");
    });
}
