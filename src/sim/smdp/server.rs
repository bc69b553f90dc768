//! The ES9+ HTTPS server: hyper 1 (HTTP/1.1) over rustls (ring provider) on a loopback port.
//!
//! `POST /gsma/rsp2/es9plus/<function>` with `X-Admin-Protocol: gsma/rsp/v2.x.y` and a JSON body of at most
//! [`MAX_BODY_LEN`] bytes. Faults can be switched on per function for robustness tests ([`Fault`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use super::json::{self, Es9Function, JsonReply};
use super::logic::SmdpServer;
use super::status;
use crate::sim::crypto::pki::CertAndKey;

/// Largest request body accepted; larger ones get HTTP 413.
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// How long a client may take for the TLS handshake, and for the request head.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// The `X-Admin-Protocol` value sent, and the prefix required of requests.
pub const ADMIN_PROTOCOL: &str = "gsma/rsp/v2.5.0";
const ADMIN_PROTOCOL_PREFIX: &str = "gsma/rsp/v2.";

/// A misbehaviour switched on for one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (e.g. 500) and no body, without running the function.
    HttpStatus(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer 200 with a body that is not JSON, without running the function.
    GarbageJson,
    /// Answer 200 with `Failed` and this status code, without running the function.
    Failed(status::StatusCode),
}

/// Why the server could not start.
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

struct Shared {
    smdp: Mutex<SmdpServer>,
    faults: Mutex<HashMap<Es9Function, Fault>>,
}

/// A running SM-DP+ server. Dropping it stops the listener and every connection.
pub struct SmdpHandle {
    address: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmdpHandle {
    /// The bound address (the OS picks the port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Switches a fault on for `function`, or off with `None`.
    pub fn set_fault(&self, function: Es9Function, fault: Option<Fault>) {
        let mut faults = lock(&self.shared.faults);
        match fault {
            Some(fault) => faults.insert(function, fault),
            None => faults.remove(&function),
        };
    }

    /// Runs `f` on the SM-DP+ state (add orders, inspect events).
    pub fn with_smdp<R>(&self, f: impl FnOnce(&mut SmdpServer) -> R) -> R {
        f(&mut lock(&self.shared.smdp))
    }
}

impl Drop for SmdpHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts serving `smdp` on `listen` (e.g. `127.0.0.1:0`) with the TLS certificate and key `tls`. Must be
/// called inside a tokio runtime.
pub async fn start(
    smdp: SmdpServer,
    tls: &CertAndKey,
    listen: SocketAddr,
) -> Result<SmdpHandle, ServeError> {
    let acceptor = TlsAcceptor::from(Arc::new(tls_config(tls)?));
    let listener = TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let shared = Arc::new(Shared {
        smdp: Mutex::new(smdp),
        faults: Mutex::new(HashMap::new()),
    });
    let task = tokio::spawn(accept_loop(listener, acceptor, Arc::clone(&shared)));
    tracing::info!(%address, "simulated SM-DP+ listening");
    Ok(SmdpHandle {
        address,
        shared,
        task,
    })
}

fn tls_config(tls: &CertAndKey) -> Result<rustls::ServerConfig, ServeError> {
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
    Ok(config)
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let acceptor = acceptor.clone();
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                            Ok(Ok(tls)) => serve_connection(tls, shared).await,
                            Ok(Err(error)) => tracing::debug!(%peer, %error, "SM-DP+ TLS handshake failed"),
                            Err(_) => tracing::debug!(%peer, "SM-DP+ TLS handshake timed out"),
                        }
                    });
                }
                Err(error) => tracing::warn!(%error, "SM-DP+ accept failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    shared: Arc<Shared>,
) {
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, std::convert::Infallible>(respond(request, &shared).await) }
    });
    if let Err(error) = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service)
        .await
    {
        tracing::debug!(%error, "SM-DP+ connection ended with an error");
    }
}

async fn respond(request: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    if request.method() != Method::POST {
        return empty(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(function) = Es9Function::from_path(request.uri().path()) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let protocol_ok = request
        .headers()
        .get("x-admin-protocol")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(ADMIN_PROTOCOL_PREFIX));
    if !protocol_ok {
        return empty(StatusCode::BAD_REQUEST);
    }
    let body = match Limited::new(request.into_body(), MAX_BODY_LEN)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => return empty(StatusCode::PAYLOAD_TOO_LARGE),
    };

    let fault = lock(&shared.faults).get(&function).cloned();
    match fault {
        Some(Fault::HttpStatus(code)) => {
            return empty(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
        }
        Some(Fault::GarbageJson) => return json_response(b"{\"header\": <not json".to_vec()),
        Some(Fault::Failed(code)) => {
            return reply(JsonReply::Body(json::failed(code, "injected failure")));
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let answer = json::handle(&mut lock(&shared.smdp), function, &body);
    reply(answer)
}

fn reply(answer: JsonReply) -> Response<Full<Bytes>> {
    match answer {
        JsonReply::NoContent => empty(StatusCode::NO_CONTENT),
        JsonReply::Body(value) => json_response(value.to_string().into_bytes()),
    }
}

fn json_response(body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-admin-protocol", HeaderValue::from_static(ADMIN_PROTOCOL));
    response
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("x-admin-protocol", HeaderValue::from_static(ADMIN_PROTOCOL));
    response
}

/// Locks a mutex, taking over the state of a panicked holder (a test's assertion must not wedge the server).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
