//! The agent's poll-cycle [`Journal`] kept in the store, one per eIM.
//!
//! An entry lives in the journal table while its step is "package received" or "acknowledged", and in the
//! results outbox (same id, the exact ESipa message as body) while its result is owed; each step change
//! is one transaction, so a crash leaves every entry in exactly one of its steps.

use super::{Entry, Outbox, Store, StoreError};
use crate::agent::journal::{Journal, JournalError, Pending, Step};

/// Record tags of the journal table's bodies.
const RECEIVED: u8 = 1;
const ACKNOWLEDGED: u8 = 3;

/// The poll-cycle journal of the eIM `eim` in `store`.
#[derive(Debug)]
pub(crate) struct EimJournal<'a> {
    store: &'a Store,
    eim: &'a str,
}

impl<'a> EimJournal<'a> {
    /// The journal of `eim`'s poll cycles.
    pub(crate) fn new(store: &'a Store, eim: &'a str) -> Self {
        Self { store, eim }
    }

    fn entry(&self, body: Vec<u8>) -> Entry {
        Entry {
            recipient: self.eim.to_owned(),
            body,
        }
    }

    /// Runs one step's transaction, then the test crash point.
    fn step<T>(
        &self,
        changes: impl FnOnce(&mut super::Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, JournalError> {
        let value = self.store.write(changes).map_err(boxed)?;
        crash_point::after_journal_write();
        Ok(value)
    }
}

impl Journal for EimJournal<'_> {
    fn package_received(&mut self, answer: &[u8]) -> Result<u64, JournalError> {
        let record = self.entry([&[RECEIVED], answer].concat());
        self.step(|w| w.journal_append(&record))
    }

    fn result_owed(&mut self, id: u64, message: &[u8]) -> Result<(), JournalError> {
        let owed = self.entry(message.to_vec());
        self.step(|w| {
            known_entry(id, w.journal_remove(id)? | w.remove(Outbox::Results, id)?)?;
            w.put(Outbox::Results, id, &owed)
        })
    }

    fn acknowledged(&mut self, id: u64, seq_numbers: &[i64]) -> Result<(), JournalError> {
        let mut body = vec![ACKNOWLEDGED];
        for n in seq_numbers {
            body.extend_from_slice(&n.to_be_bytes());
        }
        let record = self.entry(body);
        self.step(|w| {
            known_entry(id, w.remove(Outbox::Results, id)? | w.journal_remove(id)?)?;
            w.journal_put(id, &record)
        })
    }

    fn finished(&mut self, id: u64) -> Result<(), JournalError> {
        self.step(|w| {
            w.journal_remove(id)?;
            w.remove(Outbox::Results, id)?;
            Ok(())
        })
    }

    fn pending(&self) -> Result<Vec<Pending>, JournalError> {
        let mine = |entries: Vec<(u64, Entry)>| {
            entries
                .into_iter()
                .filter(|(_, e)| e.recipient == self.eim)
                .collect::<Vec<_>>()
        };
        let mut pending = Vec::new();
        for (id, entry) in mine(self.store.journal().map_err(boxed)?) {
            pending.push(Pending {
                id,
                step: decode(id, &entry.body)?,
            });
        }
        for (id, entry) in mine(self.store.pending(Outbox::Results).map_err(boxed)?) {
            pending.push(Pending {
                id,
                step: Step::ResultOwed(entry.body),
            });
        }
        pending.sort_by_key(|p| p.id);
        Ok(pending)
    }
}

/// Reads a journal table body back into its step.
fn decode(id: u64, body: &[u8]) -> Result<Step, JournalError> {
    let bad = || JournalError(format!("entry {id}: unreadable record").into());
    match body {
        [RECEIVED, answer @ ..] => Ok(Step::Received(answer.to_vec())),
        [ACKNOWLEDGED, numbers @ ..] if numbers.len() % 8 == 0 => Ok(Step::Acknowledged(
            numbers
                .chunks_exact(8)
                .map(|c| i64::from_be_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        )),
        _ => Err(bad()),
    }
}

/// The name of the step a journal table body records (for the report of a damaged store).
pub(super) fn step_name(body: &[u8]) -> &'static str {
    match body.first() {
        Some(&RECEIVED) => "package received, result not yet owed",
        Some(&ACKNOWLEDGED) => "result acknowledged, notifications not yet removed",
        _ => "unreadable step",
    }
}

/// Fails (and so rolls the transaction back) when entry `id` was in neither table.
fn known_entry(id: u64, known: bool) -> Result<(), StoreError> {
    match known {
        true => Ok(()),
        false => Err(StoreError::NoEntry(id)),
    }
}

fn boxed(error: StoreError) -> JournalError {
    JournalError(Box::new(error))
}

/// A crash on purpose, for the tests that kill the daemon at every journal step: in debug builds only,
/// `EUICCD_TEST_KILL_AT_STEP=N` aborts the process right after the Nth journal write is durable.
mod crash_point {
    /// The environment variable.
    #[cfg(debug_assertions)]
    const ENV: &str = "EUICCD_TEST_KILL_AT_STEP";

    /// Counts a journal write and aborts if it is the chosen one.
    #[cfg(debug_assertions)]
    pub(crate) fn after_journal_write() {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicUsize, Ordering};
        static KILL_AT: OnceLock<Option<usize>> = OnceLock::new();
        static WRITES: AtomicUsize = AtomicUsize::new(0);
        let kill_at = *KILL_AT.get_or_init(|| std::env::var(ENV).ok()?.parse().ok());
        let n = WRITES.fetch_add(1, Ordering::SeqCst) + 1;
        if kill_at == Some(n) {
            eprintln!("{ENV}={n}: aborting after journal write {n}");
            std::process::abort();
        }
    }

    /// Nothing in release builds.
    #[cfg(not(debug_assertions))]
    pub(crate) fn after_journal_write() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_move_through_their_steps_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = {
            let store = Store::open(dir.path()).unwrap();
            let mut journal = EimJournal::new(&store, "eim-1");
            let first = journal.package_received(b"\xBF\x4F\x01").unwrap();
            let second = journal.package_received(b"\xBF\x4F\x02").unwrap();
            journal.result_owed(first, b"\xBF\x50\x00").unwrap();
            journal.acknowledged(second, &[4, -9]).unwrap();
            // Another eIM's journal is separate.
            let mut other = EimJournal::new(&store, "eim-2");
            other.package_received(b"\xBF\x4F\x03").unwrap();
            assert_eq!(store.len(Outbox::Results).unwrap(), 1);
            (first, second)
        };
        let store = Store::open(dir.path()).unwrap();
        let mut journal = EimJournal::new(&store, "eim-1");
        assert_eq!(
            journal.pending().unwrap(),
            [
                Pending {
                    id: first,
                    step: Step::ResultOwed(b"\xBF\x50\x00".to_vec())
                },
                Pending {
                    id: second,
                    step: Step::Acknowledged(vec![4, -9])
                },
            ]
        );
        journal.acknowledged(first, &[]).unwrap();
        assert_eq!(
            store.len(Outbox::Results).unwrap(),
            0,
            "acknowledged: no longer owed"
        );
        journal.finished(first).unwrap();
        journal.finished(second).unwrap();
        assert!(journal.pending().unwrap().is_empty());
        assert!(
            journal.result_owed(first, b"").is_err(),
            "a finished entry is gone"
        );
        assert_eq!(store.journal_len().unwrap(), 1, "eim-2's entry stays");
    }

    #[test]
    fn an_unreadable_record_is_an_error() {
        assert!(decode(1, &[ACKNOWLEDGED, 0, 1]).is_err());
        assert!(decode(1, &[]).is_err());
        assert_eq!(
            decode(1, &[ACKNOWLEDGED]).unwrap(),
            Step::Acknowledged(vec![])
        );
    }
}
