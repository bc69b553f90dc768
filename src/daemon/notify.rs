//! systemd's service notification protocol (sd_notify(3)): `READY=1`, `WATCHDOG=1`, `STATUS=…`,
//! `STOPPING=1` as datagrams to the socket in `NOTIFY_SOCKET`.
//!
//! Written out here rather than taken from the `sd-notify` crate: the protocol is one datagram per call,
//! and the few lines below also cover what we need of the watchdog variables (`WATCHDOG_USEC`, and
//! `WATCHDOG_PID` naming this process). Without `NOTIFY_SOCKET` (not run by systemd) every call is a no-op.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

/// Where notifications go, if anywhere.
#[derive(Debug)]
pub(crate) struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// The notifier the environment describes (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`).
    pub(crate) fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok(), std::process::id())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>, pid: u32) -> Self {
        let target = var("NOTIFY_SOCKET").and_then(|path| {
            let address = socket_address(&path)?;
            // Non-blocking: a manager that stopped reading must not stop the main loop (see `send`).
            match UnixDatagram::unbound().and_then(|s| s.set_nonblocking(true).map(|()| s)) {
                Ok(socket) => Some((socket, address)),
                Err(error) => {
                    tracing::warn!(%error, "no socket for systemd notifications");
                    None
                }
            }
        });
        let for_us = var("WATCHDOG_PID").is_none_or(|p| p.parse() == Ok(pid));
        let watchdog = var("WATCHDOG_USEC")
            .and_then(|usec| usec.parse::<u64>().ok())
            .filter(|&usec| usec > 0 && for_us)
            .map(Duration::from_micros);
        Self { target, watchdog }
    }

    /// How often to send `WATCHDOG=1`: half the watchdog timeout systemd set, if it set one.
    pub(crate) fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog.map(|timeout| timeout / 2)
    }

    /// `READY=1` with a status line.
    pub(crate) fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={status}"));
    }

    /// A status line (`systemctl status` shows it).
    pub(crate) fn status(&self, status: &str) {
        self.send(&format!("STATUS={status}"));
    }

    /// `WATCHDOG=1`: the main loop is alive.
    pub(crate) fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    /// `STOPPING=1`.
    pub(crate) fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=stopping");
    }

    /// Sends one datagram without waiting. A datagram socket's queue is short (`net.unix.max_dgram_qlen`,
    /// 10 by default), and a blocking send to a manager that reads no more would hold the main loop, and
    /// with it the watchdog it proves alive, for as long as the manager does: a message that does not fit
    /// is dropped instead (the next ping or status line follows within half the watchdog interval).
    fn send(&self, message: &str) {
        if let Some((socket, address)) = &self.target {
            if let Err(error) = socket.send_to_addr(message.as_bytes(), address) {
                tracing::debug!(%error, "systemd notification not sent");
            }
        }
    }
}

/// A socket path, or `@name` for a Linux abstract socket.
fn socket_address(path: &str) -> Option<SocketAddr> {
    let address = match path.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())
        }
        None => SocketAddr::from_pathname(path),
    };
    address
        .inspect_err(|error| tracing::warn!(%error, path, "NOTIFY_SOCKET unusable"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_reach_the_socket_and_the_watchdog_follows_its_variables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let receiver = UnixDatagram::bind(&path).unwrap();
        receiver
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let vars = |name: &str| match name {
            "NOTIFY_SOCKET" => Some(path.to_string_lossy().into_owned()),
            "WATCHDOG_USEC" => Some("4000000".to_owned()),
            "WATCHDOG_PID" => Some("42".to_owned()),
            _ => None,
        };
        let notifier = Notifier::from_vars(vars, 42);
        assert_eq!(notifier.watchdog_interval(), Some(Duration::from_secs(2)));
        notifier.ready("polling");
        notifier.watchdog();
        let mut buffer = [0; 256];
        let n = receiver.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"READY=1\nSTATUS=polling");
        let n = receiver.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"WATCHDOG=1");
        // The watchdog of another process is not ours.
        assert_eq!(Notifier::from_vars(vars, 43).watchdog_interval(), None);
        // Without NOTIFY_SOCKET nothing is sent and nothing fails.
        let silent = Notifier::from_vars(|_| None, 42);
        silent.ready("x");
        assert_eq!(silent.watchdog_interval(), None);
    }

    #[test]
    fn a_manager_that_reads_no_more_never_blocks_the_sender() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let _receiver = UnixDatagram::bind(&path).unwrap();
        let socket = path.to_str().unwrap().to_owned();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let vars = |name: &str| (name == "NOTIFY_SOCKET").then(|| socket.clone());
            let notifier = Notifier::from_vars(vars, 1);
            // Far more than the socket's queue holds; nobody reads them.
            for _ in 0..1000 {
                notifier.watchdog();
            }
            done.send(()).unwrap();
        });
        assert!(
            finished.recv_timeout(Duration::from_secs(10)).is_ok(),
            "the sender blocked on a full notification socket"
        );
    }
}
