//! The store under process death: a child process commits transactions in a loop and is killed with
//! SIGKILL mid-loop; the reopened store holds exactly the last committed state, never half a transaction.

use euiccd::store::{Entry, Outbox, Store};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

/// Set in the child: the state directory to write to.
const CHILD_ENV: &str = "EUICCD_STORE_CHILD_DIR";

/// Transaction `k`: journal record `k`, result `k` pushed and result `k - 1` removed. After any number of
/// whole transactions the results outbox holds exactly one entry, the last journal record's.
fn transaction(store: &Store, k: u64) {
    store
        .write(|w| {
            let entry = Entry {
                recipient: "eim".into(),
                body: k.to_be_bytes().to_vec(),
            };
            let id = w.journal_append(&entry)?;
            w.put(Outbox::Results, id, &entry)?;
            if k > 1 {
                assert!(w.remove(Outbox::Results, id - 1)?, "the previous result");
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
    let store = Store::open(dir.as_ref()).expect("open");
    let mut stdout = std::io::stdout().lock();
    for k in 1.. {
        transaction(&store, k);
        writeln!(stdout, "committed {k}").expect("stdout");
        stdout.flush().expect("flush");
    }
}

#[test]
fn a_killed_writer_leaves_the_last_commit() {
    let dir = support::Scratch::new("store-kill");
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
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
        while printed < 20 + 10 * round {
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
        let journal = store.journal().expect("journal");
        let last = journal.len() as u64;
        // The transaction in flight may have committed before its line was printed, not more.
        assert!(
            last == printed || last == printed + 1,
            "round {round}: {last} records after {printed} printed commits"
        );
        for (index, (id, record)) in journal.iter().enumerate() {
            let k = index as u64 + 1;
            assert_eq!((*id, record.body.as_slice()), (k, &k.to_be_bytes()[..]));
        }
        let results = store.pending(Outbox::Results).expect("results");
        assert_eq!(results.len(), 1, "round {round}: exactly one result");
        assert_eq!(results[0].1.body, last.to_be_bytes());
        // Clear for the next round, so that its child starts numbering at 1 again.
        drop(store);
        std::fs::remove_dir_all(&dir.0).expect("clear");
    }
}
