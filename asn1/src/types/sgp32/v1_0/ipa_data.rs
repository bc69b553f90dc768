//! IpaEuiccDataRequest (`BF52`) and its answer: eUICC and IPA data the eIM asks for, v1.0 layout.

use super::RetrieveNotificationsListResponse;
use crate::types::sgp22::NotificationSearchCriteria;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Octets};

/// IpaEuiccDataRequest (`BF52`): which data the eIM wants.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 82)]
pub struct IpaEuiccDataRequest {
    /// The tags of the IpaEuiccData components wanted.
    #[asn1(application = 28)]
    pub tag_list: Octets,
    /// The CI key the returned certificates must lead to.
    #[asn1(name = "euiccCiPKId")]
    pub euicc_ci_pk_id: Option<Octets>,
    /// Which notifications or package results to return.
    #[asn1(context = 1)]
    pub search_criteria: Option<NotificationSearchCriteria>,
}

/// The IPA's answer to IpaEuiccDataRequest (`BF52`). Not signed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 82)]
pub enum IpaEuiccDataResponse {
    /// The data.
    #[asn1(context = 0)]
    IpaEuiccData(IpaEuiccData),
    /// Names: [`IPA_EUICC_DATA_ERROR`].
    #[asn1(context = 1)]
    IpaEuiccDataError(i64),
}

/// `ipaEuiccDataError`.
pub const IPA_EUICC_DATA_ERROR: CodeTable = &[
    (1, "incorrectTagList"),
    (5, "euiccCiPKIdNotFound"),
    (127, "undefinedError"),
];

ipa_euicc_data! {
    head {
        /// The eUICC's default SM-DP+ address.
        #[asn1(context = 0)]
        pub default_smdp_address: Option<String>,
    }
    middle {
    }
    tail {
        /// Notifications and package results, as RetrieveNotificationsList returned them.
        pub notifications_list: Option<RetrieveNotificationsListResponse>,
    }
}
