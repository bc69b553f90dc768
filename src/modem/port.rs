//! Opening the serial port, and the back-off used to reopen it after it disappears.
//!
//! USB modems re-enumerate when they reset (firmware update, card REFRESH on some models, power glitch), so
//! the device node vanishes and comes back. The engine asks a [`PortOpener`] for a fresh port each time;
//! [`SerialOpener`] is the real one, tests plug in in-memory pipes.

use super::ModemError;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_serial::{DataBits, FlowControl, Parity, SerialPortBuilderExt, SerialStream, StopBits};

/// Something that can (re)open the byte stream to the modem.
pub(crate) trait PortOpener: Send + 'static {
    /// The open port.
    type Port: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Opens the port, or says why not.
    fn open(&mut self) -> impl Future<Output = Result<Self::Port, ModemError>> + Send;

    /// A short description (the device path) for logs and errors.
    fn describe(&self) -> String;
}

/// Opens a real serial device (USB modem AT port, UART, or a PTY) with tokio-serial, 8N1, no flow control.
#[derive(Debug, Clone)]
pub(crate) struct SerialOpener {
    path: PathBuf,
    baud: u32,
}

impl SerialOpener {
    /// A serial port at `path` with line speed `baud` (115200 is what every modem's USB AT port accepts).
    pub(crate) fn new(path: impl Into<PathBuf>, baud: u32) -> Self {
        Self {
            path: path.into(),
            baud,
        }
    }
}

impl PortOpener for SerialOpener {
    type Port = SerialStream;

    async fn open(&mut self) -> Result<SerialStream, ModemError> {
        let path = self.path.to_string_lossy().into_owned();
        tokio_serial::new(path, self.baud)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .open_native_async()
            .map_err(|e| open_error(&self.path, &e))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// Maps a serialport error to a [`ModemError`] that tells the user what to do.
fn open_error(path: &Path, error: &tokio_serial::Error) -> ModemError {
    let path = path.to_owned();
    match error.kind() {
        // serialport reports EBUSY (TIOCEXCL) and a held flock as NoDevice.
        tokio_serial::ErrorKind::NoDevice => ModemError::PortBusy { path },
        tokio_serial::ErrorKind::Io(std::io::ErrorKind::NotFound) => {
            ModemError::PortMissing { path }
        }
        _ => ModemError::PortOpen {
            path,
            reason: error.to_string(),
        },
    }
}

/// Exponential back-off between reopen attempts: `min`, `2·min`, … up to `max`.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A back-off starting at `min` and doubling up to `max`.
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            next: min,
        }
    }

    /// The delay before the next attempt; each call doubles the following one.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Starts over at `min` (after a successful open).
    pub(crate) fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_max_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let delays: Vec<_> = (0..4).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn busy_and_missing_ports_get_their_own_errors() {
        let path = Path::new("/dev/ttyUSB2");
        let busy = tokio_serial::Error::new(
            tokio_serial::ErrorKind::NoDevice,
            "Unable to acquire exclusive lock",
        );
        let message = open_error(path, &busy).to_string();
        assert!(
            message.contains("ModemManager") && message.contains("ID_MM_PORT_IGNORE"),
            "{message}"
        );
        let missing = tokio_serial::Error::new(
            tokio_serial::ErrorKind::Io(std::io::ErrorKind::NotFound),
            "gone",
        );
        assert!(matches!(
            open_error(path, &missing),
            ModemError::PortMissing { .. }
        ));
        let other = tokio_serial::Error::new(tokio_serial::ErrorKind::Unknown, "EIO");
        assert!(matches!(
            open_error(path, &other),
            ModemError::PortOpen { .. }
        ));
    }

    #[tokio::test]
    async fn a_missing_device_is_reported_as_missing() {
        let mut opener = SerialOpener::new("/nonexistent/ttyUSB9", 115_200);
        assert!(matches!(
            opener.open().await,
            Err(ModemError::PortMissing { .. })
        ));
    }
}
