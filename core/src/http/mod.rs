//! HTTP/1.1 message framing for a client (RFC 9112) without I/O: the head of a `POST` with its body in one
//! buffer ([`request`]), and an incremental reader of the answer ([`response`]): status line, header fields,
//! and a body delimited by `Content-Length`, by the chunked transfer coding, or by the end of the connection.
//!
//! Hand-written rather than hyper: the agent sends one `POST` at a time on one kept-alive connection, with a
//! small fixed set of header fields, and reads one bounded answer. hyper 1 with hyper-util, http-body-util and
//! the `http` crate are a general client (any method, streamed bodies, header maps, a connection task), and
//! their generic code is instantiated in the daemon crate. Measured on the router build for x86_64
//! (`cargo build --release --no-default-features`, stripped, 2026-12-07): 3,928,816 B with hyper,
//! 3,791,792 B with this framing, 137,024 B (3.5%) less. The simulated servers keep hyper, so the tests of the
//! client run it against an HTTP implementation that is not its own.
//!
//! Limits: a response head (status line and fields, any interim 1xx heads included) of at most [`MAX_HEAD`]
//! bytes and [`MAX_FIELDS`] fields; a body of at most the caller's bound; chunk lines, chunk extensions and
//! trailer fields bounded too ([`response`]). Every violation is a typed [`Error`].

pub mod request;
pub mod response;

pub use request::{InvalidRequest, Post};
pub use response::{Field, Response, ResponseReader, Version};

/// The largest response head accepted: the status line and header fields, with every interim (1xx) head
/// before it.
pub const MAX_HEAD: usize = 16 * 1024;

/// The most header fields one response head (or its trailer section) may carry.
pub const MAX_FIELDS: usize = 64;

/// Why a response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The status line is not `HTTP/1.x NNN reason` (RFC 9112 §4).
    #[error("malformed HTTP status line")]
    StatusLine,
    /// The answer is not HTTP/1.0 or HTTP/1.1 (RFC 9112 §2.3).
    #[error("unsupported HTTP version")]
    Version,
    /// A header or trailer field is not `name: value` with a token name and a valid value (RFC 9112 §5).
    #[error("malformed HTTP header field")]
    Field,
    /// The head is longer than [`MAX_HEAD`].
    #[error("HTTP response head longer than {MAX_HEAD} bytes")]
    HeadTooLarge,
    /// The head or the trailer section has more than [`MAX_FIELDS`] fields.
    #[error("more than {MAX_FIELDS} HTTP header fields")]
    TooManyFields,
    /// `Content-Length` is not a number, or several differ (RFC 9112 §6.3).
    #[error("invalid Content-Length")]
    ContentLength,
    /// A transfer coding other than one `chunked`, or one in an HTTP/1.0 answer (RFC 9112 §6.1).
    #[error("unsupported Transfer-Encoding")]
    TransferEncoding,
    /// A chunk's size line or the line ending after its data is malformed (RFC 9112 §7.1).
    #[error("malformed HTTP chunk")]
    Chunk,
    /// Chunk extensions or trailer fields beyond their bounds.
    #[error("HTTP chunk extensions or trailer longer than {MAX_HEAD} bytes")]
    ChunkFramingTooLarge,
    /// `101 Switching Protocols`, which only answers a request asking for an upgrade; this client asks none.
    #[error("unrequested HTTP protocol switch")]
    SwitchingProtocols,
    /// The body is larger than the caller's bound.
    #[error("HTTP response body larger than {0} bytes")]
    BodyTooLarge(usize),
    /// The connection ended before any byte of an answer.
    #[error("the connection closed without an answer")]
    Closed,
    /// The connection ended inside the answer.
    #[error("the connection closed inside the HTTP answer")]
    Truncated,
}

/// Whether `byte` is a `tchar`, the characters of a token such as a field name (RFC 9110 §5.6.2).
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Whether `bytes` is a token (RFC 9110 §5.6.2).
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

/// Whether `byte` may appear in a field value: visible characters, space, tab and obs-text; no control
/// character, so no CR, LF or NUL (RFC 9110 §5.5).
fn is_field_byte(byte: u8) -> bool {
    byte == b'\t' || (byte >= b' ' && byte != 0x7f)
}
