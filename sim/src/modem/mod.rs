//! The simulated modem: an AT command interpreter in front of the simulated card, served on a PTY.
//!
//! [`interpreter`] is sans-IO (bytes in, actions out) so it is tested without a terminal; [`server`] puts
//! it on a real pseudo-terminal and links the device at a path, as `euiccd sim serve --pty-link PATH`;
//! [`quirks`] are the switchable real-modem behaviours; [`network`] is the scriptable network it sees,
//! [`sms`] its message storage; `uart_clock` paces its bytes to the microsecond.

pub mod gsm7;
pub mod interpreter;
pub mod network;
pub mod quirks;
pub mod server;
pub mod sms;
mod uart_clock;

pub use interpreter::{Action, AtInterpreter, Counters};
pub use network::{NetworkChange, Scenario, SimNetwork};
pub use quirks::Quirks;
pub use server::{NetworkScript, ServerConfig, serve};
