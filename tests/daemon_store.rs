//! The store under process death: a child process commits transactions in a loop and is killed with
//! SIGKILL mid-loop, also among the log's compactions; the reopened store holds exactly the last
//! committed state, never half a transaction.

use euiccd::store::{Entry, Outbox, Store};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

/// Set in the child: the state directory to write to.
const CHILD_ENV: &str = "EUICCD_STORE_CHILD_DIR";
/// Set in the child to have each transaction also remove the previous journal record ([`transaction`]).
const STEADY_ENV: &str = "EUICCD_STORE_CHILD_STEADY";

/// Transaction `k`: journal record `k`, result `k` pushed and result `k - 1` removed. After any number of
/// whole transactions the results outbox holds exactly one entry, the last journal record's. `steady`:
/// event `k` instead of journal record `k`, and event `k - 1` removed, so that the live data stays small
/// and the log is compacted every few hundred commits.
fn transaction(store: &Store, k: u64, steady: bool) {
    store
        .write(|w| {
            let entry = Entry {
                recipient: "eim".into(),
                body: k.to_be_bytes().to_vec(),
            };
            let id = match steady {
                false => w.journal_append(&entry)?,
                true => w.push(Outbox::Events, &entry)?,
            };
            w.put(Outbox::Results, id, &entry)?;
            if k > 1 {
                assert!(w.remove(Outbox::Results, id - 1)?, "the previous result");
                assert!(
                    !steady || w.remove(Outbox::Events, id - 1)?,
                    "the previous event"
                );
            }
            Ok(())
        })
        .expect("commit");
}

/// The child's side: runs only when re-executed by [`a_killed_writer_leaves_the_last_commit`].
#[test]
fn writer_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let steady = std::env::var_os(STEADY_ENV).is_some();
    let store = Store::open(dir.as_ref()).expect("open");
    let mut stdout = std::io::stdout().lock();
    for k in 1.. {
        transaction(&store, k, steady);
        writeln!(stdout, "committed {k}").expect("stdout");
        stdout.flush().expect("flush");
    }
}

#[test]
fn a_killed_writer_leaves_the_last_commit() {
    kill_rounds("store-kill", false, &[20, 30, 40]);
}

#[test]
fn a_writer_killed_among_compactions_leaves_the_last_commit() {
    kill_rounds("store-kill-compact", true, &[200, 700, 1200, 1700, 2300]);
}

/// Kills a writer child (`steady`: see [`transaction`]) once it printed `kill_after[round]` commits, in
/// each round, and checks what the store holds.
fn kill_rounds(name: &str, steady: bool, kill_after: &[u64]) {
    let dir = support::Scratch::new(name);
    for (round, &kill_after) in kill_after.iter().enumerate() {
        let mut command = Command::new(std::env::current_exe().expect("test binary"));
        if steady {
            command.env(STEADY_ENV, "1");
        }
        let mut child = command
            .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &dir.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the writer");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut printed = 0u64;
        // Let it commit some transactions (more each round), then kill it in the middle of the loop.
        while printed < kill_after {
            assert!(Instant::now() < deadline, "the writer is too slow");
            let line = lines.next().expect("the writer runs").expect("a line");
            if let Some(k) = line.strip_prefix("committed ") {
                printed = k.parse().expect("a number");
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        for line in lines.map_while(Result::ok) {
            if let Some(k) = line.strip_prefix("committed ") {
                printed = k.parse().expect("a number");
            }
        }

        // An unclean shutdown is not damage: the store opens (Store::open refuses a damaged file).
        let store = Store::open(&dir.0).expect("reopen after SIGKILL");
        let journal = match steady {
            false => store.journal(),
            true => store.pending(Outbox::Events),
        }
        .expect("records");
        let last = journal.last().map_or(0, |(id, _)| *id);
        // The transaction in flight may have committed before its line was printed, not more.
        assert!(
            last == printed || last == printed + 1,
            "round {round}: last record {last} after {printed} printed commits"
        );
        let first = if steady { last } else { 1 };
        assert_eq!(journal.len() as u64, last - first + 1, "round {round}");
        for (k, (id, record)) in (first..).zip(&journal) {
            assert_eq!((*id, record.body.as_slice()), (k, &k.to_be_bytes()[..]));
        }
        let files: Vec<_> = std::fs::read_dir(&dir.0).expect("dir").collect();
        assert_eq!(files.len(), 1, "round {round}: no leftover of a compaction");
        if steady {
            // Compacted at 64 KiB: without compaction, 700 commits would be twice as long.
            let len = std::fs::metadata(dir.0.join(euiccd::store::FILE_NAME)).expect("file");
            assert!(len.len() < 66_000, "round {round}: {} bytes", len.len());
        }
        let results = store.pending(Outbox::Results).expect("results");
        assert_eq!(results.len(), 1, "round {round}: exactly one result");
        assert_eq!(results[0].1.body, last.to_be_bytes());
        // Clear for the next round, so that its child starts numbering at 1 again.
        drop(store);
        std::fs::remove_dir_all(&dir.0).expect("clear");
    }
}
