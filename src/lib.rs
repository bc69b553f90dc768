//! euiccd: a device-side GSMA SGP.32 IoT Profile Assistant (IPAd).
//!
//! The crate is layered as `../ARCHITECTURE.md` describes: each module talks only to the one below it.

pub mod agent;
pub mod apdu;
pub mod bench;
pub mod bounded_read;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod error_chain;
pub mod euicc;
pub mod modem;
pub mod remote;
/// `Secret` moved to the core crate; this path stays only for the simulator (`sim/smdp/order.rs`), which
/// is being moved into a crate of its own.
pub use euiccd_core::secret;
#[cfg(feature = "sim")]
pub mod sim;
pub mod store;
