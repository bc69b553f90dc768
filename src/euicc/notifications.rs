//! Notifications (ES10b): list their metadata, retrieve the signed objects for relay, remove delivered ones.

use super::{Euicc, EuiccError, RetrievedNotifications};
use crate::apdu::CardChannel;
use euicc_asn1::BitString;
use euicc_asn1::types::sgp22::{NotificationMetadata, NotificationSearchCriteria};
use euiccd_core::es10::{ListNotification, RemoveNotificationFromList, RetrieveNotificationsList};

impl<C: CardChannel> Euicc<C> {
    /// ES10b.ListNotification: the metadata of the pending notifications, all of them or those of the
    /// NotificationEvent bits in `events`.
    pub(crate) async fn list_notifications(
        &mut self,
        events: Option<BitString>,
    ) -> Result<Vec<NotificationMetadata>, EuiccError> {
        self.run(ListNotification { events }).await
    }

    /// ES10b.RetrieveNotificationsList: the signed notifications (or, with
    /// [`NotificationSearchCriteria::EuiccPackageResults`], the stored eUICC Package Results).
    pub async fn retrieve_notifications(
        &mut self,
        criteria: Option<NotificationSearchCriteria>,
    ) -> Result<RetrievedNotifications, EuiccError> {
        let layout = self.layout().await?;
        self.run(RetrieveNotificationsList { layout, criteria })
            .await
    }

    /// ES10b.RemoveNotificationFromList: deletes notification `seq_number`. Call it only once the receiver
    /// acknowledged the notification.
    pub(crate) async fn remove_notification(&mut self, seq_number: i64) -> Result<(), EuiccError> {
        self.run(RemoveNotificationFromList { seq_number }).await
    }
}
