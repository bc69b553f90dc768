//! Notifications (ES10b): listing, retrieving and removing them, and their signed forms.

use super::cert::Certificate;
use super::install::{CompactProfileInstallationResult, ProfileInstallationResult};
use crate::{Asn1, BitString, Eid, Iccid, Octets, Signed};

/// What a notification is about: its sequence number, the operation and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 47)]
pub struct NotificationMetadata {
    /// The eUICC's sequence number; [`NotificationSentRequest`] removes the notification by it.
    #[asn1(context = 0)]
    pub seq_number: i64,
    /// NotificationEvent: one of install 0, enable 1, disable 2, delete 3.
    #[asn1(context = 1)]
    pub profile_management_operation: BitString,
    /// The receiver's FQDN.
    pub notification_address: String,
    /// The profile concerned.
    pub iccid: Option<Iccid>,
}

/// ES10b.ListNotification: lists the pending notifications, all or those of some operations.
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 40)]
pub struct ListNotificationRequest {
    /// NotificationEvent bits to filter on.
    #[asn1(context = 1)]
    pub profile_management_operation: Option<BitString>,
}

/// The answer to [`ListNotificationRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 40)]
pub enum ListNotificationResponse {
    /// The pending notifications' metadata.
    #[asn1(context = 0)]
    NotificationMetadataList(Vec<NotificationMetadata>),
    /// undefinedError 127.
    #[asn1(context = 1)]
    ListNotificationsResultError(i64),
}

/// ES10b.RetrieveNotificationsList (SGP.32 v1.2 form): fetches signed notifications, or stored eUICC Package
/// Results. The answer is SGP.32's `RetrieveNotificationsListResponse` (in `sgp32::v1_0` and `sgp32::v1_2`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 43)]
pub struct RetrieveNotificationsListRequest {
    /// Which notifications; all when absent.
    #[asn1(context = 0, explicit)]
    pub search_criteria: Option<NotificationSearchCriteria>,
}

/// The `searchCriteria` of [`RetrieveNotificationsListRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum NotificationSearchCriteria {
    /// The notification with this sequence number.
    #[asn1(context = 0)]
    SeqNumber(i64),
    /// The notifications of these operations (NotificationEvent bits).
    #[asn1(context = 1)]
    ProfileManagementOperation(BitString),
    /// SGP.32: the stored eUICC Package Results instead of notifications.
    #[asn1(context = 2)]
    EuiccPackageResults,
}

/// A signed notification as the eUICC stores it, relayed to the SM-DP+ or the eIM unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum PendingNotification {
    /// The result of a profile installation.
    ProfileInstallationResult(ProfileInstallationResult),
    /// An enable, disable or delete notification.
    OtherSignedNotification(OtherSignedNotification),
    /// SGP.32: the compact form of a profile installation result.
    #[asn1(context = 0)]
    CompactProfileInstallationResult(CompactProfileInstallationResult),
    /// SGP.32: the compact form of an other notification.
    #[asn1(context = 1)]
    CompactOtherSignedNotification(CompactOtherSignedNotification),
}

impl PendingNotification {
    /// The metadata of the full (non-compact) forms: sequence number, operation, address, ICCID.
    pub fn metadata(&self) -> Option<&NotificationMetadata> {
        match self {
            Self::ProfileInstallationResult(pir) => Some(
                &pir.profile_installation_result_data
                    .value()
                    .notification_metadata,
            ),
            Self::OtherSignedNotification(other) => Some(other.tbs_other_notification.value()),
            Self::CompactProfileInstallationResult(_) | Self::CompactOtherSignedNotification(_) => {
                None
            }
        }
    }
}

/// An enable, disable or delete notification signed by the eUICC, with the certificates to verify it.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct OtherSignedNotification {
    /// The signed metadata.
    pub tbs_other_notification: Signed<NotificationMetadata>,
    /// The eUICC's signature over `tbs_other_notification`.
    #[asn1(application = 55)]
    pub euicc_notification_signature: Octets,
    /// The eUICC certificate.
    pub euicc_certificate: Certificate,
    /// The EUM certificate.
    pub eum_certificate: Certificate,
}

/// SGP.32 compact form of [`OtherSignedNotification`], without the certificates.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactOtherSignedNotification {
    /// The EID, when the receiver cannot tell it otherwise.
    #[asn1(application = 26)]
    pub eid_value: Option<Eid>,
    /// The signed metadata.
    pub tbs_other_notification: Signed<NotificationMetadata>,
    /// The eUICC's signature over `tbs_other_notification`.
    #[asn1(application = 55)]
    pub euicc_notification_signature: Octets,
}

/// ES10b.RemoveNotificationFromList: deletes a notification once delivered.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 48)]
pub struct NotificationSentRequest {
    /// The notification's sequence number.
    #[asn1(context = 0)]
    pub seq_number: i64,
}

/// The result of [`NotificationSentRequest`] ([`codes::DELETE_NOTIFICATION_STATUS`](super::codes::DELETE_NOTIFICATION_STATUS)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 48)]
pub struct NotificationSentResponse {
    /// ok 0, nothingToDelete 1, undefinedError 127.
    #[asn1(context = 0)]
    pub delete_notification_status: i64,
}
