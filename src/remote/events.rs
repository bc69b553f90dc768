//! Upstream events as CloudEvents 1.0 (JSON event format), sent in batches
//! (`application/cloudevents-batch+json`, a JSON array) with an HTTPS POST to the configured endpoint.
//!
//! An event is stored as an [`EventRecord`] (type, time, subject, data); [`batch`] turns stored records
//! into CloudEvents with an `id` unique per device (the store's id under the `source`). The receiver
//! acknowledges a batch with any 2xx status; anything else is an error and the batch is sent again later,
//! so a receiver must tolerate a repeated `id` (CloudEvents: `source` + `id` identify an event).

use super::https::{HttpError, HttpsClient, Server};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The batch content type of CloudEvents' HTTP binding.
pub(crate) const BATCH_CONTENT_TYPE: &str = "application/cloudevents-batch+json";
/// The `type` of the event that reports events lost to the outbox bound.
pub(crate) const LOST_TYPE: &str = "org.euiccd.events.lost";

/// An event as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventRecord {
    /// The CloudEvents `type` (reverse-DNS, `org.euiccd.…`).
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// When it happened (RFC 3339, UTC).
    pub(crate) time: String,
    /// What it is about (the active ICCID), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subject: Option<String>,
    /// The event's data.
    pub(crate) data: Value,
}

/// Why a batch was not delivered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EventsError {
    /// The endpoint is not `https://host[:port][/path]`.
    #[error("events endpoint {0:?} is not https://host[:port][/path]")]
    BadEndpoint(String),
    /// The exchange failed.
    #[error("the events endpoint failed")]
    Http(#[from] HttpError),
    /// The receiver answered with a status other than 2xx.
    #[error("events endpoint answered HTTP {0}")]
    Status(u16),
}

/// Where events go: the server and the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    server: Server,
    path: String,
}

impl Endpoint {
    /// Parses `https://host[:port][/path]`.
    pub(crate) fn parse(url: &str) -> Result<Self, EventsError> {
        let bad = || EventsError::BadEndpoint(url.to_owned());
        let rest = url.strip_prefix("https://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        if path.len() > 1024 || !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad());
        }
        let server = Server::parse(authority).map_err(|_| bad())?;
        Ok(Self {
            server,
            path: path.to_owned(),
        })
    }
}

/// The CloudEvents batch of `records` (store id and record) from `source`, with a loss report first
/// when `lost` events were dropped since the last one.
pub(crate) fn batch(source: &str, records: &[(u64, EventRecord)], lost: u64, now: &str) -> Vec<u8> {
    let mut events = Vec::with_capacity(records.len() + 1);
    if lost > 0 {
        events.push(serde_json::json!({
            "specversion": "1.0",
            "id": format!("lost-{}", records.first().map_or(0, |(id, _)| *id)),
            "source": source,
            "type": LOST_TYPE,
            "time": now,
            "datacontenttype": "application/json",
            "data": { "count": lost },
        }));
    }
    for (id, record) in records {
        let mut event = serde_json::json!({
            "specversion": "1.0",
            "id": id.to_string(),
            "source": source,
            "type": record.kind,
            "time": record.time,
            "datacontenttype": "application/json",
            "data": record.data,
        });
        if let Some(subject) = &record.subject {
            event["subject"] = Value::String(subject.clone());
        }
        events.push(event);
    }
    serde_json::to_vec(&events).expect("JSON values always serialize")
}

/// The HTTPS client of the events endpoint.
#[derive(Debug)]
pub(crate) struct EventsClient {
    http: HttpsClient,
    endpoint: Endpoint,
}

impl EventsClient {
    /// A client sending to `endpoint` over `http`.
    pub(crate) fn new(http: HttpsClient, endpoint: Endpoint) -> Self {
        Self { http, endpoint }
    }

    /// Posts one batch (from [`batch`]); `Ok` once the receiver acknowledged it with a 2xx status.
    pub(crate) async fn send(&mut self, batch: Vec<u8>) -> Result<(), EventsError> {
        let response = self
            .http
            .post(
                &self.endpoint.server,
                &self.endpoint.path,
                BATCH_CONTENT_TYPE,
                &[],
                batch,
            )
            .await?;
        match response.status {
            200..=299 => Ok(()),
            status => Err(EventsError::Status(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("https://collector.example.com:8443/v1/events").unwrap();
        assert_eq!(e.server.host(), "collector.example.com");
        assert_eq!(e.path, "/v1/events");
        assert_eq!(Endpoint::parse("https://127.0.0.1:9").unwrap().path, "/");
        for bad in ["http://x/", "https://", "https://x:port/", "https://x/a b"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn batch_is_a_cloudevents_array_with_a_loss_report() {
        let record = EventRecord {
            kind: "org.euiccd.session.started".into(),
            time: "2026-11-24T10:00:00.000Z".into(),
            subject: Some("8988".into()),
            data: serde_json::json!({"apn": "iot"}),
        };
        let bytes = batch(
            "urn:euiccd:eid:89",
            &[(7, record)],
            3,
            "2026-11-24T10:00:01.000Z",
        );
        let events: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["type"], LOST_TYPE);
        assert_eq!(events[0]["data"]["count"], 3);
        assert_eq!(events[1]["specversion"], "1.0");
        assert_eq!(events[1]["id"], "7");
        assert_eq!(events[1]["source"], "urn:euiccd:eid:89");
        assert_eq!(events[1]["subject"], "8988");
        assert_eq!(events[1]["data"]["apn"], "iot");
        let plain = batch("s", &[], 0, "t");
        assert_eq!(plain, b"[]");
    }
}
