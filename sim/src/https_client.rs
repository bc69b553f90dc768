//! The simulators' own HTTPS client, for the one peer that calls out: the simulated eIM relaying an indirect
//! download to the SM-DP+. One request per connection (hyper 1, HTTP/1.1, over rustls with ring), with a
//! deadline and a bounded answer; none of the IPA's retry or reuse policy, which a relay in a test needs not.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The port of an address without one.
const HTTPS_PORT: u16 = 443;

/// Where a request goes: the server's name (TLS and `Host`) and the socket to connect to.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host` or `host:port`, as in an SM-DP+ address.
    pub address: String,
    /// Connect here (`HOST:PORT`) instead of the address's own host and port (loopback tests).
    pub connect_override: Option<String>,
}

/// An answer: the HTTP status and the body.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The body, at most the caller's limit.
    pub body: Vec<u8>,
}

/// Why a request got no answer (a readable text: the caller only reports it).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpsError(String);

/// POSTs `body` to `path` at `target` with `tls`, the `content_type` and the `extra_headers`, and waits at most
/// `deadline` for the whole answer, refusing a body over `max_body` bytes.
pub async fn post(
    tls: Arc<rustls::ClientConfig>,
    target: &Target,
    path: &str,
    content_type: &str,
    extra_headers: &[(&str, &str)],
    body: Vec<u8>,
    (deadline, max_body): (Duration, usize),
) -> Result<Answer, HttpsError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| HttpsError(format!("{what}: {e}"));
    let (host, port) = match target.address.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse()
                .map_err(|_| HttpsError(format!("bad port in {:?}", target.address)))?,
        ),
        None => (target.address.as_str(), HTTPS_PORT),
    };
    let name = ServerName::try_from(host.to_owned()).map_err(|e| fail("server name", &e))?;
    let connect_to = match &target.connect_override {
        Some(to) => to.clone(),
        None => format!("{host}:{port}"),
    };
    let mut request = Request::post(path)
        .header(HOST, &target.address)
        .header(CONTENT_TYPE, content_type);
    for (name, value) in extra_headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| fail("request", &e))?;
    let exchange = async {
        let tcp = TcpStream::connect(&connect_to)
            .await
            .map_err(|e| fail("connect", &e))?;
        let stream = TlsConnector::from(tls)
            .connect(name, tcp)
            .await
            .map_err(|e| fail("TLS", &e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| fail("HTTP", &e))?;
        let driver = tokio::spawn(connection);
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| fail("HTTP", &e))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), max_body)
            .collect()
            .await
            .map_err(|e| fail("answer", &e))?
            .to_bytes()
            .to_vec();
        driver.abort();
        Ok(Answer { status, body })
    };
    tokio::time::timeout(deadline, exchange)
        .await
        .map_err(|_| HttpsError(format!("no answer within {deadline:?}")))?
}
