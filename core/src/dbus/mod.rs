//! The little of D-Bus euiccd speaks, sans-IO: the bus address, the SASL `EXTERNAL` handshake, and method
//! calls and their replies in the D-Bus wire format (the D-Bus Specification, "Message Protocol" and
//! "Authentication Protocol"). The driver (`src/modem/modemmanager.rs` in the `euiccd` crate) owns the
//! socket; this module turns bytes into values and back, bounded and validated.
//!
//! Only what one client needs to ask ModemManager to step aside: `Hello`, `NameHasOwner` and
//! `InhibitDevice` take strings and booleans, and their replies carry a string, a boolean or nothing.
//! Anything else the bus sends (signals, replies to nobody) is read far enough to be skipped.

mod address;
mod auth;
mod message;

pub use address::{Address, parse_address};
pub use auth::{AuthReply, MAX_AUTH_LINE, auth_request, parse_auth_reply};
pub use message::{
    Arg, Body, FIXED_HEADER, Header, MAX_MESSAGE, MessageType, decode, encode_method_call,
    frame_length,
};

/// What is wrong with bytes from the bus, or with a bus address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbusError {
    /// The message ends before a value it announces.
    #[error("D-Bus message truncated at byte {0}")]
    Truncated(usize),
    /// The message is larger than [`MAX_MESSAGE`].
    #[error("D-Bus message of {0} bytes is larger than the {MAX_MESSAGE} accepted")]
    TooLarge(u64),
    /// The first byte is neither `l` nor `B`.
    #[error("D-Bus message with unknown byte order {0:#04x}")]
    ByteOrder(u8),
    /// The protocol version is not 1.
    #[error("D-Bus message of protocol version {0}")]
    Version(u8),
    /// The message type is not one of the four.
    #[error("D-Bus message of unknown type {0}")]
    MessageType(u8),
    /// A string is not NUL-terminated, contains a NUL or is not UTF-8.
    #[error("D-Bus string at byte {0} is malformed")]
    BadString(usize),
    /// A boolean is neither 0 nor 1.
    #[error("D-Bus boolean at byte {0} is neither 0 nor 1")]
    BadBool(usize),
    /// Padding bytes are not zero.
    #[error("D-Bus padding at byte {0} is not zero")]
    BadPadding(usize),
    /// A header field has a type this decoder does not read.
    #[error("D-Bus header field {code} has the unsupported signature {signature:?}")]
    FieldSignature {
        /// The field code.
        code: u8,
        /// Its signature.
        signature: String,
    },
    /// A header field the message type requires is missing.
    #[error("D-Bus message lacks its {0} header field")]
    MissingField(&'static str),
    /// The body does not hold the values its signature names, or the caller asked for another type.
    #[error("D-Bus body: expected {expected}, the signature is {signature:?}")]
    BodyType {
        /// What the caller asked for.
        expected: &'static str,
        /// The body's signature.
        signature: String,
    },
    /// The server's line of the SASL handshake is not one this client understands.
    #[error("D-Bus authentication: unexpected answer {0:?}")]
    AuthReply(String),
    /// The bus address names no Unix socket this client can reach.
    #[error("D-Bus address {0:?}: no unix:path= or unix:abstract= entry")]
    Address(String),
}
