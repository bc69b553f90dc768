//! The APDU layer: logical channels over the card transports, and the ISD-R session that carries ES10
//! commands in STORE DATA blocks. The APDUs themselves and the chaining are sans-IO, in `euiccd_core::apdu`.
//!
//! [`channel::CardChannel`] is the one seam to the card; its transports are AT+CSIM ([`csim`]),
//! AT+CCHO/CGLA/CCHC ([`cgla`]), QMI UIM ([`qmi`]), MBIM's UICC low-level access ([`mbim`]), PC/SC (`pcsc`,
//! feature `pcsc`) and a card answering in this process
//! (`inprocess`, feature `sim`: the simulator behind `--sim`, which this layer never imports).
//! [`transport::Transport`] picks one at run time, [`auto`] probes for it.
//! [`session::IsdrSession`] is what the layer above uses.

pub(crate) mod auto;
pub(crate) mod cgla;
pub(crate) mod channel;
pub(crate) mod csim;
#[cfg(any(test, feature = "sim"))]
pub mod inprocess;
pub(crate) mod mbim;
#[cfg(feature = "pcsc")]
pub(crate) mod pcsc;
pub(crate) mod qmi;
pub(crate) mod session;
pub(crate) mod transport;

pub use channel::CardChannel;
pub use mbim::{MbimChannel, MbimError};
pub use qmi::QmiSlot;
pub use session::{IsdrSession, SessionConfig};
pub use transport::{ProxyUse, Transport, TransportKind};

use crate::modem::ModemError;
/// The APDU-level faults, from the sans-IO core.
pub(crate) use euiccd_core::apdu::Error as CardError;

/// What can go wrong exchanging APDUs with the eUICC.
#[derive(Debug, thiserror::Error)]
pub enum ApduError {
    /// The modem below failed (port, timeout, `+CME ERROR` on a control command).
    #[error(transparent)]
    Modem(#[from] ModemError),
    /// The card refused a command, or a command or response is malformed, or the channel is gone (the core's
    /// ISO/IEC 7816-4 errors, one type whichever layer found the fault).
    #[error(transparent)]
    Card(#[from] CardError),
    /// The session configuration is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// `--transport auto` found neither AT+CCHO/CGLA nor AT+CSIM working.
    #[error("no APDU transport works on this modem: AT+CCHO/CGLA: {cgla}; AT+CSIM: {csim}")]
    NoTransport {
        /// Why CCHO/CGLA failed.
        cgla: Box<ApduError>,
        /// Why CSIM failed.
        csim: Box<ApduError>,
    },
    /// `--transport auto` on a control device found neither QMI nor MBIM working.
    #[error("neither QMI nor MBIM works on this control device: QMI: {qmi}; MBIM: {mbim}")]
    NoControlTransport {
        /// Why QMI failed.
        qmi: Box<ApduError>,
        /// Why MBIM failed.
        mbim: Box<ApduError>,
    },
    /// A QMI slot other than the first was asked for over a transport that cannot choose a slot.
    #[error(
        "QMI UIM slot {slot} was asked for, but the {transport} transport cannot choose a card slot: use the \
         qmi transport on the modem's QMI control device (e.g. /dev/cdc-wdm0), or slot 1"
    )]
    SlotNotSelectable {
        /// The slot asked for.
        slot: qmi::QmiSlot,
        /// The transport that cannot.
        transport: &'static str,
    },
    /// `--transport auto` on a control device with a QMI slot other than the first, and QMI fails there (MBIM,
    /// the other protocol of control devices, cannot choose a slot).
    #[error(
        "QMI UIM slot {slot} was asked for, but QMI does not work on this control device (MBIM, which may, \
         cannot choose a card slot): {qmi}"
    )]
    SlotNeedsQmi {
        /// The slot asked for.
        slot: qmi::QmiSlot,
        /// Why QMI failed.
        qmi: Box<ApduError>,
    },
    /// The MBIM control device or mbim-proxy failed, or the modem lacks or refuses what the IPA needs.
    #[error(transparent)]
    Mbim(#[from] MbimError),
    /// The QMI link or the modem's UIM service failed.
    #[error(transparent)]
    Qmi(Box<qmi::QmiError>),
    /// The PC/SC reader failed.
    #[error("PC/SC: {0}")]
    Pcsc(String),
}
