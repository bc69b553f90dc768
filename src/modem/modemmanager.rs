//! Asking ModemManager to step aside while euiccd changes the card under it: its
//! `org.freedesktop.ModemManager1.InhibitDevice(s uid, b inhibit)` call (ModemManager's D-Bus API
//! reference, the Manager interface, since 1.10), which firmware updaters use for the same reason. While
//! inhibited, ModemManager stops using the modem (its ports, its data connection); once released it probes
//! the modem again and reads the SIM with the profile now enabled.
//!
//! ModemManager also ends an inhibition when the caller's bus connection closes, so an [`Inhibition`]
//! holds its connection for its whole life: [`Inhibition::release`] lets go explicitly, and a dropped or
//! killed holder lets go by the connection closing.
//!
//! **Why a client of our own, not zbus.** Measured with a scratch crate outside the repository: one program
//! that connects to the system bus and calls `InhibitDevice`, built three ways with tokio (`rt`, `macros`,
//! `net`, `io-util`, `time`) and our release profile (opt-level "z", fat LTO, one codegen unit,
//! panic=abort, stripped), rustc 1.95, x86_64-unknown-linux-gnu, `cargo build --release` then `ls -l`:
//!
//! | variant | bytes | over the bare program |
//! |---|---|---|
//! | tokio only (writes to the socket, no D-Bus) | 359,728 | — |
//! | this client's way: `euiccd_core::dbus` (SASL, `Hello`, `NameHasOwner`, `InhibitDevice`, replies decoded) | 384,280 | +24,552 (24 KiB) |
//! | zbus 5.19, `default-features = false, features = ["tokio"]` (126 lines of `cargo tree -e normal`) | 1,118,736 | +759,008 (0.72 MiB) |
//!
//! Against the 2.5 MiB budget of the router binary (issue 19), zbus would take 30% of it for one method
//! call. This client needs a socket, the SASL `EXTERNAL` handshake and method calls with string and boolean
//! arguments; the bytes are read and written by the sans-IO `euiccd_core::dbus`, bounded and validated
//! (fuzz target `dbus_message`).

use crate::apdu::TransportKind;
use euiccd_core::dbus::{
    self, Address, Arg, AuthReply, Body, DbusError, FIXED_HEADER, MessageType,
};
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// ModemManager's bus name, and the interface of its manager object.
const MODEMMANAGER: &str = "org.freedesktop.ModemManager1";
/// ModemManager's manager object.
const MODEMMANAGER_PATH: &str = "/org/freedesktop/ModemManager1";
/// The bus itself (the D-Bus Specification, "Message Bus Messages").
const BUS: &str = "org.freedesktop.DBus";
const BUS_PATH: &str = "/org/freedesktop/DBus";
/// Where the system bus listens unless `DBUS_SYSTEM_BUS_ADDRESS` says otherwise (the D-Bus
/// Specification, "Well-known Message Bus Instances").
const SYSTEM_BUS: &str = "unix:path=/run/dbus/system_bus_socket";
/// The environment variable naming the system bus.
pub(crate) const SYSTEM_BUS_ENV: &str = "DBUS_SYSTEM_BUS_ADDRESS";
/// Longest wait for one step on the bus (connecting, authenticating, one call's reply). Inhibiting makes
/// ModemManager disable the modem first, which takes a few seconds on a real one; a longer wait would hold
/// the daemon's main loop past its watchdog.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Most messages skipped while waiting for a reply (the bus's `NameAcquired` signal is the one expected).
const MAX_SKIPPED: usize = 32;
/// Most directories walked up from a tty's device in sysfs before giving up.
const MAX_SYSFS_DEPTH: usize = 16;

/// Whether to ask ModemManager to step aside (`modem.modemmanager`, `--modemmanager`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum MmSetting {
    /// When ModemManager runs and the modem's uid is found in sysfs; skipped quietly otherwise.
    #[default]
    Auto,
    /// Never.
    Off,
    /// Always, for the device ModemManager knows by this uid (its `Device` property).
    Uid(String),
}

impl FromStr for MmSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "off" => Ok(Self::Off),
            uid if !uid.is_empty() && uid.len() <= 1024 && !uid.contains('\0') => {
                Ok(Self::Uid(uid.to_owned()))
            }
            _ => Err(
                "use auto, off or the modem's uid (a sysfs path, as `mmcli -m 0` shows \
                      under Device)"
                    .into(),
            ),
        }
    }
}

impl fmt::Display for MmSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Off => f.write_str("off"),
            Self::Uid(uid) => f.write_str(uid),
        }
    }
}

/// What went wrong on the bus.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BusError {
    /// The socket could not be reached or broke.
    #[error("the bus socket: {0}")]
    Io(#[from] std::io::Error),
    /// The bus sent something this client does not accept.
    #[error(transparent)]
    Protocol(#[from] DbusError),
    /// The bus refused our credentials.
    #[error("the bus refused authentication (it offers {0:?})")]
    Rejected(String),
    /// No answer in time.
    #[error("no answer from the bus within {CALL_TIMEOUT:?}")]
    Timeout,
    /// Too many messages that are not the reply.
    #[error("the bus sent {MAX_SKIPPED} messages and not the reply")]
    NoReply,
    /// The callee answered with an error.
    #[error("{name}: {message}")]
    Refused {
        /// The error's name.
        name: String,
        /// Its text (at most 200 characters).
        message: String,
    },
}

/// One authenticated connection to a bus.
struct Connection {
    stream: UnixStream,
    /// Bytes read and not yet taken.
    buffer: Vec<u8>,
    serial: u32,
}

impl Connection {
    /// Connects to the bus at `address`, authenticates and says `Hello`.
    async fn open(address: &str) -> Result<Self, BusError> {
        let address = dbus::parse_address(address)?;
        let stream = within(async {
            Ok(match address {
                Address::Path(path) => UnixStream::connect(path).await?,
                Address::Abstract(name) => {
                    use std::os::linux::net::SocketAddrExt;
                    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
                    let stream = std::os::unix::net::UnixStream::connect_addr(&addr)?;
                    stream.set_nonblocking(true)?;
                    UnixStream::from_std(stream)?
                }
            })
        })
        .await?;
        let mut connection = Self {
            stream,
            buffer: Vec::new(),
            serial: 0,
        };
        within(connection.authenticate()).await?;
        connection.call(BUS, BUS_PATH, BUS, "Hello", &[]).await?;
        Ok(connection)
    }

    /// The SASL `EXTERNAL` handshake, with `BEGIN` sent along.
    async fn authenticate(&mut self) -> Result<(), BusError> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        self.stream.write_all(&dbus::auth_request(uid)).await?;
        let line = loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = self.buffer[..end].to_vec();
                self.buffer.drain(..end + 2);
                break line;
            }
            if self.buffer.len() > dbus::MAX_AUTH_LINE {
                return Err(DbusError::AuthReply("(an endless line)".into()).into());
            }
            self.fill().await?;
        };
        match dbus::parse_auth_reply(&line)? {
            AuthReply::Ok(_guid) => Ok(()),
            AuthReply::Rejected(mechanisms) => Err(BusError::Rejected(mechanisms)),
        }
    }

    /// Reads what the socket has into the buffer.
    async fn fill(&mut self) -> Result<(), BusError> {
        let mut chunk = [0; 4096];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Reads one whole message.
    async fn message(&mut self) -> Result<(dbus::Header, Body), BusError> {
        while self.buffer.len() < FIXED_HEADER {
            self.fill().await?;
        }
        let fixed: [u8; FIXED_HEADER] = self.buffer[..FIXED_HEADER].try_into().expect("16 bytes");
        let total = dbus::frame_length(&fixed)?;
        while self.buffer.len() < total {
            self.fill().await?;
        }
        let message = dbus::decode(&self.buffer[..total]);
        self.buffer.drain(..total);
        Ok(message?)
    }

    /// Calls `member` and waits for its reply (skipping the bus's signals meanwhile).
    async fn call(
        &mut self,
        destination: &str,
        path: &str,
        interface: &str,
        member: &str,
        args: &[Arg<'_>],
    ) -> Result<Body, BusError> {
        self.serial += 1;
        let serial = self.serial;
        let call = dbus::encode_method_call(serial, destination, path, interface, member, args);
        within(async {
            self.stream.write_all(&call).await?;
            for _ in 0..MAX_SKIPPED {
                let (header, body) = self.message().await?;
                if header.reply_serial != Some(serial) {
                    continue;
                }
                return match header.kind {
                    MessageType::Error => Err(BusError::Refused {
                        name: header.error_name.unwrap_or_default(),
                        message: body
                            .first_string()
                            .unwrap_or_default()
                            .chars()
                            .take(200)
                            .collect(),
                    }),
                    _ => Ok(body),
                };
            }
            Err(BusError::NoReply)
        })
        .await
    }

    /// Whether a program owns `name` on the bus.
    async fn has_owner(&mut self, name: &str) -> Result<bool, BusError> {
        let body = self
            .call(BUS, BUS_PATH, BUS, "NameHasOwner", &[Arg::Str(name)])
            .await?;
        Ok(body.first_bool()?)
    }

    /// `InhibitDevice(uid, inhibit)`.
    async fn inhibit_device(&mut self, uid: &str, inhibit: bool) -> Result<(), BusError> {
        let args = [Arg::Str(uid), Arg::Bool(inhibit)];
        self.call(
            MODEMMANAGER,
            MODEMMANAGER_PATH,
            MODEMMANAGER,
            "InhibitDevice",
            &args,
        )
        .await
        .map(drop)
    }
}

/// `work`, cut off at [`CALL_TIMEOUT`].
async fn within<T>(work: impl Future<Output = Result<T, BusError>>) -> Result<T, BusError> {
    tokio::time::timeout(CALL_TIMEOUT, work)
        .await
        .unwrap_or(Err(BusError::Timeout))
}

/// Asks ModemManager to leave one modem alone for a while; built from the setting and the AT port.
#[derive(Debug, Clone)]
pub(crate) struct Inhibitor {
    setting: MmSetting,
    device: PathBuf,
    bus: String,
}

impl Inhibitor {
    /// For the modem whose port is `device`, on the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else the
    /// well-known socket). None when `setting` is off.
    fn new(setting: &MmSetting, device: &Path) -> Option<Self> {
        let bus = std::env::var(SYSTEM_BUS_ENV)
            .ok()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| SYSTEM_BUS.to_owned());
        (*setting != MmSetting::Off).then(|| Self {
            setting: setting.clone(),
            device: device.to_owned(),
            bus,
        })
    }

    /// For the modem reached by `transport` at `device`: only an AT port (`auto`, `csim`, `cgla`), which
    /// ModemManager would otherwise drive beside us; QMI and MBIM share their device through the proxies,
    /// and a PC/SC reader is no modem.
    pub(crate) fn for_at_port(
        setting: &MmSetting,
        transport: TransportKind,
        device: &Path,
    ) -> Option<Self> {
        match transport {
            TransportKind::Auto | TransportKind::Csim | TransportKind::Cgla => {
                Self::new(setting, device)
            }
            TransportKind::Qmi | TransportKind::Mbim | TransportKind::Pcsc => None,
        }
    }

    /// Runs `work` with ModemManager inhibited on this modem (as far as it can be: every failure to
    /// inhibit is logged and `work` runs anyway), and lets it go afterwards, whatever `work` returned.
    pub(crate) async fn around<T>(&self, why: &str, work: impl Future<Output = T>) -> T {
        let held = self.inhibit(why).await;
        let output = work.await;
        if let Some(held) = held {
            held.release().await;
        }
        output
    }

    /// Inhibits ModemManager on this modem; None (logged) when it does not run, the modem's uid is not
    /// found, or ModemManager refuses.
    pub(crate) async fn inhibit(&self, why: &str) -> Option<Inhibition> {
        let explicit = matches!(self.setting, MmSetting::Uid(_));
        let uid = match &self.setting {
            MmSetting::Uid(uid) => uid.clone(),
            _ => match device_uid(&self.device, Path::new("/sys")) {
                Some(uid) => uid,
                None => {
                    tracing::debug!(device = %self.device.display(), "no USB device above this port in sysfs: ModemManager not inhibited");
                    return None;
                }
            },
        };
        match self.try_inhibit(&uid, explicit).await {
            Ok(Some(connection)) => {
                tracing::info!(%uid, "ModemManager inhibited for the {why}");
                Some(Inhibition { connection, uid })
            }
            Ok(None) => {
                tracing::debug!("ModemManager does not run: not inhibited");
                None
            }
            Err(BusError::Io(error)) if !explicit => {
                tracing::debug!(bus = %self.bus, "no system bus ({error}): ModemManager not inhibited");
                None
            }
            Err(error) => {
                tracing::warn!(%uid, "ModemManager not inhibited: {error}");
                None
            }
        }
    }

    /// Connects, checks that ModemManager owns its name (unless the uid was given) and inhibits.
    async fn try_inhibit(&self, uid: &str, explicit: bool) -> Result<Option<Connection>, BusError> {
        let mut connection = Connection::open(&self.bus).await?;
        if !connection.has_owner(MODEMMANAGER).await? && !explicit {
            return Ok(None);
        }
        connection.inhibit_device(uid, true).await?;
        Ok(Some(connection))
    }
}

/// ModemManager inhibited on one modem, for as long as this value lives: [`Inhibition::release`] ends
/// it; dropping it closes the connection, which ends it too.
pub(crate) struct Inhibition {
    connection: Connection,
    uid: String,
}

impl Inhibition {
    /// Lets ModemManager have the modem again (it probes it and reads the SIM anew).
    pub(crate) async fn release(mut self) {
        match self.connection.inhibit_device(&self.uid, false).await {
            Ok(()) => tracing::info!(uid = %self.uid, "ModemManager released"),
            Err(error) => tracing::warn!(
                uid = %self.uid,
                "releasing ModemManager: {error}; closing the connection releases it"
            ),
        }
    }
}

/// The uid ModemManager gives the modem whose port is `device`: the sysfs path of the USB device above
/// the tty (the directory with `idVendor` and `idProduct`), found from `sys`/class/tty/NAME/device.
pub(crate) fn device_uid(device: &Path, sys: &Path) -> Option<String> {
    let node = std::fs::canonicalize(device).ok()?;
    let name = node.file_name()?;
    let sys = std::fs::canonicalize(sys).ok()?;
    let mut dir = std::fs::canonicalize(sys.join("class/tty").join(name).join("device")).ok()?;
    for _ in 0..MAX_SYSFS_DEPTH {
        if !dir.starts_with(&sys) || dir == sys {
            return None;
        }
        if dir.join("idVendor").is_file() && dir.join("idProduct").is_file() {
            return dir.to_str().map(str::to_owned);
        }
        dir = dir.parent()?.to_owned();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn the_uid_is_the_usb_device_above_the_tty() {
        let root = tempfile::tempdir().unwrap();
        let sys = root.path().join("sys");
        let usb = sys.join("devices/pci0000:00/0000:00:14.0/usb1/1-1");
        let port = usb.join("1-1:1.2/ttyUSB2");
        std::fs::create_dir_all(port.join("tty/ttyUSB2")).unwrap();
        std::fs::write(usb.join("idVendor"), "2c7c\n").unwrap();
        std::fs::write(usb.join("idProduct"), "0125\n").unwrap();
        // The interface has no ids of its own; a file of one name alone is not enough.
        std::fs::write(usb.join("1-1:1.2/idVendor"), "x").unwrap();
        std::fs::create_dir_all(sys.join("class/tty")).unwrap();
        symlink(port.join("tty/ttyUSB2"), sys.join("class/tty/ttyUSB2")).unwrap();
        symlink(&port, port.join("tty/ttyUSB2/device")).unwrap();
        let dev = root.path().join("dev");
        std::fs::create_dir_all(&dev).unwrap();
        std::fs::write(dev.join("ttyUSB2"), "").unwrap();
        symlink(dev.join("ttyUSB2"), dev.join("euiccd-modem")).unwrap();

        let expected = std::fs::canonicalize(&usb).unwrap();
        let uid = device_uid(&dev.join("euiccd-modem"), &sys).expect("found");
        assert_eq!(Path::new(&uid), expected);
        // A tty with no USB device above it (a UART, a PTY) has none.
        std::fs::write(dev.join("ttyS0"), "").unwrap();
        let uart = sys.join("devices/platform/serial8250/tty/ttyS0");
        std::fs::create_dir_all(&uart).unwrap();
        symlink(&uart, sys.join("class/tty/ttyS0")).unwrap();
        symlink(sys.join("devices/platform/serial8250"), uart.join("device")).unwrap();
        assert_eq!(device_uid(&dev.join("ttyS0"), &sys), None);
        assert_eq!(device_uid(&dev.join("missing"), &sys), None);
    }

    #[test]
    fn settings_read_and_print() {
        assert_eq!("auto".parse(), Ok(MmSetting::Auto));
        assert_eq!("off".parse(), Ok(MmSetting::Off));
        let uid = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1";
        assert_eq!(uid.parse::<MmSetting>().unwrap().to_string(), uid);
        assert!("".parse::<MmSetting>().is_err());
    }

    #[tokio::test]
    async fn no_bus_means_no_inhibition_and_the_work_runs() {
        let dir = tempfile::tempdir().unwrap();
        let inhibitor = Inhibitor {
            setting: MmSetting::Uid("/sys/devices/x".into()),
            device: dir.path().join("ttyUSB9"),
            bus: format!("unix:path={}", dir.path().join("nobus").display()),
        };
        assert_eq!(inhibitor.around("test", async { 7 }).await, 7);
    }
}
