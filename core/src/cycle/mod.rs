//! The eIM poll cycle as a state machine with no I/O (SGP.32 v1.2 sections 3.4 and 5.14: GetEimPackage,
//! an eUICC package carried out, ProvideEimPackageResult), in the manner of `quinn-proto`: the
//! [`Cycle`] decides, its driver (the daemon's `agent::eim::poll_once`) talks to the eIM, the eUICC and the
//! journal. Every decision can so be tested as a sequence of [`Input`]s and [`Action`]s, without a network or a card.
//!
//! The cycle asks for each step that changes the eUICC or is owed to the eIM to be recorded
//! ([`Action::Record`]) before it asks for the step itself: the package received before it is loaded or
//! carried out, the exact result before it is sent, the sequence numbers the eIM took before they are
//! removed. It starts by finishing the entries an interrupted cycle left ([`Pending`]).
//!
//! This module depends on `std` and `euicc_asn1` only. What depends on the SGP.32 layout is in the
//! functions of [`codec`].

mod action;
pub mod codec;
mod machine;
mod outcome;
mod record;
#[cfg(test)]
mod tests;

pub use action::{
    Action, CardAnswer, CardCommand, CycleError, DataRequest, DataResponse, Input, Note, Record,
    Stop, TriggerResponse,
};
pub use codec::INVALID_PACKAGE_FORMAT;
pub use machine::{Config, Cycle};
pub use outcome::{PILE_UP_BOUND, PollOutcome, Removal, StateChange};
pub use record::{Pending, RollbackSwitch, Step};

use euicc_asn1::Iccid;
use euicc_asn1::types::sgp32::common::ProfileDownloadTriggerRequest;

/// What GetEimPackage brought.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Package {
    /// noEimPackageAvailable.
    Nothing,
    /// Another `eimPackageError`.
    EimError(i64),
    /// An EuiccPackageRequest (`BF51 …`), the exact bytes received.
    Request(Vec<u8>),
    /// An IpaEuiccDataRequest.
    DataRequest(DataRequest),
    /// A ProfileDownloadTriggerRequest.
    Trigger(ProfileDownloadTriggerRequest),
    /// A package not to carry out, with the error code to report.
    Rejected(i64),
}

/// A profile an eUICC package enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Enabled {
    /// The eIM whose package it was (it hears of a rollback).
    eim_id: String,
    /// The profile.
    iccid: Iccid,
    /// The enable carried `rollbackFlag`: the rollback supervisor's cue.
    rollback_permitted: bool,
}
