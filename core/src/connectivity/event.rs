//! What the observer reports: a [`ConnectivityEvent`] carries the kind of event and everything a cloud
//! platform shows with it (device and profile identity, network, cell, APN, address, bytes, whether the
//! network is allowed), serialized as the `data` of an upstream CloudEvent.

use crate::network::{Rat, RejectCause, Signal};
use crate::rfc3339::{Fraction, Rfc3339};
use core::net::IpAddr;
use serde::{Serialize, Serializer};
use std::time::SystemTime;

/// The device and its active profile, as the modem and the eUICC report them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceIdentity {
    /// The eUICC's EID.
    pub eid: Option<String>,
    /// The active profile's ICCID.
    pub iccid: Option<String>,
    /// The modem's IMEI.
    pub imei: Option<String>,
    /// The active profile's IMSI.
    pub imsi: Option<String>,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The modem registered on a network (attach accepted).
    AttachAccepted,
    /// The network denied the registration.
    AttachRejected {
        /// Why, when the modem reports it (`AT+CEREG=3`).
        cause: Option<RejectCause>,
    },
    /// The registration was lost, or searching ended without one, without a denial.
    AttachFailed,
    /// A data session (PDP context / PDN connection) came up.
    SessionStarted,
    /// An ongoing session: bytes so far, or its address changed.
    SessionUpdated,
    /// The session ended; its bytes are the totals.
    SessionEnded,
    /// The network refused to set up a session.
    SessionFailed,
}

impl EventKind {
    /// The CloudEvents `type` of this kind (reverse-DNS, as the spec recommends).
    pub fn cloud_event_type(self) -> &'static str {
        match self {
            Self::AttachAccepted => "org.euiccd.attach.accepted",
            Self::AttachRejected { .. } => "org.euiccd.attach.rejected",
            Self::AttachFailed => "org.euiccd.attach.failed",
            Self::SessionStarted => "org.euiccd.session.started",
            Self::SessionUpdated => "org.euiccd.session.updated",
            Self::SessionEnded => "org.euiccd.session.ended",
            Self::SessionFailed => "org.euiccd.session.failed",
        }
    }
}

/// The network and cell at the time of an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NetworkSnapshot {
    /// Mobile country code.
    pub mcc: Option<String>,
    /// Mobile network code.
    pub mnc: Option<String>,
    /// The operator's name.
    pub operator: Option<String>,
    /// ISO 3166-1 alpha-2 country of the MCC.
    pub country: Option<&'static str>,
    /// Radio access technology.
    pub rat: Option<Rat>,
    /// Location or tracking area code.
    pub lac_tac: Option<u32>,
    /// Cell identity.
    pub cell_id: Option<u64>,
    /// Signal quality.
    pub signal: Signal,
}

/// One connectivity event. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectivityEvent {
    /// What happened (serialized as `event`, with `cause` for rejections).
    #[serde(flatten)]
    pub kind: EventKind,
    /// When (UTC, RFC 3339).
    #[serde(serialize_with = "serialize_time")]
    pub time: SystemTime,
    /// Device and profile.
    #[serde(flatten)]
    pub identity: DeviceIdentity,
    /// Network and cell.
    #[serde(flatten)]
    pub network: NetworkSnapshot,
    /// The session's access point name.
    pub apn: Option<String>,
    /// The session's address.
    pub ip: Option<IpAddr>,
    /// Bytes received during the session so far (totals in `session_ended`).
    pub rx_bytes: Option<u64>,
    /// Bytes sent during the session so far.
    pub tx_bytes: Option<u64>,
    /// The network is in the active profile's allowed list (absent when there is no list).
    pub allowed: Option<bool>,
}

/// Serializes a time as RFC 3339 UTC.
pub fn serialize_time<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*time))
}

/// `time` as RFC 3339 in UTC with milliseconds (`2026-11-24T10:27:33.123Z`); times before 1970 are the epoch.
pub fn rfc3339(time: SystemTime) -> String {
    Rfc3339(time, Fraction::Millis).to_string()
}
