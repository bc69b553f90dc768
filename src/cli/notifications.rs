//! `euiccd notifications`: list the pending notifications, remove one (ES10b), or deliver them all to their
//! addresses over ES9+ (`process`), each removed only after the server accepted it.

use super::Failure;
use super::card::{failure, with_euicc, with_euicc_session};
use super::output::{Report, Table, emit, fields, or_dash};
use super::parser::{Arg, Command, Matches, UsageError};
use super::remote::{self, RemoteArgs};
use super::target::TargetArgs;
use crate::remote::es9p::Es9;
use anyhow::anyhow;
use euicc_asn1::types::sgp22::{NotificationMetadata, codes};
use serde::Serialize;

/// `notifications list|remove|process`.
#[derive(Debug, Clone)]
pub(crate) enum NotificationsCommand {
    /// List the pending notifications (ES10b.ListNotification).
    List,
    /// Remove a notification from the eUICC (ES10b.RemoveNotificationFromList).
    Remove {
        /// The notification's sequence number.
        seq: i64,
    },
    /// Deliver every pending notification to its address and remove each one the server accepted.
    Process(RemoteArgs),
}

/// `euiccd notifications`.
pub(crate) const COMMAND: Command = Command {
    subcommands: &[
        &Command::new(
            "list",
            "List the pending notifications (ES10b.ListNotification).",
        ),
        &Command {
            args: &[Arg {
                name: "SEQ",
                help: "The notification's sequence number.",
                many: false,
            }],
            ..Command::new(
                "remove",
                "Remove a notification from the eUICC (ES10b.RemoveNotificationFromList). Only do this once its receiver has it: the eUICC keeps no other copy.",
            )
        },
        &Command {
            opts: &[remote::OPTIONS],
            ..Command::new(
                "process",
                "Deliver every pending notification to its address (ES9+ HandleNotification) and remove each one the server accepted (HTTP 204); the others stay for the next run.",
            )
        },
    ],
    needs_subcommand: true,
    ..Command::new("notifications", "List or remove pending notifications.")
};

impl NotificationsCommand {
    /// The subcommand of [`COMMAND`] that `m` (the `notifications` level) chose.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        let sub = m.needed_subcommand()?;
        match sub.name() {
            "list" => Ok(Self::List),
            "remove" => Ok(Self::Remove { seq: sub.arg(0)? }),
            "process" => Ok(Self::Process(RemoteArgs::from_matches(sub)?)),
            _ => Err(sub.unknown()),
        }
    }
}

/// Runs `notifications`.
pub(crate) fn run(
    target: &TargetArgs,
    command: NotificationsCommand,
    json: bool,
) -> Result<(), Failure> {
    match command {
        NotificationsCommand::Process(remote) => {
            let report = with_euicc_session(target, async |euicc| {
                let pending = euicc
                    .retrieve_notifications(None)
                    .await
                    .map_err(failure)?
                    .notifications;
                let mut client = None;
                let mut processed = Vec::new();
                for notification in pending {
                    let Some(metadata) = notification.value().metadata() else {
                        continue;
                    };
                    let (seq_number, address) =
                        (metadata.seq_number, metadata.notification_address.clone());
                    let es9 = match &mut client {
                        Some(es9) => es9,
                        None => client.insert(remote.es9_client(&address)?),
                    };
                    let error = match es9.handle_notification(&address, notification.raw()).await {
                        Ok(()) => euicc
                            .remove_notification(seq_number)
                            .await
                            .err()
                            .map(|e| format!("delivered, not removed: {e}")),
                        Err(e) => Some(e.to_string()),
                    };
                    processed.push(Processed {
                        seq_number,
                        address,
                        delivered: error.is_none(),
                        error,
                    });
                }
                Ok(ProcessReport { processed })
            })?;
            emit(&report, json)?;
            match report.processed.iter().filter(|p| !p.delivered).count() {
                0 => Ok(()),
                n => {
                    Err(anyhow!("{n} notification(s) not delivered; they stay on the eUICC").into())
                }
            }
        }
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
struct ProcessReport {
    processed: Vec<Processed>,
}

#[derive(Debug, Serialize)]
struct Processed {
    seq_number: i64,
    address: String,
    delivered: bool,
    error: Option<String>,
}

impl Report for ProcessReport {
    fn human(&self) -> String {
        let mut table = Table::new(&["SEQ", "ADDRESS", "RESULT"]);
        for p in &self.processed {
            let result = p
                .error
                .clone()
                .unwrap_or_else(|| "delivered, removed".into());
            table.row(vec![p.seq_number.to_string(), p.address.clone(), result]);
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
