//! The AT engine: the one task that owns the serial port.
//!
//! Commands from any number of [`Modem`] handles queue on a channel and run one at a time, so no two AT
//! exchanges interleave. Between commands the task keeps reading, so URCs reach the subscribers at any time.
//! After (re)opening the port it brings the line in step with a marker line (see [`Engine::sync_after_open`])
//! and turns echo off (`ATE0`); after a lost final result it waits for the line to
//! go quiet and checks with `AT` that the modem and the parser agree again before the next command. When the
//! port disappears it is reopened with back-off.

use super::port::{Backoff, PortOpener, SerialOpener};
use super::{ModemError, command_name};
use euiccd_core::at::{AtParser, DEFAULT_MAX_LINE, Event, FinalResult, Response, Urc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, broadcast, mpsc, oneshot};
use tokio::time::{Instant, sleep, sleep_until, timeout_at};
use tracing::debug;

/// How many commands may wait for the port.
const QUEUE_DEPTH: usize = 16;
/// How many URCs a slow subscriber may fall behind before it misses some.
const URC_BACKLOG: usize = 64;
/// How long the line must stay silent before the engine trusts it again after a lost answer.
const QUIET: Duration = Duration::from_millis(100);
/// The longest the engine waits for the line to go quiet.
const QUIET_CAP: Duration = Duration::from_secs(2);
/// How many times `ATE0` / `AT` is tried before the modem counts as not responding.
const HANDSHAKE_ATTEMPTS: usize = 3;
/// The command of the marker line sent after opening the port. No modem has it: it is answered `ERROR`, and
/// only its echo matters.
const SYNC_COMMAND: &str = "AT+EUICCDSYNC=";

/// Tunables of the engine.
#[derive(Debug, Clone)]
pub(crate) struct EngineConfig {
    /// Timeout of the `ATE0` / `AT` handshakes after opening the port or losing an answer.
    pub(crate) handshake_timeout: Duration,
    /// Back-off between attempts to reopen a port that disappeared.
    pub(crate) reopen: Backoff,
    /// Longest accepted line; longer ones are discarded.
    pub(crate) max_line: usize,
    /// Largest accepted answer (sum of its information lines).
    pub(crate) max_response: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(2),
            reopen: Backoff::new(Duration::from_millis(100), Duration::from_secs(5)),
            max_line: DEFAULT_MAX_LINE,
            max_response: 64 * 1024,
        }
    }
}

/// One queued command.
struct Request {
    command: String,
    timeout: Duration,
    reply: oneshot::Sender<Result<Response, ModemError>>,
}

/// A cloneable handle to the AT engine. Dropping the last handle stops the engine and closes the port.
#[derive(Debug, Clone)]
pub struct Modem {
    requests: mpsc::Sender<Request>,
    urcs: broadcast::Sender<Urc>,
    max_line: usize,
    restart: Arc<Notify>,
}

impl Modem {
    /// Starts the engine task on the current tokio runtime. The port is opened on the first command (so a
    /// missing modem is reported to whoever needs it) and reopened by itself when it disappears.
    pub(crate) fn spawn<O: PortOpener>(opener: O, config: EngineConfig) -> Self {
        let (requests, queue) = mpsc::channel(QUEUE_DEPTH);
        let (urcs, _) = broadcast::channel(URC_BACKLOG);
        let max_line = config.max_line;
        let restart = Arc::new(Notify::new());
        let engine = Engine {
            restart: restart.clone(),
            opener,
            port: None,
            parser: AtParser::new(config.max_line),
            urcs: urcs.clone(),
            backoff: config.reopen.clone(),
            config,
            needs_resync: false,
        };
        tokio::spawn(engine.run(queue));
        Self {
            requests,
            urcs,
            max_line,
            restart,
        }
    }

    /// Starts the engine on a serial device with the default configuration.
    pub fn open_serial(path: impl Into<PathBuf>, baud: u32) -> Self {
        Self::spawn(SerialOpener::new(path, baud), EngineConfig::default())
    }

    /// Sends one AT command line (without CR) and waits up to `timeout` for its final result.
    ///
    /// `OK` gives the information lines; `ERROR` / `+CME ERROR` / `+CMS ERROR` give
    /// [`ModemError::Rejected`]. The timeout counts from when the command reaches the front of the queue.
    pub async fn command(&self, command: &str, timeout: Duration) -> Result<Response, ModemError> {
        if command.contains(['\r', '\n']) {
            return Err(ModemError::InvalidCommand(
                "a command is one line without CR or LF",
            ));
        }
        if !command
            .get(..2)
            .is_some_and(|at| at.eq_ignore_ascii_case("AT"))
        {
            return Err(ModemError::InvalidCommand("a command starts with AT"));
        }
        if command.len() >= self.max_line {
            return Err(ModemError::InvalidCommand(
                "the command is longer than the maximum line",
            ));
        }
        let (reply, answer) = oneshot::channel();
        let request = Request {
            command: command.to_owned(),
            timeout,
            reply,
        };
        self.requests
            .send(request)
            .await
            .map_err(|_| ModemError::EngineStopped)?;
        answer.await.map_err(|_| ModemError::EngineStopped)?
    }

    /// Asks the engine to close the port and open it again (quiet line, `ATE0`) once the command in hand has
    /// ended: the way back from a modem that stopped answering, short of restarting the process.
    pub(crate) fn restart_link(&self) {
        self.restart.notify_one();
    }

    /// A receiver of every URC from now on (`+CEREG`, `+CGEV`, `+CPIN`, `RDY`, `+STIN`, vendor ones, and
    /// any line the modem sends while no command is in flight).
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Urc> {
        self.urcs.subscribe()
    }
}

/// What woke the idle engine up.
enum Wake {
    Request(Option<Request>),
    Read(std::io::Result<usize>),
    RetryOpen,
    Restart,
}

/// What happened while waiting for an answer.
enum Wait {
    Read(std::io::Result<usize>),
    Deadline,
}

/// The task state. See the module documentation.
struct Engine<O: PortOpener> {
    opener: O,
    port: Option<O::Port>,
    parser: AtParser,
    urcs: broadcast::Sender<Urc>,
    backoff: Backoff,
    config: EngineConfig,
    /// A command lost its final result: check the line before the next one.
    needs_resync: bool,
    /// [`Modem::restart_link`] was called.
    restart: Arc<Notify>,
}

impl<O: PortOpener> Engine<O> {
    async fn run(mut self, mut queue: mpsc::Receiver<Request>) {
        let mut buf = [0u8; 1024];
        loop {
            // What the last read brought after a final result (a `+CMTI` right behind a command's `OK`) is
            // still queued in the parser: publish it now, or it would wait for the next byte or command.
            self.drain_unsolicited();
            let wake = match self.port.as_mut() {
                Some(port) => tokio::select! {
                    request = queue.recv() => Wake::Request(request),
                    read = port.read(&mut buf) => Wake::Read(read),
                    () = self.restart.notified() => Wake::Restart,
                },
                None => {
                    let delay = self.backoff.next_delay();
                    tokio::select! {
                        request = queue.recv() => Wake::Request(request),
                        () = sleep(delay) => Wake::RetryOpen,
                    }
                }
            };
            match wake {
                Wake::Request(None) => return,
                Wake::Request(Some(request)) => {
                    let result = self.execute(&request.command, request.timeout).await;
                    // The requester may have given up; nothing else to do with the answer then.
                    let _ = request.reply.send(result);
                }
                Wake::Read(read) => self.on_idle_read(read, &buf),
                Wake::Restart => self.lose_port("restart asked for"),
                Wake::RetryOpen => {
                    if let Err(error) = self.open_port().await {
                        debug!(port = %self.opener.describe(), %error, "reopen failed");
                    }
                }
            }
        }
    }

    fn on_idle_read(&mut self, read: std::io::Result<usize>, buf: &[u8]) {
        match read {
            Ok(0) => self.lose_port("end of file"),
            Ok(n) => {
                self.parser.feed(&buf[..n]);
                self.drain_unsolicited();
            }
            Err(error) => self.lose_port(&error.to_string()),
        }
    }

    /// Dispatches what arrived while no command was in flight.
    fn drain_unsolicited(&mut self) {
        while let Some(event) = self.parser.poll_event() {
            match event {
                Event::Urc(urc) => self.publish(urc),
                other => debug!(?other, "ignored while idle"),
            }
        }
    }

    fn publish(&self, urc: Urc) {
        debug!(urc = urc.line(), "AT URC");
        // No subscriber is fine: nobody is interested right now.
        let _ = self.urcs.send(urc);
    }

    fn lose_port(&mut self, reason: &str) {
        debug!(port = %self.opener.describe(), reason, "port lost");
        self.port = None;
        self.backoff.reset();
    }

    async fn execute(&mut self, command: &str, timeout: Duration) -> Result<Response, ModemError> {
        let deadline = Instant::now() + timeout;
        self.ensure_ready(deadline).await?;
        if let Err(error) = self.send(command).await {
            // Nothing reached the modem: reopen and send once more.
            debug!(%error, "write failed; reopening the port");
            self.ensure_ready(deadline).await?;
            self.send(command).await?;
        }
        self.collect(command, deadline, timeout).await
    }

    /// Makes sure a port is open and in step with the parser, retrying the open with back-off until `deadline`.
    async fn ensure_ready(&mut self, deadline: Instant) -> Result<(), ModemError> {
        while self.port.is_none() {
            match self.open_port().await {
                Ok(()) => {}
                Err(error @ ModemError::PortBusy { .. }) => return Err(error),
                Err(error) => {
                    let delay = self.backoff.next_delay();
                    if Instant::now() + delay >= deadline {
                        return Err(error);
                    }
                    debug!(%error, ?delay, "port not available yet");
                    sleep(delay).await;
                }
            }
        }
        if self.needs_resync {
            self.handshake("AT").await?;
        }
        Ok(())
    }

    /// Opens the port, brings the line in step, turns echo off and checks that the modem answers.
    async fn open_port(&mut self) -> Result<(), ModemError> {
        let port = self.opener.open().await?;
        debug!(port = %self.opener.describe(), "port open");
        self.port = Some(port);
        self.parser = AtParser::new(self.config.max_line);
        self.needs_resync = false;
        let opened = match self.sync_after_open().await {
            Ok(()) => self.handshake("ATE0").await,
            Err(error) => Err(error),
        };
        if let Err(error) = opened {
            self.port = None;
            return Err(error);
        }
        self.backoff.reset();
        Ok(())
    }

    /// Discards what an earlier owner of the port left on the line, without a fixed wait.
    ///
    /// After a crash or a kill the previous process may have left a command in flight, and its late answer
    /// must not be taken for the answer to ours (every later answer would be off by one). So echo is turned
    /// on (`ATE1`) and a line carrying a marker no other process can have sent is written; a modem answers
    /// lines in order, so everything owed to the earlier command arrives before the marker's echo, and the
    /// first final result after that echo is the marker's own. Everything up to it is discarded (URCs still
    /// reach the subscribers). A modem that never echoes the marker gets the old treatment: the line is
    /// drained until it has been quiet for [`QUIET`].
    async fn sync_after_open(&mut self) -> Result<(), ModemError> {
        let timeout = self.config.handshake_timeout;
        for attempt in 0..HANDSHAKE_ATTEMPTS {
            self.send("ATE1").await?;
            // Any final result will do: it may be a late one of the earlier owner, ATE1's comes later then.
            // None at all is a modem that is silent or lost it: the old way is the only way left.
            if !self
                .discard_until(Instant::now() + timeout, |seen| seen == Seen::Final)
                .await?
            {
                break;
            }
            let marker = sync_marker(attempt);
            self.send(&marker).await?;
            let mut echoed = false;
            let synced = self
                .discard_until(Instant::now() + timeout, |seen| match seen {
                    Seen::Line(line) => {
                        echoed |= line.contains(&marker);
                        false
                    }
                    Seen::Final => echoed,
                })
                .await?;
            if synced {
                return Ok(());
            }
        }
        debug!(port = %self.opener.describe(), "no echo of the marker; waiting for quiet instead");
        self.drain_quiet().await
    }

    /// Reads lines while no command is in flight until `done` accepts one (true) or `deadline` (false).
    /// Lines `done` passes over are published as URCs when they look like URCs, and dropped otherwise.
    async fn discard_until(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(Seen<'_>) -> bool,
    ) -> Result<bool, ModemError> {
        let mut buf = [0u8; 1024];
        loop {
            while let Some(event) = self.parser.poll_event() {
                match event {
                    Event::Urc(urc) => {
                        if done(Seen::Line(urc.line())) {
                            return Ok(true);
                        }
                        let echo = urc.line().starts_with(SYNC_COMMAND) || urc.line() == "ATE1";
                        if !echo {
                            self.publish(urc);
                        }
                    }
                    Event::Stray(result) => {
                        debug!(%result, "final result while getting in step");
                        if done(Seen::Final) {
                            return Ok(true);
                        }
                    }
                    other => debug!(?other, "discarded while getting in step"),
                }
            }
            let Some(port) = self.port.as_mut() else {
                return Err(ModemError::PortLost("not open".into()));
            };
            match timeout_at(deadline, port.read(&mut buf)).await {
                Err(_deadline) => return Ok(false),
                Ok(Ok(n)) if n > 0 => self.parser.feed(&buf[..n]),
                Ok(Ok(_)) => return Err(self.lost_mid_command("end of file")),
                Ok(Err(error)) => return Err(self.lost_mid_command(&error.to_string())),
            }
        }
    }

    /// Sends a short command until it gets an answer; a modem that rejects it is still in step with us.
    ///
    /// After a lost answer the modem may still owe finals (its own late one, then ours), and the first final
    /// that arrives may not be ours: so the line is drained until quiet before and after, and only then is
    /// the parser trusted again.
    async fn handshake(&mut self, command: &str) -> Result<(), ModemError> {
        let timeout = self.config.handshake_timeout;
        let mut resyncing = self.needs_resync;
        for _ in 0..HANDSHAKE_ATTEMPTS {
            if resyncing {
                self.drain_quiet().await?;
            }
            self.send(command).await?;
            match self
                .collect(command, Instant::now() + timeout, timeout)
                .await
            {
                Ok(_) | Err(ModemError::Rejected { .. }) => {
                    if resyncing {
                        self.drain_quiet().await?;
                    }
                    self.needs_resync = false;
                    return Ok(());
                }
                Err(ModemError::Timeout { .. }) => resyncing = true,
                Err(error) => return Err(error),
            }
        }
        Err(ModemError::NotResponding(self.opener.describe()))
    }

    async fn send(&mut self, command: &str) -> Result<(), ModemError> {
        let port = self
            .port
            .as_mut()
            .ok_or_else(|| ModemError::PortLost("not open".into()))?;
        debug!(command = %Elided(command), "AT >");
        let mut line = Vec::with_capacity(command.len() + 1);
        line.extend_from_slice(command.as_bytes());
        line.push(b'\r');
        let written = async {
            port.write_all(&line).await?;
            port.flush().await
        }
        .await;
        if let Err(error) = written {
            self.lose_port(&error.to_string());
            return Err(ModemError::PortLost(error.to_string()));
        }
        Ok(())
    }

    /// Collects the answer to the command just sent, until its final result or `deadline`.
    async fn collect(
        &mut self,
        command: &str,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Response, ModemError> {
        self.parser.start_command(command, deadline.into_std());
        let mut lines = Vec::new();
        let mut size = 0usize;
        let mut overlong = false;
        let mut buf = [0u8; 1024];
        loop {
            while let Some(event) = self.parser.poll_event() {
                match event {
                    Event::Line(line) => {
                        debug!(line = %Elided(&line), "AT <");
                        size = size.saturating_add(line.len());
                        if size <= self.config.max_response {
                            lines.push(line);
                        }
                    }
                    Event::Urc(urc) => self.publish(urc),
                    Event::Stray(result) => debug!(%result, "stray final result ignored"),
                    Event::Overlong { discarded } => {
                        debug!(discarded, "overlong line discarded");
                        overlong = true;
                    }
                    Event::Final(result) => {
                        return self.finish(command, result, lines, size, overlong);
                    }
                    Event::Timeout => {
                        self.needs_resync = true;
                        return Err(ModemError::Timeout {
                            command: command_name(command),
                            timeout,
                        });
                    }
                }
            }
            let Some(port) = self.port.as_mut() else {
                return Err(ModemError::PortLost("not open".into()));
            };
            let wait = tokio::select! {
                read = port.read(&mut buf) => Wait::Read(read),
                () = sleep_until(deadline) => Wait::Deadline,
            };
            match wait {
                Wait::Read(Ok(n)) if n > 0 => self.parser.feed(&buf[..n]),
                Wait::Read(Ok(_)) => return Err(self.lost_mid_command("end of file")),
                Wait::Read(Err(error)) => return Err(self.lost_mid_command(&error.to_string())),
                Wait::Deadline => self.parser.handle_timeout(Instant::now().into_std()),
            }
        }
    }

    fn lost_mid_command(&mut self, reason: &str) -> ModemError {
        self.lose_port(reason);
        ModemError::PortLost(reason.to_owned())
    }

    fn finish(
        &self,
        command: &str,
        result: FinalResult,
        lines: Vec<String>,
        size: usize,
        overlong: bool,
    ) -> Result<Response, ModemError> {
        debug!(%result, "AT <");
        let command = command_name(command);
        if !result.is_ok() {
            return Err(ModemError::Rejected { command, result });
        }
        if overlong {
            return Err(ModemError::LineTooLong { command });
        }
        if size > self.config.max_response {
            return Err(ModemError::ResponseTooLarge {
                command,
                max: self.config.max_response,
            });
        }
        Ok(Response::new(lines))
    }

    /// Reads and discards until the line has been silent for [`QUIET`] (URCs still reach the subscribers),
    /// so that a late answer cannot be taken for the answer to the next command.
    async fn drain_quiet(&mut self) -> Result<(), ModemError> {
        let cap = Instant::now() + QUIET_CAP;
        let mut buf = [0u8; 1024];
        while Instant::now() < cap {
            let Some(port) = self.port.as_mut() else {
                return Err(ModemError::PortLost("not open".into()));
            };
            match timeout_at(Instant::now() + QUIET, port.read(&mut buf)).await {
                Err(_quiet) => return Ok(()),
                Ok(Ok(n)) if n > 0 => {
                    self.parser.feed(&buf[..n]);
                    self.drain_unsolicited();
                }
                Ok(Ok(_)) => return Err(self.lost_mid_command("end of file")),
                Ok(Err(error)) => return Err(self.lost_mid_command(&error.to_string())),
            }
        }
        Ok(())
    }
}

/// The marker line of attempt `attempt` to get in step after opening: the process id, the attempt and the
/// clock make it one that no earlier owner of the port sent.
fn sync_marker(attempt: usize) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    format!(
        "{SYNC_COMMAND}{:08X}{attempt:X}{nanos:08X}",
        std::process::id()
    )
}

/// An AT line the engine exchanges outside the card traffic, as the benchmark's link bound counts it.
#[cfg(any(test, feature = "sim"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AtLine {
    /// Length of the command line, without its CR.
    pub(crate) command_len: usize,
    /// Its final result.
    pub(crate) final_result: &'static str,
}

/// The lines [`Engine::open_port`] exchanges with a modem that answers each one at once: `ATE1`, the marker
/// line (answered `ERROR`) and `ATE0`. Their echo is left out: a UART is full duplex, and a modem echoes each
/// byte while the next ones arrive, so the echo takes no time of its own.
#[cfg(any(test, feature = "sim"))]
pub(crate) fn clean_open_lines() -> [AtLine; 3] {
    [
        AtLine {
            command_len: "ATE1".len(),
            final_result: "OK",
        },
        AtLine {
            command_len: sync_marker(0).len(),
            final_result: "ERROR",
        },
        AtLine {
            command_len: "ATE0".len(),
            final_result: "OK",
        },
    ]
}

/// What [`Engine::discard_until`] saw: a line that is not a final result, or a final result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen<'a> {
    Line(&'a str),
    Final,
}

#[cfg(test)]
mod tests;

/// Longest AT line logged whole. Longer ones (APDUs with data: download messages carry the matching ID,
/// profile packages, signed objects) are logged as their start and length, so logs never hold them.
const LOGGED_LINE: usize = 48;

/// An AT line for the log, cut at [`LOGGED_LINE`] characters.
struct Elided<'a>(&'a str);

impl std::fmt::Display for Elided<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.get(..LOGGED_LINE) {
            Some(start) if self.0.len() > LOGGED_LINE => {
                write!(f, "{start}… ({} characters)", self.0.len())
            }
            _ => f.write_str(self.0),
        }
    }
}
