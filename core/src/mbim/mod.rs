//! MBIM control messages without I/O (USB MBIM 1.0, §9), and the two services the IPA speaks over them:
//! Microsoft's UICC low-level access extension ([`uicc`]) and libmbim's proxy control service
//! ([`proxy_control`]), the first message a client sends to `mbim-proxy`.
//!
//! [`message`] builds and parses one control message and splits a long one into fragments no longer than
//! the device's maximum control transfer; [`reassembly`] puts received fragments back together, bounded.
//! Multi-byte integers are little-endian; UUIDs travel in their textual byte order (USB MBIM 1.0 §8.1).

pub mod message;
pub mod proxy_control;
pub mod reassembly;
pub mod uicc;

mod buffer;

/// What can go wrong framing or parsing an MBIM message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Fewer bytes than the structure needs.
    #[error("MBIM {what}: {have} bytes, at least {need} needed")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// A message length in a header below the header's own size or above the bound.
    #[error("MBIM message length {0} is out of bounds")]
    BadLength(u32),
    /// A message type this side does not know.
    #[error("unknown MBIM message type {0:#010x}")]
    UnknownType(u32),
    /// A fragment that does not continue the message being reassembled.
    #[error("MBIM fragment {current} of {total} is out of sequence")]
    FragmentOutOfSequence {
        /// The fragment's index.
        current: u32,
        /// The fragment count it announces.
        total: u32,
    },
    /// The reassembled message grew past the bound.
    #[error("MBIM message exceeds {0} bytes")]
    TooLarge(usize),
    /// An offset/size pair in an information buffer points outside it.
    #[error("MBIM {what}: offset {offset} + size {size} is outside the {len}-byte buffer")]
    BadReference {
        /// Which field.
        what: &'static str,
        /// The offset read.
        offset: u32,
        /// The size read.
        size: u32,
        /// The information buffer's length.
        len: usize,
    },
    /// The information buffer is shorter or longer than its length field says.
    #[error("MBIM information buffer length {declared} does not match the {actual} bytes present")]
    InfoLength {
        /// The length field.
        declared: u32,
        /// Bytes present.
        actual: usize,
    },
    /// A message cannot be split into fragments of the given size.
    #[error("MBIM maximum control transfer {0} is too small to carry a fragment")]
    TransferTooSmall(usize),
}

/// A device service's UUID, in wire byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uuid(pub [u8; 16]);

impl std::fmt::Display for Uuid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{}-{}-{}-{}-{}",
            hex::encode(&b[0..4]),
            hex::encode(&b[4..6]),
            hex::encode(&b[6..8]),
            hex::encode(&b[8..10]),
            hex::encode(&b[10..16])
        )
    }
}

/// The status of a `*_DONE` message (USB MBIM 1.0 §9.4.5 and Table 9-6, and the UICC extension's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub u32);

impl Status {
    /// Done.
    pub const SUCCESS: Self = Self(0);
    /// The device is busy with another request.
    pub const BUSY: Self = Self(1);
    /// A failure the device does not say more about.
    pub const FAILURE: Self = Self(2);
    /// The device does not implement the service or CID.
    pub const NO_DEVICE_SUPPORT: Self = Self(9);
    /// The device is not initialised yet.
    pub const NOT_INITIALIZED: Self = Self(14);
    /// A parameter of the request is invalid.
    pub const INVALID_PARAMETERS: Self = Self(21);
    /// UICC extension: the card has no free logical channel.
    pub const MS_NO_LOGICAL_CHANNELS: Self = Self(0x8743_0001);
    /// UICC extension: the card refused the SELECT of the application.
    pub const MS_SELECT_FAILED: Self = Self(0x8743_0002);
    /// UICC extension: the logical channel named is not open.
    pub const MS_INVALID_LOGICAL_CHANNEL: Self = Self(0x8743_0003);

    /// A name for logs and errors.
    pub fn name(self) -> &'static str {
        match self {
            Self::SUCCESS => "success",
            Self::BUSY => "busy",
            Self::FAILURE => "failure",
            Self::NO_DEVICE_SUPPORT => "no-device-support",
            Self::NOT_INITIALIZED => "not-initialized",
            Self::INVALID_PARAMETERS => "invalid-parameters",
            Self::MS_NO_LOGICAL_CHANNELS => "ms-no-logical-channels",
            Self::MS_SELECT_FAILED => "ms-select-failed",
            Self::MS_INVALID_LOGICAL_CHANNEL => "ms-invalid-logical-channel",
            _ => "other",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({:#x})", self.name(), self.0)
    }
}
