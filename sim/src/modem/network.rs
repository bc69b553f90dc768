//! The network the simulated modem sees, scriptable: registration (with reject cause), operator, access
//! technology, cell, the PDP context and signal. Tests and demos change it over time with a scenario
//! ([`Scenario`], `euiccd sim serve --network FILE`) or one change at a time ([`NetworkChange`] on the
//! control socket), and the modem answers `AT+CREG?`/`AT+CGREG?`/`AT+CEREG?`/`AT+C5GREG?`, `AT+COPS?`,
//! `AT+CGACT?`, `AT+CGCONTRDP`, `AT+CSQ` and `AT+CESQ` from it and reports changes with the URCs a real
//! modem sends (`+CxREG` per the `n` the host set, `+CGEV` once the host enabled them with `AT+CGEREP`).
//!
//! Sans-IO like the interpreter: [`SimNetwork::apply`] returns the URC lines to send.

use super::sms::{SmsChange, SmsStore};
use serde::Deserialize;
use std::time::Duration;

/// The most steps a scenario may have.
pub const MAX_STEPS: usize = 10_000;
/// The longest scenario line accepted.
const MAX_STEP_LINE: usize = 16 * 1024;
/// The longest operator name, APN or address accepted in a change.
const MAX_TEXT: usize = 128;

/// Registration status, `<stat>` of 3GPP TS 27.007 §7.2 (+CREG) and its PS-domain siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimRegistration {
    /// 0: not registered, not searching.
    NotSearching,
    /// 1: registered, home network.
    Home,
    /// 2: not registered, searching.
    Searching,
    /// 3: registration denied (the reject cause says why).
    Denied,
    /// 4: unknown (e.g. out of coverage).
    Unknown,
    /// 5: registered, roaming.
    Roaming,
}

impl SimRegistration {
    fn code(self) -> u8 {
        match self {
            Self::NotSearching => 0,
            Self::Home => 1,
            Self::Searching => 2,
            Self::Denied => 3,
            Self::Unknown => 4,
            Self::Roaming => 5,
        }
    }

    fn registered(self) -> bool {
        matches!(self, Self::Home | Self::Roaming)
    }
}

/// The PDP context the modem has (one, cid 1 by default), as a change gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdpChange {
    /// Context identifier.
    pub cid: Option<u8>,
    /// The access point name.
    pub apn: Option<String>,
    /// The IPv4 address the network assigned.
    pub ip: Option<String>,
    /// Whether the context is active (a data session).
    pub active: Option<bool>,
    /// The activation was rejected by the network (`+CGEV: REJECT`), instead of becoming active.
    #[serde(default)]
    pub reject: bool,
}

/// One change of the network. Every field is optional; absent ones stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkChange {
    /// In a scenario: how long after the previous step this one happens (milliseconds; 0 without it).
    #[serde(default)]
    pub after_ms: u64,
    /// The registration status (the same in every domain the modem reports).
    pub registration: Option<SimRegistration>,
    /// The EMM reject cause (TS 24.301) reported with `denied`; cleared by any other status.
    pub reject_cause: Option<u16>,
    /// The network's MCC and MNC, 5 or 6 digits (`"00101"`).
    pub plmn: Option<String>,
    /// The operator's long name.
    pub operator: Option<String>,
    /// The access technology, `<AcT>` of TS 27.007 (7 = E-UTRAN, 9 = NB-IoT, 13 = NR/5GC).
    pub act: Option<u8>,
    /// The tracking/location area code.
    pub tac: Option<u16>,
    /// The cell identity (28 bits for E-UTRAN).
    pub cell: Option<u32>,
    /// The PDP context.
    pub pdp: Option<PdpChange>,
    /// `<rssi>` of `+CSQ` (0..31, 99 unknown).
    pub rssi: Option<u8>,
    /// `<rsrp>` of `+CESQ` (0..97, 255 unknown).
    pub rsrp: Option<u8>,
    /// `<rsrq>` of `+CESQ` (0..34, 255 unknown).
    pub rsrq: Option<u8>,
    /// An incoming SMS.
    pub sms: Option<SmsChange>,
}

/// What is wrong with a change or a scenario.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A line is not a valid change.
    #[error("network scenario line {line}: {reason}")]
    Invalid {
        /// 1-based line number (1 for a single change).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The scenario has more steps than [`MAX_STEPS`].
    #[error("the network scenario has more than {MAX_STEPS} steps")]
    TooLong,
}

impl NetworkChange {
    /// Parses one change from a JSON object, validated.
    pub fn parse(text: &str) -> Result<Self, NetworkError> {
        Self::parse_line(text, 1)
    }

    fn parse_line(text: &str, line: usize) -> Result<Self, NetworkError> {
        let invalid = |reason: String| NetworkError::Invalid { line, reason };
        if text.len() > MAX_STEP_LINE {
            return Err(invalid(format!("longer than {MAX_STEP_LINE} bytes")));
        }
        let change: Self = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        change.validate().map_err(invalid)?;
        Ok(change)
    }

    fn validate(&self) -> Result<(), String> {
        if let Some(plmn) = &self.plmn {
            if !(matches!(plmn.len(), 5 | 6) && plmn.bytes().all(|b| b.is_ascii_digit())) {
                return Err(format!("plmn must be 5 or 6 digits, not {plmn:?}"));
            }
        }
        let texts = [
            self.operator.as_deref(),
            self.pdp.as_ref().and_then(|p| p.apn.as_deref()),
            self.pdp.as_ref().and_then(|p| p.ip.as_deref()),
        ];
        for text in texts.into_iter().flatten() {
            if text.len() > MAX_TEXT || text.contains(['"', '\r', '\n']) {
                return Err(format!(
                    "{text:?} is longer than {MAX_TEXT} bytes or has quotes or line breaks"
                ));
            }
        }
        if let Some(ip) = self.pdp.as_ref().and_then(|p| p.ip.as_deref()) {
            ip.parse::<std::net::Ipv4Addr>()
                .map_err(|_| format!("pdp.ip must be an IPv4 address, not {ip:?}"))?;
        }
        if self.cell.is_some_and(|c| c > 0x0FFF_FFFF) {
            return Err("cell is 28 bits".into());
        }
        if self.rssi.is_some_and(|r| r > 31 && r != 99) {
            return Err("rssi is 0..31 or 99".into());
        }
        if self.rsrp.is_some_and(|r| r > 97 && r != 255) {
            return Err("rsrp is 0..97 or 255".into());
        }
        if self.rsrq.is_some_and(|r| r > 34 && r != 255) {
            return Err("rsrq is 0..34 or 255".into());
        }
        self.sms.as_ref().map_or(Ok(()), SmsChange::validate)
    }
}

/// A timed list of changes: JSON lines, one [`NetworkChange`] per line (blank lines and `#` comments
/// skipped), each `after_ms` after the previous one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    steps: Vec<NetworkChange>,
}

impl Scenario {
    /// Parses a scenario file's text.
    pub fn parse(text: &str) -> Result<Self, NetworkError> {
        let mut steps = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if steps.len() == MAX_STEPS {
                return Err(NetworkError::TooLong);
            }
            steps.push(NetworkChange::parse_line(line, index + 1)?);
        }
        Ok(Self { steps })
    }

    /// The steps with their delay after the previous one, in order.
    pub fn steps(&self) -> impl Iterator<Item = (Duration, &NetworkChange)> {
        self.steps
            .iter()
            .map(|step| (Duration::from_millis(step.after_ms), step))
    }
}

/// The registration commands, in the order of [`SimNetwork::report_mode`].
const DOMAINS: [&str; 4] = ["+CREG", "+CGREG", "+CEREG", "+C5GREG"];

/// The network state and what the host asked to be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimNetwork {
    registration: SimRegistration,
    reject_cause: Option<u16>,
    plmn: String,
    operator: String,
    act: u8,
    tac: u16,
    cell: u32,
    cid: u8,
    apn: String,
    ip: String,
    active: bool,
    rssi: u8,
    rsrp: u8,
    rsrq: u8,
    /// `<n>` of AT+CREG, AT+CGREG, AT+CEREG, AT+C5GREG.
    report_mode: [u8; 4],
    /// `<format>` of AT+COPS (0 long, 1 short, 2 numeric).
    cops_format: u8,
    /// `+CGEV` URCs are on (AT+CGEREP=1 or 2).
    cgev: bool,
    /// Stored SMS.
    sms: SmsStore,
}

impl Default for SimNetwork {
    /// Registered at home on the test network 001-01 over E-UTRAN, no data session.
    fn default() -> Self {
        Self {
            registration: SimRegistration::Home,
            reject_cause: None,
            plmn: "00101".into(),
            operator: "euiccd sim".into(),
            act: 7,
            tac: 0x1A2B,
            cell: 0x01A2B3C,
            cid: 1,
            apn: "internet".into(),
            ip: "10.64.0.2".into(),
            active: false,
            rssi: 20,
            rsrp: 60,
            rsrq: 20,
            report_mode: [0; 4],
            cops_format: 0,
            cgev: false,
            sms: SmsStore::default(),
        }
    }
}

impl SimNetwork {
    /// The modem restarted: URC settings are back to their power-up defaults (the network is unchanged).
    pub fn reset_reporting(&mut self) {
        self.report_mode = [0; 4];
        self.cops_format = 0;
        self.cgev = false;
        self.sms.reset_settings();
    }

    /// Applies a change and returns the URC lines (without CR/LF) a modem would send for it.
    pub fn apply(&mut self, change: &NetworkChange) -> Vec<String> {
        let before = self.clone();
        if let Some(registration) = change.registration {
            self.registration = registration;
            if registration != SimRegistration::Denied {
                self.reject_cause = None;
            }
        }
        if change.reject_cause.is_some() {
            self.reject_cause = change.reject_cause;
        }
        set(&mut self.plmn, &change.plmn);
        set(&mut self.operator, &change.operator);
        set(&mut self.act, &change.act);
        set(&mut self.tac, &change.tac);
        set(&mut self.cell, &change.cell);
        set(&mut self.rssi, &change.rssi);
        set(&mut self.rsrp, &change.rsrp);
        set(&mut self.rsrq, &change.rsrq);
        let mut urcs = Vec::new();
        if self.registration_view() != before.registration_view() {
            urcs.extend(self.registration_urcs());
        }
        if before.registration.registered() && !self.registration.registered() && self.active {
            self.active = false;
            if self.cgev {
                urcs.push("+CGEV: NW DETACH".into());
            }
        }
        if let Some(pdp) = &change.pdp {
            urcs.extend(self.apply_pdp(pdp));
        }
        if let Some(sms) = &change.sms {
            urcs.extend(self.sms.deliver(sms));
        }
        urcs
    }

    fn apply_pdp(&mut self, pdp: &PdpChange) -> Vec<String> {
        set(&mut self.cid, &pdp.cid);
        set(&mut self.apn, &pdp.apn);
        set(&mut self.ip, &pdp.ip);
        let mut urcs = Vec::new();
        if pdp.reject {
            self.active = false;
            if self.cgev {
                urcs.push(format!("+CGEV: REJECT \"IP\",\"{}\"", self.ip));
            }
            return urcs;
        }
        if let Some(active) = pdp.active.filter(|&a| a != self.active) {
            self.active = active;
            if self.cgev {
                let verb = if active { "ME PDN ACT" } else { "NW PDN DEACT" };
                urcs.push(format!("+CGEV: {verb} {}", self.cid));
            }
        }
        urcs
    }

    /// What the registration URCs show, to tell whether they changed.
    fn registration_view(&self) -> (SimRegistration, Option<u16>, u8, u16, u32) {
        (
            self.registration,
            self.reject_cause,
            self.act,
            self.tac,
            self.cell,
        )
    }

    fn registration_urcs(&self) -> Vec<String> {
        DOMAINS
            .iter()
            .zip(self.report_mode)
            .filter(|&(_, n)| n > 0)
            .map(|(name, n)| format!("{name}: {}", self.registration_fields(name, n)))
            .collect()
    }

    /// `<stat>[,<lac/tac>,<ci>,<AcT>[,…][,<cause_type>,<reject_cause>]]` for report mode `n`.
    fn registration_fields(&self, domain: &str, n: u8) -> String {
        let mut fields = self.registration.code().to_string();
        if n < 2 {
            return fields;
        }
        let cell_known =
            self.registration.registered() || self.registration == SimRegistration::Denied;
        if cell_known {
            fields += &format!(",\"{:04X}\",\"{:07X}\",{}", self.tac, self.cell, self.act);
        } else {
            fields += ",,,";
        }
        // +CGREG has <rac> after <AcT>, +C5GREG the allowed NSSAI length and list.
        match domain {
            "+CGREG" => fields += ",",
            "+C5GREG" => fields += ",,",
            _ => {}
        }
        if let Some(cause) = self.reject_cause.filter(|_| n >= 3) {
            fields += &format!(",0,{cause}");
        }
        fields
    }

    /// The answer to a network or message command, or `None` if `name` (upper case, e.g. `AT+CEREG`) with
    /// `args` (`?`, `=…` or empty) is not one. `Err` is the final result of a command the modem refuses.
    pub fn answer(&mut self, name: &str, args: &str) -> Option<Result<Vec<String>, &'static str>> {
        if let Some(answer) = self.sms.answer(name, args) {
            return Some(answer.map_err(|code| match code {
                321 => "+CMS ERROR: 321",
                _ => "+CMS ERROR: 302",
            }));
        }
        self.answer_network(name, args)
            .map(|answer| answer.map_err(|()| "+CME ERROR: 50"))
    }

    fn answer_network(&mut self, name: &str, args: &str) -> Option<Result<Vec<String>, ()>> {
        let domain = DOMAINS
            .iter()
            .position(|d| name.strip_prefix("AT") == Some(d));
        Some(match (name, args, domain) {
            (_, "?", Some(i)) => Ok(vec![format!(
                "{}: {},{}",
                DOMAINS[i],
                self.report_mode[i],
                self.registration_fields(DOMAINS[i], self.report_mode[i])
            )]),
            (_, args, Some(i)) => match args.strip_prefix('=').map(str::trim) {
                Some(n @ ("0" | "1" | "2" | "3" | "4")) => {
                    self.report_mode[i] = n.parse().unwrap_or(0);
                    Ok(Vec::new())
                }
                _ => Err(()),
            },
            ("AT+COPS", "?", _) => Ok(vec![self.cops()]),
            ("AT+COPS", args, _) => match args.strip_prefix("=3,").map(str::trim) {
                Some(f @ ("0" | "1" | "2")) => {
                    self.cops_format = f.parse().unwrap_or(0);
                    Ok(Vec::new())
                }
                _ => Err(()),
            },
            ("AT+CGEREP", args, _) => match args.strip_prefix('=').map(str::trim) {
                Some(mode) if mode.starts_with(['0', '1', '2']) => {
                    self.cgev = !mode.starts_with('0');
                    Ok(Vec::new())
                }
                _ => Err(()),
            },
            ("AT+CGACT", "?", _) => Ok(vec![format!(
                "+CGACT: {},{}",
                self.cid,
                u8::from(self.active)
            )]),
            ("AT+CGCONTRDP", args, _) => {
                let cid = args.trim_start_matches('=').trim();
                if !self.active || !(cid.is_empty() || cid == self.cid.to_string()) {
                    Ok(Vec::new())
                } else {
                    Ok(vec![format!(
                        "+CGCONTRDP: {},5,\"{}\",\"{}.255.255.255.0\"",
                        self.cid, self.apn, self.ip
                    )])
                }
            }
            ("AT+CSQ", "", _) => Ok(vec![format!("+CSQ: {},99", self.rssi)]),
            ("AT+CESQ", "", _) => Ok(vec![format!(
                "+CESQ: 99,99,255,255,{},{}",
                self.rsrq, self.rsrp
            )]),
            _ => return None,
        })
    }

    fn cops(&self) -> String {
        if !self.registration.registered() {
            return "+COPS: 0".into();
        }
        let name = match self.cops_format {
            2 => &self.plmn,
            _ => &self.operator,
        };
        format!("+COPS: 0,{},\"{name}\",{}", self.cops_format, self.act)
    }
}

fn set<T: Clone>(field: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        field.clone_from(value);
    }
}

#[cfg(test)]
mod tests;
