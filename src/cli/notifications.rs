//! `euiccd notifications`: list the pending notifications, remove one (ES10b).

use super::Failure;
use super::card::with_euicc;
use super::output::{Report, Table, emit, fields, or_dash};
use super::target::TargetArgs;
use clap::Subcommand;
use euicc_asn1::types::sgp22::{NotificationMetadata, codes};
use serde::Serialize;

/// `notifications list|remove`.
#[derive(Debug, Clone, Subcommand)]
pub enum NotificationsCommand {
    /// List the pending notifications (ES10b.ListNotification).
    List,
    /// Remove a notification from the eUICC (ES10b.RemoveNotificationFromList). Only do this once its
    /// receiver has it: the eUICC keeps no other copy.
    Remove {
        /// The notification's sequence number.
        seq: i64,
    },
}

/// Runs `notifications`.
pub fn run(target: &TargetArgs, command: NotificationsCommand, json: bool) -> Result<(), Failure> {
    match command {
        NotificationsCommand::List => {
            let list = with_euicc(target, async |euicc| euicc.list_notifications(None).await)?;
            emit(
                &NotificationList {
                    notifications: list.iter().map(NotificationView::from).collect(),
                },
                json,
            )
        }
        NotificationsCommand::Remove { seq } => {
            with_euicc(target, async |euicc| euicc.remove_notification(seq).await)?;
            emit(
                &Removed {
                    seq_number: seq,
                    removed: true,
                },
                json,
            )
        }
    }
}

#[derive(Debug, Serialize)]
struct NotificationList {
    notifications: Vec<NotificationView>,
}

#[derive(Debug, Serialize)]
struct NotificationView {
    seq_number: i64,
    events: Vec<String>,
    address: String,
    iccid: Option<String>,
}

impl From<&NotificationMetadata> for NotificationView {
    fn from(n: &NotificationMetadata) -> Self {
        Self {
            seq_number: n.seq_number,
            events: n
                .profile_management_operation
                .set_bits()
                .into_iter()
                .map(event_name)
                .collect(),
            address: n.notification_address.clone(),
            iccid: n.iccid.map(|i| i.digits()),
        }
    }
}

/// `install`, `enable`, `disable`, `delete`, or the bit number.
fn event_name(bit: usize) -> String {
    i64::try_from(bit)
        .ok()
        .and_then(|b| codes::name(codes::NOTIFICATION_EVENT, b))
        .and_then(|n| n.strip_prefix("notification"))
        .map_or_else(|| bit.to_string(), str::to_ascii_lowercase)
}

impl Report for NotificationList {
    fn human(&self) -> String {
        let mut table = Table::new(&["SEQ", "EVENT", "ICCID", "ADDRESS"]);
        for n in &self.notifications {
            table.row(vec![
                n.seq_number.to_string(),
                n.events.join(","),
                or_dash(n.iccid.as_ref()),
                n.address.clone(),
            ]);
        }
        table.render("no pending notifications")
    }
}

#[derive(Debug, Serialize)]
struct Removed {
    seq_number: i64,
    removed: bool,
}

impl Report for Removed {
    fn human(&self) -> String {
        fields(&[("removed notification", self.seq_number.to_string())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names() {
        assert_eq!(event_name(0), "install");
        assert_eq!(event_name(3), "delete");
        assert_eq!(event_name(9), "9");
    }
}
