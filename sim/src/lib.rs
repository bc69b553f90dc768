//! Simulated peers for tests, demos and benchmarks: eUICC (ISD-R with real cryptography), modem, SM-DP+ and eIM,
//! and the network between the agent and its servers ([`link`]).
//!
//! A crate of its own that never depends on `euiccd`: the simulators are independent witnesses with their own
//! reading of the specifications, sharing only the ASN.1 types (`euicc-asn1`) with the IPA. `euiccd` links it
//! only with its `sim` feature, so a router build leaves it out.

pub mod card;
pub mod collector;
pub mod crypto;
pub mod eim;
pub mod euicc;
pub mod https_client;
pub mod https_server;
pub mod iso7816;
pub mod link;
pub mod mbim;
pub mod minimal_isdr;
pub mod modem;
pub mod qmi;
pub mod smdp;

mod bounded_read;
#[cfg(test)]
mod interop;
mod layout;
mod secret;

pub use layout::Layout;
