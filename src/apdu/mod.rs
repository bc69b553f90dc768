//! The APDU layer: logical channels over the card transports, and the ISD-R session that carries ES10
//! commands in STORE DATA blocks. The APDUs themselves and the chaining are sans-IO, in `euiccd_core::apdu`.
//!
//! [`channel::CardChannel`] is the one seam to the card; its transports are AT+CSIM ([`csim`]),
//! AT+CCHO/CGLA/CCHC ([`cgla`]), PC/SC (`pcsc`, feature `pcsc`) and a card answering in this process
//! (`inprocess`, feature `sim`: the simulator behind `--sim`, which this layer never imports).
//! [`transport::Transport`] picks one at run time, [`auto`] probes for it.
//! [`session::IsdrSession`] is what the layer above uses.

pub mod auto;
pub mod cgla;
pub mod channel;
pub mod csim;
#[cfg(any(test, feature = "sim"))]
pub mod inprocess;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod session;
pub mod transport;

pub use channel::CardChannel;
pub use session::{ISDR_AID, IsdrSession, SessionConfig, SessionCounters};
pub use transport::{Transport, TransportKind};

use crate::modem::ModemError;
use euiccd_core::apdu::Error as CoreError;
use euiccd_core::apdu::status::StatusWord;

/// What can go wrong exchanging APDUs with the eUICC.
#[derive(Debug, thiserror::Error)]
pub enum ApduError {
    /// The modem below failed (port, timeout, `+CME ERROR` on a control command).
    #[error(transparent)]
    Modem(#[from] ModemError),
    /// The command cannot be encoded (too long, bad channel, empty).
    #[error("invalid APDU: {0}")]
    InvalidCommand(&'static str),
    /// A response without the two status bytes.
    #[error("response of {0} bytes has no status word")]
    ShortResponse(usize),
    /// The card refused a command.
    #[error("{what}: the card answered {sw}")]
    Status {
        /// Which step failed.
        what: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// The modem answered something that is not the expected form.
    #[error("{command}: unexpected answer from the modem: {answer:?}")]
    BadAnswer {
        /// The AT command.
        command: &'static str,
        /// The start of the answer (never a whole APDU payload).
        answer: String,
    },
    /// The logical channel is gone: the card was reset (REFRESH after a profile switch, modem reset).
    #[error("the logical channel to the ISD-R is gone (card reset or REFRESH)")]
    ChannelLost,
    /// The response grew past the configured limit.
    #[error("the response exceeds {0} bytes")]
    ResponseTooLarge(usize),
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
    /// The PC/SC reader failed.
    #[error("PC/SC: {0}")]
    Pcsc(String),
}

/// The core's APDU errors map one to one onto the variants of the same name, so that callers match one
/// error type whichever layer found the fault.
impl From<CoreError> for ApduError {
    fn from(error: CoreError) -> Self {
        match error {
            CoreError::InvalidCommand(reason) => Self::InvalidCommand(reason),
            CoreError::ShortResponse(length) => Self::ShortResponse(length),
            CoreError::Status { what, sw } => Self::Status { what, sw },
            CoreError::BadAnswer { command, answer } => Self::BadAnswer { command, answer },
            CoreError::ChannelLost => Self::ChannelLost,
            CoreError::ResponseTooLarge(max) => Self::ResponseTooLarge(max),
        }
    }
}
