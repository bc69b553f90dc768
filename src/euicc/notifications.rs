//! Notifications (ES10b): list their metadata, retrieve the signed objects for relay, remove delivered ones.

use super::error::check;
use super::{Euicc, EuiccError, decode};
use crate::apdu::CardChannel;
use euicc_asn1::for_layout;
use euicc_asn1::types::sgp22::codes::{self, CodeTable};
use euicc_asn1::types::sgp22::{
    ListNotificationRequest, ListNotificationResponse, NotificationMetadata,
    NotificationSearchCriteria, NotificationSentRequest, NotificationSentResponse,
    PendingNotification, RetrieveNotificationsListRequest,
};
use euicc_asn1::types::sgp32::view::NotificationsListView;
use euicc_asn1::{Asn1, BitString, Signed, to_der};

/// `notificationsListResultError` of RetrieveNotificationsList in SGP.32 (`noResultAvailable` added).
const RETRIEVE_ERROR: CodeTable = &[(1, "noResultAvailable"), (127, "undefinedError")];

/// What RetrieveNotificationsList returned: signed objects, each kept as the eUICC encoded it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetrievedNotifications {
    /// Pending notifications (installation results and other signed notifications).
    pub notifications: Vec<Signed<PendingNotification>>,
    /// Stored eUICC Package Results (`BF51 …`), as raw bytes: their layout depends on the SGP.32 version
    /// and they are relayed to the eIM unchanged.
    pub package_results: Vec<Vec<u8>>,
}

impl<C: CardChannel> Euicc<C> {
    /// ES10b.ListNotification: the metadata of the pending notifications, all of them or those of the
    /// NotificationEvent bits in `events`.
    pub(crate) async fn list_notifications(
        &mut self,
        events: Option<BitString>,
    ) -> Result<Vec<NotificationMetadata>, EuiccError> {
        const FUNCTION: &str = "ListNotification";
        let request = ListNotificationRequest {
            profile_management_operation: events,
        };
        match self.call(FUNCTION, &request).await? {
            ListNotificationResponse::NotificationMetadataList(list) => Ok(list),
            ListNotificationResponse::ListNotificationsResultError(code) => Err(
                EuiccError::refused(FUNCTION, codes::NOTIFICATIONS_LIST_ERROR, code),
            ),
        }
    }

    /// ES10b.RetrieveNotificationsList: the signed notifications (or, with
    /// [`NotificationSearchCriteria::EuiccPackageResults`], the stored eUICC Package Results).
    pub async fn retrieve_notifications(
        &mut self,
        criteria: Option<NotificationSearchCriteria>,
    ) -> Result<RetrievedNotifications, EuiccError> {
        const FUNCTION: &str = "RetrieveNotificationsList";
        let version = self.layout().await?;
        let request = RetrieveNotificationsListRequest {
            search_criteria: criteria,
        };
        let answer = self.exchange(FUNCTION, &to_der(&request)).await?;
        let refused = |code| EuiccError::refused(FUNCTION, RETRIEVE_ERROR, code);
        let (notifications, package_results) = for_layout!(version, l => {
            let response: l::RetrieveNotificationsListResponse = decode(FUNCTION, &answer)?;
            let (notifications, results) = response.into_lists().map_err(refused)?;
            (notifications, raw_bytes(&results))
        });
        Ok(RetrievedNotifications {
            notifications,
            package_results,
        })
    }

    /// ES10b.RemoveNotificationFromList: deletes notification `seq_number`. Call it only once the receiver
    /// acknowledged the notification.
    pub(crate) async fn remove_notification(&mut self, seq_number: i64) -> Result<(), EuiccError> {
        const FUNCTION: &str = "RemoveNotificationFromList";
        let response: NotificationSentResponse = self
            .call(FUNCTION, &NotificationSentRequest { seq_number })
            .await?;
        check(
            FUNCTION,
            codes::DELETE_NOTIFICATION_STATUS,
            response.delete_notification_status,
        )
    }
}

/// The exact bytes of each signed object.
fn raw_bytes<T: Asn1>(objects: &[Signed<T>]) -> Vec<Vec<u8>> {
    objects.iter().map(|o| o.raw().to_vec()).collect()
}
