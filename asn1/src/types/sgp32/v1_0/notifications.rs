//! The answer to RetrieveNotificationsList (`BF2B`) in the v1.0 form, which also returns stored eUICC Package
//! Results. (The v1.0 request is SGP.22's.)

use super::EuiccPackageResult;
use crate::types::sgp22::PendingNotification;
use crate::{Asn1, Signed};

retrieve_notifications_list_response! {
    /// Both.
    #[asn1(context = 3)]
    NotificationAndEprList(NotificationAndEprList),
}

/// Notifications and eUICC Package Results together.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct NotificationAndEprList {
    /// Notifications, as the eUICC signed them.
    #[asn1(context = 0)]
    pub notification_list: Vec<Signed<PendingNotification>>,
    /// eUICC Package Results, as the eUICC signed them.
    #[asn1(context = 1)]
    pub euicc_package_result_list: Vec<Signed<EuiccPackageResult>>,
}
