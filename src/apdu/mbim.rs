//! MBIM (USB MBIM 1.0) with Microsoft's UICC low-level access service: the modem opens a logical channel
//! with the ISD-R selected (OPEN_CHANNEL), carries APDUs on it (APDU) and closes it (CLOSE_CHANNEL).
//!
//! The control device (`/dev/cdc-wdm*`) is reached directly, or through libmbim's `mbim-proxy` (the
//! abstract Unix socket `mbim-proxy`, which ModemManager's own connection shares): a proxy client first
//! names the device with the proxy control service's CONFIGURATION, then sends OPEN, which the proxy answers
//! itself when it has the device open already. Only a direct connection sends CLOSE; through the proxy,
//! closing would take the device from ModemManager too.
//!
//! A connection that breaks (the proxy restarts, the device goes away, the function is reset and answers
//! not-opened) is dropped, and the APDU in flight fails with [`CardError::ChannelLost`]: the session then
//! opens a new channel, which connects again. The framing is `euiccd_core::mbim`'s; this module does the I/O.

use super::ApduError;
use super::channel::CardChannel;
use super::transport::ProxyUse;
use crate::apdu::CardError;
use euiccd_core::apdu::command::for_session;
use euiccd_core::apdu::response::Response;
use euiccd_core::mbim::message::{
    Command, CommandDone, CommandType, Frame, MAX_MESSAGE, Message, ProtocolError, frame_length,
};
use euiccd_core::mbim::reassembly::Reassembler;
use euiccd_core::mbim::{self as frame, Status, Uuid, proxy_control, uicc};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::net::unix::pipe;
use tokio::time::timeout_at;
use tracing::{debug, info};

/// The name of libmbim's proxy socket in the abstract namespace.
const PROXY_SOCKET: &[u8] = b"mbim-proxy";
/// The longest control message this side accepts, announced at OPEN (libmbim's default on a device without
/// descriptors).
const MAX_CONTROL_TRANSFER: u32 = 4096;
/// How long connecting (proxy configuration and OPEN) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the proxy waits for the device on our behalf, in seconds (the proxy control CONFIGURATION).
const PROXY_TIMEOUT_SECS: u32 = 30;
/// Bytes read from the link at once.
const READ_CHUNK: usize = 4096;

/// What can go wrong on the MBIM link, beyond the card's own answers.
#[derive(Debug, thiserror::Error)]
pub enum MbimError {
    /// The control device or the proxy socket cannot be opened, read or written.
    #[error("MBIM {what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `--proxy always`, and no `mbim-proxy` answers.
    #[error(
        "no mbim-proxy answers on its socket ({0}): start it (/usr/libexec/mbim-proxy, or let ModemManager run it) or use --proxy never"
    )]
    NoProxy(std::io::Error),
    /// The device or proxy sent bytes that are not MBIM.
    #[error("the MBIM device answered something malformed: {0}")]
    Protocol(#[from] frame::Error),
    /// The function reported a protocol error.
    #[error("the MBIM function reported an error: {0}")]
    Function(ProtocolError),
    /// No answer in time.
    #[error("the MBIM device did not answer {0} in time")]
    Timeout(&'static str),
    /// The device is busy with another client.
    #[error(
        "the MBIM device is busy (another client, such as ModemManager, is using the card): retry later, or go through mbim-proxy (--proxy always)"
    )]
    Busy,
    /// The firmware has no UICC low-level access service.
    #[error(
        "this modem's MBIM firmware lacks Microsoft UICC low-level access; use QMI (--transport qmi) or the AT port (--transport auto with the modem's AT device)"
    )]
    NoUiccService,
    /// The card or modem refused a logical channel to the ISD-R.
    #[error(
        "the modem refused a logical channel to the ISD-R ({0}): another application may hold the card's channels (stop other LPAs, or restart the modem)"
    )]
    ChannelRefused(Status),
    /// A message of a type that does not answer the request.
    #[error("the MBIM device answered {what} with a message of type {kind:#010x}")]
    Unexpected {
        /// The request.
        what: &'static str,
        /// The answer's message type.
        kind: u32,
    },
    /// OPEN_CHANNEL gave a channel number no logical channel has.
    #[error("the modem answered OPEN_CHANNEL with channel {0}, which is no logical channel")]
    BadChannel(u32),
    /// A step failed with a status the IPA does not handle specially.
    #[error("MBIM {what} failed: {status}")]
    Status {
        /// Which step.
        what: &'static str,
        /// The device's status.
        status: Status,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> MbimError {
    let what = what.into();
    move |source| MbimError::Io { what, source }
}

/// The byte pipe to the function: the control device, or the proxy's socket.
#[derive(Debug)]
enum Link {
    /// The device's file, twice (tokio's pipe halves only read or write it, as mio's pipe does with any
    /// non-blocking descriptor; a cdc-wdm device is a character device, not a tty).
    Device {
        tx: pipe::Sender,
        rx: pipe::Receiver,
    },
    Proxy(UnixStream),
}

impl Link {
    /// Writes one message (one fragment) in one write, as a cdc-wdm device needs it.
    async fn write_message(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Proxy(stream) => stream.write_all(bytes).await,
            Self::Device { tx, .. } => {
                let n = tx.write(bytes).await?;
                if n == bytes.len() {
                    Ok(())
                } else {
                    Err(std::io::Error::new(
                        ErrorKind::WriteZero,
                        "the device took part of a message",
                    ))
                }
            }
        }
    }

    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Proxy(stream) => stream.read(buf).await,
            Self::Device { rx, .. } => rx.read(buf).await,
        }
    }
}

/// An open MBIM session: the link, the bytes read but not yet framed, the message being reassembled.
#[derive(Debug)]
struct Connection {
    link: Link,
    stream: Vec<u8>,
    reassembler: Reassembler,
    next_transaction: u32,
    /// The device's maximum control transfer is not known to a client; the host's own bound is used.
    max_transfer: usize,
}

impl Connection {
    fn new(link: Link) -> Self {
        Self {
            link,
            stream: Vec::new(),
            reassembler: Reassembler::new(),
            next_transaction: 1,
            max_transfer: MAX_CONTROL_TRANSFER as usize,
        }
    }

    fn transaction(&mut self) -> u32 {
        let id = self.next_transaction;
        self.next_transaction = self.next_transaction.wrapping_add(1).max(1);
        id
    }

    fn is_direct(&self) -> bool {
        matches!(self.link, Link::Device { .. })
    }

    /// Sends `message` and waits for the message answering its transaction; indications and stale
    /// answers are skipped.
    async fn exchange(
        &mut self,
        what: &'static str,
        message: Message,
        timeout: Duration,
    ) -> Result<Message, MbimError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let transaction = message.transaction();
        for piece in message.to_fragments(self.max_transfer)? {
            timeout_at(deadline, self.link.write_message(&piece))
                .await
                .map_err(|_| MbimError::Timeout(what))?
                .map_err(io(format!("sending {what}")))?;
        }
        loop {
            let answer = timeout_at(deadline, self.next_message())
                .await
                .map_err(|_| MbimError::Timeout(what))??;
            match answer {
                Message::FunctionError { error, .. } => return Err(MbimError::Function(error)),
                answer if answer.transaction() == transaction => return Ok(answer),
                other => debug!(?other, "MBIM message for someone else, skipped"),
            }
        }
    }

    /// The next whole message from the link.
    async fn next_message(&mut self) -> Result<Message, MbimError> {
        loop {
            if let Some(length) = frame_length(&self.stream)? {
                let bytes: Vec<u8> = self.stream.drain(..length).collect();
                if let Some(message) = self.reassembler.push(Frame::parse(&bytes)?)? {
                    return Ok(message);
                }
                continue;
            }
            let mut chunk = [0u8; READ_CHUNK];
            let n = self
                .link
                .read(&mut chunk)
                .await
                .map_err(io("reading the answer"))?;
            if n == 0 {
                return Err(MbimError::Io {
                    what: "reading the answer".into(),
                    source: ErrorKind::UnexpectedEof.into(),
                });
            }
            if self.stream.len() + n > 2 * MAX_MESSAGE {
                return Err(MbimError::Protocol(frame::Error::TooLarge(2 * MAX_MESSAGE)));
            }
            self.stream.extend_from_slice(&chunk[..n]);
        }
    }

    /// A service command; its COMMAND_DONE's information buffer when the status is success.
    async fn command(
        &mut self,
        what: &'static str,
        service: Uuid,
        cid: u32,
        command_type: CommandType,
        info: Vec<u8>,
        timeout: Duration,
    ) -> Result<(Status, Vec<u8>), MbimError> {
        let message = Message::Command(Command {
            transaction: self.transaction(),
            service,
            cid,
            command_type,
            info,
        });
        match self.exchange(what, message, timeout).await? {
            Message::CommandDone(CommandDone { status, info, .. }) => Ok((status, info)),
            other => Err(MbimError::Unexpected {
                what,
                kind: other.kind(),
            }),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Link::Device { tx, .. } = &self.link {
            // Best effort, without waiting: a direct client closes the function it opened.
            let close = Message::Close {
                transaction: self.next_transaction,
            };
            if let Ok(pieces) = close.to_fragments(self.max_transfer) {
                for piece in pieces {
                    let _ = tx.try_write(&piece);
                }
            }
        }
    }
}

/// APDUs over MBIM's UICC low-level access service. Connects on first use and again after a loss.
#[derive(Debug)]
pub struct MbimChannel {
    device: PathBuf,
    proxy: ProxyUse,
    connection: Option<Connection>,
    /// Channels opened and not closed yet.
    open: Vec<u8>,
    /// Channels of a lost connection, closed once connected again: a proxy that restarted leaves them open
    /// on the card, and a card has few.
    stale: Vec<u8>,
}

impl MbimChannel {
    /// A transport for the control device at `device`, through `mbim-proxy` as `proxy` says; nothing is
    /// opened until the first channel is.
    pub fn new(device: &Path, proxy: ProxyUse) -> Self {
        Self {
            device: device.to_path_buf(),
            proxy,
            connection: None,
            open: Vec::new(),
            stale: Vec::new(),
        }
    }

    /// Connects now (proxy configuration and OPEN), so a wrong device or a missing proxy shows at once.
    pub async fn connect(device: &Path, proxy: ProxyUse) -> Result<Self, ApduError> {
        let mut channel = Self::new(device, proxy);
        channel.connection().await?;
        Ok(channel)
    }

    /// The open connection, made first if there is none.
    async fn connection(&mut self) -> Result<&mut Connection, MbimError> {
        if self.connection.is_none() {
            let mut connection = self.open().await?;
            for channel in std::mem::take(&mut self.stale) {
                let info = uicc::close_channel(u32::from(channel), uicc::CHANNEL_GROUP);
                // Best effort: after a device reset the channel is gone already.
                let closed = connection
                    .command(
                        "CLOSE_CHANNEL",
                        uicc::SERVICE,
                        uicc::cid::CLOSE_CHANNEL,
                        CommandType::Set,
                        info,
                        CONNECT_TIMEOUT,
                    )
                    .await;
                debug!(channel, ?closed, "stale MBIM UICC channel closed");
            }
            self.connection = Some(connection);
        }
        Ok(self.connection.as_mut().expect("just made"))
    }

    async fn open(&self) -> Result<Connection, MbimError> {
        let mut connection = match self.proxy {
            ProxyUse::Never => Connection::new(open_device(&self.device)?),
            ProxyUse::Always => self.through_proxy().await?,
            ProxyUse::Auto => match self.through_proxy().await {
                Ok(connection) => connection,
                Err(MbimError::NoProxy(error)) => {
                    debug!(%error, "no mbim-proxy; opening the device directly");
                    Connection::new(open_device(&self.device)?)
                }
                Err(error) => return Err(error),
            },
        };
        let open = Message::Open {
            transaction: connection.transaction(),
            max_control_transfer: MAX_CONTROL_TRANSFER,
        };
        match connection.exchange("OPEN", open, CONNECT_TIMEOUT).await? {
            Message::OpenDone {
                status: Status::SUCCESS,
                ..
            } => {}
            Message::OpenDone {
                status: Status::BUSY,
                ..
            } => return Err(MbimError::Busy),
            Message::OpenDone { status, .. } => {
                return Err(MbimError::Status {
                    what: "OPEN",
                    status,
                });
            }
            other => {
                return Err(MbimError::Unexpected {
                    what: "OPEN",
                    kind: other.kind(),
                });
            }
        }
        info!(device = %self.device.display(), proxy = !connection.is_direct(), "MBIM function open");
        Ok(connection)
    }

    /// Connects to `mbim-proxy` and has it open the device.
    async fn through_proxy(&self) -> Result<Connection, MbimError> {
        let stream = connect_proxy().map_err(MbimError::NoProxy)?;
        let mut connection = Connection::new(Link::Proxy(stream));
        let path = self.device.to_string_lossy();
        let (status, _) = connection
            .command(
                "proxy configuration",
                proxy_control::SERVICE,
                proxy_control::CID_CONFIGURATION,
                CommandType::Set,
                proxy_control::configuration(&path, PROXY_TIMEOUT_SECS),
                CONNECT_TIMEOUT,
            )
            .await?;
        match status {
            Status::SUCCESS => Ok(connection),
            status => Err(MbimError::Status {
                what: "mbim-proxy configuration (does the device exist?)",
                status,
            }),
        }
    }

    /// One UICC command on the connection. A broken link, or a function that no longer knows us, drops
    /// the connection and reports the channel lost.
    async fn uicc(
        &mut self,
        what: &'static str,
        cid: u32,
        info: Vec<u8>,
        timeout: Duration,
    ) -> Result<(Status, Vec<u8>), ApduError> {
        self.uicc_or_loss(what, cid, info, timeout)
            .await?
            .map_err(|_lost| ApduError::Card(CardError::ChannelLost))
    }

    /// Like [`Self::uicc`], with a lost connection as `Ok(Err(why))` (dropped already).
    async fn uicc_or_loss(
        &mut self,
        what: &'static str,
        cid: u32,
        info: Vec<u8>,
        timeout: Duration,
    ) -> Result<Result<(Status, Vec<u8>), MbimError>, ApduError> {
        let connection = self.connection().await?;
        let result = connection
            .command(what, uicc::SERVICE, cid, CommandType::Set, info, timeout)
            .await;
        match result {
            Err(
                error @ (MbimError::Io { .. }
                | MbimError::Function(ProtocolError::NOT_OPENED)
                | MbimError::Protocol(_)),
            ) => {
                debug!(%error, "MBIM connection lost; reconnecting with the next channel");
                self.connection = None;
                self.stale.append(&mut self.open);
                Ok(Err(error))
            }
            Err(error) => Err(error.into()),
            Ok((Status::NO_DEVICE_SUPPORT, _)) => Err(MbimError::NoUiccService.into()),
            Ok((Status::BUSY, _)) => Err(MbimError::Busy.into()),
            Ok(answer) => Ok(Ok(answer)),
        }
    }
}

/// Opens the control device for reading and writing without blocking.
fn open_device(device: &Path) -> Result<Link, MbimError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(device)
        .map_err(io(format!("opening {}", device.display())))?;
    let watch = io(format!("watching {}", device.display()));
    let reading = file
        .try_clone()
        .and_then(pipe::Receiver::from_file_unchecked);
    match reading.and_then(|rx| Ok((pipe::Sender::from_file_unchecked(file)?, rx))) {
        Ok((tx, rx)) => Ok(Link::Device { tx, rx }),
        Err(error) => Err(watch(error)),
    }
}

/// Connects to the proxy's abstract socket.
fn connect_proxy() -> std::io::Result<UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(PROXY_SOCKET)?;
    let stream = std::os::unix::net::UnixStream::connect_addr(&address)?;
    stream.set_nonblocking(true)?;
    UnixStream::from_std(stream)
}

impl CardChannel for MbimChannel {
    fn name(&self) -> &'static str {
        "mbim"
    }

    async fn open_channel(&mut self, aid: &[u8], timeout: Duration) -> Result<u8, ApduError> {
        let request = || uicc::open_channel(aid, 0x00, uicc::CHANNEL_GROUP);
        let cid = uicc::cid::OPEN_CHANNEL;
        let first = self.uicc_or_loss("OPEN_CHANNEL", cid, request(), timeout);
        let (status, answer) = match first.await? {
            Ok(answer) => answer,
            // A connection lost since the last command: one fresh try, and its failure as it is.
            Err(_lost) => {
                self.uicc_or_loss("OPEN_CHANNEL", cid, request(), timeout)
                    .await??
            }
        };
        match status {
            Status::SUCCESS => {}
            Status::MS_NO_LOGICAL_CHANNELS | Status::MS_SELECT_FAILED => {
                return Err(MbimError::ChannelRefused(status).into());
            }
            status => {
                return Err(MbimError::Status {
                    what: "OPEN_CHANNEL",
                    status,
                }
                .into());
            }
        }
        let opened = uicc::parse_open_channel(&answer).map_err(MbimError::from)?;
        let channel = u8::try_from(opened.channel)
            .ok()
            .filter(|c| *c != 0)
            .ok_or(MbimError::BadChannel(opened.channel))?;
        debug!(channel, sw = %opened.sw, "MBIM UICC channel open");
        self.open.push(channel);
        Ok(channel)
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        timeout: Duration,
    ) -> Result<Response, ApduError> {
        let apdu = for_session(apdu, channel)?;
        let info = uicc::apdu(u32::from(channel), &apdu);
        let (status, answer) = self.uicc("APDU", uicc::cid::APDU, info, timeout).await?;
        match status {
            Status::SUCCESS => Ok(uicc::parse_apdu(&answer).map_err(MbimError::from)?),
            // The channel closed behind our back (REFRESH after a profile switch): the session reopens it.
            Status::MS_INVALID_LOGICAL_CHANNEL => Err(ApduError::Card(CardError::ChannelLost)),
            status => Err(MbimError::Status {
                what: "APDU",
                status,
            }
            .into()),
        }
    }

    async fn close_channel(&mut self, channel: u8, timeout: Duration) -> Result<(), ApduError> {
        if self.connection.is_none() {
            // The connection (and with a direct one, the function's channels) is gone already.
            return Ok(());
        }
        let info = uicc::close_channel(u32::from(channel), uicc::CHANNEL_GROUP);
        let (status, _) = self
            .uicc("CLOSE_CHANNEL", uicc::cid::CLOSE_CHANNEL, info, timeout)
            .await?;
        match status {
            Status::SUCCESS | Status::MS_INVALID_LOGICAL_CHANNEL => {
                self.open.retain(|open| *open != channel);
                Ok(())
            }
            status => Err(MbimError::Status {
                what: "CLOSE_CHANNEL",
                status,
            }
            .into()),
        }
    }
}

#[cfg(test)]
mod tests;
