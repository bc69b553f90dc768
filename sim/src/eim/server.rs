//! The eIM's HTTPS server. ASN.1 binding: `POST /gsma/rsp2/asn1` with `Content-Type:
//! application/x-gsma-rsp-asn1`; JSON binding (v1.2 eIMs only, the eIM's own [`json`]): `POST
//! /gsma/rsp2/esipa/<function>` with `application/json`. Both need an `X-Admin-Protocol: gsma/rsp/v…` header
//! and a body of at most [`MAX_BODY_LEN`] bytes. Like onomondo-eim it answers 415 to another content type and
//! 400 to a missing protocol header or an unreadable message. Started with an [`SmdpRelay`], it relays indirect
//! downloads to the SM-DP+ with its own ES9+ client, as a real eIM does.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::es9_client::{Es9Client, Es9Error};
use super::json;
use super::logic::{Action, BadRequest, SimEim};
use super::relay::{self, Es9Call, Es9Reply};
use crate::Layout;
use crate::crypto::pki::CertAndKey;
pub use crate::https_server::SessionTickets;
use crate::https_server::{
    self, ConnectionId, Listening, ServeError, admin_protocol_starts_with, lock, read_body,
};

/// Largest request body accepted; larger ones get HTTP 413.
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// The `X-Admin-Protocol` value sent, and the prefix required of requests.
pub const ADMIN_PROTOCOL: &str = "gsma/rsp/v2.1.0";
/// The path of ESipa's ASN.1 binding over HTTPS, the one SGP.22 §6.1 gives ES9+'s ASN.1 binding.
/// Written here rather than taken from the IPA's client, so that a misread path fails a test.
const ASN1_PATH: &str = "/gsma/rsp2/asn1";
/// The media type of that binding's requests and answers.
const ASN1_MEDIA_TYPE: &str = "application/x-gsma-rsp-asn1";
const ADMIN_PROTOCOL_PREFIX: &str = "gsma/rsp/v";

/// Where the eIM relays indirect downloads: the SM-DP+s are reached with this TLS trust, and optionally all
/// at one address whatever their name (loopback tests).
#[derive(Debug, Clone)]
pub struct SmdpRelay {
    /// Trust anchors for the SM-DP+s' TLS certificates.
    pub tls: Arc<rustls::ClientConfig>,
    /// Connect here (`HOST:PORT`) instead of the SM-DP+'s own address.
    pub connect_override: Option<String>,
}

impl SmdpRelay {
    /// Makes `call` with a fresh ES9+ client of its SM-DP+.
    async fn call(&self, call: &Es9Call) -> Result<Es9Reply, Es9Error> {
        let mut client = Es9Client::new(
            Arc::clone(&self.tls),
            call.smdp_address(),
            self.connect_override.clone(),
        );
        relay::execute(call, &mut client).await
    }
}

/// A running eIM server. Dropping it stops the listener and every connection.
#[derive(Debug)]
pub struct EimHandle {
    listening: Listening,
    eim: Arc<Mutex<SimEim>>,
}

impl EimHandle {
    /// The bound address (the OS picks the port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listening.local_addr()
    }

    /// Runs `f` on the eIM state (queue packages, inspect reports).
    pub fn with_eim<R>(&self, f: impl FnOnce(&mut SimEim) -> R) -> R {
        f(&mut lock(&self.eim))
    }
}

/// Starts serving `eim` on `listen` (e.g. `127.0.0.1:0`) with the TLS certificate and key `tls`, without
/// relaying indirect downloads. Must be called inside a tokio runtime.
pub async fn start(
    eim: SimEim,
    tls: &CertAndKey,
    listen: SocketAddr,
) -> Result<EimHandle, ServeError> {
    start_with(eim, tls, SessionTickets::default(), listen, None).await
}

/// [`start`], relaying indirect downloads to the SM-DP+s through `relay`.
pub async fn start_relaying(
    eim: SimEim,
    tls: &CertAndKey,
    listen: SocketAddr,
    relay: Option<SmdpRelay>,
) -> Result<EimHandle, ServeError> {
    start_with(eim, tls, SessionTickets::default(), listen, relay).await
}

/// [`start_relaying`], letting clients resume TLS with `tickets` (what an eIM's operator chooses; the
/// benchmark's idle poll is measured with both).
pub async fn start_with(
    eim: SimEim,
    tls: &CertAndKey,
    tickets: SessionTickets,
    listen: SocketAddr,
    relay: Option<SmdpRelay>,
) -> Result<EimHandle, ServeError> {
    let eim = Arc::new(Mutex::new(eim));
    let state = Arc::clone(&eim);
    let relay = Arc::new(relay);
    let listening = https_server::serve_with_tickets("eIM", tls, tickets, listen, move |request| {
        let eim = Arc::clone(&state);
        let relay = Arc::clone(&relay);
        async move { respond(request, &eim, relay.as_ref().as_ref()).await }
    })
    .await?;
    Ok(EimHandle { listening, eim })
}

async fn respond(
    request: Request<Incoming>,
    eim: &Mutex<SimEim>,
    relay: Option<&SmdpRelay>,
) -> Response<Full<Bytes>> {
    if request.method() != Method::POST {
        return empty(StatusCode::METHOD_NOT_ALLOWED);
    }
    let path = request.uri().path();
    let (binding, content_type) = if path == ASN1_PATH {
        (Binding::Asn1, ASN1_MEDIA_TYPE)
    } else if let Some(function) = path.strip_prefix(json::PATH_PREFIX) {
        match json::FUNCTIONS.iter().find(|&&f| f == function) {
            Some(&function) => (Binding::Json(function), json::MEDIA_TYPE),
            None => return empty(StatusCode::NOT_FOUND),
        }
    } else {
        return empty(StatusCode::NOT_FOUND);
    };
    // The media type must match; parameters (`;charset=…`) are not compared.
    let media_type = |value: &str| value.split(';').next().unwrap_or("").trim().to_owned();
    let content_type_ok = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| media_type(value) == media_type(content_type));
    if !content_type_ok {
        return empty(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    if !admin_protocol_starts_with(&request, ADMIN_PROTOCOL_PREFIX) {
        return empty(StatusCode::BAD_REQUEST);
    }
    let Some(&connection) = request.extensions().get::<ConnectionId>() else {
        return empty(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let Some(body) = read_body(request.into_body(), MAX_BODY_LEN).await else {
        return empty(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let answer = match binding {
        Binding::Asn1 => serve(eim, relay, connection, &body).await,
        Binding::Json(function) => serve_json(eim, relay, connection, function, &body).await,
    };
    match answer {
        Ok(Some(answer)) => {
            let mut response = empty(StatusCode::OK);
            *response.body_mut() = Full::new(Bytes::from(answer));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        }
        Ok(None) => empty(StatusCode::NO_CONTENT),
        Err(error) => {
            tracing::debug!(%error, "eIM refused a request");
            empty(StatusCode::BAD_REQUEST)
        }
    }
}

/// The binding a request came in.
#[derive(Debug, Clone, Copy)]
enum Binding {
    Asn1,
    /// The JSON binding's function (its path name).
    Json(&'static str),
}

/// Serves one request of the ASN.1 binding: its answer's DER (`None`: empty), relaying first if needed.
async fn serve(
    eim: &Mutex<SimEim>,
    relay: Option<&SmdpRelay>,
    connection: ConnectionId,
    body: &[u8],
) -> Result<Option<Vec<u8>>, BadRequest> {
    let action = lock(eim).handle(connection, body)?;
    Ok(match action {
        Action::Answer(answer) => answer,
        Action::Relay(call) => {
            let reply = match relay {
                Some(relay) => relay.call(&call).await,
                None => Err(Es9Error::Malformed {
                    function: call.function(),
                    detail: "this eIM relays to no SM-DP+".into(),
                }),
            };
            lock(eim).relayed(&call, reply)
        }
    })
}

/// Serves one request of the JSON binding (v1.2 layout): converted to the ASN.1 message, served, and the
/// answer converted back.
async fn serve_json(
    eim: &Mutex<SimEim>,
    relay: Option<&SmdpRelay>,
    connection: ConnectionId,
    function: &'static str,
    body: &[u8],
) -> Result<Option<Vec<u8>>, BadRequest> {
    let error_name = {
        let eim = lock(eim);
        if eim.version() != Layout::V1_2 {
            return Err(BadRequest::Unsupported("JSON binding of SGP.32 v1.0"));
        }
        eim.result_error_name()
    };
    let request = json::request_der(function, body)?;
    let Some(answer) = serve(eim, relay, connection, &request).await? else {
        return Ok(None);
    };
    Ok(json::answer_json(function, &answer, error_name)?)
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    https_server::empty(status, ADMIN_PROTOCOL)
}
