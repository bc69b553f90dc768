//! IpaEuiccDataRequest (`BF52`) and its answer: eUICC and IPA data the eIM asks for, v1.2 layout.

use super::{EuiccPackageResult, IpaCapabilities};
use crate::types::sgp22::codes::CodeTable;
use crate::types::sgp22::{Certificate, DeviceInfo, EUICCInfo1, EUICCInfo2, PendingNotification};
use crate::{Asn1, BitString, Octets, Signed};

/// IpaEuiccDataRequest (`BF52`): which data the eIM wants.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 82)]
pub struct IpaEuiccDataRequest {
    /// The tags of the IpaEuiccData components wanted.
    #[asn1(application = 28)]
    pub tag_list: Octets,
    /// The CI key the returned certificates must lead to.
    #[asn1(name = "euiccCiPKIdentifierToBeUsed")]
    pub euicc_ci_pk_identifier_to_be_used: Option<Octets>,
    /// Which notifications to return.
    #[asn1(context = 1)]
    pub search_criteria_notification: Option<SearchCriteriaNotification>,
    /// Which eUICC Package Results to return.
    #[asn1(context = 2)]
    pub search_criteria_euicc_package_result: Option<SearchCriteriaEuiccPackageResult>,
    /// The eIM's correlation identifier, echoed in the answer.
    #[asn1(context = 3, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
}

/// Which notifications an IpaEuiccDataRequest asks for.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum SearchCriteriaNotification {
    /// The notification with this sequence number.
    #[asn1(context = 0)]
    SeqNumber(i64),
    /// The notifications of these events (SGP.22 NotificationEvent bits).
    #[asn1(context = 1)]
    ProfileManagementOperation(BitString),
}

/// Which eUICC Package Results an IpaEuiccDataRequest asks for.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum SearchCriteriaEuiccPackageResult {
    /// The result with this sequence number.
    #[asn1(context = 0)]
    SeqNumber(i64),
}

/// The IPA's answer to IpaEuiccDataRequest (`BF52`). Not signed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 82)]
pub enum IpaEuiccDataResponse {
    /// The data.
    #[asn1(context = 0)]
    IpaEuiccData(IpaEuiccData),
    /// Why the data could not be collected.
    #[asn1(context = 1)]
    IpaEuiccDataResponseError(IpaEuiccDataResponseError),
}

/// An IpaEuiccDataRequest that could not be served.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct IpaEuiccDataResponseError {
    /// The request's transaction identifier, echoed.
    #[asn1(context = 0, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
    /// Names: [`IPA_EUICC_DATA_ERROR_CODE`].
    pub ipa_euicc_data_error_code: i64,
}

/// `IpaEuiccDataErrorCode`.
pub const IPA_EUICC_DATA_ERROR_CODE: CodeTable = &[
    (1, "incorrectTagList"),
    (5, "euiccCiPKIdNotFound"),
    (104, "ecallActive"),
    (127, "undefinedError"),
];

/// The eUICC and IPA data an IpaEuiccDataRequest asked for.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct IpaEuiccData {
    /// Pending notifications, relayed as the eUICC signed them.
    #[asn1(context = 0)]
    pub notifications_list: Option<Vec<Signed<PendingNotification>>>,
    /// The eUICC's default SM-DP+ address.
    #[asn1(context = 1)]
    pub default_smdp_address: Option<String>,
    /// Stored eUICC Package Results, relayed as the eUICC signed them.
    #[asn1(context = 2)]
    pub euicc_package_result_list: Option<Vec<Signed<EuiccPackageResult>>>,
    /// GetEuiccInfo1.
    pub euicc_info1: Option<EUICCInfo1>,
    /// GetEuiccInfo2.
    pub euicc_info2: Option<EUICCInfo2>,
    /// The eUICC's root SM-DS address.
    #[asn1(context = 3)]
    pub root_smds_address: Option<String>,
    /// The eIM's association token.
    #[asn1(context = 4)]
    pub association_token: Option<i64>,
    /// The EUM certificate.
    #[asn1(context = 5)]
    pub eum_certificate: Option<Certificate>,
    /// The eUICC certificate.
    #[asn1(context = 6)]
    pub euicc_certificate: Option<Certificate>,
    /// The request's transaction identifier, echoed.
    #[asn1(context = 7, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
    /// What this IPA supports.
    #[asn1(context = 8)]
    pub ipa_capabilities: Option<IpaCapabilities>,
    /// The device (SGP.22 DeviceInfo).
    #[asn1(context = 9)]
    pub device_info: Option<DeviceInfo>,
}
