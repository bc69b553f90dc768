//! The answer to RetrieveNotificationsList (`BF2B`) in the SGP.32 v1.2 form, which also returns stored eUICC
//! Package Results. (The request is the one in `sgp22`, which already has the v1.2 form.)

use super::EuiccPackageResult;
use crate::types::sgp22::PendingNotification;
use crate::{Asn1, Signed};

/// The answer to RetrieveNotificationsList.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 43)]
pub enum RetrieveNotificationsListResponse {
    /// Notifications, as the eUICC signed them.
    #[asn1(context = 0)]
    NotificationList(Vec<Signed<PendingNotification>>),
    /// Names: `sgp22::codes::NOTIFICATIONS_LIST_ERROR`.
    #[asn1(context = 1)]
    NotificationsListResultError(i64),
    /// eUICC Package Results, as the eUICC signed them.
    #[asn1(context = 2)]
    EuiccPackageResultList(Vec<Signed<EuiccPackageResult>>),
}
