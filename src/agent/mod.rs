//! The IPA logic above the eUICC client and the remote clients.
//!
//! - [`bootstrap`]: the eIM a device starts with (AddInitialEim from configuration).
//! - [`connectivity`]: the connectivity observer's task over the modem (its state machine is
//!   `euiccd_core::connectivity`).
//! - [`bpp`]: the sans-IO split of a Bound Profile Package into LoadBoundProfilePackage segments.
//! - [`download`]: a profile download (SGP.22 flow), generic over the eUICC channel and the ES9+ carrier.
//! - [`eim`]: the driver of one eIM poll cycle (GetEimPackage, eUICC package, result, acknowledgements);
//!   its decisions are the state machine `euiccd_core::cycle`.
//! - [`indirect`]: whether a triggered download goes through the eIM or directly to the SM-DP+.
//! - [`ipa_data`]: the answer to an IpaEuiccDataRequest, collected through ES10.
//! - [`notify`]: pending notifications delivered to the eIM one by one (HandleNotification).
//! - [`journal`]: the poll cycle's durable record of what is owed (trait, and an in-memory journal).
//! - [`reconnect`]: the wait for the network after a package enabled a profile.
//! - [`sms`]: incoming SMS read, journaled, deleted; a trusted sender's keyword wakes the eIM poll (the
//!   parsers and the wake policy are `euiccd_core::sms`).
//! - [`schedule`]: when to poll the eIM next (sans-IO).
//! - [`supervisor`]: the rollback and fallback supervisors (decisions in `euiccd_core::supervisor`, journaled
//!   here).
//! - [`trigger`]: a ProfileDownloadTriggerRequest carried out in direct mode.

pub(crate) mod bootstrap;
pub(crate) mod bpp;
pub mod connectivity;
pub mod download;
pub mod eim;
pub(crate) mod indirect;
pub mod ipa_data;
pub mod journal;
pub(crate) mod notify;
pub(crate) mod reconnect;
pub(crate) mod schedule;
pub(crate) mod sms;
pub(crate) mod supervisor;
pub(crate) mod trigger;

#[cfg(test)]
mod eim_tests;
#[cfg(test)]
mod tests;
