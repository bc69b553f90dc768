//! The simulated modem on a real pseudo-terminal: `euiccd sim serve --pty-link PATH`.
//!
//! The server creates a PTY pair, sets the terminal side raw, links its device path at PATH and runs the
//! [`AtInterpreter`] on the controlling side. It keeps its own handle on the terminal side so the host can
//! close and reopen the port. With a link speed it paces bytes as a UART would (10 bits per byte at 8N1):
//! the host's bytes count as arrived once their wire time has passed, the echo of each byte goes back
//! while the next ones are still arriving (full duplex, so echo costs no link time of its own), and the
//! answers follow. Bytes reach the host in chunks of [`CHUNK`], each once its last byte would have crossed
//! the line (a UART's receive FIFO), timed by a [`UartClock`] to the microsecond. The time charged is kept
//! in the counters (`link_micros`).
//! SIGUSR1 prints the counters as one JSON line on stdout; SIGINT/SIGTERM print them, remove the link and
//! stop.
//!
//! The network the modem sees changes over time as a [`Scenario`] says (`--network FILE`), and on request:
//! each line written to the control socket (`--network-control PATH`) is one [`NetworkChange`] (JSON),
//! answered `ok` or `error: …` once applied.

use super::interpreter::{Action, AtInterpreter, Counters};
use super::network::{NetworkChange, Scenario};
use super::quirks::Quirks;
use super::uart_clock::UartClock;
use crate::card::{IsdrApplet, ResponseMode, SimCard};
use std::io::ErrorKind;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_serial::{SerialPort, SerialStream};
use tracing::info;

/// How long the port stays away with the `vanish` quirk.
const VANISH_TIME: Duration = Duration::from_secs(1);
/// Bits on the wire per byte at 8N1.
const BITS_PER_BYTE: u64 = 10;
/// Bytes handed to the host at a time when paced: a UART's receive FIFO raises its interrupt about there.
const CHUNK: usize = 16;
/// The longest line the network control socket accepts.
const MAX_CONTROL_LINE: u64 = 16 * 1024;
/// Control connections served at once; more wait to be accepted.
const CONTROL_QUEUE: usize = 8;

/// Errors of the PTY server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Creating or configuring the PTY failed.
    #[error("cannot set up the pseudo-terminal: {0}")]
    Pty(#[from] tokio_serial::Error),
    /// Linking, reading or writing failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

pub(crate) fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServerError {
    let what = what.into();
    move |source| ServerError::Io { what, source }
}

/// Settings of `euiccd sim serve`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to link the terminal device.
    pub link: PathBuf,
    /// Real modem behaviours to reproduce.
    pub quirks: Quirks,
    /// Link speed in bit/s for pacing, or `None` for as fast as the PTY goes.
    pub baud: Option<u32>,
    /// Extra time before each answer.
    pub latency: Duration,
    /// How the network changes.
    pub network: NetworkScript,
}

/// How the simulated network changes: a scenario from the start, and a control socket for changes on request.
#[derive(Debug, Clone, Default)]
pub struct NetworkScript {
    /// The timed changes, run from when the server starts.
    pub scenario: Scenario,
    /// Where to listen for [`NetworkChange`] lines.
    pub control: Option<PathBuf>,
}

/// A change from the control socket, and where to say it was applied.
type ControlRequest = (NetworkChange, oneshot::Sender<()>);

/// The terminal pair: the controlling side the server talks on, and the terminal side it keeps open.
pub(crate) struct Pty {
    pub(crate) master: SerialStream,
    _slave: SerialStream,
}

impl Pty {
    /// Creates the pair (terminal side raw) and links the terminal side at `link`.
    pub(crate) fn open(link: &Path) -> Result<Self, ServerError> {
        let (master, slave) = SerialStream::pair()?;
        let device = slave.name().ok_or_else(|| {
            io_error("naming the terminal")(std::io::Error::new(
                ErrorKind::NotFound,
                "the PTY has no name",
            ))
        })?;
        replace_link(Path::new(&device), link)?;
        info!(device, link = %link.display(), "simulated modem ready");
        Ok(Self {
            master,
            _slave: slave,
        })
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ServerError> {
        self.master
            .read(buf)
            .await
            .map_err(io_error("reading from the host"))
    }

    /// Writes `bytes`, paced at `baud` if set, as if the first byte started on the wire at `start`: each
    /// chunk once its last byte has crossed the line.
    async fn send_from(
        &mut self,
        clock: &UartClock,
        start: Instant,
        bytes: &[u8],
        baud: Option<u32>,
    ) -> Result<(), ServerError> {
        let Some(baud) = baud else {
            return self
                .master
                .write_all(bytes)
                .await
                .map_err(io_error("writing to the host"));
        };
        let mut sent = 0;
        for chunk in bytes.chunks(CHUNK) {
            sent += chunk.len();
            clock
                .sleep_until(start + wire_time(sent, baud))
                .await
                .map_err(io_error("pacing the line"))?;
            self.master
                .write_all(chunk)
                .await
                .map_err(io_error("writing to the host"))?;
        }
        Ok(())
    }
}

/// How long `bytes` take on a UART at `baud`.
fn wire_time(bytes: usize, baud: u32) -> Duration {
    Duration::from_micros(bytes as u64 * BITS_PER_BYTE * 1_000_000 / u64::from(baud.max(1)))
}

/// Points `link` at `device`, replacing an earlier link but never a file that is not a link.
pub(crate) fn replace_link(device: &Path, link: &Path) -> Result<(), ServerError> {
    match std::fs::symlink_metadata(link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::remove_file(link).map_err(io_error(format!(
                "removing the old link {}",
                link.display()
            )))?;
        }
        Ok(_) => {
            let error = std::io::Error::new(
                ErrorKind::AlreadyExists,
                "exists and is not a symbolic link",
            );
            return Err(io_error(format!("linking {}", link.display()))(error));
        }
        Err(_) => {}
    }
    std::os::unix::fs::symlink(device, link)
        .map_err(io_error(format!("linking {}", link.display())))
}

pub(crate) fn remove_link(link: &Path) {
    if std::fs::symlink_metadata(link).is_ok_and(|meta| meta.file_type().is_symlink()) {
        // Best effort on the way out or while vanishing: a missing link is what we want anyway.
        let _ = std::fs::remove_file(link);
    }
}

pub(crate) fn print_counters(counters: Counters) {
    let line = serde_json::json!({ "sim_modem": counters });
    println!("{line}");
}

/// Runs the simulated modem with `applet` as the eUICC's ISD-R until SIGINT or SIGTERM, and returns its
/// counters.
pub async fn serve<A: IsdrApplet>(
    config: ServerConfig,
    applet: A,
) -> Result<Counters, ServerError> {
    let card = SimCard::new(applet, ResponseMode::GetResponse);
    let mut modem = AtInterpreter::new(card, config.quirks, config.latency);
    let result = run(&mut modem, &config).await;
    remove_link(&config.link);
    print_counters(modem.counters());
    result.map(|()| modem.counters())
}

async fn run<A: IsdrApplet>(
    modem: &mut AtInterpreter<A>,
    config: &ServerConfig,
) -> Result<(), ServerError> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io_error("installing SIGINT"))?;
    let mut terminate = signal(SignalKind::terminate()).map_err(io_error("installing SIGTERM"))?;
    let mut report = signal(SignalKind::user_defined1()).map_err(io_error("installing SIGUSR1"))?;
    let mut pty = Pty::open(&config.link)?;
    let clock = UartClock::new().map_err(io_error("setting up the UART clock"))?;
    let mut control = match &config.network.control {
        Some(path) => Some(control_socket(path)?),
        None => None,
    };
    let mut steps = config.network.scenario.steps();
    let mut next_step = steps
        .next()
        .map(|(after, step)| (Instant::now() + after, step));
    let greeting = modem.greeting();
    perform(&mut pty, &clock, modem, greeting, config.baud, None).await?;
    let mut buf = [0u8; 4096];
    loop {
        let step_at = next_step.map(|(at, _)| at);
        let n = tokio::select! {
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
            _ = report.recv() => {
                print_counters(modem.counters());
                continue;
            }
            () = sleep_until(step_at.unwrap_or_else(Instant::now)), if step_at.is_some() => {
                if let Some((_, step)) = next_step.take() {
                    let urcs = modem.change_network(step);
                    perform(&mut pty, &clock, modem, urcs, config.baud, None).await?;
                }
                next_step = steps.next().map(|(after, step)| (Instant::now() + after, step));
                continue;
            }
            Some((change, applied)) = recv_control(&mut control) => {
                let urcs = modem.change_network(&change);
                perform(&mut pty, &clock, modem, urcs, config.baud, None).await?;
                // The client may have hung up; the change is applied either way.
                let _ = applied.send(());
                continue;
            }
            read = pty.read(&mut buf) => read?,
        };
        let uplink = Uplink {
            start: Instant::now(),
            bytes: n,
        };
        let actions = modem.feed(&buf[..n]);
        if perform(&mut pty, &clock, modem, actions, config.baud, Some(uplink)).await?
            == Outcome::Vanished
        {
            // Closing our ends hangs the host's port up, as an unplugged USB device does.
            drop(pty);
            remove_link(&config.link);
            sleep(VANISH_TIME).await;
            pty = Pty::open(&config.link)?;
            modem.power_cycle();
            let greeting = modem.greeting();
            perform(&mut pty, &clock, modem, greeting, config.baud, None).await?;
        }
    }
}

/// The next change from the control socket, or never without one.
async fn recv_control(
    control: &mut Option<mpsc::Receiver<ControlRequest>>,
) -> Option<ControlRequest> {
    match control {
        Some(requests) => requests.recv().await,
        None => std::future::pending().await,
    }
}

/// Listens at `path` (replacing a stale socket) and forwards each valid change line to the server loop.
fn control_socket(path: &Path) -> Result<mpsc::Receiver<ControlRequest>, ServerError> {
    if std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_socket()) {
        std::fs::remove_file(path).map_err(io_error(format!("removing {}", path.display())))?;
    }
    let listener =
        UnixListener::bind(path).map_err(io_error(format!("listening on {}", path.display())))?;
    let (requests, receiver) = mpsc::channel(CONTROL_QUEUE);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_control(stream, requests.clone()));
        }
    });
    Ok(receiver)
}

/// One control connection: a change per line, each answered once applied.
async fn serve_control(stream: UnixStream, requests: mpsc::Sender<ControlRequest>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    loop {
        let mut line = String::new();
        match (&mut lines)
            .take(MAX_CONTROL_LINE)
            .read_line(&mut line)
            .await
        {
            Ok(0) | Err(_) => return,
            Ok(n) if n as u64 >= MAX_CONTROL_LINE && !line.ends_with('\n') => {
                // Best effort: the connection closes either way.
                let _ = write.write_all(b"error: line too long\n").await;
                return;
            }
            Ok(_) => {}
        }
        let answer = match NetworkChange::parse(line.trim()) {
            Ok(change) => {
                let (applied, done) = oneshot::channel();
                if requests.send((change, applied)).await.is_err() || done.await.is_err() {
                    return;
                }
                "ok\n".to_owned()
            }
            Err(e) => format!("error: {e}\n"),
        };
        if write.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Whether the port survived the actions.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Stayed,
    Vanished,
}

/// Bytes just read from the host: when they started to arrive, and how many.
#[derive(Debug, Clone, Copy)]
struct Uplink {
    start: Instant,
    bytes: usize,
}

/// Carries out `actions` (the modem's answer to `uplink`, if they answer the host) and charges the link time
/// of the UART model to `modem`'s counters.
///
/// The uplink bytes arrive over their wire time from `uplink.start`; echo is sent alongside, paced from the
/// same start (each byte goes back as it arrives), so it ends with the uplink, not after it. Everything else
/// waits for the uplink to be complete, then takes its own wire time.
async fn perform<A: IsdrApplet>(
    pty: &mut Pty,
    clock: &UartClock,
    modem: &mut AtInterpreter<A>,
    actions: Vec<Action>,
    baud: Option<u32>,
    uplink: Option<Uplink>,
) -> Result<Outcome, ServerError> {
    let link_time = |bytes: usize| baud.map_or(Duration::ZERO, |baud| wire_time(bytes, baud));
    let uplink_time = uplink.map_or(Duration::ZERO, |up| link_time(up.bytes));
    let uplink_start = uplink.map_or_else(Instant::now, |up| up.start);
    let mut echoed = 0;
    let mut uplink_done = uplink.is_none();
    let mut charged = Duration::ZERO;
    let mut outcome = Outcome::Stayed;
    for action in actions {
        if let Action::Echo(bytes) = &action {
            let from = uplink_start + link_time(echoed);
            pty.send_from(clock, from, bytes, baud).await?;
            echoed += bytes.len();
            continue;
        }
        if !uplink_done {
            // The answer cannot start before the host's line has arrived.
            clock
                .sleep_until(uplink_start + uplink_time)
                .await
                .map_err(io_error("pacing the line"))?;
            uplink_done = true;
        }
        match action {
            Action::Send(bytes) => {
                pty.send_from(clock, Instant::now(), &bytes, baud).await?;
                charged += link_time(bytes.len());
            }
            Action::Delay(delay) => clock
                .sleep_until(Instant::now() + delay)
                .await
                .map_err(io_error("waiting the modem's latency"))?,
            Action::Vanish => {
                outcome = Outcome::Vanished;
                break;
            }
            Action::Echo(_) => {}
        }
    }
    if !uplink_done {
        clock
            .sleep_until(uplink_start + uplink_time)
            .await
            .map_err(io_error("pacing the line"))?;
    }
    // Full duplex: the uplink and its echo overlap; the longer of the two is what the link was busy for.
    charged += uplink_time.max(link_time(echoed));
    modem.charge_link(charged);
    Ok(outcome)
}
