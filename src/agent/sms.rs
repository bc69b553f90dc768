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
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

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

/// How often incomplete concatenated messages are checked against [`euiccd_core::sms::MAX_AGE`].
const TICK: Duration = Duration::from_secs(60);

async fn run(modem: Modem, settings: SmsSettings, sink: impl SmsSink) {
    let mut urcs = modem.subscribe();
    let storage = SmsStorage::new(modem, settings.mode, settings.command_timeout);
    storage.set_up().await;
    let started = Instant::now();
    let mut reassembly = Reassembly::default();
    // Messages stored while the daemon was not running (or not deleted before a crash: delivery is at
    // least once).
    relist(&mut reassembly, started, &settings, &sink, &storage).await;
    info!(mode = ?settings.mode, "SMS: waiting for messages");
    let mut notices = Notices::new(settings.mode);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    loop {
        let received = tokio::select! {
            received = urcs.recv() => received,
            _ = tick.tick() => {
                for (sms, indexes) in reassembly.expire(started.elapsed()) {
                    handle(&sms, &indexes, &settings, &sink, &storage).await;
                }
                continue;
            }
        };
        let urc = match received {
            Ok(urc) => urc,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                // Lost `+CMTI`s: what they announced is stored, so the listing finds it.
                warn!(
                    missed,
                    "the SMS task missed URCs; listing the stored messages again"
                );
                relist(&mut reassembly, started, &settings, &sink, &storage).await;
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        if urc.is_restart() {
            // The modem restarted: its message settings are back to their defaults, and messages stored
            // while it announced none are found only by listing them.
            storage.set_up().await;
            relist(&mut reassembly, started, &settings, &sink, &storage).await;
            continue;
        }
        let index = match notices.feed(&urc) {
            None => continue,
            // Not stored on the modem: nothing to delete afterwards.
            Some(Notice::Delivered(Ok(read))) => {
                for (sms, _) in reassembly.add(read, 0, started.elapsed()) {
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
            Ok(Some(Ok(read))) => read,
            Ok(Some(Err(message))) => {
                discard(&message, Some(index), &sink, &storage).await;
                continue;
            }
            // Already handled: a listing found it before its (late) notice came.
            Ok(None) => {
                debug!(index, "announced SMS already gone");
                continue;
            }
            Err(e) => {
                warn!(index, error = %e, "SMS not read");
                continue;
            }
        };
        for (sms, indexes) in reassembly.add(read, index, started.elapsed()) {
            handle(&sms, &indexes, &settings, &sink, &storage).await;
        }
    }
}

/// Lists the messages stored on the modem and handles each: at start-up, and whenever notices may have
/// been lost. A part already held by `reassembly` is not added again.
async fn relist(
    reassembly: &mut Reassembly,
    started: Instant,
    settings: &SmsSettings,
    sink: &impl SmsSink,
    storage: &SmsStorage,
) {
    match storage.list().await {
        Ok(Ok(stored)) => {
            for (index, read) in stored {
                match read {
                    Ok(read) => {
                        for (sms, indexes) in reassembly.add(read, index, started.elapsed()) {
                            handle(&sms, &indexes, settings, sink, storage).await;
                        }
                    }
                    Err(message) => discard(&message, Some(index), sink, storage).await,
                }
            }
        }
        Ok(Err(e)) => warn!(error = %e, "stored SMS not readable"),
        Err(e) => warn!(error = %e, "stored SMS not listed"),
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

#[cfg(test)]
mod tests {
    //! The task against a scripted modem on an in-memory pipe: the engine and driver are the real ones.
    use super::*;
    use crate::modem::ModemError;
    use crate::modem::engine::EngineConfig;
    use crate::modem::port::PortOpener;
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
    use tokio::sync::mpsc;

    /// Hands out the one pipe.
    struct Pipe(Option<DuplexStream>);

    impl PortOpener for Pipe {
        type Port = DuplexStream;

        async fn open(&mut self) -> Result<DuplexStream, ModemError> {
            self.0.take().ok_or(ModemError::PortMissing {
                path: "pipe".into(),
            })
        }

        fn describe(&self) -> String {
            "pipe".into()
        }
    }

    /// The fake modem's messages, and URCs it sends before its next `AT+CMGR` answer (while the task waits).
    #[derive(Default)]
    struct Storage {
        slots: BTreeMap<u16, String>,
        before_read: String,
    }

    /// A text-mode modem with message slots, echo on until `ATE0`; `say` sends URCs (between answers).
    struct FakeModem {
        slots: Arc<Mutex<Storage>>,
        say: mpsc::UnboundedSender<String>,
    }

    impl FakeModem {
        fn store(&self, index: u16, text: &str) {
            self.slots
                .lock()
                .unwrap()
                .slots
                .insert(index, text.to_owned());
        }

        fn say(&self, urc: &str) {
            self.say.send(format!("\r\n{urc}\r\n")).unwrap();
        }
    }

    fn answer(line: &str, storage: &Mutex<Storage>) -> String {
        let mut storage = storage.lock().unwrap();
        let storage = &mut *storage;
        let slots = &mut storage.slots;
        let shown = |index: &u16, text: &String| {
            format!("\"REC UNREAD\",\"+491701234567\",,\"26/11/24,10:00:00+04\"\r\n{text}\r\n")
                .replace("\"REC", &format!("{index},\"REC"))
        };
        if line.starts_with("AT+EUICCDSYNC=") {
            return "\r\nERROR\r\n".into();
        }
        if line == "AT+CMGL=\"ALL\"" {
            let listed: String = slots
                .iter()
                .map(|(i, t)| format!("\r\n+CMGL: {}", shown(i, t)))
                .collect();
            return format!("{listed}\r\nOK\r\n");
        }
        if let Some(index) = line.strip_prefix("AT+CMGR=") {
            let index: u16 = index.parse().unwrap();
            let before_read = std::mem::take(&mut storage.before_read);
            return match slots.get(&index) {
                Some(text) => format!(
                    "{before_read}\r\n+CMGR: {}\r\nOK\r\n",
                    shown(&index, text).replacen(&format!("{index},"), "", 1)
                ),
                None => "\r\n+CMS ERROR: 321\r\n".into(),
            };
        }
        if let Some(index) = line.strip_prefix("AT+CMGD=") {
            slots.remove(&index.parse().unwrap());
        }
        "\r\nOK\r\n".into()
    }

    async fn serve(
        mut io: DuplexStream,
        slots: Arc<Mutex<Storage>>,
        mut said: mpsc::UnboundedReceiver<String>,
    ) {
        let mut pending = Vec::new();
        let mut buf = [0u8; 256];
        let mut echo = true;
        loop {
            tokio::select! {
                read = io.read(&mut buf) => {
                    let n = match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    while let Some(end) = pending.iter().position(|&b| b == b'\r') {
                        let line = String::from_utf8_lossy(&pending[..end]).trim().to_owned();
                        pending.drain(..=end);
                        let mut text = if echo { format!("{line}\r") } else { String::new() };
                        match line.as_str() {
                            "ATE0" => echo = false,
                            "ATE1" => echo = true,
                            _ => {}
                        }
                        text.push_str(&answer(&line, &slots));
                        if io.write_all(text.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
                Some(urc) = said.recv() => {
                    // A restarted modem echoes again.
                    echo |= urc.contains("RDY");
                    if io.write_all(urc.as_bytes()).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Sends every journaled message's text down a channel.
    struct Texts(mpsc::UnboundedSender<String>);

    impl SmsSink for Texts {
        fn journal(&self, sms: &Sms) -> Result<(), String> {
            self.0.send(sms.text.clone()).map_err(|e| e.to_string())
        }
        fn journal_undecodable(&self, message: &Undecodable) -> Result<(), String> {
            self.0
                .send(format!("undecodable: {}", message.raw))
                .map_err(|e| e.to_string())
        }
        fn wake(&self) {}
    }

    /// The SMS task on a fake modem holding `stored`; the journaled texts come out of the receiver.
    fn start(stored: &[(u16, &str)]) -> (FakeModem, mpsc::UnboundedReceiver<String>) {
        let (near, far) = tokio::io::duplex(64 * 1024);
        let (say, said) = mpsc::unbounded_channel();
        let fake = FakeModem {
            slots: Arc::default(),
            say,
        };
        for (index, text) in stored {
            fake.store(*index, text);
        }
        tokio::spawn(serve(far, fake.slots.clone(), said));
        let modem = Modem::spawn(Pipe(Some(near)), EngineConfig::default());
        let (texts, journaled) = mpsc::unbounded_channel();
        let settings = SmsSettings {
            mode: SmsMode::Text,
            wake: None,
            command_timeout: Duration::from_secs(2),
        };
        spawn(modem, settings, Texts(texts));
        (fake, journaled)
    }

    async fn next(journaled: &mut mpsc::UnboundedReceiver<String>) -> String {
        tokio::time::timeout(Duration::from_secs(5), journaled.recv())
            .await
            .expect("a message journaled in time")
            .expect("task alive")
    }

    #[tokio::test]
    async fn messages_stored_while_the_modem_restarted_are_found_and_reported_once() {
        let (fake, mut journaled) = start(&[(0, "before the start")]);
        assert_eq!(next(&mut journaled).await, "before the start");
        // Stored while the modem restarted, announced by no notice.
        fake.store(1, "during the restart");
        fake.say("RDY");
        assert_eq!(next(&mut journaled).await, "during the restart");
        // Its notice comes late, after it was journaled and deleted: nothing more, not even an error.
        fake.say("+CMTI: \"SM\",1");
        fake.store(2, "after");
        fake.say("+CMTI: \"SM\",2");
        assert_eq!(next(&mut journaled).await, "after");
        assert!(journaled.try_recv().is_err(), "reported once");
    }

    #[tokio::test]
    async fn messages_whose_notices_were_lost_are_found() {
        let (fake, mut journaled) = start(&[(5, "before the start")]);
        // Listed at start-up: the task waits for notices now.
        assert_eq!(next(&mut journaled).await, "before the start");
        fake.store(0, "announced");
        fake.store(1, "lost notice");
        // The task falls behind: more URCs than the broadcast keeps come while it reads one message,
        // and the notice of the next is among the lost.
        let flood = "\r\n+CEREG: 1\r\n".repeat(100);
        fake.slots.lock().unwrap().before_read = format!("\r\n+CMTI: \"SM\",1\r\n{flood}");
        fake.say("+CMTI: \"SM\",0");
        assert_eq!(next(&mut journaled).await, "announced");
        assert_eq!(next(&mut journaled).await, "lost notice");
        assert!(journaled.try_recv().is_err(), "reported once");
    }
}
