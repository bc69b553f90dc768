//! The AT command interpreter of the simulated modem, sans-IO: [`AtInterpreter::feed`] takes the bytes the
//! host wrote and returns what the modem does (send bytes, wait, vanish). The PTY server executes that.
//!
//! It answers the identity commands a modem has (`ATI`, `AT+CGSN`, `AT+CIMI`, `AT+CCID`), the network
//! commands from its scriptable [`SimNetwork`] (`AT+CEREG?`, `AT+COPS?`, `AT+CGACT?`, `AT+CSQ`, …), passes APDUs to the simulated card through AT+CSIM and AT+CCHO/CGLA/CCHC, and
//! reports its counters on `AT+XSIMSTATS` (a pseudo command of the simulator).
//!
//! Command lines are read by its own small reading of 3GPP TS 27.007 section 4 and ITU-T V.250 (the
//! `AT` prefix in either case, basic commands such as `E0`, extended ones as `+NAME` with their set `=`,
//! read `?` and test `=?` forms), not the host's AT parser, so that the two can disagree in a test. Echo is
//! per character, as a UART modem echoes while the host is still sending ([`Action::Echo`]).

use super::network::{NetworkChange, SimNetwork};
use super::quirks::Quirks;
use crate::card::{IsdrApplet, SimCard};
use crate::iso7816::{channel_of_cla, cla_on_channel};
use std::collections::BTreeSet;
use std::time::Duration;

/// Longest command line accepted; a longer one is answered with `ERROR`.
const MAX_LINE: usize = 8 * 1024;
/// How long an APDU takes with the `slow` quirk.
const SLOW_APDU: Duration = Duration::from_millis(700);
/// The URCs the `urcs` quirk injects, in turn.
const URCS: &[&str] = &[
    "+CEREG: 1,\"1A2B\",\"01A2B3C\",7",
    "+CGEV: ME PDN ACT 1",
    "+QIND: \"csq\",20,99",
    "+STIN: 25",
];
/// Line noise of the `noise` quirk.
const NOISE: &[u8] = b"\x00\xff\xfe~#\x1b[0m";
/// The most GET RESPONSE rounds the modem runs for one APDU with `modem-get-response`.
const MAX_GET_RESPONSES: usize = 1024;

/// What crossed the link, for benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// AT command lines received.
    pub commands: u64,
    /// APDUs received (AT+CSIM and AT+CGLA).
    pub apdus: u64,
    /// Bytes written by the host.
    pub bytes_from_host: u64,
    /// Bytes written to the host (echo included).
    pub bytes_to_host: u64,
    /// How long the link was busy, in microseconds, at the paced link speed (0 when not paced): the
    /// server's own accounting of the time its UART model charged, echo overlapping the host's sending.
    #[serde(default)]
    pub link_micros: u64,
}

/// What the modem does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes to the host.
    Send(Vec<u8>),
    /// Echo these bytes just received: they go back while the host is still sending (full duplex), so they
    /// take no link time of their own.
    Echo(Vec<u8>),
    /// Wait this long before the next action.
    Delay(Duration),
    /// The port disappears; [`AtInterpreter::restart`] once it is back.
    Vanish,
}

/// An answer: information lines and the final result.
struct Reply {
    lines: Vec<String>,
    final_result: &'static str,
}

impl Reply {
    fn ok(lines: Vec<String>) -> Self {
        Self {
            lines,
            final_result: "OK",
        }
    }

    fn error(final_result: &'static str) -> Self {
        Self {
            lines: Vec::new(),
            final_result,
        }
    }
}

const CME_NOT_SUPPORTED: &str = "+CME ERROR: 4";
const CME_INVALID_INDEX: &str = "+CME ERROR: 21";
const CME_INCORRECT_PARAMETERS: &str = "+CME ERROR: 50";

/// The interpreter. See the module documentation.
#[derive(Debug)]
pub struct AtInterpreter<A> {
    card: SimCard<A>,
    quirks: Quirks,
    /// The network the modem sees.
    network: SimNetwork,
    /// Per-command latency (`--latency-ms`).
    latency: Duration,
    echo: bool,
    line: Vec<u8>,
    overlong: bool,
    /// Channels opened with AT+CCHO.
    sessions: BTreeSet<u8>,
    counters: Counters,
    /// The next final result is swallowed (`lost-final`).
    lose_next_final: bool,
    /// The port has vanished once already (`vanish`).
    vanished: bool,
    /// Nothing is answered any more (`mute-after`).
    muted: bool,
    next_urc: usize,
}

impl<A: IsdrApplet> AtInterpreter<A> {
    /// A modem in front of `card`, as just powered up.
    pub fn new(card: SimCard<A>, quirks: Quirks, latency: Duration) -> Self {
        let mut modem = Self {
            card,
            quirks,
            network: SimNetwork::default(),
            latency,
            echo: true,
            line: Vec::new(),
            overlong: false,
            sessions: BTreeSet::new(),
            counters: Counters::default(),
            lose_next_final: false,
            vanished: false,
            muted: false,
            next_urc: 0,
        };
        modem.restart();
        modem
    }

    /// The modem starts (again): echo on, card reset, AT+CCHO sessions gone.
    pub fn restart(&mut self) {
        self.echo = true;
        self.line.clear();
        self.overlong = false;
        self.sessions.clear();
        self.card.reset();
        self.muted = false;
        self.lose_next_final = self.quirks.lost_final;
        self.network.reset_reporting();
    }

    /// The network changes (a scenario step or a control command): the URCs the modem sends for it.
    pub fn change_network(&mut self, change: &NetworkChange) -> Vec<Action> {
        if self.muted {
            return Vec::new();
        }
        let mut out = Vec::new();
        for urc in self.network.apply(change) {
            out.extend_from_slice(format!("\r\n{urc}\r\n").as_bytes());
        }
        if out.is_empty() {
            return Vec::new();
        }
        vec![self.send(out)]
    }

    /// The modem comes back after vanishing: it restarts and its SIM slot was power-cycled, so the eUICC has
    /// lost what it kept in RAM (an ongoing download session, challenges).
    pub fn power_cycle(&mut self) {
        self.card.power_cycle();
        self.restart();
    }

    /// What the modem prints when it has started.
    pub fn greeting(&mut self) -> Vec<Action> {
        let mut out = Vec::new();
        if self.quirks.noise {
            out.extend_from_slice(NOISE);
        }
        out.extend_from_slice(b"\r\nRDY\r\n");
        vec![self.send(out)]
    }

    /// What crossed the link so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Adds `busy` to the link time (the server's UART model says how long its bytes took).
    pub fn charge_link(&mut self, busy: Duration) {
        self.counters.link_micros = self
            .counters
            .link_micros
            .saturating_add(u64::try_from(busy.as_micros()).unwrap_or(u64::MAX));
    }

    /// Consumes bytes from the host and returns what the modem does.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Action> {
        self.counters.bytes_from_host += bytes.len() as u64;
        let mut actions = Vec::new();
        let mut echo = Vec::new();
        for &byte in bytes {
            if self.echo && !self.muted {
                echo.push(byte);
            }
            match byte {
                b'\r' => {
                    if !echo.is_empty() {
                        actions.push(self.echo_bytes(std::mem::take(&mut echo)));
                    }
                    let line = std::mem::take(&mut self.line);
                    let overlong = std::mem::take(&mut self.overlong);
                    self.on_line(&line, overlong, &mut actions);
                }
                b'\n' => {}
                _ if self.line.len() >= MAX_LINE => self.overlong = true,
                _ => self.line.push(byte),
            }
        }
        if !echo.is_empty() {
            actions.push(self.echo_bytes(echo));
        }
        actions
    }

    fn on_line(&mut self, line: &[u8], overlong: bool, actions: &mut Vec<Action>) {
        if self.muted {
            return;
        }
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if !text
            .get(..2)
            .is_some_and(|at| at.eq_ignore_ascii_case("AT"))
        {
            return;
        }
        self.counters.commands += 1;
        let reply = if overlong {
            Ok(Reply::error("ERROR"))
        } else {
            self.execute(text)
        };
        let Ok(reply) = reply else {
            actions.push(Action::Vanish);
            return;
        };
        if self.muted {
            return;
        }
        let mut delay = self.latency;
        if self.quirks.slow && matches!(extended_name(text).as_deref(), Some("+CSIM" | "+CGLA")) {
            delay += SLOW_APDU;
        }
        if !delay.is_zero() {
            actions.push(Action::Delay(delay));
        }
        actions.push(self.render(text, reply));
    }

    fn execute(&mut self, command: &str) -> Result<Reply, Vanish> {
        let upper = command.to_ascii_uppercase();
        let (name, args) = match upper.find(['=', '?']) {
            Some(at) => (&upper[..at], &command[at..]),
            None => (upper.as_str(), ""),
        };
        Ok(match (name, args) {
            ("AT", "") => Reply::ok(Vec::new()),
            // The test form of the card access commands (27.007 sections 8.17, 8.45, 8.46, 8.43): a modem that
            // has them answers OK, and clients probe with it before they use them.
            ("AT+CCHO" | "AT+CGLA" | "AT+CCHC", "=?") if self.quirks.no_cgla => {
                Reply::error("ERROR")
            }
            ("AT+CSIM" | "AT+CCHO" | "AT+CGLA" | "AT+CCHC", "=?") => Reply::ok(Vec::new()),
            ("AT+CMEE", "=?") => self.info("+CMEE", "(0-2)"),
            ("ATE0", "") => self.set_echo(false),
            ("ATE" | "ATE1", "") => self.set_echo(true),
            ("ATI", "") => Reply::ok(vec![
                "euiccd".into(),
                "SIMMODEM".into(),
                "Revision: SIMMODEM_1.0".into(),
            ]),
            ("AT+CGSN", "") => Reply::ok(vec!["490154203237518".into()]),
            ("AT+CIMI", "") => Reply::ok(vec!["001010123456789".into()]),
            ("AT+CCID", "") => self.info("+CCID", "89882280000012345678"),
            ("AT+CMEE", _) => Reply::ok(Vec::new()),
            ("AT+XSIMSTATS", "") => {
                let c = self.counters;
                let stats = format!(
                    "commands={},apdus={},bytes_from_host={},bytes_to_host={},link_micros={}",
                    c.commands, c.apdus, c.bytes_from_host, c.bytes_to_host, c.link_micros
                );
                self.info("+XSIMSTATS", &stats)
            }
            ("AT+CSIM", args) => return self.csim(args.trim_start_matches('=')),
            ("AT+CCHO" | "AT+CGLA" | "AT+CCHC", _) if self.quirks.no_cgla => Reply::error("ERROR"),
            ("AT+CCHO", args) => self.ccho(args.trim_start_matches('=')),
            ("AT+CGLA", args) => return self.cgla(args.trim_start_matches('=')),
            ("AT+CCHC", args) => self.cchc(args.trim_start_matches('=')),
            (name, args) => match self.network.answer(name, args) {
                Some(Ok(lines)) if self.quirks.no_prefix => Reply::ok(
                    lines
                        .into_iter()
                        .map(|line| match line.split_once(": ") {
                            Some((_, body)) => body.to_owned(),
                            None => line,
                        })
                        .collect(),
                ),
                Some(Ok(lines)) => Reply::ok(lines),
                Some(Err(final_result)) => Reply::error(final_result),
                None => Reply::error("ERROR"),
            },
        })
    }

    fn set_echo(&mut self, on: bool) -> Reply {
        self.echo = on || self.quirks.echo;
        Reply::ok(Vec::new())
    }

    /// An information line `prefix: body`, or the bare body with `no-prefix`.
    fn info(&self, prefix: &str, body: &str) -> Reply {
        Reply::ok(vec![self.prefixed(prefix, body)])
    }

    fn prefixed(&self, prefix: &str, body: &str) -> String {
        if self.quirks.no_prefix {
            body.to_owned()
        } else {
            format!("{prefix}: {body}")
        }
    }

    fn csim(&mut self, args: &str) -> Result<Reply, Vanish> {
        let Some((length, hex)) = args.split_once(',') else {
            return Ok(Reply::error(CME_INCORRECT_PARAMETERS));
        };
        let apdu = match self.decode_hex(length, hex) {
            Ok(apdu) => apdu,
            Err(reply) => return Ok(reply),
        };
        self.counters.apdus += 1;
        let channel = apdu
            .first()
            .and_then(|&cla| channel_of_cla(cla))
            .unwrap_or(0);
        if self.quirks.csim_basic_only && channel != 0 {
            return Ok(Reply::error(CME_NOT_SUPPORTED));
        }
        self.vanish_before(channel)?;
        if self.muted {
            // A hung modem: the APDU never reaches the card, and nothing is answered.
            return Ok(Reply::error("ERROR"));
        }
        let response = self.exchange(&apdu);
        Ok(self.hex_answer("+CSIM", &response))
    }

    fn ccho(&mut self, args: &str) -> Reply {
        let aid = match hex::decode(args.trim().trim_matches('"')) {
            Ok(aid) if !aid.is_empty() && aid.len() <= 16 => aid,
            _ => return Reply::error(CME_INCORRECT_PARAMETERS),
        };
        let opened = self.card.process(&[0x00, 0x70, 0x00, 0x00, 0x01]);
        let &[channel, 0x90, 0x00] = opened.as_slice() else {
            return Reply::error(CME_NOT_SUPPORTED);
        };
        // SELECT by DF name, case 3: `0x A4 04 00 Lc AID` (the AID is at most 16 bytes, checked above).
        let mut select = vec![
            cla_on_channel(0, channel),
            0xA4,
            0x04,
            0x00,
            aid.len() as u8,
        ];
        select.extend_from_slice(&aid);
        let selected = self.card.process(&select);
        if !matches!(selected.as_slice(), [.., 0x90 | 0x91 | 0x61, _]) {
            self.card.process(&[0x00, 0x70, 0x80, channel, 0x00]);
            return Reply::error(CME_NOT_SUPPORTED);
        }
        self.sessions.insert(channel);
        self.info("+CCHO", &channel.to_string())
    }

    fn cgla(&mut self, args: &str) -> Result<Reply, Vanish> {
        let mut parts = args.splitn(3, ',');
        let (Some(id), Some(length), Some(hex)) = (parts.next(), parts.next(), parts.next()) else {
            return Ok(Reply::error(CME_INCORRECT_PARAMETERS));
        };
        let Some(channel) = self.open_session(id) else {
            return Ok(Reply::error(CME_INVALID_INDEX));
        };
        let mut apdu = match self.decode_hex(length, hex) {
            Ok(apdu) if !apdu.is_empty() => apdu,
            Ok(_) => return Ok(Reply::error(CME_INCORRECT_PARAMETERS)),
            Err(reply) => return Ok(reply),
        };
        self.counters.apdus += 1;
        self.vanish_before(channel)?;
        if self.muted {
            // A hung modem: the APDU never reaches the card, and nothing is answered.
            return Ok(Reply::error("ERROR"));
        }
        // The modem owns the channel bits: whatever the host put there, the APDU goes to the session's channel.
        apdu[0] = cla_on_channel(apdu[0], channel);
        let response = self.exchange(&apdu);
        Ok(self.hex_answer("+CGLA", &response))
    }

    fn cchc(&mut self, args: &str) -> Reply {
        let Some(channel) = self.open_session(args) else {
            return Reply::error(CME_INVALID_INDEX);
        };
        self.card.process(&[0x00, 0x70, 0x80, channel, 0x00]);
        self.sessions.remove(&channel);
        Reply::ok(Vec::new())
    }

    /// The channel of AT+CCHO session `id`, if it is still open on the card (a card reset closes it).
    fn open_session(&mut self, id: &str) -> Option<u8> {
        let channel: u8 = id.trim().parse().ok()?;
        if !self.card.is_channel_open(channel) {
            self.sessions.remove(&channel);
        }
        self.sessions.contains(&channel).then_some(channel)
    }

    /// The APDU from `<length>,"<hex>"`, or the modem's refusal.
    fn decode_hex(&self, length: &str, hex: &str) -> Result<Vec<u8>, Reply> {
        let hex = hex.trim().trim_matches('"');
        let length_ok = length.trim().parse::<usize>().is_ok_and(|n| n == hex.len());
        let case_ok = !self.quirks.upper_hex || !hex.bytes().any(|b| b.is_ascii_lowercase());
        match hex::decode(hex) {
            Ok(apdu) if length_ok && case_ok => Ok(apdu),
            _ => Err(Reply::error(CME_INCORRECT_PARAMETERS)),
        }
    }

    /// The `vanish` quirk: the first APDU for a logical channel (or the N-th APDU with `vanish-after`) takes
    /// the port down instead of an answer; `mute-after` silences the modem from the N-th APDU on.
    fn vanish_before(&mut self, channel: u8) -> Result<(), Vanish> {
        // `mute-after`: this APDU and everything after it go unanswered.
        if self
            .quirks
            .mute_after
            .is_some_and(|n| self.counters.apdus >= n)
        {
            self.muted = true;
        }
        let counted = self
            .quirks
            .vanish_after
            .is_some_and(|n| self.counters.apdus >= n);
        if !self.vanished && ((self.quirks.vanish && channel != 0) || counted) {
            self.vanished = true;
            return Err(Vanish);
        }
        Ok(())
    }

    /// The card's response to `apdu`; with `modem-get-response` the modem collects `61xx` data itself.
    fn exchange(&mut self, apdu: &[u8]) -> Vec<u8> {
        let mut response = self.card.process(apdu);
        if !self.quirks.modem_get_response {
            return response;
        }
        let channel = apdu
            .first()
            .and_then(|&cla| channel_of_cla(cla))
            .unwrap_or(0);
        let cla = cla_on_channel(0, channel);
        let mut data = Vec::new();
        for _ in 0..MAX_GET_RESPONSES {
            match response.as_slice() {
                [head @ .., 0x61, available] => {
                    data.extend_from_slice(head);
                    response = self.card.process(&[cla, 0xC0, 0x00, 0x00, *available]);
                }
                _ => break,
            }
        }
        data.extend_from_slice(&response);
        data
    }

    fn hex_answer(&self, prefix: &str, response: &[u8]) -> Reply {
        let hex = hex::encode_upper(response);
        Reply::ok(vec![
            self.prefixed(prefix, &format!("{},\"{hex}\"", hex.len())),
        ])
    }

    /// The bytes of an answer, with the quirks that shape them.
    fn render(&mut self, command: &str, reply: Reply) -> Action {
        let own_prefix = extended_name(command);
        let mut out = Vec::new();
        if self.quirks.noise {
            out.extend_from_slice(NOISE);
        }
        self.inject_urc(&mut out, own_prefix.as_deref());
        for line in &reply.lines {
            out.extend_from_slice(format!("\r\n{line}\r\n").as_bytes());
        }
        self.inject_urc(&mut out, own_prefix.as_deref());
        if std::mem::take(&mut self.lose_next_final) {
            return self.send(out);
        }
        out.extend_from_slice(format!("\r\n{}\r\n", reply.final_result).as_bytes());
        self.send(out)
    }

    /// With `urcs`, one URC that is not an answer to `own_prefix` (a real modem's `+CEREG` answer and URC
    /// look alike, so none is injected into the command's own answer); with `urc-storm=N`, N of them.
    fn inject_urc(&mut self, out: &mut Vec<u8>, own_prefix: Option<&str>) {
        let count = match (self.quirks.urc_storm, self.quirks.urcs) {
            (Some(n), _) => n,
            (None, true) => 1,
            (None, false) => return,
        };
        for _ in 0..count {
            let urc = URCS[self.next_urc % URCS.len()];
            self.next_urc += 1;
            if own_prefix.is_some_and(|prefix| urc.starts_with(prefix)) {
                continue;
            }
            out.extend_from_slice(format!("\r\n{urc}\r\n").as_bytes());
        }
    }

    fn send(&mut self, bytes: Vec<u8>) -> Action {
        self.counters.bytes_to_host += bytes.len() as u64;
        Action::Send(bytes)
    }

    fn echo_bytes(&mut self, bytes: Vec<u8>) -> Action {
        self.counters.bytes_to_host += bytes.len() as u64;
        Action::Echo(bytes)
    }
}

/// The name of an extended command, upper case with its lead character (`at+csim=…` → `+CSIM`,
/// `AT^SYSINFO` → `^SYSINFO`): 27.007 section 4.1 and V.250 section 5.4.1 (a lead character, then letters,
/// digits and `! % - . / : _`). A basic command (`ATE0`, `ATI`) has none.
fn extended_name(command: &str) -> Option<String> {
    let command = command.trim();
    let rest = command
        .get(..2)
        .filter(|at| at.eq_ignore_ascii_case("AT"))
        .and_then(|_| command.get(2..))?;
    let lead = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '+' | '^' | '$' | '*' | '%' | '#'))?;
    let name: String = rest[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "!%-./:_".contains(*c))
        .collect();
    (!name.is_empty()).then(|| format!("{lead}{}", name.to_ascii_uppercase()))
}

/// The port vanishes instead of answering.
struct Vanish;

#[cfg(test)]
mod tests;
