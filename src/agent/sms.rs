//! Incoming SMS: the wake-up channel of a rarely polling device. The modem announces a stored message
//! (`+CMTI`; or delivers it at once with `+CMT`), the task reads it through the modem driver
//! ([`SmsStorage`]), reassembles concatenated parts (bounded, `euiccd_core::sms`), hands the message to a
//! [`SmsSink`] that journals it as an event, and only then deletes it from the modem. A message that does
//! not decode is journaled too, raw ([`Undecodable`]), and deleted: left on the modem, such messages would
//! fill its storage and shut out every later one. A message from a trusted sender that contains the
//! keyword wakes the eIM poll; a message from anyone else never triggers anything.

use crate::modem::Modem;
use crate::modem::sms::{Notice, Notices, SmsStorage};
use euiccd_core::sms::{Reassembly, Sms, SmsMode, Undecodable, WakePolicy};
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::{info, warn};

/// Where messages go.
pub trait SmsSink: Send + Sync + 'static {
    /// Journals `sms` durably; `Ok` means it may be deleted from the modem.
    fn journal(&self, sms: &Sms) -> Result<(), String>;
    /// Journals a message that does not decode; `Ok` means it may be deleted from the modem.
    fn journal_undecodable(&self, message: &Undecodable) -> Result<(), String>;
    /// Asks for an immediate eIM poll.
    fn wake(&self);
}

/// How the SMS task runs.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// Text or PDU mode.
    pub mode: SmsMode,
    /// Who may wake the device; `None`: nobody.
    pub wake: Option<WakePolicy>,
    /// How long one AT command may take.
    pub command_timeout: Duration,
}

/// Starts the SMS task on `modem`.
pub fn spawn(modem: Modem, settings: SmsSettings, sink: impl SmsSink) -> JoinHandle<()> {
    tokio::spawn(run(modem, settings, sink))
}

async fn run(modem: Modem, settings: SmsSettings, sink: impl SmsSink) {
    let mut urcs = modem.subscribe();
    let storage = SmsStorage::new(modem, settings.mode, settings.command_timeout);
    storage.set_up().await;
    let mut reassembly = Reassembly::default();
    // Messages stored while the daemon was not running (or not deleted before a crash: delivery is at
    // least once).
    match storage.list().await {
        Ok(Ok(stored)) => {
            for (index, read) in stored {
                match read {
                    Ok(read) => {
                        for (sms, indexes) in reassembly.add(read, index) {
                            handle(&sms, &indexes, &settings, &sink, &storage).await;
                        }
                    }
                    Err(message) => discard(&message, Some(index), &sink, &storage).await,
                }
            }
        }
        Ok(Err(e)) => warn!(error = %e, "stored SMS not readable"),
        Err(e) => warn!(error = %e, "stored SMS not listed"),
    }
    info!(mode = ?settings.mode, "SMS: waiting for messages");
    let mut notices = Notices::new(settings.mode);
    loop {
        let urc = match urcs.recv().await {
            Ok(urc) => urc,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                warn!(missed, "the SMS task missed URCs");
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        if urc.is_restart() {
            // The modem restarted: its message settings are back to their defaults.
            storage.set_up().await;
            continue;
        }
        let index = match notices.feed(&urc) {
            None => continue,
            // Not stored on the modem: nothing to delete afterwards.
            Some(Notice::Delivered(Ok(read))) => {
                for (sms, _) in reassembly.add(read, 0) {
                    handle(&sms, &[], &settings, &sink, &storage).await;
                }
                continue;
            }
            Some(Notice::Delivered(Err(message))) => {
                discard(&message, None, &sink, &storage).await;
                continue;
            }
            Some(Notice::Malformed(e)) => {
                warn!(error = %e, "ignoring a malformed SMS notice");
                continue;
            }
            Some(Notice::Stored(index)) => index,
        };
        let read = match storage.read(index).await {
            Ok(Ok(read)) => read,
            Ok(Err(message)) => {
                discard(&message, Some(index), &sink, &storage).await;
                continue;
            }
            Err(e) => {
                warn!(index, error = %e, "SMS not read");
                continue;
            }
        };
        for (sms, indexes) in reassembly.add(read, index) {
            handle(&sms, &indexes, &settings, &sink, &storage).await;
        }
    }
}

/// Journals a complete message, deletes its parts from the modem, and wakes the poll if it may.
async fn handle(
    sms: &Sms,
    indexes: &[u16],
    settings: &SmsSettings,
    sink: &impl SmsSink,
    storage: &SmsStorage,
) {
    if let Err(e) = sink.journal(sms) {
        warn!(sender = %sms.sender, error = %e, "SMS not journaled; it stays on the modem");
        return;
    }
    for &index in indexes {
        if let Err(e) = storage.delete(index).await {
            warn!(index, error = %e, "SMS not deleted from the modem");
        }
    }
    let wakes = settings.wake.as_ref().is_some_and(|w| w.wakes(sms));
    info!(sender = %sms.sender, bytes = sms.text.len(), parts = sms.parts, wakes, "SMS received");
    if wakes {
        sink.wake();
    }
}

/// Journals a message that does not decode, then deletes it from the modem (`index`; `None`: delivered
/// directly, not stored).
async fn discard(
    message: &Undecodable,
    index: Option<u16>,
    sink: &impl SmsSink,
    storage: &SmsStorage,
) {
    if let Err(e) = sink.journal_undecodable(message) {
        warn!(?index, error = %e, "undecodable SMS not journaled; it stays on the modem");
        return;
    }
    if let Some(index) = index {
        if let Err(e) = storage.delete(index).await {
            warn!(index, error = %e, "undecodable SMS not deleted from the modem");
        }
    }
    warn!(?index, error = %message.error, "SMS not decoded; journaled raw and deleted");
}
