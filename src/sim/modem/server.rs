//! The simulated modem on a real pseudo-terminal: `euiccd sim serve --pty-link PATH`.
//!
//! The server creates a PTY pair, sets the terminal side raw, links its device path at PATH and runs the
//! [`AtInterpreter`] on the controlling side. It keeps its own handle on the terminal side so the host can
//! close and reopen the port. With a link speed it paces bytes as a UART would (10 bits per byte at 8N1).
//! SIGUSR1 prints the counters as one JSON line on stdout; SIGINT/SIGTERM print them, remove the link and
//! stop.

use super::interpreter::{Action, AtInterpreter, Counters};
use super::quirks::Quirks;
use crate::sim::card::{IsdrApplet, ResponseMode, SimCard};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_serial::{SerialPort, SerialStream};
use tracing::info;

/// How long the port stays away with the `vanish` quirk.
const VANISH_TIME: Duration = Duration::from_secs(1);
/// Bits on the wire per byte at 8N1.
const BITS_PER_BYTE: u64 = 10;

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

fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServerError {
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
}

/// The terminal pair: the controlling side the server talks on, and the terminal side it keeps open.
struct Pty {
    master: SerialStream,
    _slave: SerialStream,
}

impl Pty {
    /// Creates the pair (terminal side raw) and links the terminal side at `link`.
    fn open(link: &Path) -> Result<Self, ServerError> {
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

    /// Writes `bytes`, paced at `baud` if set.
    async fn send(&mut self, bytes: &[u8], baud: Option<u32>) -> Result<(), ServerError> {
        let Some(baud) = baud else {
            return self
                .master
                .write_all(bytes)
                .await
                .map_err(io_error("writing to the host"));
        };
        let start = Instant::now();
        let mut sent = 0;
        for chunk in bytes.chunks(16) {
            self.master
                .write_all(chunk)
                .await
                .map_err(io_error("writing to the host"))?;
            sent += chunk.len();
            sleep_until(start + wire_time(sent, baud)).await;
        }
        Ok(())
    }
}

/// How long `bytes` take on a UART at `baud`.
fn wire_time(bytes: usize, baud: u32) -> Duration {
    Duration::from_micros(bytes as u64 * BITS_PER_BYTE * 1_000_000 / u64::from(baud.max(1)))
}

/// Points `link` at `device`, replacing an earlier link but never a file that is not a link.
fn replace_link(device: &Path, link: &Path) -> Result<(), ServerError> {
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

fn remove_link(link: &Path) {
    if std::fs::symlink_metadata(link).is_ok_and(|meta| meta.file_type().is_symlink()) {
        // Best effort on the way out or while vanishing: a missing link is what we want anyway.
        let _ = std::fs::remove_file(link);
    }
}

fn print_counters(counters: Counters) {
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
    perform(&mut pty, modem.greeting(), config.baud).await?;
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::select! {
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
            _ = report.recv() => {
                print_counters(modem.counters());
                continue;
            }
            read = pty.read(&mut buf) => read?,
        };
        if let Some(baud) = config.baud {
            // The bytes just read took this long to arrive over the UART.
            sleep(wire_time(n, baud)).await;
        }
        let actions = modem.feed(&buf[..n]);
        if perform(&mut pty, actions, config.baud).await? == Outcome::Vanished {
            // Closing our ends hangs the host's port up, as an unplugged USB device does.
            drop(pty);
            remove_link(&config.link);
            sleep(VANISH_TIME).await;
            pty = Pty::open(&config.link)?;
            modem.power_cycle();
            perform(&mut pty, modem.greeting(), config.baud).await?;
        }
    }
}

/// Whether the port survived the actions.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Stayed,
    Vanished,
}

async fn perform(
    pty: &mut Pty,
    actions: Vec<Action>,
    baud: Option<u32>,
) -> Result<Outcome, ServerError> {
    for action in actions {
        match action {
            Action::Send(bytes) => pty.send(&bytes, baud).await?,
            Action::Delay(delay) => sleep(delay).await,
            Action::Vanish => return Ok(Outcome::Vanished),
        }
    }
    Ok(Outcome::Stayed)
}
