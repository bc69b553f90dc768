//! The simulated eIM: signs eUICC packages for the simulated eUICC and serves ESipa (ASN.1 binding, SGP.32
//! v1.0 or v1.2 layout) over HTTPS on loopback.
//!
//! - [`logic`]: the sans-IO eIM: package queues per EID, stored results, acknowledgements.
//! - [`server`]: the HTTPS listener (the shared [`https_server`](crate::sim::https_server) plumbing).

pub mod logic;
pub mod server;

#[cfg(test)]
mod tests;

pub use logic::{
    BadRequest, DataResponse, DownloadResult, PackageContent, Received, Report, SimEim,
};
