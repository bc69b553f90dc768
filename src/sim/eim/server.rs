//! The eIM's HTTPS server for the ESipa ASN.1 binding: `POST /gsma/rsp2/asn1` with
//! `Content-Type: application/x-gsma-rsp-asn1` and an `X-Admin-Protocol: gsma/rsp/v…` header, a DER body of at
//! most [`MAX_BODY_LEN`] bytes. Like onomondo-eim it answers 415 to another content type and 400 to a
//! missing protocol header or an unreadable message. Started with an [`SmdpRelay`], it relays indirect
//! downloads to the SM-DP+ with the ES9+ client, as a real eIM does.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::logic::{Action, SimEim};
use super::relay::{self, Es9Call, Es9Reply};
use crate::remote::es9p::{Es9Client, Es9Error};
use crate::remote::esipa;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::sim::crypto::pki::CertAndKey;
use crate::sim::https_server::{
    self, ConnectionId, Listening, ServeError, admin_protocol_starts_with, lock, read_body,
};

/// Largest request body accepted; larger ones get HTTP 413.
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// The `X-Admin-Protocol` value sent, and the prefix required of requests.
pub const ADMIN_PROTOCOL: &str = esipa::DEFAULT_ADMIN_PROTOCOL;
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
        let function = call.function();
        let smdp = Server::parse(call.smdp_address())
            .map_err(|source| Es9Error::Http { function, source })?;
        let http = HttpsClient::new(
            Arc::clone(&self.tls),
            HttpOptions {
                connect_override: self.connect_override.clone(),
                ..HttpOptions::default()
            },
        );
        relay::execute(call, &mut Es9Client::new(http, smdp)).await
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
    start_relaying(eim, tls, listen, None).await
}

/// [`start`], relaying indirect downloads to the SM-DP+s through `relay`.
pub async fn start_relaying(
    eim: SimEim,
    tls: &CertAndKey,
    listen: SocketAddr,
    relay: Option<SmdpRelay>,
) -> Result<EimHandle, ServeError> {
    let eim = Arc::new(Mutex::new(eim));
    let state = Arc::clone(&eim);
    let relay = Arc::new(relay);
    let listening = https_server::serve("eIM", tls, listen, move |request| {
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
    if request.uri().path() != esipa::PATH {
        return empty(StatusCode::NOT_FOUND);
    }
    let content_type_ok = request
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == esipa::CONTENT_TYPE.as_bytes());
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
    let action = lock(eim).handle(connection, &body);
    let answer = match action {
        Ok(Action::Answer(answer)) => answer,
        Ok(Action::Relay(call)) => {
            let reply = match relay {
                Some(relay) => relay.call(&call).await,
                None => Err(Es9Error::Malformed {
                    function: call.function(),
                    detail: "this eIM relays to no SM-DP+".into(),
                }),
            };
            lock(eim).relayed(&call, reply)
        }
        Err(error) => {
            tracing::debug!(%error, "eIM refused a request");
            return empty(StatusCode::BAD_REQUEST);
        }
    };
    match answer {
        Some(answer) => {
            let mut response = empty(StatusCode::OK);
            *response.body_mut() = Full::new(Bytes::from(answer));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(esipa::CONTENT_TYPE));
            response
        }
        None => empty(StatusCode::NO_CONTENT),
    }
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    https_server::empty(status, ADMIN_PROTOCOL)
}
