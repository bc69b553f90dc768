//! What the journal keeps of an unfinished poll cycle: the values a recovering cycle starts from.

/// Where an unfinished entry stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The package (the eIM's whole GetEimPackage answer) was received; it may or may not have been
    /// carried out.
    Received(Vec<u8>),
    /// This ESipa message (exact DER) is owed to the eIM; it may or may not have reached it.
    ResultOwed(Vec<u8>),
    /// These sequence numbers are to be removed (the eIM took them); some may still be on the eUICC.
    Acknowledged(Vec<i64>),
}

/// An unfinished entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The entry's identifier.
    pub id: u64,
    /// Its last recorded step.
    pub step: Step,
}

/// A profile switch the eIM permitted to be rolled back: what the rollback supervisor needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackSwitch {
    /// The eIM whose package enabled the profile (it hears of the rollback).
    pub eim_id: String,
    /// The profile enabled.
    pub iccid: euicc_asn1::Iccid,
}
