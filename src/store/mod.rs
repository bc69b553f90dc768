//! The daemon's durable state: an embedded crash-safe store (redb, copy-on-write B-trees with a
//! checksummed commit, fsync'd per commit) in the state directory (`/var/lib/euiccd/euiccd.redb`).
//!
//! It holds what must survive a power cut (ARCHITECTURE.md, "Durable before acting"):
//! - the operation **journal**: records the agent writes before and after a step that changes the eUICC
//!   or owes something to someone, each tagged with the eIM it concerns ([`EimJournal`] implements the
//!   agent's [`Journal`](crate::agent::journal::Journal) on it);
//! - the **outboxes**: eUICC Package Results owed to an eIM (the exact ESipa message, kept until the eIM
//!   acknowledged it), and upstream events (bounded, see [`Retention`]), with a bounded record of recent
//!   events for `euiccd events`. Notifications need no copy
//!   here: they stay on the eUICC until their receiver acknowledged them;
//! - the **poll state** per eIM, written only when it changes, so an idle poll writes nothing (flash wear);
//! - the **supervision** record of the rollback and fallback supervisors ([`StoreSupervision`]), with its
//!   wall-clock deadlines, so that a restart resumes a supervision instead of forgetting it.
//!
//! Several changes that belong together go into one transaction ([`Store::write`]): either all of them are
//! on disk after a crash or none is. Every value is bounded on the way in. Journal entries and outbox
//! entries draw their ids from one sequence, so an entry keeps its id when it moves from one to the other.

pub mod check;
mod events;
mod journal;
mod seal;
mod supervision;
mod writer;

pub use events::{RECENT_EVENTS, Retention};
pub(crate) use journal::EimJournal;
pub(crate) use supervision::StoreSupervision;
pub use writer::Writer;

use crate::agent::supervisor::Supervision;
use redb::{
    Database, ReadableTable, ReadableTableMetadata, TableDefinition, TableError, TableHandle,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The store's file name inside the state directory.
pub const FILE_NAME: &str = "euiccd.redb";
/// Largest journal record or outbox body accepted (a Bound Profile Package result is a few KiB).
pub(crate) const MAX_BODY: usize = 256 * 1024;
/// Longest recipient name (an eIM id, an FQDN with a port).
pub(crate) const MAX_RECIPIENT: usize = 255;
/// The event outbox never keeps more than this many events (its configured bound is at most this).
pub(crate) const MAX_EVENTS: u64 = 1000;
/// redb's page cache: a few pages. redb's default (1 GiB) keeps every page it ever read or wrote, among them
/// the 0.5 MiB region header it writes when it creates the file and reads when it opens it, all resident
/// for the daemon's life; the store is small and the kernel's page cache holds its file anyway.
const CACHE_BYTES: usize = 64 * 1024;

/// A table of entries: id → sealed [`Entry`] (every value in the store is sealed, see `seal`).
type EntryTable = TableDefinition<'static, u64, &'static [u8]>;
/// A table of named records: name → sealed value.
type NamedTable = TableDefinition<'static, &'static str, &'static [u8]>;

const JOURNAL: EntryTable = TableDefinition::new("journal");
/// Poll states per eIM, JSON.
const POLL_STATE: NamedTable = TableDefinition::new("poll_state");
/// The supervision record (one key, [`SUPERVISION_KEY`]), JSON.
const SUPERVISION: NamedTable = TableDefinition::new("supervision");
/// The key of the supervision record.
const SUPERVISION_KEY: &str = "record";
/// The next id of the one sequence of journal and outbox entries (ids are never reused), a u64.
const NEXT_ID: NamedTable = TableDefinition::new("next_id");

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory could not be created.
    #[error("state directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Another process (a second daemon) has the store open.
    #[error("the store {0} is in use by another process")]
    InUse(PathBuf),
    /// The database failed (I/O, corruption, …). Boxed: redb's error is large and this one travels far.
    #[error("store: {0}")]
    Database(Box<redb::Error>),
    /// A value is larger than the store accepts.
    #[error("store: {what} of {len} bytes is larger than {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A journal step names an entry that is not (or no longer) in the store.
    #[error("store: no journal entry {0}")]
    NoEntry(u64),
    /// The stored supervision record does not decode (written by another version).
    #[error("store: supervision record: {0}")]
    BadSupervision(#[source] serde_json::Error),
    /// A record fails its checksum: the file changed under the store (a damaged page, a flipped bit).
    #[error("store: record {key} of table {table} fails its checksum: the store is damaged")]
    Damaged {
        /// The table.
        table: String,
        /// The record's key.
        key: String,
    },
    /// The store file could not be checked (the check could not run, or the file cannot be read).
    #[error("store check: {0}")]
    Check(String),
    /// A stored poll state does not decode (written by another version).
    #[error("store: poll state of {eim}: {source}")]
    BadPollState {
        /// The eIM.
        eim: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
}

/// Lets the `?` operator lift redb's specific error types.
macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(error: $t) -> Self {
                Self::Database(Box::new(error.into()))
            }
        }
    )*};
}
from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The outboxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbox {
    /// eUICC Package Results (the exact ESipa message owed) for an eIM.
    Results,
    /// Upstream events (bounded by [`MAX_EVENTS`]).
    Events,
}

impl Outbox {
    /// Every outbox.
    pub(crate) const ALL: [Outbox; 2] = [Self::Results, Self::Events];

    /// The name of its table.
    fn name(self) -> &'static str {
        match self {
            Self::Results => "outbox.results",
            Self::Events => "outbox.events",
        }
    }

    /// Its table: id → sealed (recipient, body).
    fn table(self) -> EntryTable {
        TableDefinition::new(self.name())
    }
}

/// A journal record or an item owed to someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Whom it concerns: an eIM id (empty for upstream events).
    pub recipient: String,
    /// The record, or the exact bytes to deliver.
    pub body: Vec<u8>,
}

/// What the daemon remembers of its polls of one eIM across restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PollState {
    /// Consecutive failed polls (the back-off continues after a restart).
    pub failures: u32,
    /// When a package was last carried out (seconds since the Unix epoch).
    pub last_package_unix: Option<u64>,
}

/// The open store. See the module documentation.
#[derive(Debug)]
pub struct Store {
    db: Database,
    /// `usize`, not `u64`: 32-bit MIPS routers have no 64-bit atomics.
    commits: AtomicUsize,
}

impl Store {
    /// Opens (or creates) the store in `state_dir`, creating the directory (mode 0700) if needed.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        create_private_dir(state_dir).map_err(|source| StoreError::Directory {
            path: state_dir.to_owned(),
            source,
        })?;
        let path = state_dir.join(FILE_NAME);
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|error| match error {
                redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(path.clone()),
                other => other.into(),
            })?;
        let store = Self {
            db,
            commits: AtomicUsize::new(0),
        };
        store.create_tables()?;
        Ok(store)
    }

    /// Transactions committed since the store was opened (what the daemon wrote; an idle poll adds none).
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed) as u64
    }

    /// Runs `changes` in one write transaction and commits it: all of them reach the disk, or (on an
    /// error, a crash or a power cut) none does.
    pub fn write<T>(
        &self,
        changes: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.db.begin_write()?;
        // The commit slot is then valid whenever the header names it: a damaged commit is an error on
        // the next open, never a silent return to the one before.
        tx.set_two_phase_commit(true);
        let value = changes(&mut Writer::new(&tx))?;
        tx.commit()?;
        self.commits.fetch_add(1, Ordering::Relaxed);
        Ok(value)
    }

    /// The journal records, oldest first, with their ids.
    pub fn journal(&self) -> Result<Vec<(u64, Entry)>, StoreError> {
        self.entries(JOURNAL)
    }

    /// How many records the journal holds.
    pub(crate) fn journal_len(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(JOURNAL)?.len()?)
    }

    /// The entries of `outbox`, oldest first, with their ids.
    pub fn pending(&self, outbox: Outbox) -> Result<Vec<(u64, Entry)>, StoreError> {
        self.entries(outbox.table())
    }

    /// How many entries `outbox` holds.
    pub(crate) fn len(&self, outbox: Outbox) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(outbox.table())?.len()?)
    }

    fn entries(&self, definition: EntryTable) -> Result<Vec<(u64, Entry)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(definition)?;
        let mut entries = Vec::new();
        for item in table.iter()? {
            let (id, value) = item?;
            let id = id.value();
            entries.push((
                id,
                seal::unseal_entry(definition.name(), id, value.value())?,
            ));
        }
        Ok(entries)
    }

    /// The remembered poll state of `eim`.
    pub fn poll_state(&self, eim: &str) -> Result<Option<PollState>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(POLL_STATE)?;
        let Some(sealed) = table.get(eim)? else {
            return Ok(None);
        };
        let bytes = seal::unseal(POLL_STATE.name(), seal::Key::Name(eim), sealed.value())?;
        serde_json::from_slice(bytes)
            .map(Some)
            .map_err(|source| StoreError::BadPollState {
                eim: eim.to_owned(),
                source,
            })
    }

    /// The supervision record (the default one when none was saved).
    pub fn supervision(&self) -> Result<Supervision, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(SUPERVISION)?;
        match table.get(SUPERVISION_KEY)? {
            None => Ok(Supervision::default()),
            Some(sealed) => {
                let key = seal::Key::Name(SUPERVISION_KEY);
                let bytes = seal::unseal(SUPERVISION.name(), key, sealed.value())?;
                serde_json::from_slice(bytes).map_err(StoreError::BadSupervision)
            }
        }
    }

    /// Remembers `state` for `eim` if it differs from what is stored; returns whether it wrote.
    pub(crate) fn record_poll(&self, eim: &str, state: &PollState) -> Result<bool, StoreError> {
        if self.poll_state(eim)?.as_ref() == Some(state) {
            return Ok(false);
        }
        self.write(|w| w.set_poll_state(eim, state))?;
        Ok(true)
    }

    /// Appends `entry` to `outbox` in a transaction of its own; returns its id.
    #[cfg(test)]
    pub(crate) fn push(&self, outbox: Outbox, entry: &Entry) -> Result<u64, StoreError> {
        self.write(|w| w.push(outbox, entry))
    }

    /// Removes entry `id` from `outbox` (after the receiver acknowledged it); returns whether it was there.
    #[cfg(test)]
    pub(crate) fn remove(&self, outbox: Outbox, id: u64) -> Result<bool, StoreError> {
        self.write(|w| w.remove(outbox, id))
    }

    /// Creates the tables on first use, so that readers find them; an existing store is not written.
    fn create_tables(&self) -> Result<(), StoreError> {
        let tx = self.db.begin_read()?;
        let missing = |result: Result<(), TableError>| match result {
            Ok(()) => Ok(false),
            Err(TableError::TableDoesNotExist(_)) => Ok(true),
            Err(error) => Err(error),
        };
        let mut any_missing = missing(tx.open_table(JOURNAL).map(drop))?;
        for outbox in Outbox::ALL {
            any_missing |= missing(tx.open_table(outbox.table()).map(drop))?;
        }
        any_missing |= missing(tx.open_table(POLL_STATE).map(drop))?;
        any_missing |= missing(tx.open_table(NEXT_ID).map(drop))?;
        any_missing |= missing(tx.open_table(SUPERVISION).map(drop))?;
        any_missing |= missing(tx.open_table(events::RECENT).map(drop))?;
        any_missing |= missing(tx.open_table(events::COUNTERS).map(drop))?;
        drop(tx);
        if any_missing {
            self.write(|w| w.create_tables())?;
        }
        Ok(())
    }
}

/// Creates `dir` (and its parents) with mode 0700 if it does not exist.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests;
