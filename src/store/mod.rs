//! The daemon's durable state: an embedded crash-safe store in the state directory
//! (`/var/lib/euiccd/euiccd.store`), an append-only log of checksummed commits, each made durable
//! (fdatasync) before it returns, replayed into memory when the store opens and compacted now and then
//! (see `log` for the format, `file` for the file's life). The daemon holds a few KiB here: a log and
//! ordered maps in memory are all it takes, in a fraction of the code of an embedded database.
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
mod file;
mod journal;
pub mod log;
mod supervision;
mod tables;
mod writer;

pub use events::{RECENT_EVENTS, Retention};
pub(crate) use journal::EimJournal;
pub(crate) use supervision::StoreSupervision;
pub use writer::Writer;

use crate::agent::supervisor::Supervision;
use file::{Loaded, LogFile};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tables::{Table, Tables};

/// The store's file name inside the state directory.
pub const FILE_NAME: &str = "euiccd.store";
/// Largest journal record or outbox body accepted (a Bound Profile Package result is a few KiB).
pub(crate) const MAX_BODY: usize = 256 * 1024;
/// Longest recipient name (an eIM id, an FQDN with a port).
pub(crate) const MAX_RECIPIENT: usize = 255;
/// The event outbox never keeps more than this many events (its configured bound is at most this).
pub(crate) const MAX_EVENTS: u64 = 1000;

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
    /// The store file could not be read or written.
    #[error("store {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The store file is damaged (see `log`): the daemon's open ([`check::open_checked`]) moves it
    /// aside and starts a fresh store.
    #[error("the store {path} is damaged: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
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
    /// A record does not decode (never one of a file this program wrote: every record is checked when
    /// the store opens).
    #[error("store: record {key} of table {table} does not decode: the store is damaged")]
    Damaged {
        /// The table.
        table: String,
        /// The record's key.
        key: String,
    },
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

/// The outboxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbox {
    /// eUICC Package Results (the exact ESipa message owed) for an eIM.
    Results,
    /// Upstream events (bounded by [`MAX_EVENTS`]).
    Events,
}

impl Outbox {
    /// Its table.
    fn table(self) -> Table {
        match self {
            Self::Results => Table::Results,
            Self::Events => Table::Events,
        }
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
    inner: Mutex<Inner>,
    /// `usize`, not `u64`: 32-bit MIPS routers have no 64-bit atomics.
    commits: AtomicUsize,
}

/// The file and the state it holds, changed together.
#[derive(Debug)]
struct Inner {
    file: LogFile,
    tables: Tables,
}

impl Store {
    /// Opens (or creates) the store in `state_dir`, creating the directory (mode 0700) if needed. A
    /// damaged store file is [`StoreError::Corrupt`] (and left as it is).
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        match Self::load(state_dir)? {
            Loaded::Ready(file, tables) => Ok(Self::new(file, tables)),
            Loaded::Damaged { file, reason, .. } => Err(StoreError::Corrupt {
                path: file.path().to_owned(),
                reason,
            }),
        }
    }

    /// Opens the store file in `state_dir` (see [`LogFile::open`]).
    fn load(state_dir: &Path) -> Result<Loaded, StoreError> {
        create_private_dir(state_dir).map_err(|source| StoreError::Directory {
            path: state_dir.to_owned(),
            source,
        })?;
        LogFile::open(state_dir)
    }

    fn new(file: LogFile, tables: Tables) -> Self {
        Self {
            inner: Mutex::new(Inner { file, tables }),
            commits: AtomicUsize::new(0),
        }
    }

    /// The store, for this thread. A panic in another thread's transaction left the state as it was
    /// (its [`Writer`] undid its changes while unwinding), so a poisoned lock is taken as it is.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `read` on the state.
    fn read<T>(&self, read: impl FnOnce(&Tables) -> T) -> T {
        read(&self.lock().tables)
    }

    /// Transactions committed since the store was opened (what the daemon wrote; an idle poll adds none).
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed) as u64
    }

    /// Runs `changes` in one write transaction and commits it: all of them reach the disk, or (on an
    /// error, a crash or a power cut) none does. A transaction that changes nothing writes nothing.
    /// Fails with [`StoreError::TooLarge`] if the store would hold more than [`log::MAX_RECORD`].
    pub fn write<T>(
        &self,
        changes: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut inner = self.lock();
        let Inner { file, tables } = &mut *inner;
        let mut writer = Writer::new(tables);
        let value = changes(&mut writer)?;
        if writer.payload().is_empty() {
            return Ok(value);
        }
        let live = writer.tables().live_len();
        writer::check_len("store", live, log::MAX_RECORD)?;
        writer::check_len("transaction", writer.payload().len(), log::MAX_RECORD)?;
        // Compaction keeps the file far below its bound; only if it kept failing could this refuse.
        let file_len = file.len() + log::HEADER + writer.payload().len();
        writer::check_len("store file", file_len, log::MAX_FILE)?;
        file.append(writer.payload())?;
        writer.keep();
        self.commits.fetch_add(1, Ordering::Relaxed);
        if file.wants_compaction(tables) {
            // The commit is durable either way; a failed compaction leaves the log as it was.
            if let Err(error) = file.compact(tables) {
                tracing::warn!(%error, "the store could not be compacted");
            }
        }
        Ok(value)
    }

    /// The journal records, oldest first, with their ids.
    pub fn journal(&self) -> Result<Vec<(u64, Entry)>, StoreError> {
        self.read(|t| t.entries(Table::Journal))
    }

    /// How many records the journal holds.
    pub(crate) fn journal_len(&self) -> Result<u64, StoreError> {
        Ok(self.read(|t| t.map(Table::Journal).len() as u64))
    }

    /// The entries of `outbox`, oldest first, with their ids.
    pub fn pending(&self, outbox: Outbox) -> Result<Vec<(u64, Entry)>, StoreError> {
        self.read(|t| t.entries(outbox.table()))
    }

    /// How many entries `outbox` holds.
    pub(crate) fn len(&self, outbox: Outbox) -> Result<u64, StoreError> {
        Ok(self.read(|t| t.map(outbox.table()).len() as u64))
    }

    /// The remembered poll state of `eim`.
    pub fn poll_state(&self, eim: &str) -> Result<Option<PollState>, StoreError> {
        self.read(|t| t.poll_state(eim))
    }

    /// The supervision record (the default one when none was saved).
    pub fn supervision(&self) -> Result<Supervision, StoreError> {
        self.read(Tables::supervision)
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
