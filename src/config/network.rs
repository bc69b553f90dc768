//! The configuration of the connectivity observer (`[connectivity]`), upstream events (`[events]`) and
//! the SMS wake-up (`[sms]`).

use crate::agent::reconnect::ReconnectPolicy;
use euiccd_core::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// `[connectivity]`: the connectivity observer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectivityConfig {
    /// Watch registration and data sessions, and record their events.
    pub(crate) enabled: bool,
    /// The modem's network interface (`wwan0`), whose byte counters the session events carry; none: no
    /// byte counts.
    pub(crate) interface: Option<String>,
    /// Where the interfaces' counters are (`<dir>/<interface>/statistics/{rx,tx}_bytes`).
    pub(crate) statistics_dir: PathBuf,
    /// How often signal, contexts and counters are sampled, seconds.
    pub(crate) poll_interval_secs: u64,
    /// How often an ongoing data session is reported (`session.updated`), seconds; 0: never.
    pub(crate) update_interval_secs: u64,
    /// After a package enabled a profile, how long the modem may take to drop the old registration before
    /// the poll judges the device online on what it sees, seconds (see [`crate::agent::reconnect`]).
    pub(crate) reconnect_settle_secs: u64,
    /// After a package enabled a profile, the longest the poll waits for the new profile to be online
    /// before it reports to the eIM anyway, seconds.
    pub(crate) reconnect_timeout_secs: u64,
    /// Per profile, the networks it may use (`[[connectivity.allowed_networks]]`); events on a profile
    /// with a list say whether the network is in it.
    pub(crate) allowed_networks: Vec<AllowedNetworks>,
}

impl Default for ConnectivityConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interface: None,
            statistics_dir: PathBuf::from(crate::agent::connectivity::counters::SYS_CLASS_NET),
            poll_interval_secs: 60,
            update_interval_secs: 900,
            reconnect_settle_secs: 10,
            reconnect_timeout_secs: 180,
            allowed_networks: Vec::new(),
        }
    }
}

impl ConnectivityConfig {
    /// The poll cycle's wait for the network after a profile switch.
    pub(crate) fn reconnect_policy(&self) -> ReconnectPolicy {
        ReconnectPolicy {
            settle: Duration::from_secs(self.reconnect_settle_secs),
            timeout: Duration::from_secs(self.reconnect_timeout_secs),
        }
    }
}

/// The networks one profile may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AllowedNetworks {
    /// The profile's ICCID.
    pub(crate) iccid: String,
    /// MCC+MNC of each network (5 or 6 digits).
    pub(crate) networks: Vec<String>,
}

/// `[events]`: where upstream events go (CloudEvents over HTTPS) and how the outbox behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventsConfig {
    /// The receiver, `https://host[:port][/path]`; none: events are only recorded locally.
    pub(crate) endpoint: Option<String>,
    /// The CloudEvents `source`; none: `urn:euiccd:eid:<EID>`.
    pub(crate) source: Option<String>,
    /// CA certificates (PEM or DER files) of the receiver's TLS server.
    pub(crate) trust_anchors: Vec<PathBuf>,
    /// Also trust the system bundle.
    pub(crate) system_ca: bool,
    /// Connect to this `host:port` instead, keeping the endpoint's name for TLS (tests).
    pub(crate) connect: Option<String>,
    /// Deadline of one delivery, seconds.
    pub(crate) timeout_secs: u64,
    /// The most undelivered events kept (1 to 1000); see `store::Retention` for what gives way.
    pub(crate) max_pending: u64,
    /// The most events per batch (1 to 500).
    pub(crate) batch_size: usize,
    /// Delay after a first failed delivery, seconds; doubles per failure.
    pub(crate) backoff_initial_secs: u64,
    /// Largest delay after repeated failures, seconds.
    pub(crate) backoff_cap_secs: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            endpoint: None,
            source: None,
            trust_anchors: Vec::new(),
            system_ca: true,
            connect: None,
            timeout_secs: 30,
            max_pending: crate::store::MAX_EVENTS,
            batch_size: 50,
            backoff_initial_secs: 5,
            backoff_cap_secs: 600,
        }
    }
}

/// `[sms]`: incoming SMS, reported as events; a trusted sender's keyword wakes the eIM poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SmsConfig {
    /// Read incoming messages, report them, and delete them from the modem once journaled.
    pub(crate) enabled: bool,
    /// `pdu` (concatenated messages reassembled) or `text`.
    pub(crate) mode: SmsModeSetting,
    /// Senders (exactly as the modem shows them, `+4917…`) whose keyword wakes the eIM poll.
    pub(crate) trusted_senders: Vec<String>,
    /// The word that wakes the poll (case-insensitive); none: no SMS wakes it. Never logged.
    pub(crate) keyword: Option<Secret>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            mode: SmsModeSetting::Pdu,
            trusted_senders: Vec::new(),
            keyword: None,
        }
    }
}

/// The `sms.mode` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SmsModeSetting {
    /// PDU mode.
    Pdu,
    /// Text mode.
    Text,
}
