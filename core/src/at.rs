//! Sans-IO AT line parser: bytes in, events out.
//!
//! The parser splits the byte stream from the modem into lines and classifies each one against the command
//! currently in flight (if any): the echo of that command is swallowed, `OK` / `ERROR` / `+CME ERROR` /
//! `+CMS ERROR` end it, known unsolicited result codes (URCs) are set aside even when they arrive between the
//! data line and `OK`, and everything else is an information line of the answer. It owns the command's
//! deadline too, so that timeouts can be tested without a clock or a port: the caller asks
//! [`AtParser::poll_timeout`] when to wake up and reports the time with [`AtParser::handle_timeout`].
//!
//! Input is bounded: a line longer than the configured maximum is discarded with an [`Event::Overlong`] and
//! the parser resynchronises at the next CR or LF.

use std::collections::VecDeque;
use std::fmt;
use std::time::Instant;

/// Default maximum length of one line (long enough for a 256-byte APDU answer in hex, several times over).
pub const DEFAULT_MAX_LINE: usize = 8 * 1024;

/// URCs that carry a `NAME:` prefix (3GPP TS 27.007 and common vendor ones). Matched on the part before `:`.
const NAMED_URCS: &[&str] = &[
    "+CREG",
    "+CGREG",
    "+CEREG",
    "+C5GREG",
    "+CGEV",
    "+CPIN",
    "+STIN",
    "+STKPCI",
    "+CUSATP",
    "+CUSATEND",
    "+CIEV",
    "+CMTI",
    "+CMT",
    "+CDS",
    "+CBM",
    "+CUSD",
    "+CRING",
    "+CTZV",
    "+CTZE",
    "+CSCON",
    "+PACSP",
    "+QIND",
    "+QUSIM",
    "+QSTK",
    "+QSIMSTAT",
    "+SIMCARD",
    "^SIMST",
    "^SYSSTART",
    "^MODE",
    "^RSSI",
    "^HCSQ",
    "*PSUTTZ",
    "*EMRDY",
];

/// URCs that are a whole line without a `NAME:` prefix: boot and SIM-ready banners, and the two V.250 result
/// codes (ITU-T V.250 §5.7.1, Table 1) that reach a program that never dials. `RING` (an incoming call,
/// repeated every few seconds; `+CRING: <type>` with 3GPP TS 27.007 `AT+CRC=1`) is unsolicited by
/// definition. `NO CARRIER` is a final result only of the commands that make a connection (`D`, `A`, `O`,
/// V.250 §6.3), which euiccd never sends; at any other time it says that a call or data connection someone
/// else set up has ended, so it is unsolicited too and never a line of the answer in flight. The other
/// V.250 codes (`CONNECT`, `BUSY`, `NO ANSWER`, `NO DIALTONE`) only ever answer a dial command.
const BARE_URCS: &[&str] = &[
    "RING",
    "NO CARRIER",
    "RDY",
    "SMS DONE",
    "PB DONE",
    "Call Ready",
    "SMS Ready",
    "+PBREADY",
    "^SYSSTART",
];

/// The final result code that ends a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinalResult {
    /// `OK`.
    Ok,
    /// A bare `ERROR` (verbose errors off, or the command is unknown).
    Error,
    /// `+CME ERROR: <n|text>`: an equipment (modem or SIM) error.
    CmeError(ErrorCode),
    /// `+CMS ERROR: <n|text>`: a message service error.
    CmsError(ErrorCode),
}

impl FinalResult {
    /// True for `OK`, the only successful final result.
    pub fn is_ok(&self) -> bool {
        matches!(self, FinalResult::Ok)
    }
}

impl fmt::Display for FinalResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FinalResult::Ok => f.write_str("OK"),
            FinalResult::Error => f.write_str("ERROR"),
            FinalResult::CmeError(code) => write!(f, "+CME ERROR: {code}"),
            FinalResult::CmsError(code) => write!(f, "+CMS ERROR: {code}"),
        }
    }
}

/// The code of a `+CME ERROR` / `+CMS ERROR`, numeric (`AT+CMEE=1`) or verbose (`AT+CMEE=2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// A numeric code, e.g. `10` (SIM not inserted).
    Numeric(u16),
    /// A verbose text, e.g. `SIM not inserted`.
    Text(String),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Numeric(n) => write!(f, "{n}"),
            ErrorCode::Text(t) => f.write_str(t),
        }
    }
}

/// An unsolicited result code, e.g. `+CEREG: 1,"1A2B","01A2B3C",7`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urc {
    line: String,
}

impl Urc {
    /// The whole line as received (without CR/LF).
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The URC name: the part before `:` (e.g. `+CEREG`), or the whole line for banners such as `RDY`.
    pub fn name(&self) -> &str {
        self.line
            .split_once(':')
            .map_or(self.line.as_str(), |(name, _)| name)
    }

    /// The parameters after `NAME:`, trimmed; empty for banners.
    pub fn params(&self) -> &str {
        self.line
            .split_once(':')
            .map_or("", |(_, rest)| rest.trim())
    }

    /// Whether this is the boot banner `RDY`: the modem restarted, and the reports and message settings
    /// its users switched on are back to their defaults.
    pub fn is_restart(&self) -> bool {
        self.line == "RDY"
    }
}

/// What the parser recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An information line of the answer to the command in flight.
    Line(String),
    /// The final result of the command in flight; the parser is idle again.
    Final(FinalResult),
    /// An unsolicited result code, for the subscribers.
    Urc(Urc),
    /// A final result while no command was in flight (typically the late answer to a timed-out command).
    Stray(FinalResult),
    /// A line longer than the maximum was discarded; `discarded` bytes were dropped.
    Overlong {
        /// How many bytes the discarded line had.
        discarded: usize,
    },
    /// The command in flight reached its deadline without a final result; the parser is idle again.
    Timeout,
}

/// The command whose answer is being collected.
#[derive(Debug)]
struct Pending {
    /// The command text, to recognise its echo.
    echo: String,
    /// The information-line prefix this command's answer uses (e.g. `+CSIM`), if it has one.
    prefix: Option<String>,
    deadline: Instant,
}

/// The AT line parser and command state machine. See the module documentation.
#[derive(Debug)]
pub struct AtParser {
    buf: Vec<u8>,
    /// Bytes dropped so far from an overlong line, while skipping to the next terminator.
    discarding: Option<usize>,
    max_line: usize,
    pending: Option<Pending>,
    events: VecDeque<Event>,
}

impl Default for AtParser {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LINE)
    }
}

impl AtParser {
    /// A parser that discards lines longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            discarding: None,
            max_line: max_line.max(1),
            pending: None,
            events: VecDeque::new(),
        }
    }

    /// Marks `command` (as written, without CR) as in flight until `deadline`.
    ///
    /// Any partial line received before is dropped: it cannot belong to the answer of a command not yet sent.
    pub fn start_command(&mut self, command: &str, deadline: Instant) {
        self.buf.clear();
        self.pending = Some(Pending {
            echo: command.trim().to_owned(),
            prefix: expected_prefix(command),
            deadline,
        });
    }

    /// True while a command is in flight.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Consumes bytes from the modem; the recognised events are queued for [`AtParser::poll_event`].
    pub fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\r' || byte == b'\n' {
                if let Some(discarded) = self.discarding.take() {
                    self.events.push_back(Event::Overlong { discarded });
                } else if !self.buf.is_empty() {
                    let line = String::from_utf8_lossy(&self.buf).trim().to_owned();
                    self.buf.clear();
                    if !line.is_empty() {
                        self.classify(line);
                    }
                }
            } else if let Some(discarded) = self.discarding.as_mut() {
                *discarded += 1;
            } else if self.buf.len() >= self.max_line {
                self.discarding = Some(self.buf.len() + 1);
                self.buf.clear();
            } else {
                self.buf.push(byte);
            }
        }
    }

    /// The next recognised event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When the command in flight times out, if one is in flight.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.as_ref().map(|p| p.deadline)
    }

    /// Reports the current time; ends the command in flight with [`Event::Timeout`] if its deadline passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.pending.as_ref().is_some_and(|p| now >= p.deadline) {
            self.pending = None;
            self.buf.clear();
            self.events.push_back(Event::Timeout);
        }
    }

    fn classify(&mut self, line: String) {
        let final_result = parse_final(&line);
        let event = match (&self.pending, final_result) {
            (None, Some(result)) => Event::Stray(result),
            (None, None) => Event::Urc(Urc { line }),
            (Some(p), _) if line.eq_ignore_ascii_case(&p.echo) => return,
            (Some(_), Some(result)) => {
                self.pending = None;
                Event::Final(result)
            }
            (Some(p), None)
                if p.prefix
                    .as_deref()
                    .is_some_and(|prefix| has_prefix(&line, prefix)) =>
            {
                Event::Line(line)
            }
            (Some(_), None) if is_urc(&line) => Event::Urc(Urc { line }),
            (Some(_), None) => Event::Line(line),
        };
        self.events.push_back(event);
    }
}

/// The information-line prefix a command's answer uses: `AT+CSIM=…` → `+CSIM`, `AT^SYSINFO` → `^SYSINFO`.
/// Basic commands such as `ATI` have none.
pub fn expected_prefix(command: &str) -> Option<String> {
    let body = command.trim().get(2..)?;
    let mut chars = body.chars();
    let first = chars.next().filter(|c| "+^$*%#".contains(*c))?;
    let name: String = chars
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then(|| format!("{first}{}", name.to_ascii_uppercase()))
}

/// True when `line` is `prefix:` followed by anything (case-insensitive name).
pub fn has_prefix(line: &str, prefix: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case(prefix))
}

fn is_urc(line: &str) -> bool {
    BARE_URCS.contains(&line)
        || line
            .split_once(':')
            .is_some_and(|(name, _)| NAMED_URCS.contains(&name.trim()))
}

fn parse_final(line: &str) -> Option<FinalResult> {
    match line {
        "OK" => return Some(FinalResult::Ok),
        "ERROR" => return Some(FinalResult::Error),
        _ => {}
    }
    let (name, code) = line.split_once(':')?;
    let code = code.trim();
    let code = code
        .parse()
        .map_or_else(|_| ErrorCode::Text(code.to_owned()), ErrorCode::Numeric);
    match name.trim() {
        "+CME ERROR" => Some(FinalResult::CmeError(code)),
        "+CMS ERROR" => Some(FinalResult::CmsError(code)),
        _ => None,
    }
}

/// The information lines of a successful answer (everything but echo, URCs and the final `OK`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    lines: Vec<String>,
}

impl Response {
    /// An answer made of these information lines (for other line sources, tests and fuzzing).
    pub fn new(lines: Vec<String>) -> Self {
        Self { lines }
    }

    /// All information lines, in order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The payload of the lines that carry `prefix` (e.g. `+CSIM`), with `prefix:` stripped. Modems that
    /// leave prefixes out (Fibocom FM350-GL) send bare lines; when no line carries the prefix, all lines are
    /// returned as they are.
    pub fn payload(&self, prefix: &str) -> Vec<&str> {
        let prefixed: Vec<&str> = self
            .lines
            .iter()
            .filter_map(|line| {
                let (name, rest) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case(prefix)
                    .then_some(rest.trim())
            })
            .collect();
        if prefixed.is_empty() {
            self.lines.iter().map(String::as_str).collect()
        } else {
            prefixed
        }
    }
}

#[cfg(test)]
mod tests;
