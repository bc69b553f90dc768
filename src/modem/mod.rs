//! The modem layer: the AT engine that owns the serial port.
//!
//! The sans-IO parser `euiccd_core::at` turns bytes into lines, finals and URCs; [`engine`] is the one task
//! that owns the port, serialises commands and broadcasts URCs; [`port`] opens (and reopens) the serial
//! device; [`network`] and [`sms`] are the 3GPP TS 27.007 / 27.005 dialogues the agent asks for by name.

pub(crate) mod engine;
pub(crate) mod modemmanager;
pub(crate) mod network;
pub(crate) mod port;
pub(crate) mod sms;

pub use engine::Modem;
// The engine's answers and errors are made of the core parser's types.
pub(crate) use euiccd_core::at::{FinalResult, Response, Urc};

use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong talking AT to the modem.
#[derive(Debug, thiserror::Error)]
pub enum ModemError {
    /// The device path does not exist (unplugged, or a USB modem re-enumerating).
    #[error("serial port {} not found", .path.display())]
    PortMissing {
        /// The device path.
        path: PathBuf,
    },
    /// Another program holds the port.
    #[error(
        "serial port {} is busy: another program holds it open, usually ModemManager. Stop it \
         (`systemctl stop ModemManager`) or make it leave this port alone with a udev rule that sets \
         ENV{{ID_MM_PORT_IGNORE}}=\"1\" for it (see hw/README.md)",
        .path.display()
    )]
    PortBusy {
        /// The device path.
        path: PathBuf,
    },
    /// Any other failure to open or configure the port.
    #[error("cannot open serial port {}: {reason}", .path.display())]
    PortOpen {
        /// The device path.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// The port went away while in use (hang-up, USB disconnect, I/O error).
    #[error("serial port lost: {0}")]
    PortLost(String),
    /// No final result arrived in time.
    #[error("{command}: no final result within {timeout:?}")]
    Timeout {
        /// The command name (without parameters).
        command: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The modem answered with `ERROR`, `+CME ERROR` or `+CMS ERROR`.
    #[error("{command} failed: {result}")]
    Rejected {
        /// The command name (without parameters).
        command: String,
        /// The final result.
        result: FinalResult,
    },
    /// A line of the answer was longer than the parser accepts and was dropped.
    #[error("{command}: a line of the answer exceeded the maximum length and was discarded")]
    LineTooLong {
        /// The command name (without parameters).
        command: String,
    },
    /// The whole answer was larger than the engine accepts.
    #[error("{command}: the answer exceeded {max} bytes")]
    ResponseTooLarge {
        /// The command name (without parameters).
        command: String,
        /// The limit.
        max: usize,
    },
    /// The modem does not answer `AT` with `OK` after (re)opening or after a lost answer.
    #[error("the modem does not answer AT on {0}")]
    NotResponding(String),
    /// The command text is not a single AT command line.
    #[error("invalid AT command: {0}")]
    InvalidCommand(&'static str),
    /// The engine task has stopped (the runtime is shutting down).
    #[error("the modem engine has stopped")]
    EngineStopped,
}

/// The name of an AT command without its parameters (`AT+CSIM=10,"…"` → `AT+CSIM`), for errors and logs
/// that must not carry APDU payloads.
pub(crate) fn command_name(command: &str) -> String {
    let end = command.find(['=', '?']).unwrap_or(command.len());
    command[..end].trim().to_owned()
}
