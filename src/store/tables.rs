//! The store's state in memory: one ordered map per table, key bytes → value bytes, as the log's
//! operations leave it (see `log`), and the encodings of the values kept in them.

use super::{Entry, MAX_BODY, MAX_RECIPIENT, PollState, StoreError};
use crate::agent::supervisor::Supervision;
use std::collections::BTreeMap;

/// The tables. Their numbers are the table ids in the file: never renumber one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Journal records: id → [`Entry`].
    Journal = 1,
    /// eUICC Package Results owed to an eIM: id → [`Entry`].
    Results = 2,
    /// Upstream events not yet delivered: id → [`Entry`] (the recipient is the event's retention).
    Events = 3,
    /// The recent events (delivered or not): id → event body.
    Recent = 4,
    /// Poll states: eIM id → JSON.
    PollState = 5,
    /// The supervision record: [`SUPERVISION_KEY`] → JSON.
    Supervision = 6,
    /// The next id of the one sequence of journal and outbox entries: [`SEQUENCE`] → u64.
    Sequence = 7,
    /// Counters: name → u64 (events lost to the bound since the receiver was last told).
    Counters = 8,
}

/// The key of the supervision record.
pub(super) const SUPERVISION_KEY: &str = "record";
/// The key of the entry sequence.
pub(super) const SEQUENCE: &str = "entries";

impl Table {
    const ALL: [Table; 8] = [
        Self::Journal,
        Self::Results,
        Self::Events,
        Self::Recent,
        Self::PollState,
        Self::Supervision,
        Self::Sequence,
        Self::Counters,
    ];

    /// The table with id `id` in the file.
    pub(super) fn from_id(id: u8) -> Option<Self> {
        Self::ALL.get(usize::from(id).checked_sub(1)?).copied()
    }

    /// Its name, for errors and reports.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Journal => "journal",
            Self::Results => "outbox.results",
            Self::Events => "outbox.events",
            Self::Recent => "events.recent",
            Self::PollState => "poll_state",
            Self::Supervision => "supervision",
            Self::Sequence => "next_id",
            Self::Counters => "counters",
        }
    }

    /// Whether its keys are entry ids (8 bytes, big-endian so that the maps keep them in numeric order)
    /// rather than names (UTF-8, at most [`MAX_RECIPIENT`] bytes).
    fn keyed_by_id(self) -> bool {
        matches!(
            self,
            Self::Journal | Self::Results | Self::Events | Self::Recent
        )
    }

    /// Why `key` cannot be a key of this table, if it cannot.
    pub(super) fn check_key(self, key: &[u8]) -> Result<(), String> {
        let valid = match self.keyed_by_id() {
            true => key.len() == 8,
            false => key.len() <= MAX_RECIPIENT && std::str::from_utf8(key).is_ok(),
        };
        match valid {
            true => Ok(()),
            false => Err(format!(
                "a key of table {} that it cannot hold",
                self.name()
            )),
        }
    }

    /// Why `value` cannot be a value of this table, if it cannot.
    pub(super) fn check_value(self, value: &[u8]) -> Result<(), String> {
        let valid = match self {
            Self::Journal | Self::Results | Self::Events => decode_entry(value).is_some(),
            Self::Recent | Self::PollState | Self::Supervision => value.len() <= MAX_BODY,
            Self::Sequence | Self::Counters => value.len() == 8,
        };
        match valid {
            true => Ok(()),
            false => Err(format!(
                "a value of table {} that it cannot hold",
                self.name()
            )),
        }
    }
}

/// The key of entry `id`.
pub(super) fn id_key(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

/// The id of an entry key (keys of id tables are checked on the way in, see [`Table::check_key`]).
pub(super) fn key_id(key: &[u8]) -> u64 {
    u64::from_be_bytes(key.try_into().expect("id keys are 8 bytes"))
}

/// One table: key → value.
pub(super) type Map = BTreeMap<Vec<u8>, Vec<u8>>;

/// Every table, and the size of their contents as one snapshot record holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tables {
    maps: [Map; Table::ALL.len()],
    /// The length of the operations that would write the whole state (see `log::snapshot`).
    live: usize,
}

impl Tables {
    /// The records of `table`.
    pub(super) fn map(&self, table: Table) -> &Map {
        &self.maps[table as usize - 1]
    }

    /// The records of every table.
    pub(super) fn all(&self) -> impl Iterator<Item = (Table, &Map)> {
        Table::ALL.into_iter().map(|table| (table, self.map(table)))
    }

    /// The value of `key` in `table`.
    pub(super) fn get(&self, table: Table, key: &[u8]) -> Option<&[u8]> {
        self.map(table).get(key).map(Vec::as_slice)
    }

    /// Sets `key` of `table` to `value`; returns the value it replaced.
    pub(super) fn put(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>) -> Option<Vec<u8>> {
        let key_len = key.len();
        self.live += super::log::op_len(key_len, Some(value.len()));
        let old = self.maps[table as usize - 1].insert(key, value);
        self.forget(key_len, old)
    }

    /// Removes `key` from `table`; returns its value.
    pub(super) fn delete(&mut self, table: Table, key: &[u8]) -> Option<Vec<u8>> {
        let old = self.maps[table as usize - 1].remove(key);
        self.forget(key.len(), old)
    }

    /// Takes a replaced or removed record (with a key of `key_len` bytes) out of the live size.
    fn forget(&mut self, key_len: usize, old: Option<Vec<u8>>) -> Option<Vec<u8>> {
        if let Some(value) = &old {
            self.live -= super::log::op_len(key_len, Some(value.len()));
        }
        old
    }

    /// The length of the operations that would write the whole state.
    pub(super) fn live_len(&self) -> usize {
        self.live
    }

    /// The entries of `table` (an entry table), oldest first, with their ids.
    pub(super) fn entries(&self, table: Table) -> Result<Vec<(u64, Entry)>, StoreError> {
        self.map(table)
            .iter()
            .map(|(key, value)| {
                let id = key_id(key);
                Ok((id, entry(table, id, value)?))
            })
            .collect()
    }

    /// The number `key` of `table` ([`Table::Sequence`] or [`Table::Counters`]).
    pub(super) fn counter(&self, table: Table, key: &str) -> Option<u64> {
        let value = self.get(table, key.as_bytes())?;
        Some(u64::from_be_bytes(
            value.try_into().expect("counters are 8 bytes"),
        ))
    }

    /// The remembered poll state of `eim`.
    pub(super) fn poll_state(&self, eim: &str) -> Result<Option<PollState>, StoreError> {
        let Some(json) = self.get(Table::PollState, eim.as_bytes()) else {
            return Ok(None);
        };
        serde_json::from_slice(json)
            .map(Some)
            .map_err(|source| StoreError::BadPollState {
                eim: eim.to_owned(),
                source,
            })
    }

    /// The supervision record (the default one when none was saved).
    pub(super) fn supervision(&self) -> Result<Supervision, StoreError> {
        match self.get(Table::Supervision, SUPERVISION_KEY.as_bytes()) {
            None => Ok(Supervision::default()),
            Some(json) => serde_json::from_slice(json).map_err(StoreError::BadSupervision),
        }
    }
}

/// An [`Entry`] as stored: the recipient's length (one byte, see [`MAX_RECIPIENT`]), the recipient,
/// the body.
pub(super) fn encode_entry(entry: &Entry) -> Vec<u8> {
    let recipient = entry.recipient.as_bytes();
    let len = u8::try_from(recipient.len()).expect("recipients are bounded by MAX_RECIPIENT");
    [&[len], recipient, &entry.body].concat()
}

/// The [`Entry`] stored as `value`, if it is one.
fn decode_entry(value: &[u8]) -> Option<Entry> {
    let (&len, rest) = value.split_first()?;
    let (recipient, body) = rest.split_at_checked(len.into())?;
    (body.len() <= MAX_BODY).then_some(())?;
    Some(Entry {
        recipient: std::str::from_utf8(recipient).ok()?.to_owned(),
        body: body.to_vec(),
    })
}

/// The entry `id` of `table`, stored as `value`.
pub(super) fn entry(table: Table, id: u64, value: &[u8]) -> Result<Entry, StoreError> {
    decode_entry(value).ok_or_else(|| StoreError::Damaged {
        table: table.name().to_owned(),
        key: id.to_string(),
    })
}
