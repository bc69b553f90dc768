//! The transport chosen at run time (`--transport`), as one [`CardChannel`] type for the session.

use super::ApduError;
use super::auto::{is_control_device, probe_control_device};
use super::cgla::CglaChannel;
use super::channel::CardChannel;
use super::csim::CsimChannel;
use super::mbim::MbimChannel;
use super::qmi::{QmiChannel, QmiSlot};
use crate::apdu::CardError;
use crate::modem::Modem;
use euiccd_core::apdu::response::Response;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Which transport to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Probe the modem: AT+CCHO/CGLA if it works, else AT+CSIM.
    Auto,
    /// AT+CSIM with channel management by the IPA.
    Csim,
    /// AT+CCHO / AT+CGLA / AT+CCHC.
    Cgla,
    /// A PC/SC smart-card reader (feature `pcsc`).
    Pcsc,
    /// QMI's UIM service on a control device (`/dev/cdc-wdm*`), directly or through `qmi-proxy`.
    Qmi,
    /// MBIM's Microsoft UICC low-level access service on a control device, directly or through `mbim-proxy`.
    Mbim,
}

impl FromStr for TransportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "csim" => Ok(Self::Csim),
            "cgla" => Ok(Self::Cgla),
            "pcsc" => Ok(Self::Pcsc),
            "qmi" => Ok(Self::Qmi),
            "mbim" => Ok(Self::Mbim),
            other => Err(format!(
                "unknown transport {other:?}: use auto, csim, cgla, qmi, mbim or pcsc"
            )),
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Csim => "csim",
            Self::Cgla => "cgla",
            Self::Pcsc => "pcsc",
            Self::Qmi => "qmi",
            Self::Mbim => "mbim",
        })
    }
}

/// Whether a QMI or MBIM transport goes through libqmi's `qmi-proxy` or libmbim's `mbim-proxy` (the abstract
/// Unix sockets ModemManager's own clients share a control device through).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyUse {
    /// Through the proxy when one answers on its socket, else the device directly.
    #[default]
    Auto,
    /// Only through the proxy (an error when none runs).
    Always,
    /// Only the device directly.
    Never,
}

impl FromStr for ProxyUse {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            other => Err(format!(
                "unknown proxy use {other:?}: use auto, always or never"
            )),
        }
    }
}

impl fmt::Display for ProxyUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Always => "always",
            Self::Never => "never",
        })
    }
}

/// One of the transports. `Auto` turns into the transport that worked the first time a channel opens, and
/// stays that for the life of the value.
#[derive(Debug)]
pub enum Transport {
    /// Not probed yet: an AT port.
    Auto(Modem),
    /// Not probed yet: a QMI or MBIM control device.
    AutoControl {
        /// The control device.
        device: PathBuf,
        /// Whether to go through the proxies.
        proxy: ProxyUse,
        /// The card's UIM slot, if QMI is what the device speaks.
        slot: QmiSlot,
    },
    /// AT+CSIM.
    Csim(CsimChannel),
    /// AT+CCHO / AT+CGLA.
    Cgla(CglaChannel),
    /// MBIM's UICC low-level access service.
    Mbim(MbimChannel),
    /// QMI UIM on a control device or through qmi-proxy.
    Qmi(QmiChannel),
    /// A PC/SC reader.
    #[cfg(feature = "pcsc")]
    Pcsc(super::pcsc::PcscChannel),
    /// The simulated card in this process.
    #[cfg(feature = "sim")]
    InProcess(super::inprocess::InProcessChannel),
}

impl Transport {
    /// The transport of `kind` to the modem at `device`, and the AT engine under it when it is an AT port
    /// (`baud` is its line speed; `proxy` says how to reach a QMI or MBIM control device, `slot` which card
    /// QMI talks to). `auto` chooses by the device: a `cdc-wdm` control device is probed for QMI, then MBIM;
    /// anything else for AT+CCHO/CGLA, then AT+CSIM. Must run inside the tokio runtime (the AT engine is a
    /// task).
    pub fn open(
        kind: TransportKind,
        device: &Path,
        baud: u32,
        proxy: ProxyUse,
        slot: QmiSlot,
    ) -> Result<(Self, Option<Modem>), ApduError> {
        let control = |transport| Ok((transport, None));
        if kind == TransportKind::Auto && is_control_device(device) {
            let device = device.to_path_buf();
            return control(Self::AutoControl {
                device,
                proxy,
                slot,
            });
        }
        check_slot_choice(kind, slot)?;
        let at = match kind {
            TransportKind::Qmi => return control(Self::Qmi(QmiChannel::new(device, proxy, slot))),
            TransportKind::Mbim => return control(Self::Mbim(MbimChannel::new(device, proxy))),
            TransportKind::Pcsc => {
                return Err(ApduError::InvalidConfig(
                    "PC/SC reaches a reader, not a modem",
                ));
            }
            TransportKind::Auto | TransportKind::Csim | TransportKind::Cgla => {
                Modem::open_serial(device, baud)
            }
        };
        Ok((Self::over_modem(kind, at.clone()), Some(at)))
    }

    /// The AT transport of `kind` (`auto`, `csim` or `cgla`) over `modem`.
    pub fn over_modem(kind: TransportKind, modem: Modem) -> Self {
        match kind {
            TransportKind::Csim => Self::Csim(CsimChannel::new(modem)),
            TransportKind::Cgla => Self::Cgla(CglaChannel::new(modem)),
            _ => Self::Auto(modem),
        }
    }
}

/// Refuses a QMI slot other than the first with a transport of `kind` that cannot choose a slot.
///
/// An error, not a warning: the setting says which card the IPA must manage, and going on would manage another
/// one (the removable SIM in slot 1 instead of the soldered eUICC), or fail later with a misleading "no
/// ISD-R". AT has no standard way to address a slot (3GPP TS 27.007's +CCHO/+CGLA/+CSIM act on the card the
/// modem has active; slot switching is vendor commands), and MBIM's UICC low-level access service addresses
/// no slot either (only MBIM's slot mappings could move another slot under it, which changes the modem's
/// active SIM for everyone). `auto` is taken for an AT port: on a control device the probe checks instead
/// (it then needs QMI).
pub(crate) fn check_slot_choice(kind: TransportKind, slot: QmiSlot) -> Result<(), ApduError> {
    let transport = match kind {
        TransportKind::Qmi => return Ok(()),
        _ if slot == QmiSlot::FIRST => return Ok(()),
        TransportKind::Mbim => "MBIM",
        TransportKind::Pcsc => "PC/SC",
        TransportKind::Auto | TransportKind::Csim | TransportKind::Cgla => "AT",
    };
    Err(ApduError::SlotNotSelectable { slot, transport })
}

/// Forwards a call to whichever transport `self` holds; `Auto` is handled by the caller.
macro_rules! each {
    ($self:ident, $card:ident => $call:expr, auto => $auto:expr) => {
        match $self {
            Transport::Auto(_) | Transport::AutoControl { .. } => $auto,
            Transport::Csim($card) => $call,
            Transport::Cgla($card) => $call,
            Transport::Mbim($card) => $call,
            Transport::Qmi($card) => $call,
            #[cfg(feature = "pcsc")]
            Transport::Pcsc($card) => $call,
            #[cfg(feature = "sim")]
            Transport::InProcess($card) => $call,
        }
    };
}

impl CardChannel for Transport {
    fn name(&self) -> &'static str {
        each!(self, card => card.name(), auto => "auto")
    }

    async fn open_channel(&mut self, aid: &[u8], timeout: Duration) -> Result<u8, ApduError> {
        let probed = match self {
            Transport::Auto(modem) => Some(super::auto::probe(modem, aid, timeout).await?),
            Transport::AutoControl {
                device,
                proxy,
                slot,
            } => Some(probe_control_device(device, *proxy, *slot, aid, timeout).await?),
            _ => None,
        };
        if let Some((chosen, channel)) = probed {
            *self = chosen;
            return Ok(channel);
        }
        each!(self, card => card.open_channel(aid, timeout).await, auto => Err(ApduError::Card(CardError::ChannelLost)))
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        timeout: Duration,
    ) -> Result<Response, ApduError> {
        // Before the probe no channel exists, so there is nothing to transmit on.
        each!(self, card => card.transmit(channel, apdu, timeout).await, auto => Err(ApduError::Card(CardError::ChannelLost)))
    }

    async fn close_channel(&mut self, channel: u8, timeout: Duration) -> Result<(), ApduError> {
        each!(self, card => card.close_channel(channel, timeout).await, auto => Ok(()))
    }
}
