//! eIM Package Retrieval and injection: GetEimPackage, ProvideEimPackageResult and TransferEimPackage, v1.2
//! layout.

use super::{
    EimAcknowledgements, Empty, EuiccPackageRequest, EuiccPackageResult, IpaEuiccDataRequest,
    IpaEuiccDataResponse, ProfileDownloadTriggerResult,
};
use crate::types::sgp22::PendingNotification;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Eid, Null, Octets, Signed};

/// GetEimPackage (`BF4F`): the IPA's poll for work.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 79)]
pub struct GetEimPackageRequest {
    /// The polling eUICC.
    #[asn1(application = 26)]
    pub eid_value: Eid,
    /// Present: the enabled profile changed locally since the last poll.
    #[asn1(context = 0)]
    pub notify_state_change: Option<Null>,
    /// Why the state changed; names: [`STATE_CHANGE_CAUSE`].
    #[asn1(context = 1)]
    pub state_change_cause: Option<i64>,
    /// The registered PLMN (MCC/MNC, 3 bytes as in 3GPP TS 24.008).
    #[asn1(context = 2, name = "rPLMN")]
    pub r_plmn: Option<Octets>,
}

/// `StateChangeCause`.
pub const STATE_CHANGE_CAUSE: CodeTable = &[
    (0, "otherEim"),
    (1, "fallback"),
    (2, "emergencyProfile"),
    (3, "local"),
    (4, "reset"),
    (5, "immediateEnableProfile"),
    (6, "deviceChange"),
    (127, "undefined"),
];

eim_package_transfer!();

/// `eimPackageError` of GetEimPackageResponse.
pub const EIM_PACKAGE_ERROR: CodeTable = &[
    (1, "noEimPackageAvailable"),
    (2, "eidNotFound"),
    (3, "invalidEid"),
    (4, "missingEid"),
    (127, "undefinedError"),
];

/// ProvideEimPackageResult (`BF50`): the outcome of an eIM package, sent back to the eIM.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 80)]
pub struct ProvideEimPackageResult {
    /// The reporting eUICC.
    #[asn1(application = 26)]
    pub eid_value: Option<Eid>,
    /// The outcome.
    pub eim_package_result: EimPackageResult,
}

/// The outcome of an eIM package.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EimPackageResult {
    /// The eUICC's package result.
    EuiccPackageResult(Signed<EuiccPackageResult>),
    /// The eUICC's package result and the notifications it caused.
    #[asn1(name = "ePRAndNotifications")]
    EprAndNotifications(EprAndNotifications),
    /// The requested data.
    IpaEuiccDataResponse(IpaEuiccDataResponse),
    /// The outcome of a triggered download.
    ProfileDownloadTriggerResult(ProfileDownloadTriggerResult),
    /// The package could not be processed.
    #[asn1(context = 0)]
    EimPackageResultResponseError(EimPackageResultResponseError),
}

/// A package result with the notifications its operations caused.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EprAndNotifications {
    /// The eUICC's package result.
    pub euicc_package_result: Signed<EuiccPackageResult>,
    /// The notifications, as the eUICC signed them.
    #[asn1(context = 0)]
    pub notification_list: Vec<Signed<PendingNotification>>,
}

/// An eIM package the IPA could not process.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EimPackageResultResponseError {
    /// The package's transaction identifier, echoed.
    #[asn1(context = 0, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
    /// Names: `EIM_PACKAGE_RESULT_ERROR`.
    pub eim_package_result_error_code: i64,
}

/// The eIM's answer to ProvideEimPackageResult.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 80)]
pub enum ProvideEimPackageResultResponse {
    /// What the eIM has stored; the IPA removes these from the eUICC.
    EimAcknowledgements(EimAcknowledgements),
    /// Nothing to acknowledge.
    EmptyResponse(Empty),
    /// Names: [`PROVIDE_EIM_PACKAGE_RESULT_ERROR`].
    ProvideEimPackageResultError(i64),
}

/// `provideEimPackageResultError`.
pub const PROVIDE_EIM_PACKAGE_RESULT_ERROR: CodeTable = &[
    (2, "eidNotFound"),
    (3, "invalidEid"),
    (4, "missingEid"),
    (127, "undefinedError"),
];
