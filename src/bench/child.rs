//! The world's child process seen from the agent: start it, read its addresses, ask for the link's byte
//! counters (SIGUSR1) and stop it (SIGTERM). Every wait is bounded.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::BenchError;
use euiccd_sim::modem::Counters;
use euiccd_sim::qmi::device::QmiCounters;

/// How long the world may take to start, and to answer a counter request.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// The running world.
#[derive(Debug)]
pub(crate) struct WorldProcess {
    child: Child,
    lines: Receiver<String>,
    /// The modem's PTY link.
    pub(crate) link: PathBuf,
    /// Where the SM-DP+ listens.
    pub(crate) smdp: String,
    /// Where the eIM listens.
    pub(crate) eim: String,
}

#[derive(Deserialize)]
struct Started {
    world: Addresses,
}

#[derive(Deserialize)]
struct Addresses {
    smdp: String,
    eim: String,
}

/// The counter line of the AT modem or of the QMI device.
#[derive(Deserialize)]
struct CounterLine {
    sim_modem: Option<Counters>,
    sim_qmi: Option<QmiCounters>,
}

/// The bytes the host and the simulated device (AT modem or QMI) exchanged so far.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LinkBytes {
    /// Written by the host.
    pub(crate) from_host: u64,
    /// Written by the device.
    pub(crate) to_host: u64,
}

impl WorldProcess {
    /// Starts `exe bench serve --dir DIR ARGS…` and waits until its addresses are printed and the PTY is
    /// linked.
    pub(crate) fn start(exe: &Path, dir: &Path, args: &[String]) -> Result<Self, BenchError> {
        let mut child = Command::new(exe)
            .args(["bench", "serve", "--dir"])
            .arg(dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| BenchError::World(format!("cannot start {}: {e}", exe.display())))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| BenchError::World("no stdout".into()))?;
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut world = Self {
            child,
            lines,
            link: super::world::WorldConfig::link(dir),
            smdp: String::new(),
            eim: String::new(),
        };
        let started: Started = world.next_line(START_TIMEOUT)?;
        world.smdp = started.world.smdp;
        world.eim = started.world.eim;
        let deadline = Instant::now() + START_TIMEOUT;
        while std::fs::symlink_metadata(&world.link).is_err() {
            if Instant::now() >= deadline {
                return Err(BenchError::World(
                    "the simulated modem never linked its PTY".into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(world)
    }

    /// The link's byte counters now.
    pub(crate) fn counters(&mut self) -> Result<LinkBytes, BenchError> {
        self.signal(libc::SIGUSR1)?;
        match self.next_line::<CounterLine>(ANSWER_TIMEOUT)? {
            CounterLine {
                sim_modem: Some(modem),
                ..
            } => Ok(LinkBytes {
                from_host: modem.bytes_from_host,
                to_host: modem.bytes_to_host,
            }),
            CounterLine {
                sim_qmi: Some(qmi), ..
            } => Ok(LinkBytes {
                from_host: qmi.bytes_in,
                to_host: qmi.bytes_out,
            }),
            _ => Err(BenchError::World("a counter line without counters".into())),
        }
    }

    fn next_line<T: for<'de> Deserialize<'de>>(&self, timeout: Duration) -> Result<T, BenchError> {
        let line = self.lines.recv_timeout(timeout).map_err(|e| {
            BenchError::World(match e {
                RecvTimeoutError::Timeout => format!("no answer within {timeout:?}"),
                RecvTimeoutError::Disconnected => "the world process ended".into(),
            })
        })?;
        serde_json::from_str(&line)
            .map_err(|e| BenchError::World(format!("unexpected line {line:?}: {e}")))
    }

    fn signal(&self, signal: libc::c_int) -> Result<(), BenchError> {
        let pid = libc::pid_t::try_from(self.child.id())
            .map_err(|_| BenchError::World("process id out of range".into()))?;
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        if unsafe { libc::kill(pid, signal) } != 0 {
            return Err(BenchError::World(format!(
                "signal: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }
}

impl Drop for WorldProcess {
    fn drop(&mut self) {
        let _ = self.signal(libc::SIGTERM);
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
