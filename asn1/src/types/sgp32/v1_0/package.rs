//! The eIM's eUICC Package (`BF51`): PSMOs and eCOs, v1.0 layout.

use super::{
    ConfigureAutoProfileEnablingRequest, DeleteEim, EimConfigurationData, Empty, EnableParams,
    ProfileIccid,
};
use crate::types::sgp22::ProfileInfoListRequest;
use crate::{Asn1, Eid, Octets, Raw, Signed};

/// EuiccPackageRequest (`BF51`): a package signed by the eIM, loaded into the eUICC byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 81)]
pub struct EuiccPackageRequest {
    /// The signed part, with the exact bytes the signature covers.
    pub euicc_package_signed: Signed<EuiccPackageSigned>,
    /// The eIM's signature over `euiccPackageSigned`.
    #[asn1(application = 55)]
    pub eim_signature: Octets,
}

/// The part of an eUICC Package the eIM signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccPackageSigned {
    /// The sending eIM.
    #[asn1(context = 0)]
    pub eim_id: String,
    /// The target eUICC.
    #[asn1(application = 26)]
    pub eid_value: Eid,
    /// Replay protection: must exceed the last value the eUICC accepted from this eIM.
    #[asn1(context = 1)]
    pub counter_value: i64,
    /// The eIM's correlation identifier, echoed in the result.
    #[asn1(context = 2, size(1..=16))]
    pub transaction_id: Option<Octets>,
    /// The operations.
    pub euicc_package: EuiccPackage,
}

/// The operations of an eUICC Package: either profile operations or eIM configuration operations.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EuiccPackage {
    /// Profile State Management Operations, carried out in order.
    #[asn1(context = 0)]
    PsmoList(Vec<Psmo>),
    /// eIM Configuration Operations, carried out in order.
    #[asn1(context = 1)]
    EcoList(Vec<Eco>),
}

/// A Profile State Management Operation.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum Psmo {
    /// Enable a profile.
    #[asn1(context = 3)]
    Enable(EnableParams),
    /// Disable a profile.
    #[asn1(context = 4)]
    Disable(ProfileIccid),
    /// Delete a profile.
    #[asn1(context = 5)]
    Delete(ProfileIccid),
    /// List profiles (SGP.22 GetProfilesInfo).
    #[asn1(context = 45)]
    ListProfileInfo(ProfileInfoListRequest),
    /// Read the Rules Authorisation Table.
    #[asn1(context = 6, name = "getRAT")]
    GetRat(Empty),
    /// Configure automatic profile enabling.
    #[asn1(context = 7)]
    ConfigureAutoEnable(ConfigureAutoProfileEnablingRequest),
    /// An operation added by a later version, kept as received.
    #[asn1(other)]
    Other(Raw),
}

/// An eIM Configuration Operation.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum Eco {
    /// Add an eIM.
    #[asn1(context = 8)]
    AddEim(EimConfigurationData),
    /// Remove an eIM.
    #[asn1(context = 9)]
    DeleteEim(DeleteEim),
    /// Replace an eIM's configuration.
    #[asn1(context = 10)]
    UpdateEim(EimConfigurationData),
    /// List the configured eIMs.
    #[asn1(context = 11)]
    ListEim(Empty),
    /// An operation added by a later version, kept as received.
    #[asn1(other)]
    Other(Raw),
}
