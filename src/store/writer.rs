//! The changes one write transaction of the store can make.

use super::events::{COUNTERS, RECENT};
use super::seal::{self, Key};
use super::{
    Entry, EntryTable, JOURNAL, MAX_BODY, MAX_EVENTS, MAX_RECIPIENT, NEXT_ID, NamedTable, Outbox,
    POLL_STATE, PollState, SUPERVISION, SUPERVISION_KEY, StoreError,
};
use crate::agent::supervisor::Supervision;
use redb::{ReadableTable, ReadableTableMetadata, TableHandle, WriteTransaction};

/// The one id sequence of journal and outbox entries.
const SEQUENCE: &str = "entries";

/// The changes of one [`Store::write`](super::Store::write) transaction.
pub struct Writer<'a> {
    tx: &'a WriteTransaction,
}

impl<'a> Writer<'a> {
    pub(super) fn new(tx: &'a WriteTransaction) -> Self {
        Self { tx }
    }

    /// The transaction, for the store's other modules.
    pub(super) fn tx(&self) -> &'a WriteTransaction {
        self.tx
    }

    /// Appends a journal record; returns its id (ids grow and are never reused).
    pub fn journal_append(&mut self, record: &Entry) -> Result<u64, StoreError> {
        let id = self.next_id()?;
        self.journal_put(id, record)?;
        Ok(id)
    }

    /// Stores `record` as journal record `id` (replacing it, or moving an entry in from an outbox).
    pub(crate) fn journal_put(&mut self, id: u64, record: &Entry) -> Result<(), StoreError> {
        self.insert(JOURNAL, id, record)
    }

    /// Removes journal record `id`; returns whether it was there.
    pub(crate) fn journal_remove(&mut self, id: u64) -> Result<bool, StoreError> {
        Ok(self.tx.open_table(JOURNAL)?.remove(id)?.is_some())
    }

    /// Appends `entry` to `outbox`; returns its id. The event outbox drops its oldest entries beyond
    /// [`MAX_EVENTS`] (the daemon's events go through `push_event`, whose policy gives way in order).
    pub fn push(&mut self, outbox: Outbox, entry: &Entry) -> Result<u64, StoreError> {
        let id = self.next_id()?;
        self.put(outbox, id, entry)?;
        Ok(id)
    }

    /// Stores `entry` in `outbox` under `id` (an id taken for a journal record moving to the outbox).
    pub fn put(&mut self, outbox: Outbox, id: u64, entry: &Entry) -> Result<(), StoreError> {
        self.insert(outbox.table(), id, entry)?;
        if outbox == Outbox::Events {
            let mut table = self.tx.open_table(outbox.table())?;
            while table.len()? > MAX_EVENTS {
                table.pop_first()?;
            }
        }
        Ok(())
    }

    /// Removes entry `id` from `outbox`; returns whether it was there.
    pub fn remove(&mut self, outbox: Outbox, id: u64) -> Result<bool, StoreError> {
        Ok(self.tx.open_table(outbox.table())?.remove(id)?.is_some())
    }

    /// Stores the poll state of `eim`.
    pub fn set_poll_state(&mut self, eim: &str, state: &PollState) -> Result<(), StoreError> {
        check_len("eIM id", eim.len(), MAX_RECIPIENT)?;
        let bytes = serde_json::to_vec(state).expect("a PollState always serializes");
        let sealed = seal::seal(POLL_STATE.name(), Key::Name(eim), &bytes);
        self.tx
            .open_table(POLL_STATE)?
            .insert(eim, sealed.as_slice())?;
        Ok(())
    }

    /// Stores the supervision record.
    pub(crate) fn set_supervision(&mut self, record: &Supervision) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).expect("a Supervision always serializes");
        check_len("supervision record", bytes.len(), MAX_BODY)?;
        let sealed = seal::seal(SUPERVISION.name(), Key::Name(SUPERVISION_KEY), &bytes);
        self.tx
            .open_table(SUPERVISION)?
            .insert(SUPERVISION_KEY, sealed.as_slice())?;
        Ok(())
    }

    /// Opens every table once, which creates the missing ones.
    pub(super) fn create_tables(&mut self) -> Result<(), StoreError> {
        self.tx.open_table(JOURNAL)?;
        for outbox in Outbox::ALL {
            self.tx.open_table(outbox.table())?;
        }
        self.tx.open_table(POLL_STATE)?;
        self.tx.open_table(NEXT_ID)?;
        self.tx.open_table(SUPERVISION)?;
        self.tx.open_table(RECENT)?;
        self.tx.open_table(COUNTERS)?;
        Ok(())
    }

    /// Checks the bounds of `entry` and stores it under `id` in `table`.
    pub(super) fn insert(
        &mut self,
        table: EntryTable,
        id: u64,
        entry: &Entry,
    ) -> Result<(), StoreError> {
        check_len("body", entry.body.len(), MAX_BODY)?;
        check_len("recipient", entry.recipient.len(), MAX_RECIPIENT)?;
        let sealed = seal::seal_entry(table.name(), id, entry);
        self.tx.open_table(table)?.insert(id, sealed.as_slice())?;
        Ok(())
    }

    /// Takes the next id of the entry sequence.
    pub(super) fn next_id(&mut self) -> Result<u64, StoreError> {
        let id = self.counter(NEXT_ID, SEQUENCE)?.unwrap_or(1);
        self.set_counter(NEXT_ID, SEQUENCE, id + 1)?;
        Ok(id)
    }

    /// The number `key` of `table` ([`NEXT_ID`] or the event counters).
    pub(super) fn counter(&self, table: NamedTable, key: &str) -> Result<Option<u64>, StoreError> {
        let open = self.tx.open_table(table)?;
        let Some(sealed) = open.get(key)? else {
            return Ok(None);
        };
        seal::unseal_u64(table.name(), key, sealed.value()).map(Some)
    }

    /// Sets the number `key` of `table`.
    pub(super) fn set_counter(
        &mut self,
        table: NamedTable,
        key: &str,
        n: u64,
    ) -> Result<(), StoreError> {
        let sealed = seal::seal_u64(table.name(), key, n);
        self.tx.open_table(table)?.insert(key, sealed.as_slice())?;
        Ok(())
    }
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), StoreError> {
    match len <= max {
        true => Ok(()),
        false => Err(StoreError::TooLarge { what, len, max }),
    }
}
