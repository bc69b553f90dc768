//! Upstream events in the daemon: the connectivity observer runs over the modem engine, each of its
//! events is journaled in the store's event outbox (and the record of recent events) before anything else
//! happens to it, and a delivery task sends the outbox to the events endpoint in CloudEvents batches,
//! removing events only once the receiver acknowledged them, with exponential back-off while it fails.
//! Incoming SMS (with `[sms] enabled`) are journaled the same way, and a trusted wake-up makes the main loop
//! poll at once.

use super::DaemonError;
use super::control::Command;
use super::poller::{https_client, tls_config};
use crate::agent::connectivity::{self, ConnectivityHandle, InterfaceCounters, ObserverSettings};
use crate::agent::sms::{self, SmsSettings, SmsSink};
use crate::config::Config;
use crate::config::SmsModeSetting;
use crate::modem::Modem;
use crate::remote::events::{Endpoint, EventRecord, EventsClient, batch};
use crate::store::{Outbox, Retention, Store, StoreError};
use euicc_asn1::Eid;
use euiccd_core::connectivity::event::{ConnectivityEvent, EventKind, rfc3339};
use euiccd_core::connectivity::observer::ObserverConfig;
use euiccd_core::sms::{Sms, SmsMode, Undecodable, WakePolicy};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long one AT query of the observer may take.
const OBSERVER_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Journals events in the store and wakes the delivery.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    store: Arc<Store>,
    bound: u64,
    wake: Arc<Notify>,
}

impl Recorder {
    /// Journals `record`; the delivery is woken up.
    pub(crate) fn record(
        &self,
        record: &EventRecord,
        retention: Retention,
    ) -> Result<u64, StoreError> {
        let body = serde_json::to_vec(record).expect("an event record always serializes");
        let id = self
            .store
            .write(|w| w.push_event(retention, &body, self.bound))?;
        self.wake.notify_one();
        Ok(id)
    }
}

/// The running upstream tasks; dropping it stops them.
#[derive(Debug)]
pub(crate) struct Upstream {
    /// The observer, for supervisors that watch the network.
    pub(crate) connectivity: Option<ConnectivityHandle>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts the observer (if enabled), its journal, the SMS task (if enabled; it asks `commands` for a poll
/// when a trusted message wakes the device), and the delivery (if an endpoint is configured). The observer
/// and the SMS task speak AT over `modem`; without an AT port (a QMI or MBIM control device and no
/// `modem.at_device`) they stay off, with a warning.
pub(crate) fn start(
    config: &Config,
    store: Arc<Store>,
    modem: Option<Modem>,
    eid: &Eid,
    commands: mpsc::Sender<Command>,
) -> Result<Upstream, DaemonError> {
    let wake = Arc::new(Notify::new());
    let recorder = Recorder {
        store: store.clone(),
        bound: config.events.max_pending,
        wake: wake.clone(),
    };
    let mut tasks = Vec::new();
    let mut connectivity = None;
    let c = &config.connectivity;
    let at_port = |what: &str| {
        if modem.is_none() {
            tracing::warn!(
                "{what} needs the modem's AT port: set modem.at_device beside the control device; off for now"
            );
        }
        modem.clone()
    };
    if let Some(modem) = c.enabled.then(|| at_port("connectivity.enabled")).flatten() {
        let counters = match &c.interface {
            Some(interface) => Some(
                InterfaceCounters::new(&c.statistics_dir, interface)
                    .map_err(|e| DaemonError::Upstream(e.to_string()))?,
            ),
            None => None,
        };
        let settings = ObserverSettings {
            observer: ObserverConfig {
                update_interval: (c.update_interval_secs > 0)
                    .then(|| Duration::from_secs(c.update_interval_secs)),
                allowed_networks: c
                    .allowed_networks
                    .iter()
                    .map(|a| (a.iccid.clone(), a.networks.clone()))
                    .collect(),
            },
            poll_interval: Duration::from_secs(c.poll_interval_secs),
            counters,
            eid: Some(eid.digits()),
            command_timeout: OBSERVER_COMMAND_TIMEOUT,
        };
        let (handle, events) = connectivity::spawn(modem, settings);
        connectivity = Some(handle);
        tasks.push(tokio::spawn(journal(events, recorder.clone())));
    }
    if let Some(modem) = config.sms.enabled.then(|| at_port("sms.enabled")).flatten() {
        let settings = SmsSettings {
            mode: match config.sms.mode {
                SmsModeSetting::Pdu => SmsMode::Pdu,
                SmsModeSetting::Text => SmsMode::Text,
            },
            wake: config.sms.keyword.clone().map(|keyword| WakePolicy {
                trusted_senders: config.sms.trusted_senders.clone(),
                keyword,
            }),
            command_timeout: OBSERVER_COMMAND_TIMEOUT,
        };
        let sink = DaemonSms {
            recorder: recorder.clone(),
            commands,
        };
        tasks.push(sms::spawn(modem, settings, sink));
    }
    let e = &config.events;
    if let Some(endpoint) = &e.endpoint {
        let endpoint =
            Endpoint::parse(endpoint).map_err(|e| DaemonError::Upstream(e.to_string()))?;
        let tls = tls_config(&e.trust_anchors, e.system_ca)?;
        let idle = crate::remote::https::DEFAULT_IDLE_TIMEOUT.as_secs();
        let http = https_client(tls, e.connect.clone(), e.timeout_secs, idle);
        let delivery = Delivery {
            store,
            client: EventsClient::new(http, endpoint),
            source: e
                .source
                .clone()
                .unwrap_or_else(|| format!("urn:euiccd:eid:{}", eid.digits())),
            batch_size: e.batch_size,
            backoff_initial: Duration::from_secs(e.backoff_initial_secs),
            backoff_cap: Duration::from_secs(e.backoff_cap_secs),
            wake,
        };
        tasks.push(tokio::spawn(delivery.run()));
    }
    Ok(Upstream {
        connectivity,
        tasks,
    })
}

/// The outbox record of a connectivity event, and how it may give way.
pub(crate) fn connectivity_record(event: &ConnectivityEvent) -> (EventRecord, Retention) {
    let retention = match event.kind {
        EventKind::SessionUpdated => Retention::Update,
        EventKind::AttachAccepted | EventKind::AttachFailed => Retention::Droppable,
        EventKind::AttachRejected { .. }
        | EventKind::SessionStarted
        | EventKind::SessionEnded
        | EventKind::SessionFailed => Retention::Keep,
    };
    let record = EventRecord {
        kind: event.kind.cloud_event_type().to_owned(),
        time: rfc3339(event.time),
        subject: event.identity.iccid.clone(),
        data: serde_json::to_value(event).expect("an event always serializes"),
    };
    (record, retention)
}

/// The type of SMS events.
pub(crate) const SMS_TYPE: &str = "org.euiccd.sms.received";
/// The type of the event that reports a damaged store, moved aside and replaced at start.
pub(crate) const STORE_CORRUPTED_TYPE: &str = "org.euiccd.store.corrupted";
/// The type of the events of messages that do not decode (deleted from the modem once journaled).
pub(crate) const UNDECODABLE_SMS_TYPE: &str = "org.euiccd.sms.undecodable";

/// The daemon's end of the SMS task: the journal, and the main loop for wake-ups.
struct DaemonSms {
    recorder: Recorder,
    commands: mpsc::Sender<Command>,
}

impl DaemonSms {
    fn record(&self, kind: &str, data: serde_json::Value) -> Result<(), String> {
        let record = EventRecord {
            kind: kind.to_owned(),
            time: rfc3339(SystemTime::now()),
            subject: None,
            data,
        };
        self.recorder
            .record(&record, Retention::Keep)
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

impl SmsSink for DaemonSms {
    fn journal(&self, sms: &Sms) -> Result<(), String> {
        self.record(
            SMS_TYPE,
            serde_json::to_value(sms).expect("an SMS always serializes"),
        )
    }

    fn journal_undecodable(&self, message: &Undecodable) -> Result<(), String> {
        self.record(
            UNDECODABLE_SMS_TYPE,
            serde_json::to_value(message).expect("a message always serializes"),
        )
    }

    fn wake(&self) {
        // Nobody waits for the outcome; a poll already queued makes this one redundant.
        let (reply, _outcome) = oneshot::channel();
        if self.commands.try_send(Command::PollNow(reply)).is_err() {
            tracing::warn!("SMS wake-up: the main loop is busy; the next poll comes on schedule");
        }
    }
}

async fn journal(mut events: mpsc::Receiver<ConnectivityEvent>, recorder: Recorder) {
    while let Some(event) = events.recv().await {
        let (record, retention) = connectivity_record(&event);
        match recorder.record(&record, retention) {
            Ok(id) => tracing::info!(id, event = %record.kind, "network event"),
            Err(error) => {
                tracing::error!(event = %record.kind, "network event not journaled: {error}")
            }
        }
    }
}

/// The delivery of the outbox. See the module documentation.
struct Delivery {
    store: Arc<Store>,
    client: EventsClient,
    source: String,
    batch_size: usize,
    backoff_initial: Duration,
    backoff_cap: Duration,
    wake: Arc<Notify>,
}

impl Delivery {
    async fn run(mut self) {
        let mut failures: u32 = 0;
        loop {
            match self.once().await {
                Ok(true) => failures = 0,
                Ok(false) => self.wake.notified().await,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let delay = self.backoff(failures);
                    tracing::warn!(failures, ?delay, "events not delivered: {error}");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// Sends one batch; `Ok(false)` when there was nothing to send.
    async fn once(&mut self) -> Result<bool, String> {
        let pending = self
            .store
            .pending(Outbox::Events)
            .map_err(|e| e.to_string())?;
        let lost = self.store.events_lost().map_err(|e| e.to_string())?;
        if pending.is_empty() && lost == 0 {
            return Ok(false);
        }
        let mut ids = Vec::new();
        let mut records = Vec::new();
        for (id, entry) in pending.into_iter().take(self.batch_size) {
            ids.push(id);
            match serde_json::from_slice::<EventRecord>(&entry.body) {
                Ok(record) => records.push((id, record)),
                // Only this program writes the outbox: an unreadable entry is damage, not news.
                Err(error) => tracing::error!(id, "dropping an unreadable event: {error}"),
            }
        }
        let body = batch(&self.source, &records, lost, &rfc3339(SystemTime::now()));
        self.client
            .send(body)
            .await
            .map_err(|e| crate::error_chain::chain(&e))?;
        self.store
            .write(|w| w.acknowledge_events(&ids, lost))
            .map_err(|e| e.to_string())?;
        tracing::debug!(events = records.len(), lost, "events delivered");
        Ok(true)
    }

    fn backoff(&self, failures: u32) -> Duration {
        let factor = 1u32 << failures.saturating_sub(1).min(16);
        self.backoff_initial
            .saturating_mul(factor)
            .min(self.backoff_cap)
    }
}
