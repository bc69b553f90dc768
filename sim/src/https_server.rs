//! The HTTPS plumbing of the simulated servers (SM-DP+, eIM): hyper 1 (HTTP/1.1) over rustls (ring provider)
//! on a loopback port, with handshake and header deadlines and bounded request bodies.
//!
//! A server supplies only its request handler; [`serve`] binds, accepts, runs the TLS handshake and serves
//! every connection with it until the returned [`Listening`] is dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::crypto::pki::CertAndKey;

/// How long a client may take for the TLS handshake, and for the request head.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The TLS certificate or key was refused.
    #[error("TLS setup: {0}")]
    Tls(#[from] rustls::Error),
    /// The private key could not be read.
    #[error("TLS key: {0}")]
    Key(String),
    /// Binding the listening socket failed.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
}

/// Which TLS connection a request came on, in the request's extensions: servers that tie a procedure to its
/// connection (an eIM speaking SGP.32 v1.0, whose messages carry no EID) read it there. Unique per listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnectionId(pub u64);

/// A running listener. Dropping it stops the listener and every connection.
#[derive(Debug)]
pub struct Listening {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Listening {
    /// The bound address (the OS picks the port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How a server lets clients resume TLS sessions. Both are production settings, and the client cannot tell
/// them apart except by the ticket's size: a resumed connection carries the ticket twice (the server's
/// NewSessionTicket, the next ClientHello's `pre_shared_key`), so it costs an idle poll on a metered link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SessionTickets {
    /// The session is sealed into the ticket under a server key (rustls' `Ticketer`, 116-byte tickets here;
    /// OpenSSL's default, nginx's `ssl_session_tickets on`). The server keeps nothing.
    #[default]
    Stateless,
    /// The server keeps the session in its cache and the ticket is a random 32-byte key to it (RFC 8446
    /// §4.6.1 allows either; OpenSSL does this for TLS 1.3 under `SSL_OP_NO_TICKET`, i.e. nginx's
    /// `ssl_session_tickets off` with an `ssl_session_cache`).
    Stateful,
}

impl SessionTickets {
    /// `Stateful` when `stateful`, else `Stateless` (a command-line flag's reading).
    pub fn stateful_if(stateful: bool) -> Self {
        match stateful {
            true => Self::Stateful,
            false => Self::Stateless,
        }
    }

    /// The name figures and logs give it: `stateless` or `stateful`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stateless => "stateless",
            Self::Stateful => "stateful",
        }
    }
}

/// Serves HTTPS on `listen` (e.g. `127.0.0.1:0`) with the certificate and key `tls`, answering every request
/// with `handler`; clients resume with stateless tickets. `name` labels the log lines. Must be called inside
/// a tokio runtime.
pub async fn serve<H, F>(
    name: &'static str,
    tls: &CertAndKey,
    listen: SocketAddr,
    handler: H,
) -> Result<Listening, ServeError>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    serve_with_tickets(name, tls, SessionTickets::default(), listen, handler).await
}

/// [`serve`], letting clients resume with `tickets`.
pub async fn serve_with_tickets<H, F>(
    name: &'static str,
    tls: &CertAndKey,
    tickets: SessionTickets,
    listen: SocketAddr,
    handler: H,
) -> Result<Listening, ServeError>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let acceptor = Acceptors::new(tls_config(tls, tickets)?);
    let listener = TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(accept_loop(name, listener, acceptor, handler));
    tracing::info!(%address, "simulated {name} listening");
    Ok(Listening { address, task })
}

fn tls_config(
    tls: &CertAndKey,
    tickets: SessionTickets,
) -> Result<rustls::ServerConfig, ServeError> {
    let key_pem = tls
        .key
        .to_pkcs8_pem()
        .map_err(|e| ServeError::Key(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| ServeError::Key(e.to_string()))?;
    let chain = vec![CertificateDer::from(tls.cert.der().to_vec())];
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    match tickets {
        // Sealed tickets for TLS 1.3 and 1.2.
        SessionTickets::Stateless => config.ticketer = rustls::crypto::ring::Ticketer::new()?,
        // rustls without a ticketer issues TLS 1.3 tickets that name an entry of `session_storage` (its
        // default, an in-memory cache of 256 sessions) and resumes TLS 1.2 by session ID.
        SessionTickets::Stateful => {
            config.session_storage = rustls::server::ServerSessionMemoryCache::new(256)
        }
    }
    Ok(config)
}

/// TLS 1.3 tickets as OpenSSL, the TLS library behind most production HTTPS fronts (nginx, HAProxy, Apache),
/// sends them: its `num_tickets` (2) after a full handshake, at most one after a resumption
/// (`ssl/statem/statem_srvr.c`: "In a resumption we only ever send a maximum of one new ticket"). rustls on
/// its own sends its count after every handshake, so a connection whose ClientHello offers a ticket
/// (`pre_shared_key`, [`offers_resumption`]) is accepted with a configuration that sends one. Both share the
/// ticket key and the session cache. A ticket the server then refuses gets one ticket where OpenSSL sends two.
#[derive(Clone)]
struct Acceptors {
    full: TlsAcceptor,
    resumed: TlsAcceptor,
}

impl Acceptors {
    fn new(full: rustls::ServerConfig) -> Self {
        let mut resumed = full.clone();
        resumed.send_tls13_tickets = 1;
        Self {
            full: TlsAcceptor::from(Arc::new(full)),
            resumed: TlsAcceptor::from(Arc::new(resumed)),
        }
    }

    /// The TLS handshake on `stream`, as [`Acceptors`] says.
    async fn accept(
        &self,
        stream: TcpStream,
    ) -> std::io::Result<tokio_rustls::server::TlsStream<TcpStream>> {
        let acceptor = match offers_resumption(&peek_client_hello(&stream).await?) {
            true => &self.resumed,
            false => &self.full,
        };
        acceptor.accept(stream).await
    }
}

/// The first TLS record on `stream`, left in the socket for the handshake: the ClientHello, or what came of
/// it when the client stopped sending.
async fn peek_client_hello(stream: &TcpStream) -> std::io::Result<Vec<u8>> {
    let mut record = vec![0; 5 + usize::from(u16::MAX)];
    loop {
        let have = stream.peek(&mut record).await?;
        let whole = match record[..have] {
            // Not a handshake record: the handshake fails on it at once.
            [kind, ..] if kind != 22 => have,
            [_, _, _, high, low, ..] => 5 + usize::from(u16::from_be_bytes([high, low])),
            _ => usize::MAX,
        };
        if have == 0 || have >= whole {
            record.truncate(have.min(whole));
            return Ok(record);
        }
        // The rest of the record is on its way: peeking again at once would return the same bytes.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Whether the TLS record `hello` holds a ClientHello with a `pre_shared_key` extension (RFC 8446 §4.1.2,
/// §4.2.11): the client offers a ticket to resume with. Anything unreadable is no offer.
fn offers_resumption(hello: &[u8]) -> bool {
    fn skip(bytes: &[u8], at: usize, len_bytes: usize) -> Option<usize> {
        let len = bytes
            .get(at..at + len_bytes)?
            .iter()
            .fold(0, |len, byte| len << 8 | usize::from(*byte));
        Some(at + len_bytes + len)
    }
    const PRE_SHARED_KEY: [u8; 2] = [0, 41];
    let walk = || -> Option<bool> {
        // Record header (5), handshake type and length (4), version (2), random (32).
        if hello.first() != Some(&22) || hello.get(5) != Some(&1) {
            return None;
        }
        let mut at = skip(hello, 5 + 4 + 2 + 32, 1)?; // session id
        at = skip(hello, at, 2)?; // cipher suites
        at = skip(hello, at, 1)?; // compression methods
        let end = skip(hello, at, 2)?.min(hello.len());
        at += 2;
        while at + 4 <= end {
            if hello[at..at + 2] == PRE_SHARED_KEY {
                return Some(true);
            }
            at = skip(hello, at + 2, 2)?;
        }
        Some(false)
    };
    walk().unwrap_or(false)
}

async fn accept_loop<H, F>(
    name: &'static str,
    listener: TcpListener,
    acceptor: Acceptors,
    handler: H,
) where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let mut connections = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // As production servers do (nginx `tcp_nodelay on`): answers leave without waiting
                    // for the client's delayed ACK.
                    let _ = stream.set_nodelay(true);
                    let acceptor = acceptor.clone();
                    let handler = handler.clone();
                    let id = ConnectionId(next_id);
                    next_id += 1;
                    connections.spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                            Ok(Ok(tls)) => serve_connection(name, id, tls, handler).await,
                            Ok(Err(error)) => tracing::debug!(%peer, %error, "{name} TLS handshake failed"),
                            Err(_) => tracing::debug!(%peer, "{name} TLS handshake timed out"),
                        }
                    });
                }
                Err(error) => tracing::warn!(%error, "{name} accept failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection<H, F>(
    name: &'static str,
    id: ConnectionId,
    tls: tokio_rustls::server::TlsStream<TcpStream>,
    handler: H,
) where
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(id);
        let answer = handler(request);
        async move { Ok::<_, std::convert::Infallible>(answer.await) }
    });
    if let Err(error) = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service)
        .await
    {
        tracing::debug!(%error, "{name} connection ended with an error");
    }
}

/// Reads a request body of at most `max` bytes; `None` when it is larger or the connection failed (answer
/// 413).
pub async fn read_body(body: Incoming, max: usize) -> Option<Bytes> {
    Limited::new(body, max)
        .collect()
        .await
        .ok()
        .map(|b| b.to_bytes())
}

/// An answer with `status`, no body and the `X-Admin-Protocol` header.
pub fn empty(status: StatusCode, admin_protocol: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "x-admin-protocol",
        hyper::header::HeaderValue::from_static(admin_protocol),
    );
    response
}

/// Whether the request's `X-Admin-Protocol` starts with `prefix`.
pub fn admin_protocol_starts_with(request: &Request<Incoming>, prefix: &str) -> bool {
    request
        .headers()
        .get("x-admin-protocol")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(prefix))
}

/// Locks a mutex, taking over the state of a panicked holder (a test's assertion must not wedge a server).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello record with these extensions (type, data).
    fn client_hello(extensions: &[(u16, &[u8])]) -> Vec<u8> {
        let mut exts = Vec::new();
        for (kind, data) in extensions {
            exts.extend_from_slice(&kind.to_be_bytes());
            exts.extend_from_slice(&(data.len() as u16).to_be_bytes());
            exts.extend_from_slice(data);
        }
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[1, 9, 0, 2, 0x13, 0x01, 1, 0]);
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend(exts);
        let mut message = vec![1, 0];
        message.extend_from_slice(&(body.len() as u16).to_be_bytes());
        message.extend(body);
        let mut record = vec![22, 3, 1];
        record.extend_from_slice(&(message.len() as u16).to_be_bytes());
        record.extend(message);
        record
    }

    #[test]
    fn a_ticket_offer_is_told_by_the_pre_shared_key_extension() {
        let groups: (u16, &[u8]) = (10, &[0, 2, 0, 23]);
        let psk: (u16, &[u8]) = (41, &[0, 0, 0, 0]);
        assert!(!offers_resumption(&client_hello(&[groups])));
        assert!(offers_resumption(&client_hello(&[groups, psk])));
        // pre_shared_key comes last in a real ClientHello, but any position counts.
        assert!(offers_resumption(&client_hello(&[psk, groups])));
        let cut = client_hello(&[groups, psk]);
        assert!(!offers_resumption(&cut[..cut.len() - 8]));
        assert!(!offers_resumption(b"GET / HTTP/1.1\r\n"));
        assert!(!offers_resumption(&[]));
    }

    #[test]
    fn the_peek_waits_for_a_whole_hello_but_not_for_what_is_no_tls() {
        use tokio::io::AsyncWriteExt;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let hello = client_hello(&[(41, &[0, 0, 0, 0])]);
            let (head, tail) = hello.split_at(20);
            let mut client = TcpStream::connect(address).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            client.write_all(head).await.unwrap();
            let peek = tokio::spawn(async move { peek_client_hello(&server).await.unwrap() });
            tokio::time::sleep(Duration::from_millis(20)).await;
            client.write_all(tail).await.unwrap();
            assert_eq!(peek.await.unwrap(), hello);

            let mut plain = TcpStream::connect(address).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            plain.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
            let peeked = tokio::time::timeout(Duration::from_secs(2), peek_client_hello(&server))
                .await
                .expect("no wait for the rest of a record that is not one");
            assert!(peeked.unwrap().starts_with(b"GET"));
        });
    }
}
