//! The eUICC Package Result (`BF51`): what the eUICC reports for a package, v1.0 layout.

use super::{AddEimResult, EimIdInfo};
use crate::types::sgp22::codes::CodeTable;
use crate::types::sgp22::{ProfileInfoListResponse, ProfilePolicyAuthorisationRule};
use crate::{Asn1, Octets, Raw, Signed};

/// EuiccPackageResult (`BF51`): the eUICC's signed result, its signed error, or an unsigned error.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 81)]
pub enum EuiccPackageResult {
    /// The package was carried out; one result per operation.
    #[asn1(context = 0)]
    EuiccPackageResultSigned(EuiccPackageResultSigned),
    /// The package was refused after its signature was verified.
    #[asn1(context = 1)]
    EuiccPackageErrorSigned(EuiccPackageErrorSigned),
    /// The package was refused before its signature could be verified.
    #[asn1(context = 2)]
    EuiccPackageErrorUnsigned(EuiccPackageErrorUnsigned),
    /// An alternative added by a later version, kept as received.
    #[asn1(other)]
    Other(Raw),
}

/// The signed result of a package.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccPackageResultSigned {
    /// The signed part, with the exact bytes the signature covers.
    pub euicc_package_result_data_signed: Signed<EuiccPackageResultDataSigned>,
    /// The eUICC's signature.
    #[asn1(application = 55, name = "euiccSignEPR")]
    pub euicc_sign_epr: Octets,
}

/// The part of a package result the eUICC signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccPackageResultDataSigned {
    /// The eIM that sent the package.
    #[asn1(context = 0)]
    pub eim_id: String,
    /// The package's counter value.
    #[asn1(context = 1)]
    pub counter_value: i64,
    /// The package's transaction identifier, echoed.
    #[asn1(context = 2, size(1..=16))]
    pub transaction_id: Option<Octets>,
    /// The number under which the eUICC keeps this result until it is acknowledged.
    #[asn1(context = 3)]
    pub seq_number: i64,
    /// One entry per operation, in order.
    pub euicc_result: Vec<EuiccResultData>,
}

/// The result of one operation of a package.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EuiccResultData {
    /// Names: [`ENABLE_PROFILE_RESULT`].
    #[asn1(context = 3)]
    EnableResult(i64),
    /// Names: [`DISABLE_PROFILE_RESULT`].
    #[asn1(context = 4)]
    DisableResult(i64),
    /// Names: [`DELETE_PROFILE_RESULT`].
    #[asn1(context = 5)]
    DeleteResult(i64),
    /// The profile list.
    #[asn1(context = 45)]
    ListProfileInfoResult(ProfileInfoListResponse),
    /// The Rules Authorisation Table.
    #[asn1(context = 6, name = "getRATResult")]
    GetRatResult(Vec<ProfilePolicyAuthorisationRule>),
    /// Names: `CONFIGURE_ENABLE_RESULT`.
    #[asn1(context = 7)]
    ConfigureAutoEnableResult(i64),
    /// The association token or an error code.
    #[asn1(context = 8)]
    AddEimResult(AddEimResult),
    /// Names: `DELETE_EIM_RESULT`.
    #[asn1(context = 9)]
    DeleteEimResult(i64),
    /// Names: `UPDATE_EIM_RESULT`.
    #[asn1(context = 10)]
    UpdateEimResult(i64),
    /// The configured eIMs.
    #[asn1(context = 11)]
    ListEimResult(ListEimResult),
    /// The eUICC rolled back an `enable`; names: `ROLLBACK_PROFILE_RESULT`.
    #[asn1(context = 12)]
    RollbackResult(i64),
    /// The eUICC stopped here; the remaining operations were not carried out. Names: `PROCESSING_TERMINATED`.
    ProcessingTerminated(i64),
    /// A result added by a later version, kept as received.
    #[asn1(other)]
    Other(Raw),
}

/// The answer to `listEim`.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum ListEimResult {
    /// The configured eIMs.
    #[asn1(context = 0)]
    EimIdList(Vec<EimIdInfo>),
    /// Names: [`LIST_EIM_ERROR`].
    #[asn1(context = 1)]
    ListEimError(i64),
}

/// The signed error of a refused package.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccPackageErrorSigned {
    /// The signed part, with the exact bytes the signature covers.
    pub euicc_package_error_data_signed: Signed<EuiccPackageErrorDataSigned>,
    /// The eUICC's signature.
    #[asn1(application = 55, name = "euiccSignEPE")]
    pub euicc_sign_epe: Octets,
}

/// The part of a package error the eUICC signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccPackageErrorDataSigned {
    /// The eIM that sent the package.
    #[asn1(context = 0)]
    pub eim_id: String,
    /// The package's counter value.
    #[asn1(context = 1)]
    pub counter_value: i64,
    /// The package's transaction identifier, echoed.
    #[asn1(context = 2, size(1..=16))]
    pub transaction_id: Option<Octets>,
    /// Names: [`EUICC_PACKAGE_ERROR_CODE`].
    pub euicc_package_error_code: i64,
}

/// The unsigned error of a package whose signature could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccPackageErrorUnsigned {
    /// The eIM named in the package.
    #[asn1(context = 0)]
    pub eim_id: String,
    /// The association token of the eIM, if known.
    #[asn1(context = 4)]
    pub association_token: Option<i64>,
}

/// `EnableProfileResult`.
pub const ENABLE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (127, "undefinedError"),
];

/// `DisableProfileResult`.
pub const DISABLE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInEnabledState"),
    (127, "undefinedError"),
];

/// `DeleteProfileResult`.
pub const DELETE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (127, "undefinedError"),
];

/// `addEimResultCode`.
pub const ADD_EIM_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "insufficientMemory"),
    (3, "ciPKUnknown"),
    (5, "invalidAssociationToken"),
    (6, "counterValueOutOfRange"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// `listEimError`.
pub const LIST_EIM_ERROR: CodeTable = &[(7, "commandError"), (127, "undefinedError")];

/// `EuiccPackageErrorCode`.
pub const EUICC_PACKAGE_ERROR_CODE: CodeTable = &[
    (3, "invalidEid"),
    (4, "replayError"),
    (6, "counterValueOutOfRange"),
    (15, "sizeOverflow"),
    (127, "undefinedError"),
];
