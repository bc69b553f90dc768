//! Pending notifications delivered to the eIM outside packages (SGP.32 §3.7, §5.14.7 ESipa.HandleNotification): each
//! one in its own ESipa HandleNotification, as the eUICC signed it, and removed from the eUICC only after the eIM's
//! empty 200/204. One that fails stays on the eUICC for the next delivery; the others still go.
//!
//! Notifications that a package caused travel with its result ([`super::eim`]); this is for the rest (after a
//! local change, a rollback or fallback, a download, or at start-up). The caller decides when: it costs a
//! RetrieveNotificationsList, which an idle poll does not need.

use euicc_asn1::types::sgp22::PendingNotification;
use euicc_asn1::{Signed, for_layout};

use super::eim::PollError;
use super::ipa_data;
use crate::apdu::CardChannel;
use crate::euicc::Euicc;
use crate::remote::esipa::{EsipaClient, EsipaVersion, IpaToEim};

/// What one delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Delivery {
    /// Sequence numbers delivered and removed from the eUICC.
    pub(crate) delivered: Vec<i64>,
    /// Sequence numbers the eIM did not take; still on the eUICC.
    pub(crate) failed: Vec<i64>,
}

/// Delivers every pending notification of the eUICC to the eIM, one HandleNotification each. See the
/// module documentation. Fails only when the eUICC does; an eIM failure leaves that notification in
/// [`Delivery::failed`].
pub(crate) async fn deliver_notifications<C: CardChannel>(
    euicc: &mut Euicc<C>,
    esipa: &mut EsipaClient,
) -> Result<Delivery, PollError> {
    let version = esipa.layout(euicc.layout().await?);
    let notifications = ipa_data::retrieve(euicc, None).await?.notifications;
    let mut delivery = Delivery::default();
    for notification in notifications {
        // Compact forms carry no sequence number: they could never be removed, so they are not sent.
        let Some(seq_number) = notification.value().metadata().map(|m| m.seq_number) else {
            continue;
        };
        match esipa
            .send(&handle_notification(version, notification))
            .await
        {
            Ok(None) => {
                euicc.remove_notification(seq_number).await?;
                delivery.delivered.push(seq_number);
            }
            Ok(Some(_)) => {
                tracing::warn!(seq_number, "HandleNotification: the eIM answered a message");
                delivery.failed.push(seq_number);
            }
            Err(error) => {
                tracing::warn!(seq_number, error = %crate::error_chain::chain(&error), "notification not delivered");
                delivery.failed.push(seq_number);
            }
        }
    }
    Ok(delivery)
}

/// HandleNotification carrying `notification` as the eUICC signed it.
fn handle_notification(
    version: EsipaVersion,
    notification: Signed<PendingNotification>,
) -> IpaToEim {
    for_layout!(version, l => l::EsipaMessageFromIpaToEim::HandleNotificationEsipa(
        l::HandleNotificationEsipa::PendingNotification(notification),
    )
    .into())
}
