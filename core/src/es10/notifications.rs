//! Notifications (ES10b, SGP.22 §5.7.9–5.7.10, SGP.32 §5.9.6): list their metadata, retrieve the signed
//! objects for relay, remove delivered ones.

use super::error::check;
use super::{Es10Error, Es10Function, decode};
use euicc_asn1::types::sgp22::codes::{self, CodeTable};
use euicc_asn1::types::sgp22::{
    ListNotificationRequest, ListNotificationResponse, NotificationMetadata,
    NotificationSearchCriteria, NotificationSentRequest, NotificationSentResponse,
    PendingNotification, RetrieveNotificationsListRequest,
};
use euicc_asn1::types::sgp32::view::NotificationsListView;
use euicc_asn1::{Asn1, BitString, Layout, Signed, for_layout, to_der};

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

/// ES10b.ListNotification: the metadata of the pending notifications, all of them or those of the
/// NotificationEvent bits in `events`.
#[derive(Debug, Clone, Default)]
pub struct ListNotification {
    /// NotificationEvent bits; none: all.
    pub events: Option<BitString>,
}

impl Es10Function for ListNotification {
    const NAME: &'static str = "ListNotification";
    type Output = Vec<NotificationMetadata>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&ListNotificationRequest {
            profile_management_operation: self.events.clone(),
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<Vec<NotificationMetadata>, Es10Error> {
        match decode(Self::NAME, &answer)? {
            ListNotificationResponse::NotificationMetadataList(list) => Ok(list),
            ListNotificationResponse::ListNotificationsResultError(code) => Err(
                Es10Error::refused(Self::NAME, codes::NOTIFICATIONS_LIST_ERROR, code),
            ),
        }
    }
}

/// ES10b.RetrieveNotificationsList: the signed notifications (or, with
/// [`NotificationSearchCriteria::EuiccPackageResults`], the stored eUICC Package Results).
#[derive(Debug, Clone)]
pub struct RetrieveNotificationsList {
    /// The eUICC's layout (the answer differs between v1.0 and v1.2).
    pub layout: Layout,
    /// Which objects; none: every pending notification.
    pub criteria: Option<NotificationSearchCriteria>,
}

impl Es10Function for RetrieveNotificationsList {
    const NAME: &'static str = "RetrieveNotificationsList";
    type Output = RetrievedNotifications;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&RetrieveNotificationsListRequest {
            search_criteria: self.criteria.clone(),
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<RetrievedNotifications, Es10Error> {
        let refused = |code| Es10Error::refused(Self::NAME, RETRIEVE_ERROR, code);
        let (notifications, package_results) = for_layout!(self.layout, l => {
            let response: l::RetrieveNotificationsListResponse = decode(Self::NAME, &answer)?;
            let (notifications, results) = response.into_lists().map_err(refused)?;
            (notifications, raw_bytes(&results))
        });
        Ok(RetrievedNotifications {
            notifications,
            package_results,
        })
    }
}

/// ES10b.RemoveNotificationFromList: deletes notification `seq_number`. Send it only once the receiver
/// acknowledged the notification.
#[derive(Debug, Clone, Copy)]
pub struct RemoveNotificationFromList {
    /// The notification's sequence number.
    pub seq_number: i64,
}

impl Es10Function for RemoveNotificationFromList {
    const NAME: &'static str = "RemoveNotificationFromList";
    type Output = ();

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&NotificationSentRequest {
            seq_number: self.seq_number,
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<(), Es10Error> {
        let response: NotificationSentResponse = decode(Self::NAME, &answer)?;
        check(
            Self::NAME,
            codes::DELETE_NOTIFICATION_STATUS,
            response.delete_notification_status,
        )
    }
}

/// The exact bytes of each signed object.
fn raw_bytes<T: Asn1>(objects: &[Signed<T>]) -> Vec<Vec<u8>> {
    objects.iter().map(|o| o.raw().to_vec()).collect()
}
