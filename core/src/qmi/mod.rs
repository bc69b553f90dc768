//! Qualcomm MSM Interface (QMI) messages without I/O, as libqmi documents them (its `qmi-service-ctl.json` and
//! `qmi-service-uim.json` data files): the QMUX framing of a control device or of `qmi-proxy`'s socket
//! ([`frame`]), the control service's client-id management and libqmi's proxy open ([`ctl`]), and the UIM
//! service's card status, logical channels and APDUs ([`uim`]).
//!
//! Hand-written: no maintained pure-Rust crate speaks QMUX (the Rust QMI crates are bindings to libqmi or
//! QRTR-only), and the part an IPA needs is a handful of messages.

pub mod ctl;
pub mod frame;
pub mod uim;

pub use frame::{Deframer, Message, MessageKind, Tlv};

/// The control service (client ids, the proxy's open message).
pub const SERVICE_CTL: u8 = 0x00;
/// The User Identity Module service (card status, logical channels, APDUs).
pub const SERVICE_UIM: u8 = 0x0B;

/// The result TLV every response carries: a 16-bit result (0 success, 1 failure) and a 16-bit QMI error code.
pub const TLV_RESULT: u8 = 0x02;

/// What can go wrong framing or reading a QMI message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The first byte is not the QMUX marker `01`.
    #[error("not a QMUX frame: marker {0:#04x}, expected 0x01")]
    BadMarker(u8),
    /// The frame's length field says more than the largest message this side accepts, or less than a header.
    #[error("QMUX length {0} out of range")]
    BadLength(usize),
    /// The frame ends inside a header or a TLV.
    #[error("truncated QMI message: {0}")]
    Truncated(&'static str),
    /// The TLVs do not add up to the length the QMI header says.
    #[error("QMI TLV length {tlvs} does not match the {available} bytes left in the frame")]
    TlvLength {
        /// What the header says.
        tlvs: usize,
        /// What the frame holds.
        available: usize,
    },
    /// The QMI header's flags are none of request, response or indication.
    #[error("unknown QMI message flags {0:#04x}")]
    BadFlags(u8),
    /// A control-service message needs a transaction id of one byte.
    #[error("transaction id {0} does not fit the control service's one byte")]
    BadTransaction(u16),
    /// A message to build is larger than a QMUX frame can carry.
    #[error("QMI message too large to send ({0} bytes)")]
    TooLarge(usize),
    /// A response lacks a TLV it must carry, or the TLV has the wrong size.
    #[error("QMI message {message:#06x}: TLV {tlv:#04x} missing or malformed")]
    BadTlv {
        /// The message id.
        message: u16,
        /// The TLV type.
        tlv: u8,
    },
    /// The device answered with a QMI error.
    #[error("QMI message {message:#06x} failed: {error}")]
    Failed {
        /// The message id.
        message: u16,
        /// The QMI error code.
        error: ProtocolError,
    },
}

/// A QMI protocol error code from the result TLV (libqmi's `QmiProtocolError`), with the codes an IPA acts
/// on named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    /// 5: the device has no client id left for the service.
    ClientIdsExhausted,
    /// 7: the client id is not (or no longer) allocated.
    InvalidClientId,
    /// 23: the device is busy with another client's request.
    DeviceInUse,
    /// 31: the service is not supported.
    InvalidServiceType,
    /// 52: the device (or card) is not ready.
    DeviceNotReady,
    /// 68: no resources left (e.g. no free logical channel).
    InsufficientResources,
    /// 71: the device does not know the message.
    InvalidQmiCommand,
    /// 82: the modem refuses the request (some firmwares refuse UIM logical channels to outside clients).
    AccessDenied,
    /// 94: not supported by this firmware.
    NotSupported,
    /// Any other code.
    Other(u16),
}

impl ProtocolError {
    /// The error of `code`.
    pub fn from_code(code: u16) -> Self {
        match code {
            5 => Self::ClientIdsExhausted,
            7 => Self::InvalidClientId,
            23 => Self::DeviceInUse,
            31 => Self::InvalidServiceType,
            52 => Self::DeviceNotReady,
            68 => Self::InsufficientResources,
            71 => Self::InvalidQmiCommand,
            82 => Self::AccessDenied,
            94 => Self::NotSupported,
            other => Self::Other(other),
        }
    }

    /// The code on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::ClientIdsExhausted => 5,
            Self::InvalidClientId => 7,
            Self::DeviceInUse => 23,
            Self::InvalidServiceType => 31,
            Self::DeviceNotReady => 52,
            Self::InsufficientResources => 68,
            Self::InvalidQmiCommand => 71,
            Self::AccessDenied => 82,
            Self::NotSupported => 94,
            Self::Other(code) => code,
        }
    }

    /// True for the codes that say the firmware lacks the message or service, not that it failed this time.
    pub fn is_unsupported(self) -> bool {
        matches!(
            self,
            Self::InvalidQmiCommand | Self::NotSupported | Self::InvalidServiceType
        )
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Self::ClientIdsExhausted => "ClientIdsExhausted",
            Self::InvalidClientId => "InvalidClientId",
            Self::DeviceInUse => "DeviceInUse (device busy)",
            Self::InvalidServiceType => "InvalidServiceType",
            Self::DeviceNotReady => "DeviceNotReady",
            Self::InsufficientResources => "InsufficientResources",
            Self::InvalidQmiCommand => "InvalidQmiCommand (not supported by this firmware)",
            Self::AccessDenied => "AccessDenied",
            Self::NotSupported => "NotSupported",
            Self::Other(_) => "error",
        };
        write!(f, "{name} ({})", self.code())
    }
}
