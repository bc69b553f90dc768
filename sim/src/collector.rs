//! A CloudEvents receiver on loopback HTTPS, the test counterpart of the IPA's event sender: it accepts
//! `application/cloudevents-batch+json` POSTs, checks every event's required attributes (specversion 1.0,
//! id, source, type), keeps each event once (by source and id, as a receiver must when a batch is
//! repeated) and answers 200; a malformed batch gets 400, another content type 415.

use crate::crypto::pki::CertAndKey;
use crate::https_server::{Listening, ServeError, lock, read_body, serve};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The media type of a batch in CloudEvents' HTTP binding (CloudEvents HTTP Protocol Binding 1.0, §3.3).
const BATCH_CONTENT_TYPE: &str = "application/cloudevents-batch+json";
/// Largest batch accepted.
const MAX_BATCH: usize = 1024 * 1024;

/// What the collector received.
#[derive(Debug, Default)]
struct Received {
    events: Vec<Value>,
    seen: HashSet<(String, String)>,
    batches: usize,
    repeated: usize,
}

/// A running collector; dropping it stops it.
#[derive(Debug)]
pub struct Collector {
    listening: Listening,
    received: Arc<Mutex<Received>>,
}

impl Collector {
    /// Serves on `listen` (e.g. `127.0.0.1:0`, or the port of a collector that was stopped) with the
    /// TLS certificate `tls`.
    pub async fn start(tls: &CertAndKey, listen: SocketAddr) -> Result<Self, ServeError> {
        let received = Arc::new(Mutex::new(Received::default()));
        let state = received.clone();
        let listening = serve("collector", tls, listen, move |request| {
            let state = state.clone();
            async move { handle(request, &state).await }
        })
        .await?;
        Ok(Self {
            listening,
            received,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.listening.local_addr()
    }

    /// The events received, each once, in arrival order.
    pub fn events(&self) -> Vec<Value> {
        lock(&self.received).events.clone()
    }

    /// Batches accepted, and events that came again (a batch resent after a lost answer).
    pub fn counts(&self) -> (usize, usize) {
        let received = lock(&self.received);
        (received.batches, received.repeated)
    }
}

async fn handle(request: Request<Incoming>, state: &Mutex<Received>) -> Response<Full<Bytes>> {
    let content_type = request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if request.method() != Method::POST {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    }
    if content_type != BATCH_CONTENT_TYPE {
        return status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let Some(body) = read_body(request.into_body(), MAX_BATCH).await else {
        return status(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let Ok(Value::Array(events)) = serde_json::from_slice::<Value>(&body) else {
        return status(StatusCode::BAD_REQUEST);
    };
    let valid = |e: &Value| {
        e["specversion"] == "1.0"
            && ["id", "source", "type"]
                .iter()
                .all(|k| e[k].as_str().is_some_and(|v| !v.is_empty()))
    };
    if !events.iter().all(valid) {
        return status(StatusCode::BAD_REQUEST);
    }
    let mut received = lock(state);
    received.batches += 1;
    for event in events {
        let key = (
            event["source"].as_str().unwrap_or_default().to_owned(),
            event["id"].as_str().unwrap_or_default().to_owned(),
        );
        if received.seen.insert(key) {
            received.events.push(event);
        } else {
            received.repeated += 1;
        }
    }
    status(StatusCode::OK)
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}
