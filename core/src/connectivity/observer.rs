//! The connectivity observer's state machine, sans-IO: fed the modem's network lines (URCs and query
//! answers), interface byte counters and the clock, it keeps a [`NetworkState`] snapshot and says what
//! happened as [`ConnectivityEvent`]s (attach accepted / rejected / failed, data session started / updated /
//! ended / failed) and which [`Query`]s the modem should answer next. The daemon's observer task does the I/O.

use super::event::{ConnectivityEvent, DeviceIdentity, EventKind, NetworkSnapshot};
use super::mcc;
use crate::network::{
    self as at, Domain, Form, LineError, OperatorName, PacketEvent, Rat, RegStatus, Registration,
    RejectCause, Report, Signal,
};
use core::net::IpAddr;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// What the observer needs to know beyond the modem's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObserverConfig {
    /// How often an ongoing data session is reported (`session.updated`); `None` never.
    pub update_interval: Option<Duration>,
    /// Per ICCID, the networks (MCC+MNC, 5 or 6 digits) the profile may use; a profile not listed has no
    /// list and its events carry no `allowed`.
    pub allowed_networks: BTreeMap<String, Vec<String>>,
}

/// The network the modem is on (as far as it said).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Operator {
    /// Mobile country code.
    pub mcc: Option<String>,
    /// Mobile network code.
    pub mnc: Option<String>,
    /// The operator's name.
    pub name: Option<String>,
}

impl Operator {
    /// The network's MCC and MNC as 3 bytes of BCD (3GPP TS 24.008 §10.5.1.13: MCC2 MCC1, MNC3 MCC3,
    /// MNC2 MNC1, with `F` for the third digit of a two-digit MNC): the `rPLMN` the eIM hears of.
    pub fn plmn(&self) -> Option<[u8; 3]> {
        let digits = |text: &str| -> Option<Vec<u8>> {
            text.bytes()
                .map(|b| b.is_ascii_digit().then(|| b - b'0'))
                .collect()
        };
        let mcc = digits(self.mcc.as_deref()?)?;
        let mut mnc = digits(self.mnc.as_deref()?)?;
        if mcc.len() != 3 || !(2..=3).contains(&mnc.len()) {
            return None;
        }
        if mnc.len() == 2 {
            mnc.push(0xF);
        }
        Some([
            mcc[1] << 4 | mcc[0],
            mnc[2] << 4 | mcc[2],
            mnc[1] << 4 | mnc[0],
        ])
    }
}

/// An ongoing data session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataSession {
    /// The PDP context.
    pub cid: u8,
    /// The access point name, once known.
    pub apn: Option<String>,
    /// The address the network gave, once known.
    pub ip: Option<IpAddr>,
    /// When it started.
    #[serde(serialize_with = "super::event::serialize_time")]
    pub started: SystemTime,
    /// Bytes received since it started.
    pub rx_bytes: u64,
    /// Bytes sent since it started.
    pub tx_bytes: u64,
    /// `session.started` has been reported (it waits for the APN and address).
    #[serde(skip)]
    reported: bool,
    /// When it was last reported.
    #[serde(skip)]
    last_report: SystemTime,
}

/// What the observer knows of the network now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NetworkState {
    /// The last report of each registration domain the modem reported.
    pub registrations: BTreeMap<Domain, Registration>,
    /// The operator.
    pub operator: Operator,
    /// The access technology (from the registration or `+COPS`).
    pub rat: Option<Rat>,
    /// Signal quality.
    pub signal: Signal,
    /// The data session, while one is up.
    pub session: Option<DataSession>,
    /// The reject cause of the last denial, kept until the modem is registered again.
    pub reject: Option<RejectCause>,
    /// The device and the active profile.
    pub identity: DeviceIdentity,
}

impl NetworkState {
    /// Registered on a network for data (any packet domain registered; the CS domain if the modem reports
    /// no packet domain).
    pub fn is_attached(&self) -> bool {
        let packet: Vec<_> = self
            .registrations
            .values()
            .filter(|r| r.domain.is_packet())
            .collect();
        if packet.is_empty() {
            return self
                .registrations
                .values()
                .any(|r| r.status.is_registered());
        }
        packet.iter().any(|r| r.status.is_registered())
    }

    /// The PLMN the modem is registered on (see [`Operator::plmn`]); none while not registered.
    pub fn registered_plmn(&self) -> Option<[u8; 3]> {
        self.is_attached().then(|| self.operator.plmn()).flatten()
    }

    /// Some domain reports a denied registration.
    pub fn is_denied(&self) -> bool {
        self.registrations
            .values()
            .any(|r| r.status == RegStatus::Denied)
    }

    /// A data session is up.
    pub fn has_data_session(&self) -> bool {
        self.session.is_some()
    }

    /// The registration that describes where the modem is: a registered packet domain first, then any.
    pub fn registration(&self) -> Option<&Registration> {
        let registered = |r: &&Registration| r.status.is_registered();
        let packet = |r: &&Registration| r.domain.is_packet();
        let all = || self.registrations.values().rev();
        all()
            .find(|r| registered(r) && packet(r))
            .or_else(|| all().find(registered))
            .or_else(|| all().find(packet))
            .or_else(|| all().next())
    }
}

/// A question for the modem that the observer needs answered (the task sends it and feeds the answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// `AT+COPS?` (numeric and long) and the identity: the network changed.
    Operator,
    /// `AT+CGCONTRDP=<cid>`: a context came up; its APN and address.
    ContextDetails(u8),
}

/// What one input produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    /// What happened.
    pub events: Vec<ConnectivityEvent>,
    /// What to ask the modem.
    pub queries: Vec<Query>,
}

/// The observer. See the module documentation.
#[derive(Debug, Clone)]
pub struct Observer {
    config: ObserverConfig,
    state: NetworkState,
    /// The last interface counter sample (rx, tx).
    last_counters: Option<(u64, u64)>,
    /// The modem registered at this time; `attach.accepted` waits for the operator query.
    attach_pending: Option<SystemTime>,
}

impl Observer {
    /// An observer that has seen nothing yet.
    pub fn new(config: ObserverConfig) -> Self {
        Self {
            config,
            state: NetworkState::default(),
            last_counters: None,
            attach_pending: None,
        }
    }

    /// What is known now.
    pub fn state(&self) -> &NetworkState {
        &self.state
    }

    /// The device identity and the active profile (re-read after profile switches).
    pub fn set_identity(&mut self, identity: DeviceIdentity) {
        self.state.identity = identity;
    }

    /// Feeds one line from the modem (`+CEREG: …`), as a URC or as part of a query answer. Lines of other
    /// commands are ignored; a malformed network line is an error and changes nothing.
    pub fn feed(&mut self, line: &str, form: Form, now: SystemTime) -> Result<Step, LineError> {
        Ok(match at::parse_report(line, form)? {
            Some(report) => self.handle(report, now),
            None => Step::default(),
        })
    }

    /// Takes one parsed network report (a URC, or a line of a query answer the modem driver parsed).
    pub fn handle(&mut self, report: Report, now: SystemTime) -> Step {
        let mut step = Step::default();
        match report {
            Report::Registration(registration) => {
                self.on_registration(registration, now, &mut step)
            }
            Report::Operator(operator) => self.on_operator(operator),
            Report::Packet(event) => self.on_packet_event(event, now, &mut step),
            Report::ContextState(cid, active) => self.on_context_state(cid, active, now, &mut step),
            Report::ContextDetails(details) => self.on_context_details(details, now, &mut step),
            Report::Rssi(rssi) => self.state.signal.rssi_dbm = rssi,
            Report::Signal(signal) => {
                self.state.signal.rsrp_dbm = signal.rsrp_dbm;
                self.state.signal.rsrq_tenth_db = signal.rsrq_tenth_db;
            }
        }
        step
    }

    /// The queries are answered (or failed): an attach waiting for its operator and a session waiting for
    /// its details are reported with what is known.
    pub fn queries_done(&mut self, now: SystemTime) -> Vec<ConnectivityEvent> {
        let mut step = Step::default();
        self.flush_attach(&mut step);
        if self.state.session.as_ref().is_some_and(|s| !s.reported) {
            step.events.push(self.start_reported(now));
        }
        step.events
    }

    /// Reports a pending `attach.accepted`.
    fn flush_attach(&mut self, step: &mut Step) {
        if let Some(time) = self.attach_pending.take() {
            step.events
                .push(self.event(EventKind::AttachAccepted, time));
        }
    }

    /// A sample of the interface byte counters (cumulative, as in `/sys/class/net/<if>/statistics`).
    /// A sample below the previous one means the counters restarted (the interface was recreated).
    pub fn counters(&mut self, rx: u64, tx: u64) {
        let (last_rx, last_tx) = self.last_counters.unwrap_or((rx, tx));
        let delta = |now: u64, last: u64| if now >= last { now - last } else { now };
        if let Some(session) = &mut self.state.session {
            session.rx_bytes = session.rx_bytes.saturating_add(delta(rx, last_rx));
            session.tx_bytes = session.tx_bytes.saturating_add(delta(tx, last_tx));
        }
        self.last_counters = Some((rx, tx));
    }

    /// The clock advanced: a `session.updated` if one is due.
    pub fn tick(&mut self, now: SystemTime) -> Vec<ConnectivityEvent> {
        let Some(interval) = self.config.update_interval else {
            return Vec::new();
        };
        let due = self.state.session.as_ref().is_some_and(|s| {
            s.reported
                && now
                    .duration_since(s.last_report)
                    .is_ok_and(|elapsed| elapsed >= interval)
        });
        if !due {
            return Vec::new();
        }
        if let Some(session) = &mut self.state.session {
            session.last_report = now;
        }
        vec![self.event(EventKind::SessionUpdated, now)]
    }

    fn on_registration(&mut self, registration: Registration, now: SystemTime, step: &mut Step) {
        let was_attached = self.state.is_attached();
        let was_denied = self.state.is_denied();
        let previous = self
            .state
            .registrations
            .insert(registration.domain, registration);
        if registration.rat.is_some() && registration.status.is_registered() {
            self.state.rat = registration.rat;
        }
        let attached = self.state.is_attached();
        let denied = self.state.is_denied();
        if registration.status == RegStatus::Denied {
            let cause = registration.reject.or(self.state.reject);
            let news = !was_denied || cause != self.state.reject;
            self.state.reject = cause;
            if news {
                step.events
                    .push(self.event(EventKind::AttachRejected { cause }, now));
            }
        }
        if attached && !was_attached {
            self.state.reject = None;
            self.attach_pending = Some(now);
        }
        if !attached && was_attached {
            self.flush_attach(step);
            self.end_session(now, step);
            if !denied {
                step.events.push(self.event(EventKind::AttachFailed, now));
            }
        }
        let gave_up = previous.is_some_and(|p| p.status == RegStatus::Searching)
            && matches!(
                registration.status,
                RegStatus::NotSearching | RegStatus::Unknown
            );
        if gave_up && !attached && !was_attached && !denied && registration.domain.is_packet() {
            step.events.push(self.event(EventKind::AttachFailed, now));
        }
        let moved = previous.is_none_or(|p| {
            p.status != registration.status
                || p.area != registration.area
                || p.cell != registration.cell
        });
        if moved && attached && !step.queries.contains(&Query::Operator) {
            step.queries.push(Query::Operator);
        }
        if !attached {
            self.state.operator = Operator::default();
        }
    }

    fn on_operator(&mut self, operator: at::Operator) {
        match operator.name {
            Some(OperatorName::Numeric { mcc, mnc }) => {
                self.state.operator.mcc = Some(mcc);
                self.state.operator.mnc = Some(mnc);
            }
            Some(OperatorName::Text(name)) => self.state.operator.name = Some(name),
            None => self.state.operator = Operator::default(),
        }
        if operator.rat.is_some() {
            self.state.rat = operator.rat;
        }
    }

    fn on_packet_event(&mut self, event: PacketEvent, now: SystemTime, step: &mut Step) {
        match event {
            PacketEvent::Activated { cid } => self.on_context_state(cid, true, now, step),
            PacketEvent::Deactivated { cid } => self.on_context_state(cid, false, now, step),
            PacketEvent::Detached => self.end_session(now, step),
            PacketEvent::Rejected => {
                if self.state.session.is_none() {
                    step.events.push(self.event(EventKind::SessionFailed, now));
                }
            }
            PacketEvent::Other => {}
        }
    }

    fn on_context_state(&mut self, cid: u8, active: bool, now: SystemTime, step: &mut Step) {
        match (&self.state.session, active) {
            (None, true) => {
                self.state.session = Some(DataSession {
                    cid,
                    apn: None,
                    ip: None,
                    started: now,
                    rx_bytes: 0,
                    tx_bytes: 0,
                    reported: false,
                    last_report: now,
                });
                step.queries.push(Query::ContextDetails(cid));
            }
            (Some(session), false) if session.cid == cid => self.end_session(now, step),
            _ => {}
        }
    }

    fn on_context_details(&mut self, details: at::ContextInfo, now: SystemTime, step: &mut Step) {
        let Some(session) = &mut self.state.session else {
            return;
        };
        if session.cid != details.cid {
            return;
        }
        let changed =
            session.apn.as_deref() != Some(details.apn.as_str()) || session.ip != details.ip;
        session.apn = Some(details.apn).filter(|apn| !apn.is_empty());
        session.ip = details.ip;
        if !session.reported {
            step.events.push(self.start_reported(now));
        } else if changed {
            step.events.push(self.event(EventKind::SessionUpdated, now));
        }
    }

    fn start_reported(&mut self, now: SystemTime) -> ConnectivityEvent {
        if let Some(session) = &mut self.state.session {
            session.reported = true;
            session.last_report = now;
        }
        self.event(EventKind::SessionStarted, now)
    }

    /// The session ends: `session.ended` with its bytes (if it was reported as started at all).
    fn end_session(&mut self, now: SystemTime, step: &mut Step) {
        let Some(session) = &self.state.session else {
            return;
        };
        if !session.reported {
            step.events.push(self.start_reported(now));
        }
        step.events.push(self.event(EventKind::SessionEnded, now));
        self.state.session = None;
    }

    /// An event of `kind` with everything known now.
    fn event(&self, kind: EventKind, time: SystemTime) -> ConnectivityEvent {
        let state = &self.state;
        let registration = state.registration();
        let plmn = match (&state.operator.mcc, &state.operator.mnc) {
            (Some(mcc), Some(mnc)) => Some(format!("{mcc}{mnc}")),
            _ => None,
        };
        let allowed = match (&state.identity.iccid, &plmn) {
            (Some(iccid), Some(plmn)) => self
                .config
                .allowed_networks
                .get(iccid)
                .map(|list| list.contains(plmn)),
            _ => None,
        };
        let session = state.session.as_ref();
        ConnectivityEvent {
            kind,
            time,
            identity: state.identity.clone(),
            network: NetworkSnapshot {
                mcc: state.operator.mcc.clone(),
                mnc: state.operator.mnc.clone(),
                operator: state.operator.name.clone(),
                country: state.operator.mcc.as_deref().and_then(mcc::iso_country),
                rat: state.rat,
                lac_tac: registration.and_then(|r| r.area),
                cell_id: registration.and_then(|r| r.cell),
                signal: state.signal,
            },
            apn: session.and_then(|s| s.apn.clone()),
            ip: session.and_then(|s| s.ip),
            rx_bytes: session.map(|s| s.rx_bytes),
            tx_bytes: session.map(|s| s.tx_bytes),
            allowed,
        }
    }
}

#[cfg(test)]
mod tests;
