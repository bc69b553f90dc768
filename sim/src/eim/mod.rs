//! The simulated eIM: signs eUICC packages for the simulated eUICC and serves ESipa (ASN.1 binding, SGP.32
//! v1.0 or v1.2 layout) over HTTPS on loopback.
//!
//! - [`logic`]: the sans-IO eIM: package queues per EID, stored results, acknowledgements.
//! - [`es9_client`]: the eIM's own ES9+ client, for the relay.
//! - [`relay`]: ESipa requests of an indirect download as ES9+ calls to the SM-DP+, and back.
//! - [`server`]: the HTTPS listener (the shared [`https_server`](crate::https_server) plumbing).

pub mod es9_client;
pub mod json;
pub mod logic;
pub mod relay;
pub mod server;

#[cfg(test)]
mod tests;

pub use logic::{
    Acknowledging, Action, BadRequest, DataResponse, DownloadResult, PackageContent, Poll,
    Received, Report, SimEim,
};
