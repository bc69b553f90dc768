//! One keep-alive HTTP/1.1 connection over TLS, reused for every request to the same server.
//!
//! A download is five requests to one SM-DP+; over a metered cellular link one TCP and TLS handshake for all
//! of them matters. Bodies are bounded, and every wait has a deadline: the connection must be up, and some
//! byte of the answer must come, within [`HttpOptions::timeout`] of the last progress, so a transfer over a
//! slow link goes on as long as bytes move while a dead one fails (the whole request is bounded too, by
//! [`TOTAL_TIMEOUT_FACTOR`] times that).
//!
//! Carrier NAT drops idle flows without a FIN or RST, and a request on such a flow only fails at its
//! deadline. A connection idle longer than [`HttpOptions::idle_timeout`] (well below common NAT timeouts) is
//! therefore closed rather than reused; and the first message of a procedure
//! ([`HttpsClient::post_replayable`]) is sent once more on a fresh connection when a reused one fails before
//! any byte of the answer came.
//! A connect override (`HOST:PORT`) sends the TCP connection elsewhere while SNI, certificate checks and the
//! `Host` header keep the server's name: test servers on loopback, split DNS.
//!
//! HTTP/1.1 itself is [`euiccd_core::http`]'s framing (RFC 9112): each request, head and body, leaves in one
//! write (one TLS record when small), and the answer is read until its framing says it is whole. A connection
//! is reused only when its last answer allows it (no `Connection: close`, not HTTP/1.0, a delimited body) and
//! nothing arrived on it while it sat idle (a server's FIN or close_notify).
//!
//! Every byte the socket moves is counted ([`HttpsClient::wire_stats`]), and each handshake is counted as full
//! or resumed; build every client of the agent from one `Arc<ClientConfig>` so later connections resume.

use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use euiccd_core::http::{self as framing, Post, ResponseReader};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, HandshakeKind};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::tls::HandshakeFailure;
use super::wire::{CountingStream, HttpBytes, WireStats};

/// The default HTTPS port.
const HTTPS_PORT: u16 = 443;

/// How often, per [`HttpOptions::timeout`], a waiting request looks whether bytes arrived.
const PROGRESS_CHECKS: u32 = 8;

/// How much of an answer one read takes from the TLS stream.
const READ_BUFFER: usize = 8 * 1024;

/// A whole request (connection, request and answer) may take this many times [`HttpOptions::timeout`].
pub(crate) const TOTAL_TIMEOUT_FACTOR: u32 = 10;

/// The default of [`HttpOptions::idle_timeout`]: carrier NATs drop idle TCP flows after about 5 minutes at
/// the least seen in the field (RFC 5382 asks for 2 hours, few carriers give it), so a minute keeps a
/// procedure's requests on one connection and never reuses a flow the NAT may have forgotten.
pub(crate) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How a client behaves.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Longest wait for progress: the connection (TCP, TLS), then any byte of the answer.
    pub timeout: Duration,
    /// Longest a kept-alive connection may sit idle and still be reused; an older one is closed and the
    /// request opens a new one (resuming the TLS session).
    pub idle_timeout: Duration,
    /// Largest response body accepted.
    pub max_body: usize,
    /// Connect here (`HOST:PORT`) instead of the server's own address, keeping its name for TLS.
    pub connect_override: Option<String>,
    /// The `User-Agent` header: SGP.22's `gsma-rsp-lpad` (ES9+); the ESipa client sets its own.
    pub user_agent: &'static str,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_body: 4 * 1024 * 1024,
            connect_override: None,
            user_agent: "gsma-rsp-lpad",
        }
    }
}

/// A failed HTTPS exchange.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server address is not `host` or `host:port`.
    #[error("invalid server address {0:?}")]
    InvalidAddress(String),
    /// The TCP connection failed.
    #[error("cannot connect to {address}")]
    Connect {
        /// Where we connected.
        address: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS handshake failed, for the reason `failure` gives in words a person can act on (the TLS
    /// library's own text only when no class fits).
    #[error("TLS handshake with {host} failed: {failure}")]
    Handshake {
        /// The server name.
        host: String,
        /// Why.
        failure: HandshakeFailure,
    },
    /// HTTP framing failed (connection reset, malformed answer).
    #[error("the HTTP exchange failed")]
    Http(#[from] ExchangeError),
    /// The response body exceeds the bound.
    #[error("response body larger than {0} bytes")]
    BodyTooLarge(usize),
    /// No complete answer within the deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// Why an exchange on an open connection failed: the connection, or the answer's framing.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// Writing the request or reading the answer failed (reset, TLS alert, closed without close_notify).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The answer is no well-framed HTTP/1.1 response, or ended early.
    #[error(transparent)]
    Framing(framing::Error),
}

/// An HTTP response: status, the `X-Admin-Protocol` header and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The `X-Admin-Protocol` header, if any.
    pub(crate) admin_protocol: Option<String>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

/// A server: its name (for TLS and `Host`) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    host: String,
    port: u16,
}

impl Server {
    /// Parses `host` or `host:port` (an FQDN from an activation code or a notification address).
    pub fn parse(address: &str) -> Result<Self, HttpError> {
        let invalid = || HttpError::InvalidAddress(address.to_owned());
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| invalid())?),
            None => (address, HTTPS_PORT),
        };
        if host.is_empty() || ServerName::try_from(host).is_err() {
            return Err(invalid());
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }

    /// The host name.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// The `Host` header value.
    fn authority(&self) -> String {
        match self.port {
            HTTPS_PORT => self.host.clone(),
            port => format!("{}:{port}", self.host),
        }
    }
}

/// The TLS stream over the counted TCP stream, its plaintext counted too.
type Stream = CountingStream<TlsStream<CountingStream<TcpStream>>>;

/// An open connection and what decides whether it may carry the next request.
struct Connection {
    server: Server,
    stream: Stream,
    /// Plaintext bytes read from the server: a change while a request is out means its answer began.
    answer_bytes: Arc<WireStats>,
    /// When its last exchange ended.
    idle_since: Instant,
    /// Whether the last answer left the connection usable (RFC 9112 §9.3: no `Connection: close`, not
    /// HTTP/1.0, a delimited body, nothing after it).
    persistent: bool,
}

impl Connection {
    /// Sends `request` (head and body, one write: one TLS record when small) and reads the answer, its body
    /// bounded by `max_body`.
    async fn round_trip(
        &mut self,
        request: &[u8],
        max_body: usize,
    ) -> Result<framing::Response, HttpError> {
        self.stream
            .write_all(request)
            .await
            .map_err(ExchangeError::from)?;
        self.stream.flush().await.map_err(ExchangeError::from)?;
        let mut reader = ResponseReader::new(max_body);
        let mut buffer = vec![0; READ_BUFFER];
        let mut trailing = false;
        while !reader.is_complete() {
            let read = self
                .stream
                .read(&mut buffer)
                .await
                .map_err(ExchangeError::from)?;
            let framed = match read {
                0 => reader.close(),
                read => reader
                    .push(&buffer[..read])
                    .map(|taken| trailing = taken < read),
            };
            framed.map_err(|error| match error {
                framing::Error::BodyTooLarge(max) => HttpError::BodyTooLarge(max),
                error => ExchangeError::Framing(error).into(),
            })?;
        }
        let response = reader
            .into_response()
            .ok_or(ExchangeError::Framing(framing::Error::Truncated))?;
        self.persistent = response.persistent && !trailing;
        Ok(response)
    }

    /// Whether the connection looks usable without waiting: nothing came on it while it was idle (a server
    /// or NAT that closed it with a FIN or an alert, or bytes no request asked for, make it unusable).
    async fn quiet(&mut self) -> bool {
        std::future::poll_fn(|cx| {
            let mut byte = [0; 1];
            let mut probe = ReadBuf::new(&mut byte);
            Poll::Ready(
                Pin::new(&mut self.stream)
                    .poll_read(cx, &mut probe)
                    .is_pending(),
            )
        })
        .await
    }
}

/// How far an attempt got, for the retry decision.
#[derive(Debug, Default)]
struct Progress {
    /// It went out on a connection an earlier request had used.
    reused: bool,
    /// Some byte of an answer arrived.
    answered: bool,
}

/// A request ready to be sent, as many times as needed: its bytes, head and body.
struct Prepared {
    bytes: Vec<u8>,
    body_len: usize,
}

/// An HTTPS client holding at most one open connection. See the module documentation.
pub struct HttpsClient {
    connector: TlsConnector,
    options: HttpOptions,
    connection: Option<Connection>,
    wire: Arc<WireStats>,
    last_handshake: Option<HandshakeKind>,
}

impl std::fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpsClient")
            .field("options", &self.options)
            .field("connected", &self.connection.as_ref().map(|c| &c.server))
            .field("last_handshake", &self.last_handshake)
            .finish()
    }
}

impl HttpsClient {
    /// A client with this TLS configuration; it connects on the first request. Clients made from the same
    /// `tls` share its session cache, so a new connection resumes an earlier client's session.
    pub fn new(tls: Arc<ClientConfig>, options: HttpOptions) -> Self {
        Self {
            connector: TlsConnector::from(tls),
            options,
            connection: None,
            wire: Arc::default(),
            last_handshake: None,
        }
    }

    /// Sends `user_agent` as `User-Agent` from now on: a protocol client sets the one its binding names.
    pub(crate) fn set_user_agent(&mut self, user_agent: &'static str) {
        self.options.user_agent = user_agent;
    }

    /// The counters of this client's connections (bytes each way, handshakes), shared: keep the `Arc` to
    /// read them after the client moved into a protocol client.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn wire_stats(&self) -> Arc<WireStats> {
        Arc::clone(&self.wire)
    }

    /// How the latest connection's TLS handshake went (`Resumed` when a cached session was accepted), or
    /// `None` before the first connection.
    #[cfg(test)]
    pub(crate) fn last_handshake(&self) -> Option<HandshakeKind> {
        self.last_handshake
    }

    /// Closes the open connection, if any; the next request connects again (and resumes the session).
    #[cfg(test)]
    pub(crate) fn disconnect(&mut self) {
        self.connection = None;
    }

    /// `POST https://server/path` with a body of `content_type` and extra headers, within the deadlines.
    /// A failed or timed-out request drops the connection; the next one opens a fresh one.
    pub async fn post(
        &mut self,
        server: &Server,
        path: &str,
        content_type: &str,
        headers: &[(&'static str, &str)],
        body: Vec<u8>,
    ) -> Result<HttpResponse, HttpError> {
        let request = self.prepare(server, path, content_type, headers, &body)?;
        self.send(server, &request, false).await
    }

    /// [`HttpsClient::post`] for the first message of a procedure, which the server may receive twice: when
    /// it fails on a reused connection before any byte of the answer came, it is sent once more on a fresh
    /// connection. Such a failure is nearly always a connection the server or a NAT closed while it was idle,
    /// and the request never arrived; if it did arrive, its answer is lost either way, and the second request
    /// is only the retry the caller would make later. Give only messages that start a procedure (a poll, an
    /// InitiateAuthentication): a later message may have changed the server's state, and its answer cannot
    /// be had twice.
    pub(crate) async fn post_replayable(
        &mut self,
        server: &Server,
        path: &str,
        content_type: &str,
        headers: &[(&'static str, &str)],
        body: Vec<u8>,
    ) -> Result<HttpResponse, HttpError> {
        let request = self.prepare(server, path, content_type, headers, &body)?;
        self.send(server, &request, true).await
    }

    /// The request's bytes: `POST path` with the binding's fields, then `body`.
    fn prepare(
        &self,
        server: &Server,
        path: &str,
        content_type: &str,
        headers: &[(&'static str, &str)],
        body: &[u8],
    ) -> Result<Prepared, HttpError> {
        let host = server.authority();
        let post = Post {
            host: &host,
            path,
            user_agent: self.options.user_agent,
            content_type,
            fields: headers,
        };
        match post.encode(body) {
            Ok(bytes) => Ok(Prepared {
                bytes,
                body_len: body.len(),
            }),
            Err(_) => Err(HttpError::InvalidAddress(host)),
        }
    }

    /// Sends `request` once, or twice when `replayable` and the first attempt failed on a reused
    /// connection before an answer began; all within the total deadline.
    async fn send(
        &mut self,
        server: &Server,
        request: &Prepared,
        replayable: bool,
    ) -> Result<HttpResponse, HttpError> {
        let total = self.options.timeout.saturating_mul(TOTAL_TIMEOUT_FACTOR);
        let outcome = tokio::time::timeout(total, async {
            let (outcome, progress) = self.attempt(server, request).await;
            match outcome {
                Err(error) if replayable && progress.reused && !progress.answered => {
                    tracing::debug!(
                        host = %server.host,
                        %error,
                        "kept-alive connection failed before an answer; sending again on a new one"
                    );
                    self.attempt(server, request).await.0
                }
                outcome => outcome,
            }
        })
        .await
        .unwrap_or(Err(HttpError::Timeout(total)));
        match (&outcome, &mut self.connection) {
            (Ok(_), Some(connection)) if connection.persistent => {
                connection.idle_since = Instant::now()
            }
            // A failure (also when the total deadline cut an attempt short), or an answer that ended the
            // connection's reuse.
            (_, connection) => *connection = None,
        }
        outcome
    }

    /// One attempt; a failed one drops the connection.
    async fn attempt(
        &mut self,
        server: &Server,
        request: &Prepared,
    ) -> (Result<HttpResponse, HttpError>, Progress) {
        let mut progress = Progress::default();
        let outcome = self.exchange(server, request, &mut progress).await;
        if outcome.is_err() {
            self.connection = None;
        }
        (outcome, progress)
    }

    async fn exchange(
        &mut self,
        server: &Server,
        request: &Prepared,
        progress: &mut Progress,
    ) -> Result<HttpResponse, HttpError> {
        let timeout = self.options.timeout;
        let max_body = self.options.max_body;
        let wire = Arc::clone(&self.wire);
        let (connection, reused) = within(timeout, self.open(server)).await?;
        progress.reused = reused;
        let answer_bytes = Arc::clone(&connection.answer_bytes);
        let plain_before = answer_bytes.snapshot();
        let exchange = connection.round_trip(&request.bytes, max_body);
        let answer = progressing(timeout, &wire, exchange).await;
        progress.answered = answer_bytes.snapshot().received != plain_before.received;
        let response = answer?;
        let plain = answer_bytes.snapshot().since(&plain_before);
        wire.settle(HttpBytes {
            sent: plain.sent,
            sent_body: request.body_len as u64,
            received: plain.received,
            received_body: response.body.len() as u64,
        });
        let admin_protocol = response
            .field("x-admin-protocol")
            .and_then(|value| std::str::from_utf8(value).ok())
            .filter(|value| value.is_ascii())
            .map(str::to_owned);
        Ok(HttpResponse {
            status: response.status,
            admin_protocol,
            body: response.body,
        })
    }

    /// The open connection to `server` if it is still usable, or a new one; and whether it was reused. A
    /// connection idle past [`HttpOptions::idle_timeout`] is closed first.
    async fn open(&mut self, server: &Server) -> Result<(&mut Connection, bool), HttpError> {
        let idle_timeout = self.options.idle_timeout;
        let mut kept = self.connection.take();
        if let Some(connection) = &mut kept {
            let usable = &connection.server == server
                && connection.idle_since.elapsed() <= idle_timeout
                && connection.quiet().await;
            // Dropped without a TLS close_notify: a flow a NAT may have forgotten would only carry it (24
            // bytes on a metered link) to nowhere, and the server has nothing left to say on it.
            if let Some(stale) = kept.take_if(|_| !usable) {
                tracing::debug!(
                    host = %stale.server.host,
                    idle = ?stale.idle_since.elapsed(),
                    "closing the kept-alive connection"
                );
            }
        }
        let reused = kept.is_some();
        let connection = match kept {
            Some(connection) => connection,
            None => {
                let (connection, handshake) = self.connect(server).await?;
                self.last_handshake = handshake;
                self.wire
                    .count_handshake(handshake == Some(HandshakeKind::Resumed));
                connection
            }
        };
        Ok((self.connection.insert(connection), reused))
    }

    async fn connect(
        &self,
        server: &Server,
    ) -> Result<(Connection, Option<HandshakeKind>), HttpError> {
        let address = self
            .options
            .connect_override
            .clone()
            .unwrap_or_else(|| format!("{}:{}", server.host, server.port));
        tracing::debug!(host = %server.host, %address, "connecting");
        // Small requests must leave at once: Nagle's algorithm against the peer's delayed ACK would hold
        // the request behind the TLS Finished for tens of milliseconds.
        let tcp = match TcpStream::connect(&address).await {
            Ok(tcp) => tcp.set_nodelay(true).map(|()| tcp),
            Err(error) => Err(error),
        }
        .map_err(|source| HttpError::Connect { address, source })?;
        let tcp = CountingStream::tls(tcp, Arc::clone(&self.wire));
        let name = ServerName::try_from(server.host.clone())
            .map_err(|_| HttpError::InvalidAddress(server.host.clone()))?;
        let mut tls =
            self.connector
                .connect(name, tcp)
                .await
                .map_err(|error| HttpError::Handshake {
                    host: server.host.clone(),
                    failure: HandshakeFailure::classify(&error),
                })?;
        let handshake = tls.get_ref().1.handshake_kind();
        let expansion = tls
            .get_ref()
            .1
            .negotiated_cipher_suite()
            .map_or(0, super::tls::record_expansion);
        tls.get_mut().0.tls_established(expansion);
        tracing::debug!(host = %server.host, ?handshake, "TLS established");
        let answer_bytes = Arc::new(WireStats::default());
        let connection = Connection {
            server: server.clone(),
            stream: CountingStream::new(tls, Arc::clone(&answer_bytes)),
            answer_bytes,
            idle_since: Instant::now(),
            persistent: true,
        };
        Ok((connection, handshake))
    }
}

/// `future`, or a timeout error after `timeout`.
async fn within<T>(
    timeout: Duration,
    future: impl Future<Output = Result<T, HttpError>>,
) -> Result<T, HttpError> {
    tokio::time::timeout(timeout, future)
        .await
        .unwrap_or(Err(HttpError::Timeout(timeout)))
}

/// `future`, or a timeout error once `timeout` passed with no byte received on `wire`: an answer may take
/// long over a slow link as long as it moves. Bytes are counted under TLS, because a TLS record (up to
/// 16 KiB) gives its first plaintext byte only once it is whole. The counter is looked at every
/// [`PROGRESS_CHECKS`]th of `timeout`, so a stall is found within that much after `timeout`.
async fn progressing<T>(
    timeout: Duration,
    wire: &WireStats,
    future: impl Future<Output = Result<T, HttpError>>,
) -> Result<T, HttpError> {
    let mut future = std::pin::pin!(future);
    let check = timeout / PROGRESS_CHECKS;
    let mut seen = wire.snapshot().received;
    let mut last_progress = Instant::now();
    loop {
        if let Ok(result) = tokio::time::timeout(check, &mut future).await {
            return result;
        }
        let now = wire.snapshot().received;
        if now != seen {
            seen = now;
            last_progress = Instant::now();
        } else if last_progress.elapsed() >= timeout {
            return Err(HttpError::Timeout(timeout));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses() {
        let plain = Server::parse("smdp.example.com").unwrap();
        assert_eq!((plain.host(), plain.port), ("smdp.example.com", 443));
        assert_eq!(plain.authority(), "smdp.example.com");
        let port = Server::parse("smdp.example.com:8443").unwrap();
        assert_eq!(port.authority(), "smdp.example.com:8443");
        assert!(Server::parse("").is_err());
        assert!(Server::parse("host:port").is_err());
        assert!(Server::parse("bad host:1").is_err());
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tls_tests;

#[cfg(test)]
#[path = "https_framing_tests.rs"]
mod framing_tests;
