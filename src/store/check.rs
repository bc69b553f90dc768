//! Opening a store file that may be damaged, without letting the damage take the process down.
//!
//! redb does not fail cleanly on every damaged file: a truncated file or a zeroed or random page can
//! trip an assertion inside it, a panic, and the release build aborts on a panic (`panic = "abort"`), so
//! `catch_unwind` cannot contain it. So the file is first opened and verified in a child process — the
//! same binary, re-executed with the hidden subcommand `euiccd store-check FILE` ([`inspect`]) — and only
//! a file the child found intact is opened in this process. The child reports as it goes, one JSON
//! [`Finding`] a line: what it could read (the inventory that tells what damage would lose), then
//! [`Finding::Intact`]. A child that aborts, fails, hangs or finds damage means the store cannot be
//! trusted: [`open_checked`] moves the file aside (its name gets `.damaged-` and the time) and starts a
//! fresh store; what the damaged one held is rebuilt from the eUICC where the eUICC holds it (profiles,
//! notifications, eIM configuration) and named as lost otherwise ([`Damage::lost`]).
//!
//! The child verifies: redb opens the file (repairing it after an unclean shutdown, as every open
//! does), redb's `check_integrity` (every page's checksum, the allocator state), the presence of every
//! table, and the seal of every record (see `seal`).

use super::events::{COUNTERS as COUNTERS_TABLE, RECENT as RECENT_TABLE};
use super::{
    FILE_NAME, JOURNAL, NEXT_ID, Outbox, POLL_STATE, SUPERVISION, Store, StoreError,
    create_private_dir, seal,
};
use redb::{Database, ReadableTable, TableHandle};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// The hidden subcommand that runs [`inspect`] in the child.
pub(crate) const SUBCOMMAND: &str = "store-check";
/// How long the check may take before the store counts as damaged (a healthy store of the daemon's
/// size checks in well under a second, on a router too; see README, "Robustness").
pub(crate) const CHECK_TIMEOUT: Duration = Duration::from_secs(60);
/// The most the parent reads of the child's report.
const MAX_REPORT: u64 = 1024 * 1024;
/// The most of the child's stderr (a panic message) kept in the reason.
const MAX_STDERR: usize = 2000;

/// One line of the child's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// An unfinished journal entry: its id, eIM and step.
    Journal {
        /// The entry id.
        id: u64,
        /// The eIM it concerns.
        eim: String,
        /// "package received" or "acknowledged".
        step: String,
    },
    /// An eUICC Package Result owed to an eIM.
    ResultOwed {
        /// The entry id.
        id: u64,
        /// The eIM.
        eim: String,
    },
    /// Upstream events not yet delivered.
    QueuedEvents(u64),
    /// Upstream events lost to the bound that the receiver was not told of yet.
    LostEvents(u64),
    /// The remembered poll state of an eIM.
    PollState(String),
    /// A rollback or fallback supervision in progress.
    Supervision,
    /// Something failed: the store cannot be trusted.
    Damage(String),
    /// Another process has the store open: not damage, nothing to do.
    InUse,
    /// The file cannot be read at all (permissions, I/O): not damage, nothing to move.
    Unreadable(String),
    /// Every record was read and verified (after the findings above).
    Inventoried,
    /// No damage: the last line of a healthy store's report.
    Intact,
}

/// The child's report: each finding written and flushed at once, so that the parent has it even if the
/// engine aborts the child right after.
struct Report<'w> {
    out: &'w mut dyn Write,
    /// The first write error (the parent went away: nobody is left to tell).
    failed: Option<std::io::Error>,
}

impl Report<'_> {
    fn say(&mut self, finding: Finding) {
        let mut line = serde_json::to_vec(&finding).expect("a finding always serializes");
        line.push(b'\n');
        if let Err(error) = self.out.write_all(&line).and_then(|()| self.out.flush()) {
            self.failed.get_or_insert(error);
        }
    }
}

/// Verifies the store file `path` and writes the findings to `out`, one JSON line each, flushed one by
/// one. May abort inside redb on a damaged file: run it only in a child process ([`open_checked`]).
pub(crate) fn inspect(path: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    let mut report = Report { out, failed: None };
    check_file(path, &mut report);
    report.failed.map_or(Ok(()), Err)
}

fn check_file(path: &Path, report: &mut Report<'_>) {
    let mut db = match Database::builder().open(path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => return report.say(Finding::InUse),
        Err(redb::DatabaseError::Storage(redb::StorageError::Io(error))) if !is_damage(&error) => {
            return report.say(Finding::Unreadable(error.to_string()));
        }
        Err(error) => return report.say(Finding::Damage(format!("redb: {error}"))),
    };
    let mut intact = match db.check_integrity() {
        Ok(true) => true,
        Ok(false) => {
            report.say(Finding::Damage(
                "redb's integrity check had to repair the file".into(),
            ));
            false
        }
        Err(error) => {
            report.say(Finding::Damage(format!("redb's integrity check: {error}")));
            false
        }
    };
    let store = Store {
        db,
        commits: Default::default(),
    };
    intact &= inventory(&store, report);
    if intact {
        report.say(Finding::Intact);
    }
}

/// Reads and verifies every record of `store`, reporting what matters if it were lost; a table that
/// fails is reported as [`Finding::Damage`] and the next one read. Returns whether everything read.
fn inventory(store: &Store, report: &mut Report<'_>) -> bool {
    let entry_tables = [
        JOURNAL,
        Outbox::Results.table(),
        Outbox::Events.table(),
        RECENT_TABLE,
    ];
    let named_tables = [POLL_STATE, SUPERVISION, NEXT_ID, COUNTERS_TABLE];
    let mut read_all = true;
    let mut note = |result: Result<(), StoreError>, report: &mut Report<'_>| {
        if let Err(error) = result {
            read_all = false;
            report.say(Finding::Damage(error.to_string()));
        }
    };
    for table in entry_tables {
        note(entries(store, table, report), report);
    }
    for table in named_tables {
        note(named(store, table, report), report);
    }
    let supervision = store.supervision().map(|record| {
        if record != Default::default() {
            report.say(Finding::Supervision);
        }
    });
    note(supervision, report);
    let lost = store.events_lost().map(|lost| {
        if lost > 0 {
            report.say(Finding::LostEvents(lost));
        }
    });
    note(lost, report);
    if read_all {
        report.say(Finding::Inventoried);
    }
    read_all
}

/// Verifies the entries of `table`, noting the journal's, the results owed and the queued events.
fn entries(
    store: &Store,
    table: super::EntryTable,
    report: &mut Report<'_>,
) -> Result<(), StoreError> {
    let tx = store.db.begin_read()?;
    let open = tx.open_table(table).map_err(|e| missing(table.name(), e))?;
    let name = table.name();
    let mut queued = 0;
    for item in open.iter()? {
        let (id, sealed) = item?;
        let id = id.value();
        if name == RECENT_TABLE.name() {
            seal::unseal(name, seal::Key::Id(id), sealed.value())?;
            continue;
        }
        let entry = seal::unseal_entry(name, id, sealed.value())?;
        if name == JOURNAL.name() {
            report.say(Finding::Journal {
                id,
                step: super::journal::step_name(&entry.body).to_owned(),
                eim: entry.recipient,
            });
        } else if name == Outbox::Results.name() {
            report.say(Finding::ResultOwed {
                id,
                eim: entry.recipient,
            });
        } else {
            queued += 1;
        }
    }
    if queued > 0 {
        report.say(Finding::QueuedEvents(queued));
    }
    Ok(())
}

/// Verifies the records of the named `table`, noting the eIMs with a poll state.
fn named(
    store: &Store,
    table: super::NamedTable,
    report: &mut Report<'_>,
) -> Result<(), StoreError> {
    let tx = store.db.begin_read()?;
    let open = tx.open_table(table).map_err(|e| missing(table.name(), e))?;
    for item in open.iter()? {
        let (key, sealed) = item?;
        let key = key.value();
        seal::unseal(table.name(), seal::Key::Name(key), sealed.value())?;
        if table.name() == POLL_STATE.name() {
            report.say(Finding::PollState(key.to_owned()));
        }
    }
    Ok(())
}

/// Whether an I/O error opening the file says something about its contents (a short file, invalid data,
/// an unreadable sector), rather than about where it lies (permissions, a full or read-only file system),
/// which moving the file aside would not cure.
fn is_damage(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    !matches!(
        error.kind(),
        PermissionDenied | NotFound | ReadOnlyFilesystem | StorageFull | QuotaExceeded
    )
}

/// A table that a store this program wrote always has.
fn missing(table: &str, error: redb::TableError) -> StoreError {
    match error {
        redb::TableError::TableDoesNotExist(_) => StoreError::Damaged {
            table: table.to_owned(),
            key: "(the table itself)".into(),
        },
        other => other.into(),
    }
}

/// Why a store could not be trusted, where it went, and what it held that is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Damage {
    /// When it was found (seconds since the Unix epoch).
    pub detected_unix: u64,
    /// What the check found (redb's error, a record that fails its checksum, an abort).
    pub reason: String,
    /// Where the damaged file now is (kept for analysis).
    pub moved_to: PathBuf,
    /// What it held that could be read and is not rebuilt from the eUICC, one line each; the last line
    /// says so if the rest could not be read.
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

/// What the check of a store file concluded.
#[derive(Debug)]
pub enum Verdict {
    /// The file is intact: safe to open in this process.
    Intact,
    /// The file cannot be trusted: why, and what could be read of it.
    Damaged {
        /// The reason.
        reason: String,
        /// What was read before or despite the damage.
        findings: Vec<Finding>,
    },
}

/// Checks the store file `path` in a child process: `checker` (this program's binary) runs
/// `store-check` on it. An abort, an error, a timeout ([`CHECK_TIMEOUT`]) or a finding of damage is
/// [`Verdict::Damaged`]; another process holding the store is [`StoreError::InUse`], a file that cannot
/// be read at all [`StoreError::Check`].
pub fn check(checker: &Path, path: &Path) -> Result<Verdict, StoreError> {
    let spawn_error =
        |source| StoreError::Check(format!("running {}: {source}", checker.display()));
    let mut child = Command::new(checker)
        .arg(SUBCOMMAND)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut findings = Vec::new();
        for line in BufReader::new(stdout.take(MAX_REPORT)).lines() {
            let Ok(line) = line else { break };
            findings.push(serde_json::from_str::<Finding>(&line).unwrap_or_else(|e| {
                Finding::Damage(format!("the check said something unreadable: {e}"))
            }));
        }
        findings
    });
    let errors = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = (&mut stderr).take(MAX_STDERR as u64).read_to_end(&mut text);
        // Drain the rest, so that the child never blocks on a full pipe.
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        String::from_utf8_lossy(&text).trim().to_owned()
    });
    let deadline = Instant::now() + CHECK_TIMEOUT;
    let status = loop {
        match child.try_wait().map_err(spawn_error)? {
            Some(status) => break Some(status),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let findings = reader.join().unwrap_or_default();
    let stderr = errors.join().unwrap_or_default();
    if findings.contains(&Finding::InUse) {
        return Err(StoreError::InUse(path.to_owned()));
    }
    if let Some(Finding::Unreadable(error)) = findings
        .iter()
        .find(|f| matches!(f, Finding::Unreadable(_)))
    {
        return Err(StoreError::Check(format!("{}: {error}", path.display())));
    }
    // Killed from outside (the OOM killer, a stop of the service): says nothing about the file.
    if let Some(signal) = status.and_then(|s| s.signal()) {
        if [libc::SIGKILL, libc::SIGTERM, libc::SIGINT, libc::SIGHUP].contains(&signal) {
            return Err(StoreError::Check(format!(
                "the check of {} was killed (signal {signal})",
                path.display()
            )));
        }
    }
    let intact = findings.last() == Some(&Finding::Intact);
    let reason = match status {
        None => format!("the check did not finish within {CHECK_TIMEOUT:?}"),
        Some(status) if intact && status.success() => return Ok(Verdict::Intact),
        Some(status) => {
            let found: Vec<&str> = findings
                .iter()
                .filter_map(|f| match f {
                    Finding::Damage(reason) => Some(reason.as_str()),
                    _ => None,
                })
                .collect();
            match (found.is_empty(), status.success()) {
                (false, _) => found.join("; "),
                (true, true) => "the check ended without a verdict".into(),
                (true, false) => {
                    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
                    format!(
                        "the storage engine failed on the file ({status}){}",
                        last.map(|l| format!(": {l}")).unwrap_or_default()
                    )
                }
            }
        }
    };
    Ok(Verdict::Damaged { reason, findings })
}

/// Opens the store in `state_dir` as the daemon does: a new store is created; an existing one is
/// [`check`]ed first (with `checker`, this program's binary), and a damaged one is moved aside and
/// replaced by a fresh one ([`Opened::damage`] says what happened).
pub fn open_checked(checker: &Path, state_dir: &Path) -> Result<Opened, StoreError> {
    create_private_dir(state_dir).map_err(|source| StoreError::Directory {
        path: state_dir.to_owned(),
        source,
    })?;
    let path = state_dir.join(FILE_NAME);
    let damage = match path.exists() {
        false => None,
        true => match check(checker, &path)? {
            Verdict::Intact => None,
            Verdict::Damaged { reason, findings } => Some(move_aside(&path, reason, &findings)?),
        },
    };
    let store = Store::open(state_dir)?;
    Ok(Opened { store, damage })
}

/// Renames the damaged file `path` to `<name>.damaged-<UTC time>`.
fn move_aside(path: &Path, reason: String, findings: &[Finding]) -> Result<Damage, StoreError> {
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
        lost: lost(findings),
    })
}

/// What `findings` say the damaged store held that the eUICC does not hold too.
fn lost(findings: &[Finding]) -> Vec<String> {
    let mut lost: Vec<String> = findings
        .iter()
        .filter_map(|finding| match finding {
            Finding::Journal { id, eim, step } => {
                Some(format!("journal entry {id} of eIM {eim} ({step})"))
            }
            Finding::ResultOwed { id, eim } => Some(format!(
                "entry {id}: the eUICC Package Result owed to eIM {eim} (the eUICC keeps its copy)"
            )),
            Finding::QueuedEvents(n) => Some(format!("{n} upstream events not yet delivered")),
            Finding::LostEvents(n) => Some(format!(
                "the count of {n} events lost to the outbox bound, not yet reported"
            )),
            Finding::PollState(eim) => {
                Some(format!("the poll back-off of eIM {eim} (it starts afresh)"))
            }
            Finding::Supervision => {
                Some("a rollback or fallback supervision in progress".to_owned())
            }
            _ => None,
        })
        .collect();
    if !findings.contains(&Finding::Inventoried) {
        lost.push("whatever else the file held (it could not be read to the end)".into());
    } else if lost.is_empty() {
        lost.push("nothing that was readable".into());
    }
    lost
}
