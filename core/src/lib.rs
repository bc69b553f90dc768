//! euiccd-core: the sans-IO core of euiccd. Everything here takes bytes, lines and the time as inputs and
//! gives values, events and the next thing to send as outputs; nothing here reads a port, opens a socket
//! or a file, or needs an async runtime. The daemon crate (`euiccd`) drives these machines over its
//! tokio transports, and the tests drive them directly.
//!
//! - [`at`]: the AT line parser (line framing, final result codes, unsolicited result codes).
//! - [`network`]: the 3GPP TS 27.007 network lines (registration, operator, packet domain, signal).
//! - [`sms`]: incoming SMS (3GPP TS 27.005 answers, TS 23.040 / 23.038 PDUs), reassembly, the wake policy.
//! - [`connectivity`]: the connectivity observer (network lines in; state, events and queries out).
//! - [`supervisor`]: the rollback and fallback supervisors' decisions.
//! - [`cycle`]: the eIM poll cycle (GetEimPackage, the package carried out, its result delivered).
//! - [`apdu`]: ISO/IEC 7816-4 commands, responses and status words, and the STORE DATA chaining machine.
//! - [`es10`]: the ES10 functions as request/answer pairs (what the ISD-R receives, what its answer means).
//! - [`dbus`]: the D-Bus wire format (addresses, SASL EXTERNAL, method calls and replies) of the ModemManager
//!   client.
//! - [`mbim`]: MBIM control messages and fragments (USB MBIM 1.0), the UICC low-level access and proxy
//!   control services.
//! - [`qmi`]: Qualcomm QMI framing (QMUX, TLVs) and the control and UIM messages a QMI transport needs.
//! - [`http`]: HTTP/1.1 client framing (RFC 9112): a `POST` to send, and the answer read incrementally.
//! - [`secret`]: a string type that keeps secrets out of logs.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apdu;
pub mod at;
pub mod connectivity;
pub mod cycle;
pub mod dbus;
pub mod es10;
pub mod http;
pub mod mbim;
pub mod network;
pub mod qmi;
pub mod rfc3339;
pub mod secret;
pub mod sms;
pub mod supervisor;
