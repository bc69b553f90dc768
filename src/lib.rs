//! euiccd: a device-side GSMA SGP.32 IoT Profile Assistant (IPAd).
//!
//! The crate is layered as `ARCHITECTURE.md` (at the repository root) describes: each module talks only to the one
//! below it.

pub mod agent;
pub mod apdu;
pub mod bench;
pub(crate) mod bounded_read;
pub mod cli;
pub(crate) mod clock;
pub mod config;
pub mod daemon;
pub(crate) mod error_chain;
pub mod euicc;
pub(crate) mod logger;
pub mod modem;
pub mod remote;
#[cfg(any(test, feature = "sim"))]
pub(crate) mod simulated;
pub mod store;
#[cfg(test)]
mod test_support;
