//! Simulated peers for tests, demos and benchmarks: eUICC (ISD-R with real cryptography), modem, SM-DP+ and eIM,
//! and the network between the agent and its servers ([`link`]).
//!
//! Everything here is behind the default-on `sim` feature so that a minimal router build leaves it out.

pub mod card;
pub mod collector;
pub mod crypto;
pub mod eim;
pub mod euicc;
pub mod https_server;
pub mod iso7816;
pub mod link;
pub mod minimal_isdr;
pub mod modem;
pub mod smdp;
