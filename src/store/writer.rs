//! The changes one write transaction of the store can make.
//!
//! A [`Writer`] changes the tables in memory at once, so that the transaction reads its own writes, and
//! keeps two logs of what it did: the operations to write to the file when it commits (see `log`), and
//! the values it replaced, to put back if it does not (an error, a commit that failed to reach the disk,
//! a panic) — dropped without [`Writer::keep`], it undoes everything.

use super::log;
use super::tables::{self, SEQUENCE, SUPERVISION_KEY, Table, Tables};
use super::{Entry, MAX_BODY, MAX_EVENTS, MAX_RECIPIENT, Outbox, PollState, StoreError};
use crate::agent::supervisor::Supervision;

/// The changes of one [`Store::write`](super::Store::write) transaction.
pub struct Writer<'a> {
    tables: &'a mut Tables,
    /// The operations, as the commit's record holds them.
    payload: Vec<u8>,
    /// Each changed record's table, key and earlier value, in order.
    undo: Vec<(Table, Vec<u8>, Option<Vec<u8>>)>,
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        for (table, key, old) in self.undo.drain(..).rev() {
            match old {
                Some(value) => self.tables.put(table, key, value),
                None => self.tables.delete(table, &key),
            };
        }
    }
}

impl<'a> Writer<'a> {
    pub(super) fn new(tables: &'a mut Tables) -> Self {
        Self {
            tables,
            payload: Vec::new(),
            undo: Vec::new(),
        }
    }

    /// The operations to commit (empty: nothing changed).
    pub(super) fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The tables as the transaction left them.
    pub(super) fn tables(&self) -> &Tables {
        self.tables
    }

    /// The transaction is committed: its changes stay.
    pub(super) fn keep(mut self) {
        self.undo.clear();
    }

    /// Sets `key` of `table` to `value`.
    pub(super) fn set(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>) {
        log::encode_op(&mut self.payload, table, &key, Some(&value));
        let old = self.tables.put(table, key.clone(), value);
        self.undo.push((table, key, old));
    }

    /// Removes `key` from `table`; returns whether it was there.
    pub(super) fn delete(&mut self, table: Table, key: &[u8]) -> bool {
        let Some(old) = self.tables.delete(table, key) else {
            return false;
        };
        log::encode_op(&mut self.payload, table, key, None);
        self.undo.push((table, key.to_vec(), Some(old)));
        true
    }

    /// Removes the first (oldest) record of `table` beyond `bound` records, until it holds `bound`.
    fn trim(&mut self, table: Table, bound: u64) {
        while self.tables.map(table).len() as u64 > bound {
            let Some(first) = self.tables.map(table).keys().next().cloned() else {
                break;
            };
            self.delete(table, &first);
        }
    }

    /// Appends a journal record; returns its id (ids grow and are never reused).
    pub fn journal_append(&mut self, record: &Entry) -> Result<u64, StoreError> {
        let id = self.next_id();
        self.journal_put(id, record)?;
        Ok(id)
    }

    /// Stores `record` as journal record `id` (replacing it, or moving an entry in from an outbox).
    pub(crate) fn journal_put(&mut self, id: u64, record: &Entry) -> Result<(), StoreError> {
        self.insert(Table::Journal, id, record)
    }

    /// Removes journal record `id`; returns whether it was there.
    pub(crate) fn journal_remove(&mut self, id: u64) -> Result<bool, StoreError> {
        Ok(self.delete(Table::Journal, &tables::id_key(id)))
    }

    /// Appends `entry` to `outbox`; returns its id. The event outbox drops its oldest entries beyond
    /// [`MAX_EVENTS`] (the daemon's events go through `push_event`, whose policy gives way in order).
    pub fn push(&mut self, outbox: Outbox, entry: &Entry) -> Result<u64, StoreError> {
        let id = self.next_id();
        self.put(outbox, id, entry)?;
        Ok(id)
    }

    /// Stores `entry` in `outbox` under `id` (an id taken for a journal record moving to the outbox).
    pub fn put(&mut self, outbox: Outbox, id: u64, entry: &Entry) -> Result<(), StoreError> {
        self.insert(outbox.table(), id, entry)?;
        if outbox == Outbox::Events {
            self.trim(Table::Events, MAX_EVENTS);
        }
        Ok(())
    }

    /// Removes entry `id` from `outbox`; returns whether it was there.
    pub fn remove(&mut self, outbox: Outbox, id: u64) -> Result<bool, StoreError> {
        Ok(self.delete(outbox.table(), &tables::id_key(id)))
    }

    /// Stores the poll state of `eim`.
    pub fn set_poll_state(&mut self, eim: &str, state: &PollState) -> Result<(), StoreError> {
        check_len("eIM id", eim.len(), MAX_RECIPIENT)?;
        let json = serde_json::to_vec(state).expect("a PollState always serializes");
        self.set(Table::PollState, eim.as_bytes().to_vec(), json);
        Ok(())
    }

    /// Stores the supervision record.
    pub(crate) fn set_supervision(&mut self, record: &Supervision) -> Result<(), StoreError> {
        let json = serde_json::to_vec(record).expect("a Supervision always serializes");
        check_len("supervision record", json.len(), MAX_BODY)?;
        self.set(
            Table::Supervision,
            SUPERVISION_KEY.as_bytes().to_vec(),
            json,
        );
        Ok(())
    }

    /// Checks the bounds of `entry` and stores it under `id` in `table`.
    pub(super) fn insert(
        &mut self,
        table: Table,
        id: u64,
        entry: &Entry,
    ) -> Result<(), StoreError> {
        check_len("body", entry.body.len(), MAX_BODY)?;
        check_len("recipient", entry.recipient.len(), MAX_RECIPIENT)?;
        self.set(table, tables::id_key(id), tables::encode_entry(entry));
        Ok(())
    }

    /// Stores `body` as recent event `id`, keeping the last `bound` ones.
    pub(super) fn remember(&mut self, id: u64, body: &[u8], bound: u64) -> Result<(), StoreError> {
        check_len("body", body.len(), MAX_BODY)?;
        self.set(Table::Recent, tables::id_key(id), body.to_vec());
        self.trim(Table::Recent, bound);
        Ok(())
    }

    /// Takes the next id of the entry sequence.
    pub(super) fn next_id(&mut self) -> u64 {
        let id = self.counter(Table::Sequence, SEQUENCE).unwrap_or(1);
        self.set_counter(Table::Sequence, SEQUENCE, id + 1);
        id
    }

    /// The number `key` of `table` ([`Table::Sequence`] or [`Table::Counters`]).
    pub(super) fn counter(&self, table: Table, key: &str) -> Option<u64> {
        self.tables.counter(table, key)
    }

    /// Sets the number `key` of `table`.
    pub(super) fn set_counter(&mut self, table: Table, key: &str, n: u64) {
        self.set(table, key.as_bytes().to_vec(), n.to_be_bytes().to_vec());
    }
}

pub(super) fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), StoreError> {
    match len <= max {
        true => Ok(()),
        false => Err(StoreError::TooLarge { what, len, max }),
    }
}
