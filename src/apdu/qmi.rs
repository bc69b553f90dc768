//! QMI's UIM service (Qualcomm MSM Interface, as libqmi documents it): the modem opens a logical channel on
//! the ISD-R with Open Logical Channel, carries APDUs with Send APDU and closes the channel with Logical
//! Channel, like AT+CCHO/CGLA/CCHC (3GPP TS 27.007 §8.45, §8.43, §8.46) but over a control device
//! (`/dev/cdc-wdm*`) or through `qmi-proxy`, the abstract Unix socket over which ModemManager and libqmi's
//! clients share one device.
//!
//! The framing and messages are the sans-IO core's (`euiccd_core::qmi`); this module owns the link: one
//! write per message, reads cut into frames by the QMUX length, a UIM client id allocated on connect and
//! released on close or drop. A link that breaks (the proxy restarted, the modem re-enumerated) or a client id
//! the modem forgot is taken up again with a new connection and client id, and reported as
//! [`CardError::ChannelLost`] so the session reopens its channel and resends the command.

mod slot;

pub use slot::QmiSlot;

use super::ApduError;
use super::channel::CardChannel;
use super::transport::ProxyUse;
use crate::apdu::CardError;
use euiccd_core::apdu::response::Response;
use euiccd_core::qmi::{
    self, Deframer, Message, MessageKind, ProtocolError, SERVICE_CTL, SERVICE_UIM, ctl, uim,
};
use std::fmt;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tracing::{debug, warn};

/// The abstract socket `qmi-proxy` listens on (libqmi's `QMI_PROXY_SOCKET_PATH`).
const PROXY_SOCKET: &[u8] = b"qmi-proxy";
/// How long control messages (client ids, proxy open, channel open and close) may take.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a broken link is retried before giving up (a restarting proxy comes back within this).
const RECONNECT_WINDOW: Duration = Duration::from_secs(5);
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

/// What can go wrong on the QMI link, with what to do about it where the user can do something.
#[derive(Debug, thiserror::Error)]
pub enum QmiError {
    /// The control device cannot be opened.
    #[error("cannot open QMI device {}: {source}", .path.display())]
    Open {
        /// The device.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `--proxy always` and no `qmi-proxy` answers.
    #[error(
        "qmi-proxy is not running (abstract socket \"qmi-proxy\": {0}); start /usr/libexec/qmi-proxy or use --proxy never"
    )]
    NoProxy(std::io::Error),
    /// The link broke and could not be taken up again.
    #[error("QMI link to {} lost: {source}", .path.display())]
    Lost {
        /// The device.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No answer in time.
    #[error("QMI {what}: no answer within {timeout:?}")]
    Timeout {
        /// The message.
        what: &'static str,
        /// The time waited.
        timeout: Duration,
    },
    /// An answer is malformed, or the device answered with an error this transport does not expect.
    #[error("QMI {what}: {source}")]
    Protocol {
        /// The message.
        what: &'static str,
        /// The framing or result error.
        source: qmi::Error,
    },
    /// The modem answered DeviceInUse.
    #[error("QMI {0}: the modem is busy (DeviceInUse); try again when its other clients are done")]
    Busy(&'static str),
    /// The firmware lacks the UIM service or its logical-channel messages.
    #[error(
        "QMI {what}: this modem's firmware does not offer it ({error}); use the AT transport \
         (--transport cgla or csim) on the modem's AT port"
    )]
    Unsupported {
        /// The message.
        what: &'static str,
        /// The QMI error.
        error: ProtocolError,
    },
    /// The modem refuses UIM logical channels.
    #[error(
        "QMI {0}: the modem refuses the logical channel (AccessDenied), as some Telit and SIMCom firmwares do \
         for clients outside the modem; use the AT transport (--transport cgla or csim) on the module's AT \
         port, or update the modem firmware"
    )]
    AccessDenied(&'static str),
    /// The chosen slot has no working card.
    #[error("QMI card status: no usable card in slot {slot} ({state}){}", other_slot_hint(*.other))]
    NoCard {
        /// The chosen slot.
        slot: QmiSlot,
        /// What the modem reports for it.
        state: SlotState,
        /// The first slot the modem reports a card in, if any.
        other: Option<QmiSlot>,
    },
    /// The card in the chosen slot has no ISD-R (its SELECT answered `6A 82`, not found), and another slot
    /// holds a card: on a multi-slot modem, the plain SIM beside the eUICC.
    #[error(
        "QMI open logical channel: the card in slot {slot} has no ISD-R (SELECT answered 6A82){}",
        other_slot_hint(Some(*.other))
    )]
    NoIsdr {
        /// The chosen slot.
        slot: QmiSlot,
        /// The first other slot with a card.
        other: QmiSlot,
    },
}

/// What the card status says of the chosen slot, for [`QmiError::NoCard`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    /// The slot is there and empty.
    Absent,
    /// The modem gave up on the card, with its error code (libqmi's `QmiUimCardError`).
    Error(u8),
    /// The modem lists fewer slots.
    NotListed {
        /// How many it lists.
        slots: usize,
    },
}

impl fmt::Display for SlotState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Absent => f.write_str("the modem reports it empty"),
            Self::Error(code) => write!(f, "the modem reports card error {code}"),
            // A modem with several physical slots but one active (logical) slot maps another physical slot
            // under it with the UIM service's Switch Slot.
            Self::NotListed { slots } => write!(
                f,
                "the modem reports {slots} slot{}; if it has more, of which one is active, make another the \
                 active one with `qmicli -d DEVICE --uim-switch-slot=N`",
                if *slots == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The advice of [`QmiError::NoCard`] and [`QmiError::NoIsdr`] when another slot holds a card.
fn other_slot_hint(other: Option<QmiSlot>) -> String {
    match other {
        Some(slot) => format!(
            "; slot {slot} has a card: choose it with --qmi-slot {slot} (modem.qmi_slot = {slot} in the \
             configuration file)"
        ),
        None => String::new(),
    }
}

impl From<QmiError> for ApduError {
    fn from(error: QmiError) -> Self {
        ApduError::Qmi(Box::new(error))
    }
}

/// The byte stream to the modem: the control device itself, or a connection to `qmi-proxy`.
#[derive(Debug)]
enum Link {
    Device(AsyncFd<File>),
    Proxy(UnixStream),
}

impl Link {
    /// Writes one whole message (a cdc-wdm device takes one message per write).
    async fn send(&mut self, frame: &[u8]) -> std::io::Result<()> {
        match self {
            Link::Proxy(stream) => stream.write_all(frame).await,
            Link::Device(fd) => {
                let mut sent = 0;
                while sent < frame.len() {
                    let mut ready = fd.writable().await?;
                    match ready.try_io(|file| Write::write(&mut file.get_ref(), &frame[sent..])) {
                        Ok(Ok(0)) => return Err(ErrorKind::WriteZero.into()),
                        Ok(Ok(n)) => sent += n,
                        Ok(Err(error)) => return Err(error),
                        Err(_would_block) => continue,
                    }
                }
                Ok(())
            }
        }
    }

    /// Reads what is there; 0 bytes means the other side is gone.
    async fn receive(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Link::Proxy(stream) => stream.read(buf).await,
            Link::Device(fd) => loop {
                let mut ready = fd.readable().await?;
                match ready.try_io(|file| Read::read(&mut file.get_ref(), buf)) {
                    Ok(result) => return result,
                    Err(_would_block) => continue,
                }
            },
        }
    }
}

/// An open link with its UIM client id.
#[derive(Debug)]
struct Connection {
    link: Link,
    deframer: Deframer,
    client: u8,
}

/// APDUs over QMI UIM logical channels. See the module documentation.
#[derive(Debug)]
pub struct QmiChannel {
    device: PathBuf,
    proxy: ProxyUse,
    slot: QmiSlot,
    /// The first other slot the last card status showed a card in.
    card_elsewhere: Option<QmiSlot>,
    connection: Option<Connection>,
    transaction: u16,
}

/// How a request failed, before it is turned into what the session should hear.
enum CallError {
    /// The link broke: the client id and channels went with it.
    Link(std::io::Error),
    /// The modem no longer knows our client id.
    ClientGone,
    /// Anything else.
    Other(QmiError),
}

impl QmiChannel {
    /// Connects to `device` (directly or through `qmi-proxy` as `proxy` says), allocates a UIM client id and
    /// checks that `slot` holds a card.
    pub async fn connect(device: &Path, proxy: ProxyUse, slot: QmiSlot) -> Result<Self, ApduError> {
        let mut channel = Self::new(device, proxy, slot);
        channel.ensure_connected().await.map_err(ApduError::from)?;
        Ok(channel)
    }

    /// A transport for the card in `slot` behind the control device at `device`, through `qmi-proxy` as
    /// `proxy` says; nothing is opened until the first channel is.
    pub fn new(device: &Path, proxy: ProxyUse, slot: QmiSlot) -> Self {
        Self {
            device: device.to_path_buf(),
            proxy,
            slot,
            card_elsewhere: None,
            connection: None,
            transaction: 0,
        }
    }

    fn next_transaction(&mut self) -> u16 {
        // Transaction 0 is not used; the control service's ids are one byte.
        self.transaction = self.transaction % 0xFF + 1;
        self.transaction
    }

    /// Opens the link and allocates a client id, unless that is done.
    async fn ensure_connected(&mut self) -> Result<u8, QmiError> {
        if let Some(connection) = &self.connection {
            return Ok(connection.client);
        }
        let (link, through_proxy) = self.open_link()?;
        let mut connection = Connection {
            link,
            deframer: Deframer::new(),
            client: 0,
        };
        if through_proxy {
            let open = ctl::proxy_open(self.next_ctl(), self.device.as_os_str().as_encoded_bytes());
            let answer = self.exchange(&mut connection, &open, "proxy open").await?;
            answer.result().map_err(|source| QmiError::Protocol {
                what: "proxy open",
                source,
            })?;
        }
        let allocate = ctl::allocate_cid(self.next_ctl(), SERVICE_UIM);
        let answer = self
            .exchange(&mut connection, &allocate, "allocate UIM client id")
            .await?;
        connection.client = ctl::allocated_cid(&answer, SERVICE_UIM)
            .map_err(|source| classify("allocate UIM client id", source))?;
        debug!(client = connection.client, proxy = through_proxy, device = %self.device.display(), "QMI UIM client allocated");
        let status = uim::get_card_status(connection.client, self.next_transaction());
        let answer = self
            .exchange(&mut connection, &status, "card status")
            .await?;
        let cards = uim::card_states(&answer).map_err(|source| classify("card status", source))?;
        self.card_elsewhere = other_card(&cards, self.slot);
        if let Err(error) = check_slot(&cards, self.slot, self.card_elsewhere) {
            self.connection = Some(connection);
            self.release().await;
            return Err(error);
        }
        let client = connection.client;
        self.connection = Some(connection);
        Ok(client)
    }

    fn next_ctl(&mut self) -> u8 {
        // `next_transaction` stays within 1..=255.
        self.next_transaction() as u8
    }

    /// The proxy's socket or the device, as `--proxy` says; a refused proxy in `auto` means none runs.
    fn open_link(&self) -> Result<(Link, bool), QmiError> {
        if self.proxy != ProxyUse::Never {
            match connect_proxy() {
                Ok(stream) => return Ok((Link::Proxy(stream), true)),
                Err(error) if self.proxy == ProxyUse::Always => {
                    return Err(QmiError::NoProxy(error));
                }
                Err(error) => debug!(%error, "no qmi-proxy; opening the device directly"),
            }
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&self.device)
            .map_err(|source| QmiError::Open {
                path: self.device.clone(),
                source,
            })?;
        // SAFETY: the `File` owns its descriptor, keeps it open for the life of the `AsyncFd` (which owns the
        // `File`), and `as_raw_fd` always returns that same descriptor.
        let fd = unsafe { AsyncFd::register(file) }.map_err(|e| QmiError::Open {
            path: self.device.clone(),
            source: e.into_parts().1,
        })?;
        Ok((Link::Device(fd), false))
    }

    /// One request and its answer on `connection` (before it is stored), with the link errors as errors.
    async fn exchange(
        &self,
        connection: &mut Connection,
        request: &Message,
        what: &'static str,
    ) -> Result<Message, QmiError> {
        call(connection, request, what, CONTROL_TIMEOUT)
            .await
            .map_err(|error| self.give_up(error, what, request.id))
    }

    /// `error` of message `message` as the transport's error, when it is not taken up again.
    fn give_up(&self, error: CallError, what: &'static str, message: u16) -> QmiError {
        match error {
            CallError::Link(source) => QmiError::Lost {
                path: self.device.clone(),
                source,
            },
            CallError::ClientGone => QmiError::Protocol {
                what,
                source: qmi::Error::Failed {
                    message,
                    error: ProtocolError::InvalidClientId,
                },
            },
            CallError::Other(error) => error,
        }
    }

    /// One UIM request on the current connection. A broken link or a forgotten client id drops the
    /// connection, so the next use starts afresh.
    async fn uim_call(
        &mut self,
        build: impl FnOnce(u8, u16) -> Result<Message, qmi::Error>,
        what: &'static str,
        timeout: Duration,
    ) -> Result<Message, CallError> {
        let client = self.ensure_connected().await.map_err(CallError::Other)?;
        let transaction = self.next_transaction();
        let request = build(client, transaction)
            .map_err(|source| CallError::Other(QmiError::Protocol { what, source }))?;
        let Some(connection) = self.connection.as_mut() else {
            return Err(CallError::ClientGone);
        };
        let result = call(connection, &request, what, timeout).await;
        match &result {
            Err(CallError::Link(error)) => {
                warn!(%error, "QMI link lost; reconnecting on the next request");
                self.connection = None;
            }
            Err(CallError::ClientGone) => {
                warn!(
                    client,
                    "the modem forgot the QMI UIM client id; allocating a new one"
                );
                // The old id is gone on the modem's side: nothing to release.
                self.connection = None;
            }
            _ => {}
        }
        result
    }

    /// Takes a broken link up again (waiting a little for a restarting proxy); `Ok` means the session should
    /// reopen its channel.
    async fn reconnect(&mut self) -> Result<(), ApduError> {
        let deadline = tokio::time::Instant::now() + RECONNECT_WINDOW;
        loop {
            match self.ensure_connected().await {
                Ok(_) => return Ok(()),
                Err(error) if tokio::time::Instant::now() >= deadline => return Err(error.into()),
                Err(error) => {
                    debug!(%error, "QMI reconnect failed; retrying");
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                }
            }
        }
    }

    /// Releases the client id and closes the link (best effort: the modem frees both when the link closes).
    async fn release(&mut self) {
        if let Some(mut connection) = self.connection.take() {
            let release = ctl::release_cid(self.next_ctl(), SERVICE_UIM, connection.client);
            if let Err(error) = self
                .exchange(&mut connection, &release, "release UIM client id")
                .await
            {
                debug!(%error, "QMI client id release failed");
            }
        }
    }
}

/// Whether the card status `cards` (in slot order) shows a card in `slot`; if not, the error names `other`,
/// the first other slot that has one ([`other_card`]).
fn check_slot(
    cards: &[uim::CardState],
    slot: QmiSlot,
    other: Option<QmiSlot>,
) -> Result<(), QmiError> {
    let state = match cards.get(usize::from(slot.number()) - 1) {
        Some(uim::CardState::Present) => return Ok(()),
        Some(uim::CardState::Absent) => SlotState::Absent,
        Some(uim::CardState::Error(code)) => SlotState::Error(*code),
        None => SlotState::NotListed { slots: cards.len() },
    };
    Err(QmiError::NoCard { slot, state, other })
}

/// The first slot but `slot` that the card status `cards` (in slot order) shows a card in.
fn other_card(cards: &[uim::CardState], slot: QmiSlot) -> Option<QmiSlot> {
    QmiSlot::all()
        .zip(cards)
        .find(|&(other, card)| other != slot && *card == uim::CardState::Present)
        .map(|(other, _)| other)
}

/// Connects to qmi-proxy's abstract socket.
fn connect_proxy() -> std::io::Result<UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(PROXY_SOCKET)?;
    let stream = std::os::unix::net::UnixStream::connect_addr(&address)?;
    stream.set_nonblocking(true)?;
    UnixStream::from_std(stream)
}

/// Sends `request` and waits for its answer, skipping indications and other clients' traffic.
async fn call(
    connection: &mut Connection,
    request: &Message,
    what: &'static str,
    timeout: Duration,
) -> Result<Message, CallError> {
    let frame = request
        .to_bytes()
        .map_err(|source| CallError::Other(QmiError::Protocol { what, source }))?;
    let exchange = async {
        connection
            .link
            .send(&frame)
            .await
            .map_err(CallError::Link)?;
        let mut buf = [0u8; 4096];
        loop {
            while let Some(next) = connection.deframer.next_message() {
                let message = match next {
                    Ok(message) => message,
                    Err(error) => {
                        debug!(%error, "skipping a malformed QMI frame");
                        continue;
                    }
                };
                if message.kind == MessageKind::Response
                    && message.service == request.service
                    && message.transaction == request.transaction
                    && message.id == request.id
                    && (request.service == SERVICE_CTL || message.client == request.client)
                {
                    let forgotten = matches!(
                        message.result(),
                        Err(qmi::Error::Failed {
                            error: ProtocolError::InvalidClientId,
                            ..
                        })
                    );
                    return match forgotten && request.service != SERVICE_CTL {
                        true => Err(CallError::ClientGone),
                        false => Ok(message),
                    };
                }
            }
            match connection.link.receive(&mut buf).await {
                Ok(0) => return Err(CallError::Link(ErrorKind::UnexpectedEof.into())),
                Ok(n) => connection.deframer.push(&buf[..n]),
                Err(error) => return Err(CallError::Link(error)),
            }
        }
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(CallError::Other(QmiError::Timeout { what, timeout })),
    }
}

/// The transport error for a failed `what`: busy, unsupported and refused get their own advice.
fn classify(what: &'static str, source: qmi::Error) -> QmiError {
    match source {
        qmi::Error::Failed {
            error: ProtocolError::DeviceInUse,
            ..
        } => QmiError::Busy(what),
        qmi::Error::Failed {
            error: ProtocolError::AccessDenied,
            ..
        } => QmiError::AccessDenied(what),
        qmi::Error::Failed { error, .. } if error.is_unsupported() => {
            QmiError::Unsupported { what, error }
        }
        source => QmiError::Protocol { what, source },
    }
}

impl CardChannel for QmiChannel {
    fn name(&self) -> &'static str {
        "qmi"
    }

    async fn open_channel(&mut self, aid: &[u8], timeout: Duration) -> Result<u8, ApduError> {
        // One retry: a broken link or a forgotten client id is taken up again once.
        let mut retried = false;
        let slot = self.slot.number();
        loop {
            let result = self
                .uim_call(
                    |client, t| uim::open_logical_channel(client, t, slot, aid),
                    "open logical channel",
                    timeout.max(CONTROL_TIMEOUT),
                )
                .await;
            let answer = match result {
                Ok(answer) => answer,
                Err(CallError::Link(_) | CallError::ClientGone) if !retried => {
                    retried = true;
                    self.reconnect().await?;
                    continue;
                }
                Err(error) => {
                    let what = "open logical channel";
                    return Err(self.give_up(error, what, uim::OPEN_LOGICAL_CHANNEL).into());
                }
            };
            return match uim::opened_channel(&answer) {
                Ok(channel) => Ok(channel),
                Err(error) => match (uim::card_result(&answer), self.card_elsewhere) {
                    // No ISD-R on this card, and a card in another slot: say which.
                    (Some([0x6A, 0x82]), Some(other)) => Err(QmiError::NoIsdr {
                        slot: self.slot,
                        other,
                    }
                    .into()),
                    // The card refused the SELECT: report its status word, as the AT transports do.
                    (Some([sw1, sw2]), _) if !matches!(sw1, 0x90 | 0x91) => {
                        Err(ApduError::Card(CardError::Status {
                            what: "SELECT ISD-R",
                            sw: euiccd_core::apdu::status::StatusWord::new(sw1, sw2),
                        }))
                    }
                    _ => Err(classify("open logical channel", error).into()),
                },
            };
        }
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        timeout: Duration,
    ) -> Result<Response, ApduError> {
        // The modem owns the channel bits of CLA; it sets them from the channel id.
        let slot = self.slot.number();
        let answer = match self
            .uim_call(
                |client, t| uim::send_apdu(client, t, slot, channel, apdu),
                "send APDU",
                timeout,
            )
            .await
        {
            Ok(answer) => answer,
            Err(CallError::Link(_) | CallError::ClientGone) => {
                // The channel went with the link or the client id.
                self.reconnect().await?;
                return Err(ApduError::Card(CardError::ChannelLost));
            }
            Err(CallError::Other(error)) => return Err(error.into()),
        };
        match uim::apdu_response(&answer) {
            Ok(bytes) => Ok(Response::parse(bytes)?),
            Err(qmi::Error::Failed { error, .. })
                if !matches!(
                    error,
                    ProtocolError::DeviceInUse | ProtocolError::AccessDenied
                ) && !error.is_unsupported() =>
            {
                // The modem no longer knows the channel (card reset, REFRESH after a profile switch).
                debug!(%error, channel, "QMI Send APDU refused; taking the channel as lost");
                Err(ApduError::Card(CardError::ChannelLost))
            }
            Err(error) => Err(classify("send APDU", error).into()),
        }
    }

    async fn close_channel(&mut self, channel: u8, timeout: Duration) -> Result<(), ApduError> {
        if self.connection.is_none() {
            // The link broke since the channel was opened: the channel went with it.
            return Ok(());
        }
        let slot = self.slot.number();
        let answer = match self
            .uim_call(
                |client, t| Ok(uim::close_logical_channel(client, t, slot, channel)),
                "close logical channel",
                timeout.max(CONTROL_TIMEOUT),
            )
            .await
        {
            Ok(answer) => answer,
            Err(CallError::Link(_) | CallError::ClientGone) => return Ok(()),
            Err(CallError::Other(error)) => return Err(error.into()),
        };
        answer
            .result()
            .map_err(|source| classify("close logical channel", source).into())
    }
}

impl Drop for QmiChannel {
    fn drop(&mut self) {
        // Without a runtime to await the answer, send the release and let the modem answer to nobody.
        if let Some(connection) = self.connection.take() {
            let release = ctl::release_cid(self.next_ctl(), SERVICE_UIM, connection.client);
            if let Ok(frame) = release.to_bytes() {
                let written = match &connection.link {
                    Link::Device(fd) => Write::write(&mut fd.get_ref(), &frame).map(|_| ()),
                    Link::Proxy(stream) => stream.try_write(&frame).map(|_| ()),
                };
                if let Err(error) = written {
                    debug!(%error, "QMI client id release on drop failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uim::CardState::{Absent, Error, Present};

    #[test]
    fn the_card_status_check_looks_at_the_chosen_slot_and_names_the_one_with_a_card() {
        let slot = |n: i64| QmiSlot::try_from(n).unwrap();
        // As the card-status step calls it.
        let check =
            |cards: &[uim::CardState], n| check_slot(cards, slot(n), other_card(cards, slot(n)));
        assert!(check(&[Absent, Present], 2).is_ok());
        let error = check(&[Absent, Present], 1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "QMI card status: no usable card in slot 1 (the modem reports it empty); slot 2 has a card: \
             choose it with --qmi-slot 2 (modem.qmi_slot = 2 in the configuration file)"
        );
        let error = check(&[Present], 2).unwrap_err().to_string();
        assert!(
            error.starts_with(
                "QMI card status: no usable card in slot 2 (the modem reports 1 slot; if it has more, of which \
                 one is active, make another the active one with `qmicli -d DEVICE --uim-switch-slot=N`); slot \
                 1 has a card"
            ),
            "{error}"
        );
        let error = check(&[Error(3), Absent], 1).unwrap_err().to_string();
        assert_eq!(
            error,
            "QMI card status: no usable card in slot 1 (the modem reports card error 3)"
        );
        // A card in the chosen slot is not "elsewhere".
        assert_eq!(
            other_card(&[Present, Absent, Present], slot(1)),
            Some(slot(3))
        );
        assert_eq!(other_card(&[Present], slot(1)), None);
    }
}
