//! Opening a store file that may be damaged, as the daemon does.
//!
//! The store's decoder checks every record as the file is replayed (see `log`), is bounded, and cannot
//! panic, so the check runs in this process. A damaged file cannot be trusted: [`open_checked`] moves
//! it aside (its name gets `.damaged-` and the time) and starts a fresh store; what the damaged one held
//! is rebuilt from the eUICC where the eUICC holds it (profiles, notifications, eIM configuration) and
//! named as lost otherwise ([`Damage::lost`]): what the file held up to the damage, and whatever came
//! after it, which cannot be read.

use super::file::Loaded;
use super::tables::{Table, Tables};
use super::{FILE_NAME, Store, StoreError, events, journal};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Why a store could not be trusted, where it went, and what it held that is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Damage {
    /// When it was found (seconds since the Unix epoch).
    pub detected_unix: u64,
    /// What the check found (where the log stops decoding, and why).
    pub reason: String,
    /// Where the damaged file now is (kept for analysis).
    pub moved_to: PathBuf,
    /// What it held that could be read and is not rebuilt from the eUICC, one line each; the last line
    /// says that the rest could not be read.
    pub lost: Vec<String>,
}

/// The store, and the damage found in the one it replaces.
#[derive(Debug)]
pub struct Opened {
    /// The store to use.
    pub store: Store,
    /// None: the store was intact (or new).
    pub damage: Option<Damage>,
}

/// Opens the store in `state_dir` as the daemon does: a damaged one is moved aside and replaced by a
/// fresh one ([`Opened::damage`] says what happened).
pub fn open_checked(state_dir: &Path) -> Result<Opened, StoreError> {
    let (file, reason, partial) = match Store::load(state_dir)? {
        Loaded::Ready(file, tables) => {
            return Ok(Opened {
                store: Store::new(file, tables),
                damage: None,
            });
        }
        Loaded::Damaged {
            file,
            reason,
            partial,
        } => (file, reason, partial),
    };
    // Moved while still locked, so that no other process opens it meanwhile.
    let damage = move_aside(file.path(), reason, lost(&partial))?;
    drop(file);
    let store = Store::open(state_dir)?;
    Ok(Opened {
        store,
        damage: Some(damage),
    })
}

/// Renames the damaged file `path` to `<name>.damaged-<UTC time>`.
fn move_aside(path: &Path, reason: String, lost: Vec<String>) -> Result<Damage, StoreError> {
    let now = SystemTime::now();
    let stamp: String = euiccd_core::connectivity::event::rfc3339(now)
        .chars()
        .filter(|c| *c != ':' && *c != '-')
        .collect();
    let moved_to = path.with_file_name(format!("{FILE_NAME}.damaged-{stamp}"));
    std::fs::rename(path, &moved_to).map_err(|source| StoreError::Directory {
        path: moved_to.clone(),
        source,
    })?;
    Ok(Damage {
        detected_unix: now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        reason,
        moved_to,
        lost,
    })
}

/// What a damaged store held up to the damage (`partial`) that the eUICC does not hold too, and a last
/// line for what came after.
fn lost(partial: &Tables) -> Vec<String> {
    let mut lost = Vec::new();
    // Every entry decodes: the replay checked them.
    if let Ok(journal) = partial.entries(Table::Journal) {
        for (id, entry) in journal {
            let step = journal::step_name(&entry.body);
            lost.push(format!(
                "journal entry {id} of eIM {} ({step})",
                entry.recipient
            ));
        }
    }
    if let Ok(owed) = partial.entries(Table::Results) {
        for (id, entry) in owed {
            lost.push(format!(
                "entry {id}: the eUICC Package Result owed to eIM {} (the eUICC keeps its copy)",
                entry.recipient
            ));
        }
    }
    let queued = partial.map(Table::Events).len();
    if queued > 0 {
        lost.push(format!("{queued} upstream events not yet delivered"));
    }
    let dropped = events::lost(partial);
    if dropped > 0 {
        lost.push(format!(
            "the count of {dropped} events lost to the outbox bound, not yet reported"
        ));
    }
    for eim in partial.map(Table::PollState).keys() {
        lost.push(format!(
            "the poll back-off of eIM {} (it starts afresh)",
            String::from_utf8_lossy(eim)
        ));
    }
    if partial.supervision().ok() != Some(Default::default()) {
        lost.push("a rollback or fallback supervision in progress".to_owned());
    }
    lost.push("whatever the file held after the damage (it cannot be read)".into());
    lost
}
