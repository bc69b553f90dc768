//! eIM Package Retrieval and injection: GetEimPackage, ProvideEimPackageResult and TransferEimPackage, v1.0
//! layout.

use super::{
    EimAcknowledgements, EuiccPackageRequest, EuiccPackageResult, IpaEuiccDataRequest,
    IpaEuiccDataResponse, ProfileDownloadTriggerResult, RetrieveNotificationsListResponse,
};
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
    /// The registered PLMN (MCC/MNC, 3 bytes as in 3GPP TS 24.008).
    #[asn1(context = 1, name = "rPLMN")]
    pub r_plmn: Option<Octets>,
}

eim_package_transfer!();

/// `eimPackageError` of GetEimPackageResponse.
pub const EIM_PACKAGE_ERROR: CodeTable = &[(1, "noEimPackageAvailable"), (127, "undefinedError")];

/// ProvideEimPackageResult (`BF50`): the outcome of an eIM package, sent back to the eIM.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 80)]
pub enum ProvideEimPackageResult {
    /// The eUICC's package result.
    EuiccPackageResult(Signed<EuiccPackageResult>),
    /// The eUICC's package result and the notifications it caused.
    #[asn1(name = "ePRAndNotifications")]
    EprAndNotifications(EprAndNotifications),
    /// The requested data.
    IpaEuiccDataResponse(IpaEuiccDataResponse),
    /// The outcome of a triggered download.
    ProfileDownloadTriggerResult(ProfileDownloadTriggerResult),
    /// The package could not be processed; names: `EIM_PACKAGE_RESULT_ERROR`.
    EimPackageError(i64),
}

/// A package result with the notifications its operations caused.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EprAndNotifications {
    /// The eUICC's package result.
    pub euicc_package_result: Signed<EuiccPackageResult>,
    /// The notifications, as RetrieveNotificationsList returned them.
    pub notification_list: RetrieveNotificationsListResponse,
}

/// The outcome CHOICE under the name v1.2 gives it (`EimPackageResult`): v1.0 sends it as the
/// ProvideEimPackageResult itself, so that code written over both layouts names the outcome alike.
pub type EimPackageResult = ProvideEimPackageResult;

/// The eIM's answer to ProvideEimPackageResult.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 80)]
pub struct ProvideEimPackageResultResponse {
    /// What the eIM has stored; the IPA removes these from the eUICC.
    pub eim_acknowledgements: Option<EimAcknowledgements>,
}
