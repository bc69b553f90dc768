//! The store file on disk: opened and locked for this process alone, replayed, appended to one durable
//! commit at a time, and compacted by replacing it whole (see `log` for its format).

use super::log::{self, End, MAGIC};
use super::tables::Tables;
use super::{FILE_NAME, StoreError};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The file of the store the redb-based versions kept (it cannot be read without linking redb).
const OLD_FILE_NAME: &str = "euiccd.redb";
/// Compaction waits until the log is at least this long...
const COMPACT_MIN: usize = 64 * 1024;
/// ...and this many times longer than the snapshot of the live state.
const COMPACT_RATIO: usize = 4;

/// The open, locked store file.
#[derive(Debug)]
pub(super) struct LogFile {
    path: PathBuf,
    file: File,
    /// Its length: where the next record goes.
    len: usize,
    /// A failed append could not be cut off again: appending more would bury it mid-file.
    broken: bool,
}

/// What opening the file found.
#[derive(Debug)]
pub(super) enum Loaded {
    /// The file (new, or replayed to its end), and the state it holds.
    Ready(LogFile, Tables),
    /// The file is damaged (still open and locked): why, and the state up to the damage.
    Damaged {
        file: LogFile,
        reason: String,
        partial: Tables,
    },
}

impl LogFile {
    /// Opens (or creates) the store file of `state_dir`, locks it and replays it. A torn tail (an
    /// unfinished commit) is cut off; a leftover compaction file is removed.
    pub(super) fn open(state_dir: &Path) -> Result<Loaded, StoreError> {
        let path = state_dir.join(FILE_NAME);
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io_error(&path))?;
        lock(&file).map_err(|_| StoreError::InUse(path.clone()))?;
        // Another process may have replaced the file (a compaction) between our open and our lock.
        let current = std::fs::metadata(&path).map_err(io_error(&path))?;
        if current.ino() != file.metadata().map_err(io_error(&path))?.ino() {
            return Err(StoreError::InUse(path));
        }
        remove_if_there(&temporary(&path)).map_err(io_error(&temporary(&path)))?;
        let mut file = Self {
            path,
            file,
            len: 0,
            broken: false,
        };
        let size = file.file.metadata().map_err(io_error(&file.path))?.len();
        if size > log::MAX_FILE as u64 {
            let reason = format!("{size} bytes, over the bound of {} bytes", log::MAX_FILE);
            return Ok(Loaded::Damaged {
                file,
                reason,
                partial: Tables::default(),
            });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        (&file.file)
            .take(log::MAX_FILE as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error(&file.path))?;
        let replay = log::replay(&bytes);
        drop(bytes);
        match replay.end {
            End::Damaged(reason) => {
                return Ok(Loaded::Damaged {
                    file,
                    reason,
                    partial: replay.tables,
                });
            }
            End::Torn => {
                tracing::warn!(
                    bytes = size as usize - replay.valid_len,
                    "the store ended with an unfinished commit: cut off"
                );
                file.file
                    .set_len(replay.valid_len as u64)
                    .and_then(|()| file.file.sync_all())
                    .map_err(io_error(&file.path))?;
            }
            End::Clean => {}
        }
        file.len = replay.valid_len;
        if file.len == 0 {
            file.start(state_dir, existed)?;
        }
        Ok(Loaded::Ready(file, replay.tables))
    }

    /// Writes the header of a new (or empty) file.
    fn start(&mut self, state_dir: &Path, existed: bool) -> Result<(), StoreError> {
        self.file
            .write_all_at(&MAGIC, 0)
            .and_then(|()| self.file.sync_all())
            .and_then(|()| sync_dir(state_dir))
            .map_err(io_error(&self.path))?;
        self.len = MAGIC.len();
        let old = state_dir.join(OLD_FILE_NAME);
        if !existed && old.exists() {
            tracing::warn!(
                old = %old.display(),
                "a store of an earlier version (redb) is left in place, unread: this version cannot \
                 read it; what it held is rebuilt from the eUICC where the eUICC holds it"
            );
        }
        Ok(())
    }

    /// Appends the record of `payload` and makes it durable. On an error the file is cut back to where
    /// it was, so that the commit is absent.
    pub(super) fn append(&mut self, payload: &[u8]) -> Result<(), StoreError> {
        if self.broken {
            return Err(StoreError::Io {
                path: self.path.clone(),
                source: std::io::Error::other("an earlier failed write could not be undone"),
            });
        }
        let record = log::record(payload);
        let written = self
            .file
            .write_all_at(&record, self.len as u64)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += record.len();
                Ok(())
            }
            Err(error) => {
                let undone = self
                    .file
                    .set_len(self.len as u64)
                    .and_then(|()| self.file.sync_data());
                self.broken = undone.is_err();
                Err(io_error(&self.path)(error))
            }
        }
    }

    /// Whether the log has grown enough beyond the live state (`tables`) to be compacted.
    pub(super) fn wants_compaction(&self, tables: &Tables) -> bool {
        let snapshot = MAGIC.len() + log::HEADER + tables.live_len();
        self.len > COMPACT_MIN && self.len > COMPACT_RATIO * snapshot
    }

    /// Replaces the log by a snapshot of `tables`: written to a temporary file, made durable, renamed
    /// over the log, the directory synced. A crash at any point leaves the old log or the new one (a
    /// leftover temporary file is removed on the next open).
    pub(super) fn compact(&mut self, tables: &Tables) -> std::io::Result<()> {
        let temporary = temporary(&self.path);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        // Locked before it takes the log's name, so that the lock never lapses.
        lock(&file)?;
        let snapshot = log::snapshot(tables);
        file.write_all_at(&snapshot, 0)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &self.path)?;
        self.file = file;
        self.len = snapshot.len();
        sync_dir(self.path.parent().unwrap_or(Path::new(".")))
    }

    /// Its length.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The path of the file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

/// The compaction's temporary file beside `path`.
fn temporary(path: &Path) -> PathBuf {
    path.with_file_name(format!("{FILE_NAME}.tmp"))
}

/// Takes the exclusive lock of `file`, without waiting.
fn lock(file: &File) -> std::io::Result<()> {
    // SAFETY: flock on a descriptor that `file` owns and keeps open for the call.
    match unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// Makes the directory entries of `dir` durable (a new file's name, a rename).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Wraps an I/O error on `path`.
pub(super) fn io_error(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}
