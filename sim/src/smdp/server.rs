//! The ES9+ HTTPS server: hyper 1 (HTTP/1.1) over rustls (ring provider) on a loopback port.
//!
//! `POST /gsma/rsp2/es9plus/<function>` with `X-Admin-Protocol: gsma/rsp/v2.x.y` and a JSON body of at most
//! [`MAX_BODY_LEN`] bytes. Faults can be switched on per function for robustness tests ([`Fault`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::json::{self, Es9Function, JsonReply};
use super::logic::SmdpServer;
use super::status;
use crate::crypto::pki::CertAndKey;
pub use crate::https_server::ServeError;
use crate::https_server::{self, Listening, admin_protocol_starts_with, lock, read_body};

/// Largest request body accepted; larger ones get HTTP 413.
pub const MAX_BODY_LEN: usize = 64 * 1024;

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
    /// Run the function, announce its whole answer in `Content-Length` and send only the first half (the
    /// connection drops mid-body).
    Truncated,
    /// Answer 200 with a JSON body of this many bytes, without running the function (a body past the
    /// client's bound must be refused, not buffered).
    Oversized(usize),
}

struct Shared {
    smdp: Mutex<SmdpServer>,
    faults: Mutex<HashMap<Es9Function, Fault>>,
}

/// A running SM-DP+ server. Dropping it stops the listener and every connection.
pub struct SmdpHandle {
    listening: Listening,
    shared: Arc<Shared>,
}

impl SmdpHandle {
    /// The bound address (the OS picks the port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listening.local_addr()
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

/// Starts serving `smdp` on `listen` (e.g. `127.0.0.1:0`) with the TLS certificate and key `tls`. Must be
/// called inside a tokio runtime.
pub async fn start(
    smdp: SmdpServer,
    tls: &CertAndKey,
    listen: SocketAddr,
) -> Result<SmdpHandle, ServeError> {
    let shared = Arc::new(Shared {
        smdp: Mutex::new(smdp),
        faults: Mutex::new(HashMap::new()),
    });
    let handler_state = Arc::clone(&shared);
    let listening = https_server::serve("SM-DP+", tls, listen, move |request| {
        let shared = Arc::clone(&handler_state);
        async move { respond(request, &shared).await }
    })
    .await?;
    Ok(SmdpHandle { listening, shared })
}

async fn respond(request: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    if request.method() != Method::POST {
        return empty(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(function) = Es9Function::from_path(request.uri().path()) else {
        return empty(StatusCode::NOT_FOUND);
    };
    if !admin_protocol_starts_with(&request, ADMIN_PROTOCOL_PREFIX) {
        return empty(StatusCode::BAD_REQUEST);
    }
    let Some(body) = read_body(request.into_body(), MAX_BODY_LEN).await else {
        return empty(StatusCode::PAYLOAD_TOO_LARGE);
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
        Some(Fault::Oversized(len)) => {
            let mut body = b"{\"pad\":\"".to_vec();
            body.resize(len.saturating_sub(2), b'x');
            body.extend_from_slice(b"\"}");
            return json_response(body);
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Truncated) | None => {}
    }
    let answer = json::handle(&mut lock(&shared.smdp), function, &body);
    match (fault, answer) {
        (Some(Fault::Truncated), JsonReply::Body(value)) => {
            truncated(value.to_string().into_bytes())
        }
        (_, answer) => reply(answer),
    }
}

/// A JSON answer that announces all of `body` in `Content-Length` but carries only its first half.
fn truncated(body: Vec<u8>) -> Response<Full<Bytes>> {
    let whole = body.len();
    let mut response = json_response(body[..whole / 2].to_vec());
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(whole));
    response
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
    https_server::empty(status, ADMIN_PROTOCOL)
}
