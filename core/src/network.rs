//! Sans-IO parsers for the network lines of 3GPP TS 27.007: registration (`+CREG/+CGREG/+CEREG/+C5GREG`),
//! operator (`+COPS`), packet-domain events and contexts (`+CGEV`, `+CGACT`, `+CGCONTRDP`) and signal
//! (`+CSQ`, `+CESQ`). Each takes the parameters after `NAME:` and gives a typed value or a [`LineError`];
//! modem output is never trusted (bounded fields, checked ranges).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use serde::Serialize;

/// The most parameters a line may have; real ones have at most a dozen.
const MAX_FIELDS: usize = 32;
/// The longest text field kept (operator names, APNs).
pub const MAX_TEXT: usize = 100;

/// A network line that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line_kind}: {reason}")]
pub struct LineError {
    /// Which kind of line (e.g. `+CEREG`).
    pub line_kind: &'static str,
    /// What is wrong.
    pub reason: &'static str,
}

fn error(line_kind: &'static str, reason: &'static str) -> LineError {
    LineError { line_kind, reason }
}

/// Splits comma-separated parameters, keeping commas inside quotes, trimming and unquoting each.
fn fields<'a>(params: &'a str, line_kind: &'static str) -> Result<Vec<&'a str>, LineError> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in params.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(unquote(&params[start..i]));
                start = i + 1;
            }
            _ => {}
        }
        if out.len() > MAX_FIELDS {
            return Err(error(line_kind, "too many parameters"));
        }
    }
    if quoted {
        return Err(error(line_kind, "unterminated quote"));
    }
    out.push(unquote(&params[start..]));
    Ok(out)
}

fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
}

fn number<T: std::str::FromStr>(
    field: &str,
    line_kind: &'static str,
    what: &'static str,
) -> Result<T, LineError> {
    field.parse().map_err(|_| error(line_kind, what))
}

/// An optional number: empty means absent.
fn optional<T: std::str::FromStr>(
    field: Option<&&str>,
    line_kind: &'static str,
    what: &'static str,
) -> Result<Option<T>, LineError> {
    match field {
        None => Ok(None),
        Some(&"") => Ok(None),
        Some(f) => number(f, line_kind, what).map(Some),
    }
}

/// An optional hexadecimal field (LAC/TAC, cell id) of at most `max_digits`.
fn optional_hex(
    field: Option<&&str>,
    max_digits: usize,
    line_kind: &'static str,
    what: &'static str,
) -> Result<Option<u64>, LineError> {
    match field {
        None => Ok(None),
        Some(&"") => Ok(None),
        Some(f) if f.len() <= max_digits => u64::from_str_radix(f, 16)
            .map(Some)
            .map_err(|_| error(line_kind, what)),
        Some(_) => Err(error(line_kind, what)),
    }
}

/// Bounded, printable text.
fn text(field: &str, line_kind: &'static str, what: &'static str) -> Result<String, LineError> {
    if field.len() > MAX_TEXT || field.chars().any(char::is_control) {
        return Err(error(line_kind, what));
    }
    Ok(field.to_owned())
}

/// Which registration command a line belongs to: circuit-switched, GPRS, EPS or 5GS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    /// `+CREG`.
    Cs,
    /// `+CGREG`.
    Gprs,
    /// `+CEREG`.
    Eps,
    /// `+C5GREG`.
    FiveGs,
}

impl Domain {
    /// Every domain, from circuit-switched to 5GS: the order in which the modem is asked about them.
    pub const ALL: [Domain; 4] = [Domain::Cs, Domain::Gprs, Domain::Eps, Domain::FiveGs];

    /// The domain of a line name (`+CEREG` → EPS).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "+CREG" => Some(Self::Cs),
            "+CGREG" => Some(Self::Gprs),
            "+CEREG" => Some(Self::Eps),
            "+C5GREG" => Some(Self::FiveGs),
            _ => None,
        }
    }

    /// The line name (`+CEREG`); the command is `AT` followed by it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cs => "+CREG",
            Self::Gprs => "+CGREG",
            Self::Eps => "+CEREG",
            Self::FiveGs => "+C5GREG",
        }
    }

    /// Whether registration here means a packet (data) attachment.
    pub fn is_packet(self) -> bool {
        !matches!(self, Self::Cs)
    }
}

/// `<stat>`: the registration status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegStatus {
    /// 0: not registered, not searching.
    NotSearching,
    /// 1: registered, home network.
    Home,
    /// 2: not registered, searching.
    Searching,
    /// 3: registration denied.
    Denied,
    /// 4: unknown.
    Unknown,
    /// 5: registered, roaming.
    Roaming,
    /// 6..=11: SMS-only, emergency-only, CSFB and similar partial registrations (not a data attachment).
    Limited,
}

impl RegStatus {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::NotSearching,
            1 => Self::Home,
            2 => Self::Searching,
            3 => Self::Denied,
            4 => Self::Unknown,
            5 => Self::Roaming,
            6..=11 => Self::Limited,
            _ => return None,
        })
    }

    /// Registered on a network (home or roaming).
    pub fn is_registered(self) -> bool {
        matches!(self, Self::Home | Self::Roaming)
    }
}

/// `<AcT>`: the radio access technology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rat {
    /// 0, 1, 3: GSM / EDGE.
    #[serde(rename = "GSM")]
    Gsm,
    /// 2, 4, 5, 6: UTRAN (UMTS/HSPA).
    #[serde(rename = "UTRAN")]
    Utran,
    /// 7: E-UTRAN (LTE).
    #[serde(rename = "LTE")]
    Lte,
    /// 8: EC-GSM-IoT.
    #[serde(rename = "EC-GSM-IoT")]
    EcGsmIot,
    /// 9: E-UTRAN NB-S1 (NB-IoT).
    #[serde(rename = "NB-IoT")]
    NbIot,
    /// 10, 13: E-UTRA or NR connected to the 5G core.
    #[serde(rename = "5G")]
    FiveG,
    /// 11, 12: NR with the LTE core (5G NSA).
    #[serde(rename = "5G-NSA")]
    FiveGNsa,
    /// Any other code.
    #[serde(rename = "other")]
    Other,
}

impl Rat {
    /// The RAT of an `<AcT>` code.
    pub fn from_act(act: u8) -> Self {
        match act {
            0 | 1 | 3 => Self::Gsm,
            2 | 4 | 5 | 6 => Self::Utran,
            7 => Self::Lte,
            8 => Self::EcGsmIot,
            9 => Self::NbIot,
            10 | 13 => Self::FiveG,
            11 | 12 => Self::FiveGNsa,
            _ => Self::Other,
        }
    }
}

/// A reject cause with its type (`<cause_type>`: 0 is the 3GPP cause of TS 24.008/24.301/24.501, 1 is
/// manufacturer specific).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RejectCause {
    /// `<cause_type>`.
    pub cause_type: u8,
    /// `<reject_cause>`.
    pub cause: u16,
}

/// One registration report (`+CxREG` URC or query answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// The domain.
    pub domain: Domain,
    /// `<stat>`.
    pub status: RegStatus,
    /// `<lac>` or `<tac>`.
    pub area: Option<u32>,
    /// `<ci>`.
    pub cell: Option<u64>,
    /// `<AcT>`.
    pub rat: Option<Rat>,
    /// `<cause_type>,<reject_cause>` (report mode 3 and 4).
    pub reject: Option<RejectCause>,
}

/// Whether a registration line is a URC (`<stat>,…`) or a query answer (`<n>,<stat>,…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Unsolicited.
    Urc,
    /// The answer to `AT+CxREG?`.
    Query,
}

/// Parses the parameters of a registration line of `domain`.
pub fn parse_registration(
    domain: Domain,
    params: &str,
    form: Form,
) -> Result<Registration, LineError> {
    let kind = domain.name();
    let all = fields(params, kind)?;
    let f: &[&str] = match form {
        Form::Urc => &all,
        Form::Query => all.get(1..).ok_or(error(kind, "no <stat>"))?,
    };
    let stat: u8 = number(
        f.first().ok_or(error(kind, "no <stat>"))?,
        kind,
        "bad <stat>",
    )?;
    let status = RegStatus::from_code(stat).ok_or(error(kind, "unknown <stat>"))?;
    let area = optional_hex(f.get(1), 8, kind, "bad <lac>/<tac>")?
        .map(|a| u32::try_from(a).map_err(|_| error(kind, "bad <lac>/<tac>")))
        .transpose()?;
    let cell = optional_hex(f.get(2), 16, kind, "bad <ci>")?;
    let rat = optional::<u8>(f.get(3), kind, "bad <AcT>")?.map(Rat::from_act);
    // +CGREG has <rac> after <AcT>; +C5GREG the allowed NSSAI length and list.
    let cause_at = match domain {
        Domain::Cs | Domain::Eps => 4,
        Domain::Gprs => 5,
        Domain::FiveGs => 6,
    };
    let cause_type = optional::<u8>(f.get(cause_at), kind, "bad <cause_type>")?;
    let cause = optional::<u16>(f.get(cause_at + 1), kind, "bad <reject_cause>")?;
    let reject = match (cause_type, cause) {
        (Some(cause_type), Some(cause)) => Some(RejectCause { cause_type, cause }),
        _ => None,
    };
    Ok(Registration {
        domain,
        status,
        area,
        cell,
        rat,
        reject,
    })
}

/// The operator: `+COPS: <mode>[,<format>,<oper>[,<AcT>]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The operator in the format asked for, or `None` when not registered.
    pub name: Option<OperatorName>,
    /// `<AcT>`.
    pub rat: Option<Rat>,
}

/// `<oper>` in one of its formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorName {
    /// Format 0 or 1: alphanumeric.
    Text(String),
    /// Format 2: MCC and MNC.
    Numeric {
        /// Mobile country code, 3 digits.
        mcc: String,
        /// Mobile network code, 2 or 3 digits.
        mnc: String,
    },
}

/// Parses `+COPS?` parameters.
pub fn parse_cops(params: &str) -> Result<Operator, LineError> {
    const KIND: &str = "+COPS";
    let f = fields(params, KIND)?;
    let _mode: u8 = number(f[0], KIND, "bad <mode>")?;
    let format = optional::<u8>(f.get(1), KIND, "bad <format>")?;
    let name = match (format, f.get(2)) {
        (_, None) => None,
        (_, Some(&"")) => None,
        (Some(2), Some(oper)) => {
            if !(matches!(oper.len(), 5 | 6) && oper.bytes().all(|b| b.is_ascii_digit())) {
                return Err(error(KIND, "numeric <oper> is not 5 or 6 digits"));
            }
            Some(OperatorName::Numeric {
                mcc: oper[..3].to_owned(),
                mnc: oper[3..].to_owned(),
            })
        }
        (Some(0 | 1), Some(oper)) => Some(OperatorName::Text(text(oper, KIND, "bad <oper>")?)),
        _ => return Err(error(KIND, "unknown <format>")),
    };
    let rat = optional::<u8>(f.get(3), KIND, "bad <AcT>")?.map(Rat::from_act);
    Ok(Operator { name, rat })
}

/// A packet-domain event (`+CGEV`), the ones the observer acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketEvent {
    /// `ME PDN ACT <cid>` / `NW PDN ACT <cid>` / `ME ACT …` / `NW ACT …`: a context became active.
    Activated {
        /// The context.
        cid: u8,
    },
    /// `ME PDN DEACT <cid>` / `NW PDN DEACT <cid>` / `… DEACT …`: a context ended.
    Deactivated {
        /// The context.
        cid: u8,
    },
    /// `ME DETACH` / `NW DETACH`: every context ended.
    Detached,
    /// `REJECT …`: the network refused an activation.
    Rejected,
    /// Anything else (`NW REACT`, `ME CLASS`, modifications, vendor additions).
    Other,
}

/// Parses `+CGEV` parameters.
pub fn parse_cgev(params: &str) -> Result<PacketEvent, LineError> {
    const KIND: &str = "+CGEV";
    if params.len() > 256 {
        return Err(error(KIND, "too long"));
    }
    let mut words = params.split_whitespace();
    let first = words.next().ok_or(error(KIND, "empty"))?;
    if first == "REJECT" {
        return Ok(PacketEvent::Rejected);
    }
    if !matches!(first, "ME" | "NW") {
        return Ok(PacketEvent::Other);
    }
    let rest: Vec<&str> = words.collect();
    let (verb, args) = match rest.as_slice() {
        ["DETACH", ..] => return Ok(PacketEvent::Detached),
        ["PDN", verb, args @ ..] => (*verb, args.join(" ")),
        [verb, args @ ..] => (*verb, args.join(" ")),
        [] => return Ok(PacketEvent::Other),
    };
    // The cid is the first parameter (the primary cid for a secondary context's event).
    let cid = || -> Result<u8, LineError> {
        let f = fields(&args, KIND)?;
        number(f[0], KIND, "bad <cid>")
    };
    Ok(match verb {
        "ACT" => PacketEvent::Activated { cid: cid()? },
        "DEACT" => PacketEvent::Deactivated { cid: cid()? },
        _ => PacketEvent::Other,
    })
}

/// Parses one `+CGACT?` line: `<cid>,<state>`.
pub fn parse_cgact(params: &str) -> Result<(u8, bool), LineError> {
    const KIND: &str = "+CGACT";
    let f = fields(params, KIND)?;
    let cid = number(f[0], KIND, "bad <cid>")?;
    let state = match f.get(1).copied() {
        Some("0") => false,
        Some("1") => true,
        _ => return Err(error(KIND, "bad <state>")),
    };
    Ok((cid, state))
}

/// What `+CGCONTRDP` says of an active context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextInfo {
    /// `<cid>`.
    pub cid: u8,
    /// `<APN>`.
    pub apn: String,
    /// The local address, without the subnet mask.
    pub ip: Option<IpAddr>,
}

/// Parses one `+CGCONTRDP` line: `<cid>,<bearer_id>,<APN>[,<local_addr and subnet_mask>[,…]]`.
pub fn parse_cgcontrdp(params: &str) -> Result<ContextInfo, LineError> {
    const KIND: &str = "+CGCONTRDP";
    let f = fields(params, KIND)?;
    let cid = number(f[0], KIND, "bad <cid>")?;
    let apn = text(f.get(2).copied().unwrap_or(""), KIND, "bad <APN>")?;
    let ip = match f.get(3).copied() {
        None | Some("") => None,
        Some(address) => Some(local_address(address).ok_or(error(KIND, "bad <local_addr>"))?),
    };
    Ok(ContextInfo { cid, apn, ip })
}

/// The address of `<local_addr and subnet_mask>`: dotted IPv4 (`a.b.c.d.m.m.m.m`), IPv6 as 32 dotted
/// bytes, or a plain address (some modems, with the mask after a space).
fn local_address(field: &str) -> Option<IpAddr> {
    let address = field.split_whitespace().next()?;
    if let Ok(ip) = address.parse::<IpAddr>() {
        return Some(ip);
    }
    let bytes: Vec<u8> = address
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match bytes.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::new(
            bytes[0], bytes[1], bytes[2], bytes[3],
        ))),
        32 | 16 => {
            let octets: [u8; 16] = bytes[..16].try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(octets)))
        }
        _ => None,
    }
}

/// Signal quality, from `+CSQ` or `+CESQ`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// Received signal strength in dBm (from `+CSQ` `<rssi>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rssi_dbm: Option<i16>,
    /// LTE reference signal received power in dBm (from `+CESQ` `<rsrp>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrp_dbm: Option<i16>,
    /// LTE reference signal received quality in tenths of a dB (from `+CESQ` `<rsrq>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsrq_tenth_db: Option<i16>,
}

/// Parses `+CSQ` parameters: `<rssi>,<ber>`; the RSSI in dBm, `None` when unknown (99).
pub fn parse_csq(params: &str) -> Result<Option<i16>, LineError> {
    const KIND: &str = "+CSQ";
    let f = fields(params, KIND)?;
    match number::<u8>(f[0], KIND, "bad <rssi>")? {
        rssi @ 0..=31 => Ok(Some(-113 + 2 * i16::from(rssi))),
        99 => Ok(None),
        _ => Err(error(KIND, "bad <rssi>")),
    }
}

/// Parses `+CESQ` parameters: `<rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>`; gives RSRP and RSRQ.
pub fn parse_cesq(params: &str) -> Result<Signal, LineError> {
    const KIND: &str = "+CESQ";
    let f = fields(params, KIND)?;
    if f.len() < 6 {
        return Err(error(KIND, "fewer than 6 parameters"));
    }
    let rsrq = match number::<u8>(f[4], KIND, "bad <rsrq>")? {
        q @ 0..=34 => Some(-200 + 5 * i16::from(q)),
        255 => None,
        _ => return Err(error(KIND, "bad <rsrq>")),
    };
    let rsrp = match number::<u8>(f[5], KIND, "bad <rsrp>")? {
        p @ 0..=97 => Some(-141 + i16::from(p)),
        255 => None,
        _ => return Err(error(KIND, "bad <rsrp>")),
    };
    Ok(Signal {
        rssi_dbm: None,
        rsrp_dbm: rsrp,
        rsrq_tenth_db: rsrq,
    })
}

/// One network line from the modem, parsed: what the connectivity observer takes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// `+CREG/+CGREG/+CEREG/+C5GREG`.
    Registration(Registration),
    /// `+COPS`.
    Operator(Operator),
    /// `+CGEV`.
    Packet(PacketEvent),
    /// `+CGACT`: a context and whether it is active.
    ContextState(u8, bool),
    /// `+CGCONTRDP`.
    ContextDetails(ContextInfo),
    /// `+CSQ`: the RSSI in dBm, if known.
    Rssi(Option<i16>),
    /// `+CESQ`.
    Signal(Signal),
}

/// Parses one line from the modem (`+CEREG: …`), a URC or a line of a query answer. `None` for a line of
/// another command; a malformed network line is an error.
pub fn parse_report(line: &str, form: Form) -> Result<Option<Report>, LineError> {
    let Some((name, params)) = line.split_once(':') else {
        return Ok(None);
    };
    let (name, params) = (name.trim(), params.trim());
    if let Some(domain) = Domain::from_name(name) {
        return parse_registration(domain, params, form).map(|r| Some(Report::Registration(r)));
    }
    let report = match name {
        "+COPS" => Report::Operator(parse_cops(params)?),
        "+CGEV" => Report::Packet(parse_cgev(params)?),
        "+CGACT" => {
            let (cid, active) = parse_cgact(params)?;
            Report::ContextState(cid, active)
        }
        "+CGCONTRDP" => Report::ContextDetails(parse_cgcontrdp(params)?),
        "+CSQ" => Report::Rssi(parse_csq(params)?),
        "+CESQ" => Report::Signal(parse_cesq(params)?),
        _ => return Ok(None),
    };
    Ok(Some(report))
}

/// The longest identity the modem may report (an ICCID has 19–20 digits, an IMEI 15).
const MAX_IDENTITY: usize = 22;

/// The identity (IMEI, ICCID, IMSI) in the answer lines of `AT+CGSN`, `AT+CCID` or `AT+CIMI`: the first
/// line, without one of `prefixes`, if it is 1..=22 digits (an ICCID may end in the filler `F`).
pub fn parse_identity(lines: &[String], prefixes: &[&str]) -> Option<String> {
    let line = lines.first()?.trim();
    let value = prefixes
        .iter()
        .find_map(|p| line.strip_prefix(p).and_then(|rest| rest.strip_prefix(':')))
        .unwrap_or(line)
        .trim()
        .trim_matches('"');
    let valid = !value.is_empty()
        && value.len() <= MAX_IDENTITY
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'F' || b == b'f');
    valid.then(|| value.to_owned())
}

#[cfg(test)]
mod tests;
