//! One keep-alive HTTP/1.1 connection over TLS, reused for every request to the same server.
//!
//! A download is five requests to one SM-DP+; over a metered cellular link one TCP and TLS handshake for all
//! of them matters. Each request has a deadline (connect, send and the whole body), and bodies are bounded.
//! A connect override (`HOST:PORT`) sends the TCP connection elsewhere while SNI, certificate checks and the
//! `Host` header keep the server's name: test servers on loopback, split DNS.
//!
//! Every byte the socket moves is counted ([`HttpsClient::wire_stats`]), and each handshake is counted as full
//! or resumed; build every client of the agent from one `Arc<ClientConfig>` so later connections resume.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, HandshakeKind};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::tls::HandshakeFailure;
use super::wire::{CountingStream, WireStats};

/// The default HTTPS port.
const HTTPS_PORT: u16 = 443;

/// How a client behaves.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Deadline of one request: connecting (when needed), sending and reading the whole answer.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_body: usize,
    /// Connect here (`HOST:PORT`) instead of the server's own address, keeping its name for TLS.
    pub connect_override: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: &'static str,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
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
    Http(#[from] hyper::Error),
    /// The response body exceeds the bound.
    #[error("response body larger than {0} bytes")]
    BodyTooLarge(usize),
    /// No complete answer within the deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// An HTTP response: status, the `X-Admin-Protocol` header and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The `X-Admin-Protocol` header, if any.
    pub admin_protocol: Option<String>,
    /// The body.
    pub body: Vec<u8>,
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
    pub fn host(&self) -> &str {
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

/// An HTTPS client holding at most one open connection. See the module documentation.
pub struct HttpsClient {
    connector: TlsConnector,
    options: HttpOptions,
    connection: Option<(Server, SendRequest<Full<Bytes>>)>,
    wire: Arc<WireStats>,
    last_handshake: Option<HandshakeKind>,
}

impl std::fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpsClient")
            .field("options", &self.options)
            .field("connected", &self.connection.as_ref().map(|(s, _)| s))
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

    /// The counters of this client's connections (bytes each way, handshakes), shared: keep the `Arc` to
    /// read them after the client moved into a protocol client.
    pub fn wire_stats(&self) -> Arc<WireStats> {
        Arc::clone(&self.wire)
    }

    /// How the latest connection's TLS handshake went (`Resumed` when a cached session was accepted), or
    /// `None` before the first connection.
    pub fn last_handshake(&self) -> Option<HandshakeKind> {
        self.last_handshake
    }

    /// Closes the open connection, if any; the next request connects again (and resumes the session).
    pub fn disconnect(&mut self) {
        self.connection = None;
    }

    /// `POST https://server/path` with a body of `content_type` and extra headers, within the deadline.
    /// A failed or timed-out request drops the connection; the next one opens a fresh one.
    pub async fn post(
        &mut self,
        server: &Server,
        path: &str,
        content_type: &str,
        headers: &[(&'static str, &str)],
        body: Vec<u8>,
    ) -> Result<HttpResponse, HttpError> {
        let timeout = self.options.timeout;
        let outcome = tokio::time::timeout(
            timeout,
            self.exchange(server, path, content_type, headers, body),
        )
        .await
        .unwrap_or(Err(HttpError::Timeout(timeout)));
        if outcome.is_err() {
            self.connection = None;
        }
        outcome
    }

    async fn exchange(
        &mut self,
        server: &Server,
        path: &str,
        content_type: &str,
        headers: &[(&'static str, &str)],
        body: Vec<u8>,
    ) -> Result<HttpResponse, HttpError> {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(HOST, server.authority())
            .header(USER_AGENT, self.options.user_agent)
            .header(CONTENT_TYPE, content_type);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| HttpError::InvalidAddress(server.authority()))?;
        let sender = self.sender(server).await?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let admin_protocol = response
            .headers()
            .get("x-admin-protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let max = self.options.max_body;
        let body = Limited::new(response.into_body(), max)
            .collect()
            .await
            .map_err(|error| match error.downcast::<hyper::Error>() {
                Ok(error) => HttpError::Http(*error),
                Err(_) => HttpError::BodyTooLarge(max),
            })?
            .to_bytes()
            .to_vec();
        Ok(HttpResponse {
            status,
            admin_protocol,
            body,
        })
    }

    /// The open connection to `server`, or a new one.
    async fn sender(
        &mut self,
        server: &Server,
    ) -> Result<&mut SendRequest<Full<Bytes>>, HttpError> {
        let reusable = matches!(&self.connection, Some((open, sender)) if open == server && !sender.is_closed());
        if !reusable {
            let (sender, handshake) = self.connect(server).await?;
            self.last_handshake = handshake;
            self.wire
                .count_handshake(handshake == Some(HandshakeKind::Resumed));
            self.connection = Some((server.clone(), sender));
        }
        let (_, sender) = self
            .connection
            .as_mut()
            .ok_or_else(|| HttpError::InvalidAddress(server.authority()))?;
        sender.ready().await?;
        Ok(sender)
    }

    async fn connect(
        &self,
        server: &Server,
    ) -> Result<(SendRequest<Full<Bytes>>, Option<HandshakeKind>), HttpError> {
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
        let tcp = CountingStream::new(tcp, Arc::clone(&self.wire));
        let name = ServerName::try_from(server.host.clone())
            .map_err(|_| HttpError::InvalidAddress(server.host.clone()))?;
        let tls =
            self.connector
                .connect(name, tcp)
                .await
                .map_err(|error| HttpError::Handshake {
                    host: server.host.clone(),
                    failure: HandshakeFailure::classify(&error),
                })?;
        let handshake = tls.get_ref().1.handshake_kind();
        tracing::debug!(host = %server.host, ?handshake, "TLS established");
        let (sender, connection) = http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "HTTPS connection ended");
            }
        });
        Ok((sender, handshake))
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

#[cfg(all(test, feature = "sim"))]
#[path = "tls_tests.rs"]
mod tls_tests;
