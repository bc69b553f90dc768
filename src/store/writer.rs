//! The changes one write transaction of the store can make.

use super::{
    JOURNAL, MAX_BODY, MAX_EVENTS, MAX_RECIPIENT, NEXT_ID, Outbox, OutboxEntry, POLL_STATE,
    PollState, StoreError,
};
use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};

/// The changes of one [`Store::write`](super::Store::write) transaction.
pub struct Writer<'a> {
    tx: &'a WriteTransaction,
}

impl<'a> Writer<'a> {
    pub(super) fn new(tx: &'a WriteTransaction) -> Self {
        Self { tx }
    }

    /// Appends a journal record; returns its id (ids grow and are never reused).
    pub fn journal_append(&mut self, record: &[u8]) -> Result<u64, StoreError> {
        check_len("journal record", record.len(), MAX_BODY)?;
        let id = self.next_id("journal")?;
        self.tx.open_table(JOURNAL)?.insert(id, record)?;
        Ok(id)
    }

    /// Removes journal record `id`; returns whether it was there.
    pub fn journal_remove(&mut self, id: u64) -> Result<bool, StoreError> {
        Ok(self.tx.open_table(JOURNAL)?.remove(id)?.is_some())
    }

    /// Appends `entry` to `outbox`; returns its id. The event outbox drops its oldest entries beyond
    /// [`MAX_EVENTS`].
    pub fn push(&mut self, outbox: Outbox, entry: &OutboxEntry) -> Result<u64, StoreError> {
        check_len("outbox body", entry.body.len(), MAX_BODY)?;
        check_len("recipient", entry.recipient.len(), MAX_RECIPIENT)?;
        let id = self.next_id(outbox.name())?;
        let mut table = self.tx.open_table(outbox.table())?;
        table.insert(id, (entry.recipient.as_str(), entry.body.as_slice()))?;
        if outbox == Outbox::Events {
            while table.len()? > MAX_EVENTS {
                table.pop_first()?;
            }
        }
        Ok(id)
    }

    /// Removes entry `id` from `outbox`; returns whether it was there.
    pub fn remove(&mut self, outbox: Outbox, id: u64) -> Result<bool, StoreError> {
        Ok(self.tx.open_table(outbox.table())?.remove(id)?.is_some())
    }

    /// Stores the poll state of `eim`.
    pub fn set_poll_state(&mut self, eim: &str, state: &PollState) -> Result<(), StoreError> {
        check_len("eIM id", eim.len(), MAX_RECIPIENT)?;
        let bytes = serde_json::to_vec(state).expect("a PollState always serializes");
        self.tx
            .open_table(POLL_STATE)?
            .insert(eim, bytes.as_slice())?;
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
        Ok(())
    }

    /// Takes the next id of `name`'s sequence.
    fn next_id(&mut self, name: &str) -> Result<u64, StoreError> {
        let mut table = self.tx.open_table(NEXT_ID)?;
        let id = table.get(name)?.map_or(1, |v| v.value());
        table.insert(name, id + 1)?;
        Ok(id)
    }
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), StoreError> {
    match len <= max {
        true => Ok(()),
        false => Err(StoreError::TooLarge { what, len, max }),
    }
}
