//! The eIM's HTTPS server for the ESipa ASN.1 binding: `POST /gsma/rsp2/asn1` with
//! `Content-Type: application/x-gsma-rsp-asn1` and an `X-Admin-Protocol: gsma/rsp/v…` header, a DER body of at
//! most [`MAX_BODY_LEN`] bytes. Like onomondo-eim it answers 415 to another content type and 400 to a
//! missing protocol header or an unreadable message.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::logic::SimEim;
use crate::remote::esipa;
use crate::sim::crypto::pki::CertAndKey;
use crate::sim::https_server::{
    self, ConnectionId, Listening, ServeError, admin_protocol_starts_with, lock, read_body,
};

/// Largest request body accepted; larger ones get HTTP 413.
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// The `X-Admin-Protocol` value sent, and the prefix required of requests.
pub const ADMIN_PROTOCOL: &str = esipa::DEFAULT_ADMIN_PROTOCOL;
const ADMIN_PROTOCOL_PREFIX: &str = "gsma/rsp/v";

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

/// Starts serving `eim` on `listen` (e.g. `127.0.0.1:0`) with the TLS certificate and key `tls`. Must be
/// called inside a tokio runtime.
pub async fn start(
    eim: SimEim,
    tls: &CertAndKey,
    listen: SocketAddr,
) -> Result<EimHandle, ServeError> {
    let eim = Arc::new(Mutex::new(eim));
    let state = Arc::clone(&eim);
    let listening = https_server::serve("eIM", tls, listen, move |request| {
        let eim = Arc::clone(&state);
        async move { respond(request, &eim).await }
    })
    .await?;
    Ok(EimHandle { listening, eim })
}

async fn respond(request: Request<Incoming>, eim: &Mutex<SimEim>) -> Response<Full<Bytes>> {
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
    let answer = lock(eim).handle(connection, &body);
    match answer {
        Ok(Some(answer)) => {
            let mut response = empty(StatusCode::OK);
            *response.body_mut() = Full::new(Bytes::from(answer));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(esipa::CONTENT_TYPE));
            response
        }
        Ok(None) => empty(StatusCode::NO_CONTENT),
        Err(error) => {
            tracing::debug!(%error, "eIM refused a request");
            empty(StatusCode::BAD_REQUEST)
        }
    }
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    https_server::empty(status, ADMIN_PROTOCOL)
}
