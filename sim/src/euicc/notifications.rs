//! The notification list: signing notifications, listing, retrieving and removing them.
//!
//! Install results (`BF37`), other signed notifications (`30 {BF2F…, 5F37, certificates}`) and SGP.32 eUICC
//! Package Results (`BF51`) share one list and one sequence-number space. Each entry keeps the signed bytes
//! exactly as produced, and RetrieveNotificationsList returns those bytes unchanged.

use euicc_asn1::types::sgp22::{
    ListNotificationRequest, ListNotificationResponse, NotificationMetadata,
    NotificationSearchCriteria, NotificationSentRequest, NotificationSentResponse,
    OtherSignedNotification, RetrieveNotificationsListRequest,
};
use euicc_asn1::{BitString, Iccid, Signed, Tag, Writer, from_ber, to_der};

use super::state::{NotificationKind, StoredNotification};
use super::{CommandError, SimEuicc, respond};
use crate::Layout;
use crate::card::AppletOutcome;

/// RetrieveNotificationsListResponse alternatives.
const NOTIFICATION_LIST: Tag = Tag(0xA0);
const PACKAGE_RESULT_LIST: Tag = Tag(0xA2);
/// v1.0 `notificationAndEprList {A0 notifications, A1 package results}`.
const NOTIFICATION_AND_EPR_LIST: Tag = Tag(0xA3);

/// NotificationSentResponse codes.
const REMOVED: i64 = 0;
const NOTHING_TO_DELETE: i64 = 1;

impl SimEuicc {
    /// The metadata of a new notification, with the next sequence number.
    pub(super) fn new_notification_metadata(
        &mut self,
        kind: NotificationKind,
        iccid: Option<Iccid>,
        address: &str,
    ) -> NotificationMetadata {
        let bits: Vec<usize> = kind.event_bit().into_iter().collect();
        NotificationMetadata {
            seq_number: self.state.next_seq_number(),
            profile_management_operation: BitString::from_bits(&bits),
            notification_address: address.to_owned(),
            iccid,
        }
    }

    /// Adds a signed entry to the list.
    pub(super) fn store_notification(
        &mut self,
        metadata: &NotificationMetadata,
        kind: NotificationKind,
        signed: Vec<u8>,
    ) {
        self.state.notifications.push(StoredNotification {
            seq_number: metadata.seq_number,
            kind,
            address: metadata.notification_address.clone(),
            iccid: metadata.iccid,
            signed,
        });
    }

    /// Signs and stores an enable, disable or delete notification for `iccid`.
    pub(super) fn notify(
        &mut self,
        kind: NotificationKind,
        iccid: Iccid,
        address: &str,
    ) -> Result<(), CommandError> {
        let metadata = self.new_notification_metadata(kind, Some(iccid), address);
        let tbs = Signed::new(metadata.clone());
        let (euicc_certificate, eum_certificate) = self.certificates()?;
        let notification = OtherSignedNotification {
            euicc_notification_signature: self.sign(tbs.raw()),
            tbs_other_notification: tbs,
            euicc_certificate,
            eum_certificate,
        };
        self.store_notification(&metadata, kind, to_der(&notification));
        Ok(())
    }

    pub(super) fn list_notifications(&self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<ListNotificationRequest>(command)?;
        let list = self
            .state
            .notifications
            .iter()
            .filter(|n| matches_events(n, request.profile_management_operation.as_ref()))
            .map(|n| NotificationMetadata {
                seq_number: n.seq_number,
                profile_management_operation: BitString::from_bits(
                    &n.kind.event_bit().into_iter().collect::<Vec<_>>(),
                ),
                notification_address: n.address.clone(),
                iccid: n.iccid,
            })
            .collect();
        respond(&ListNotificationResponse::NotificationMetadataList(list))
    }

    pub(super) fn retrieve_notifications(
        &self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<RetrieveNotificationsListRequest>(command)?;
        let notifications = &self.state.notifications;
        if request.search_criteria.is_none() && self.config.version == Layout::V1_0 {
            return Ok(AppletOutcome::ok(notifications_and_results_v1_0(
                notifications,
            )));
        }
        let (alternative, selected): (Tag, Vec<&StoredNotification>) =
            match &request.search_criteria {
                None => (
                    NOTIFICATION_LIST,
                    notifications
                        .iter()
                        .filter(|n| matches_events(n, None))
                        .collect(),
                ),
                Some(NotificationSearchCriteria::SeqNumber(seq)) => {
                    let found: Vec<_> = notifications
                        .iter()
                        .filter(|n| n.seq_number == *seq)
                        .collect();
                    let is_result = found
                        .first()
                        .is_some_and(|n| n.kind == NotificationKind::PackageResult);
                    let tag = if is_result {
                        PACKAGE_RESULT_LIST
                    } else {
                        NOTIFICATION_LIST
                    };
                    (tag, found)
                }
                Some(NotificationSearchCriteria::ProfileManagementOperation(events)) => (
                    NOTIFICATION_LIST,
                    notifications
                        .iter()
                        .filter(|n| matches_events(n, Some(events)))
                        .collect(),
                ),
                Some(NotificationSearchCriteria::EuiccPackageResults) => (
                    PACKAGE_RESULT_LIST,
                    notifications
                        .iter()
                        .filter(|n| n.kind == NotificationKind::PackageResult)
                        .collect(),
                ),
            };
        // Built by hand so that every entry goes out exactly as it was signed.
        let mut w = Writer::new();
        w.tlv(Tag(0xBF2B), |w| {
            w.tlv(alternative, |w| {
                for n in selected {
                    w.raw(&n.signed);
                }
            })
        });
        Ok(AppletOutcome::ok(w.into_bytes()))
    }

    pub(super) fn remove_notification(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<NotificationSentRequest>(command)?;
        let before = self.state.notifications.len();
        self.state
            .notifications
            .retain(|n| n.seq_number != request.seq_number);
        let status = if self.state.notifications.len() < before {
            REMOVED
        } else {
            NOTHING_TO_DELETE
        };
        respond(&NotificationSentResponse {
            delete_notification_status: status,
        })
    }
}

/// A v1.0 card's whole list: the notifications alone when no package result is stored, else both lists.
fn notifications_and_results_v1_0(notifications: &[StoredNotification]) -> Vec<u8> {
    let (results, others): (Vec<_>, Vec<_>) = notifications
        .iter()
        .partition(|n| n.kind == NotificationKind::PackageResult);
    let list = |w: &mut Writer, tag, entries: &[&StoredNotification]| {
        w.tlv(tag, |w| {
            for n in entries {
                w.raw(&n.signed);
            }
        })
    };
    let mut w = Writer::new();
    w.tlv(Tag(0xBF2B), |w| match results.is_empty() {
        true => list(w, NOTIFICATION_LIST, &others),
        false => w.tlv(NOTIFICATION_AND_EPR_LIST, |w| {
            list(w, Tag(0xA0), &others);
            list(w, Tag(0xA1), &results);
        }),
    });
    w.into_bytes()
}

/// True for a notification (not a package result) whose event is among `events` (all when `None`).
fn matches_events(notification: &StoredNotification, events: Option<&BitString>) -> bool {
    match notification.kind.event_bit() {
        None => false,
        Some(bit) => events.is_none_or(|e| e.bit(bit)),
    }
}
