//! eIM configuration messages that are the same in v1.0 and v1.2.

use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Raw};

/// The answer to AddInitialEim (`BF57`): one outcome per eIM configuration, or an error code.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 87)]
pub enum AddInitialEimResponse {
    /// One entry per `EimConfigurationData` of the request, in order.
    #[asn1(context = 0)]
    AddInitialEimOk(Vec<AddInitialEimResult>),
    /// Names: `ADD_INITIAL_EIM_ERROR` of the version.
    #[asn1(context = 1)]
    AddInitialEimError(i64),
}

/// The outcome of adding one eIM in AddInitialEim.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum AddInitialEimResult {
    /// The eIM was added; the association token the eUICC assigned.
    #[asn1(context = 4)]
    AssociationToken(i64),
    /// The eIM was added, without an association token.
    #[asn1(universal = 5)]
    AddOk,
    /// An alternative added by a later version, kept as received.
    #[asn1(other)]
    Other(Raw),
}

/// `EimIdType`: how an `eimId` is to be read.
pub const EIM_ID_TYPE: CodeTable = &[
    (1, "eimIdTypeOid"),
    (2, "eimIdTypeFqdn"),
    (3, "eimIdTypeProprietary"),
];
