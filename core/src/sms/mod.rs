//! Incoming SMS, sans-IO: the `+CMTI` notice, the `AT+CMGR` / `AT+CMGL` answers and the `+CMT` direct
//! deliveries (3GPP TS 27.005), in text or PDU mode, decoded ([`pdu`], 3GPP TS 23.040 / 23.038),
//! reassembled when concatenated (bounded), and the wake policy (a message from a trusted sender that
//! contains the keyword wakes the eIM poll; a message from anyone else never triggers anything). A message
//! that does not decode is kept raw ([`Undecodable`]).
//!
//! The modem driver runs the AT dialogues with these parsers; the agent's SMS task journals, deletes and
//! wakes.

pub mod pdu;

use crate::secret::Secret;
use pdu::Deliver;
use serde::Serialize;
use std::time::Duration;

/// The longest text kept of one message (a 16-part UCS2 message is about 1,072 characters).
pub const MAX_TEXT: usize = 2048;
/// Concatenated messages being reassembled at once; the oldest incomplete one is given up beyond it.
pub const MAX_PENDING: usize = 8;
/// How long the parts of a concatenated message are kept waiting for the rest; then they are given up as
/// one incomplete message (the parts of one message usually come within seconds).
pub const MAX_AGE: Duration = Duration::from_secs(30 * 60);
/// The most parts of one message.
const MAX_PARTS: u8 = 16;
/// The highest message index accepted from the modem.
const MAX_INDEX: u16 = 999;
/// The most kept of an undecodable message as the modem showed it (a whole SMS-DELIVER is 352 hex digits).
pub const MAX_RAW: usize = 1024;

/// Why an SMS line could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// A `+CMTI` or `+CMGR` line is malformed.
    #[error("SMS: malformed {0}")]
    Malformed(&'static str),
    /// The PDU does not decode.
    #[error(transparent)]
    Pdu(#[from] pdu::PduError),
}

/// How the modem shows messages (`AT+CMGF`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsMode {
    /// `AT+CMGF=1`: sender, time and text as text (concatenation is not visible).
    Text,
    /// `AT+CMGF=0`: the raw SMS-DELIVER.
    Pdu,
}

/// A received message, reassembled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sms {
    /// The sender.
    pub sender: String,
    /// The service centre time stamp (RFC 3339 in PDU mode, as the modem shows it in text mode).
    pub timestamp: Option<String>,
    /// The text, at most [`MAX_TEXT`] bytes.
    pub text: String,
    /// How many parts it came in.
    pub parts: u8,
    /// Some parts never came (given up at the reassembly bound) or the text was cut at [`MAX_TEXT`].
    pub incomplete: bool,
}

/// A message that does not decode: what the modem showed (header and body lines), kept for inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undecodable {
    /// The modem's lines, joined with `\n`, at most [`MAX_RAW`] bytes.
    pub raw: String,
    /// Why it does not decode.
    pub error: String,
    /// The raw lines were cut at [`MAX_RAW`].
    pub truncated: bool,
}

impl Undecodable {
    /// The undecodable message the modem showed as `lines`.
    pub fn new(lines: &[String], error: &SmsError) -> Self {
        let (raw, truncated) = bounded(lines.join("\n"), MAX_RAW);
        Self {
            raw,
            error: error.to_string(),
            truncated,
        }
    }
}

/// Parses `+CMTI: <mem>,<index>`: the storage and index of a new message.
pub fn parse_cmti(params: &str) -> Result<(String, u16), SmsError> {
    let (memory, index) = params
        .rsplit_once(',')
        .ok_or(SmsError::Malformed("+CMTI"))?;
    let memory = memory.trim().trim_matches('"');
    let index: u16 = index
        .trim()
        .parse()
        .map_err(|_| SmsError::Malformed("+CMTI"))?;
    if memory.len() > 4 || !memory.bytes().all(|b| b.is_ascii_alphanumeric()) || index > MAX_INDEX {
        return Err(SmsError::Malformed("+CMTI"));
    }
    Ok((memory.to_owned(), index))
}

/// One message as `+CMGR` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Text mode: sender, time stamp, text.
    Text {
        /// The sender.
        sender: String,
        /// The time stamp as shown.
        timestamp: Option<String>,
        /// The text.
        text: String,
    },
    /// PDU mode: the decoded SMS-DELIVER.
    Pdu(Deliver),
}

/// Parses the answer lines of `AT+CMGR` in `mode`.
pub fn parse_cmgr(lines: &[String], mode: SmsMode) -> Result<Read, SmsError> {
    let header = lines
        .first()
        .and_then(|l| l.strip_prefix("+CMGR:"))
        .ok_or(SmsError::Malformed("+CMGR"))?;
    match mode {
        SmsMode::Pdu => {
            let hex = lines.get(1).ok_or(SmsError::Malformed("+CMGR PDU"))?;
            Ok(Read::Pdu(pdu::decode_hex(hex)?))
        }
        SmsMode::Text => {
            // <stat>,<oa>,[<alpha>],<scts>: quoted fields; the time stamp holds a comma.
            let fields = quoted_fields(header);
            let sender = fields.get(1).ok_or(SmsError::Malformed("+CMGR sender"))?;
            if sender.is_empty() || sender.len() > 32 || sender.chars().any(char::is_control) {
                return Err(SmsError::Malformed("+CMGR sender"));
            }
            let timestamp = fields
                .get(3)
                .filter(|t| !t.is_empty() && t.len() <= 32)
                .cloned();
            let text = lines[1..].join("\n");
            Ok(Read::Text {
                sender: sender.clone(),
                timestamp,
                text,
            })
        }
    }
}

/// A message of an `AT+CMGL` list: read, or undecodable (and still to be deleted).
pub type Listed = (u16, Result<Read, Undecodable>);

/// Parses the answer lines of `AT+CMGL` (every stored message) in `mode`: each `+CMGL: <index>,…` header
/// with the lines after it, read as `+CMGR` would show that message. A message that does not decode is
/// listed as [`Undecodable`]; a malformed header fails the list.
pub fn parse_cmgl(lines: &[String], mode: SmsMode) -> Result<Vec<Listed>, SmsError> {
    let mut messages = Vec::new();
    let mut rest = lines;
    while let Some((header, after)) = rest.split_first() {
        let fields = header
            .strip_prefix("+CMGL:")
            .ok_or(SmsError::Malformed("+CMGL"))?;
        let (index, fields) = fields.split_once(',').ok_or(SmsError::Malformed("+CMGL"))?;
        let index: u16 = index
            .trim()
            .parse()
            .map_err(|_| SmsError::Malformed("+CMGL index"))?;
        if index > MAX_INDEX {
            return Err(SmsError::Malformed("+CMGL index"));
        }
        let body = after
            .iter()
            .position(|l| l.starts_with("+CMGL:"))
            .unwrap_or(after.len());
        let mut message = vec![format!("+CMGR: {fields}")];
        message.extend_from_slice(&after[..body]);
        let read = parse_cmgr(&message, mode).map_err(|e| Undecodable::new(&message, &e));
        messages.push((index, read));
        rest = &after[body..];
    }
    Ok(messages)
}

/// Messages delivered straight to the host (`+CMT`, with `AT+CNMI=…,2` on modems set up so): the header
/// URC, then the body as the next line, read as `+CMGR` would show them. Nothing is stored on the modem.
#[derive(Debug, Default)]
pub struct DirectDelivery {
    header: Option<String>,
}

impl DirectDelivery {
    /// Feeds one URC line; gives the message once its body line has come.
    pub fn feed(&mut self, line: &str, mode: SmsMode) -> Option<Result<Read, SmsError>> {
        if let Some(params) = line.strip_prefix("+CMT:") {
            self.header = Some(params.trim().chars().take(256).collect());
            return None;
        }
        let header = self.header.take()?;
        let header = match mode {
            // `+CMT: [<alpha>],<length>` as `+CMGR: <stat>,[<alpha>],<length>`.
            SmsMode::Pdu => format!("+CMGR: 0,{header}"),
            // `+CMT: <oa>,[<alpha>],<scts>` as `+CMGR: <stat>,<oa>,[<alpha>],<scts>`.
            SmsMode::Text => format!("+CMGR: \"REC UNREAD\",{header}"),
        };
        Some(parse_cmgr(&[header, line.to_owned()], mode))
    }
}

/// Comma-separated fields with commas inside quotes kept, unquoted.
fn quoted_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.trim().chars().take(512) {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    fields.push(current);
    fields
}

/// Cuts `text` to `max` bytes at a character boundary; says whether it cut.
fn bounded(mut text: String, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    (text, true)
}

/// A message whose parts are still coming in, with the modem indexes of the parts read so far.
#[derive(Debug, Clone)]
struct Pending {
    key: (String, u16),
    total: u8,
    parts: Vec<Option<Deliver>>,
    indexes: Vec<u16>,
    /// When its first part came (the caller's clock).
    since: Duration,
}

/// Reassembles concatenated messages, bounded by [`MAX_PENDING`] and [`MAX_AGE`]. Times are the caller's
/// (any monotonic clock, e.g. the time since its task started): the core has none.
#[derive(Debug, Default)]
pub struct Reassembly {
    pending: Vec<Pending>,
}

/// What one read part gave: complete messages, each with the modem indexes it came from.
pub type Completed = Vec<(Sms, Vec<u16>)>;

impl Reassembly {
    /// Adds a message read from modem index `index` at time `now`; returns the messages now complete, or
    /// given up ([`MAX_PENDING`], [`MAX_AGE`]). A part already held from the same index is not added twice
    /// (`index` 0 for every part delivered directly, so the part's position counts too).
    pub fn add(&mut self, read: Read, index: u16, now: Duration) -> Completed {
        let mut completed = self.expire(now);
        let deliver = match read {
            Read::Text {
                sender,
                timestamp,
                text,
            } => {
                let (text, cut) = bounded(text, MAX_TEXT);
                let sms = Sms {
                    sender,
                    timestamp,
                    text,
                    parts: 1,
                    incomplete: cut,
                };
                completed.push((sms, vec![index]));
                return completed;
            }
            Read::Pdu(deliver) => deliver,
        };
        let Some(concat) = deliver
            .concat
            .filter(|c| c.total > 1 && c.total <= MAX_PARTS)
        else {
            let (text, cut) = bounded(deliver.text, MAX_TEXT);
            let sms = Sms {
                sender: deliver.sender,
                timestamp: Some(deliver.timestamp),
                text,
                parts: 1,
                incomplete: cut,
            };
            completed.push((sms, vec![index]));
            return completed;
        };
        let key = (deliver.sender.clone(), concat.reference);
        let position = match self.pending.iter().position(|p| p.key == key) {
            Some(position) => position,
            None => {
                if self.pending.len() == MAX_PENDING {
                    completed.push(finish(self.pending.remove(0)));
                }
                self.pending.push(Pending {
                    key,
                    total: concat.total,
                    parts: vec![None; usize::from(concat.total)],
                    indexes: Vec::new(),
                    since: now,
                });
                self.pending.len() - 1
            }
        };
        let pending = &mut self.pending[position];
        let slot = usize::from(concat.seq) - 1;
        if pending.indexes.contains(&index) && pending.parts.get(slot).is_some_and(Option::is_some)
        {
            // Held already: listed again, or announced after a listing found it.
            return completed;
        }
        pending.indexes.push(index);
        if let Some(slot) = pending.parts.get_mut(slot) {
            *slot = Some(deliver);
        }
        if pending.parts.iter().all(Option::is_some) {
            completed.push(finish(self.pending.remove(position)));
        }
        completed
    }

    /// Gives up, as incomplete messages, those whose first part came [`MAX_AGE`] or more before `now`.
    pub fn expire(&mut self, now: Duration) -> Completed {
        let (expired, kept) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| now.saturating_sub(p.since) >= MAX_AGE);
        self.pending = kept;
        expired.into_iter().map(finish).collect()
    }
}

/// The message of `pending`, with what arrived.
fn finish(pending: Pending) -> (Sms, Vec<u16>) {
    let arrived: Vec<&Deliver> = pending.parts.iter().flatten().collect();
    let first = arrived.first();
    let joined: String = arrived.iter().map(|d| d.text.as_str()).collect();
    let (text, cut) = bounded(joined, MAX_TEXT);
    let sms = Sms {
        sender: pending.key.0.clone(),
        timestamp: first.map(|d| d.timestamp.clone()),
        text,
        parts: pending.total,
        incomplete: cut || arrived.len() < usize::from(pending.total),
    };
    (sms, pending.indexes)
}

/// Who may wake the device, and with what word.
#[derive(Debug, Clone)]
pub struct WakePolicy {
    /// Senders trusted to wake the device, exactly as the modem shows them (`+4917…`).
    pub trusted_senders: Vec<String>,
    /// The word the text must contain (case-insensitive); a secret, never logged.
    pub keyword: Secret,
}

impl WakePolicy {
    /// Whether `sms` asks for an immediate eIM poll: a trusted sender, the keyword, the whole message.
    pub fn wakes(&self, sms: &Sms) -> bool {
        let keyword = self.keyword.expose().to_lowercase();
        !keyword.is_empty()
            && !sms.incomplete
            && self.trusted_senders.contains(&sms.sender)
            && sms.text.to_lowercase().contains(&keyword)
    }
}

#[cfg(test)]
mod tests;
