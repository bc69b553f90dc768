//! The store under damage: a copy of a daemon's store log is truncated, or one of its pages zeroed,
//! randomised or hit by a flipped bit, page by page; each damaged copy goes through the open path the
//! daemon uses (`store::check::open_checked`) and through `euiccd events`. Nothing may abort, and
//! nothing may come back changed: a cut-off or zeroed tail (what a power cut leaves) reads back as
//! exactly the commits before it; any other damage is found, and the daemon's open moves the file
//! aside and starts a fresh store.
#![cfg(feature = "sim")]

use euiccd::store::check::{Opened, open_checked};
use euiccd::store::{Entry, FILE_NAME, Outbox, PollState, RECENT_EVENTS, Retention, Store};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

mod support;

use std::time::Duration;
use support::daemon::{Bench, EIM_ID};
use support::{EUICCD, Run, Scratch};

const PAGE: usize = 4096;

/// Fills a store the way a busy daemon does: journal entries of two eIMs, results owed, events (more than
/// one page of them), poll states and a loss count. Returns, after each commit, the file's length and
/// what the store holds (the first: the empty store).
fn fill(state: &Path) -> Vec<(usize, String)> {
    let store = Store::open(state).expect("open");
    let file = state.join(FILE_NAME);
    let mut commits = vec![(0, dump(&store).expect("dump"))];
    let mut committed = |store: &Store| {
        let len = std::fs::metadata(&file).expect("file").len() as usize;
        assert!(len > commits.last().unwrap().0, "no compaction in between");
        commits.push((len, dump(store).expect("dump")));
    };
    for n in 0..3u8 {
        store
            .write(|w| {
                let received = Entry {
                    recipient: format!("eim-{n}"),
                    body: [&[1u8][..], &[0xBF, 0x4F, n][..]].concat(),
                };
                w.journal_append(&received)?;
                let owed = Entry {
                    recipient: format!("eim-{n}"),
                    body: vec![0xBF, 0x50, n, 0x42],
                };
                w.push(Outbox::Results, &owed)?;
                w.set_poll_state(
                    &format!("eim-{n}"),
                    &PollState {
                        failures: u32::from(n),
                        last_package_unix: Some(1_700_000_000 + u64::from(n)),
                    },
                )
            })
            .expect("write");
        committed(&store);
    }
    for n in 0..60 {
        let body = format!(
            r#"{{"type":"org.euiccd.network.session_updated","time":"2026-12-06T17:00:{:02}Z","subject":"8949449999999990015","data":{{"n":{n},"pad":"{}"}}}}"#,
            n % 60,
            "x".repeat(200)
        );
        let retention = match n % 3 {
            0 => Retention::Keep,
            1 => Retention::Update,
            _ => Retention::Droppable,
        };
        store
            .write(|w| w.push_event(retention, body.as_bytes(), 50))
            .expect("event");
        committed(&store);
    }
    commits
}

/// Everything the store holds, read through the store's own API.
fn dump(store: &Store) -> Result<String, euiccd::store::StoreError> {
    let mut text = format!("{:?}\n", store.journal()?);
    text += &format!("{:?}\n", store.pending(Outbox::Results)?);
    text += &format!("{:?}\n", store.pending(Outbox::Events)?);
    text += &format!("{:?}\n", store.recent_events(RECENT_EVENTS as usize)?);
    for n in 0..3 {
        text += &format!("{:?}\n", store.poll_state(&format!("eim-{n}"))?);
    }
    text += &format!("{:?} {:?}\n", store.events_lost()?, store.supervision()?);
    Ok(text)
}

/// One way to damage the file.
#[derive(Debug, Clone, Copy)]
enum Harm {
    /// Cut to this many bytes.
    Truncate(usize),
    /// Page `n` all zeros.
    Zero(usize),
    /// Page `n` random bytes.
    Randomise(usize),
    /// One bit flipped (a bit offset in the file).
    Flip(usize),
}

impl Harm {
    fn apply(self, bytes: &mut Vec<u8>, random: &mut XorShift) {
        let page = |n: usize| n * PAGE..((n + 1) * PAGE).min(bytes.len());
        match self {
            Self::Truncate(len) => bytes.truncate(len),
            Self::Zero(n) => {
                let range = page(n);
                bytes[range].fill(0);
            }
            Self::Randomise(n) => {
                let range = page(n);
                bytes[range]
                    .iter_mut()
                    .for_each(|b| *b = random.next() as u8);
            }
            Self::Flip(bit) => bytes[bit / 8] ^= 1 << (bit % 8),
        }
    }
}

/// A small deterministic generator (xorshift64), so that a failing case can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The cases: 5 truncations; of the pages, page 0, the last one and up to 14 in between, each zeroed,
/// randomised and hit by one flipped bit; and 32 single-bit flips spread over the page that holds the
/// most event bytes. About 80 cases (fewer if two sampled pages coincide; the test prints the count).
fn cases(bytes: &[u8], random: &mut XorShift) -> Vec<Harm> {
    let len = bytes.len();
    let mut cases = vec![
        Harm::Truncate(0),
        Harm::Truncate(PAGE),
        Harm::Truncate(len / 2),
        Harm::Truncate(len - PAGE),
        Harm::Truncate(len - 1),
    ];
    let data: Vec<usize> = (0..len.div_ceil(PAGE)).collect();
    let mut sampled: Vec<usize> = (0..16).map(|k| data[k * (data.len() - 1) / 15]).collect();
    sampled.dedup();
    for &n in &sampled {
        let bit = n * PAGE * 8 + (random.next() as usize % (PAGE * 8));
        cases.extend([Harm::Zero(n), Harm::Randomise(n), Harm::Flip(bit)]);
    }
    let events_page = data
        .iter()
        .copied()
        .max_by_key(|&n| {
            bytes[n * PAGE..((n + 1) * PAGE).min(len)]
                .windows(4)
                .filter(|w| w == b"xxxx")
                .count()
        })
        .expect("a page of events");
    for k in 0..32 {
        let bit = k * (PAGE * 8 / 32) + (random.next() as usize % (PAGE * 8 / 32));
        cases.push(Harm::Flip((events_page * PAGE * 8 + bit).min(len * 8 - 1)));
    }
    cases
}

/// What the sweep saw.
#[derive(Debug, Default)]
struct Tally {
    /// Read back as every commit, or as the commits before a torn tail.
    intact: usize,
    damaged: usize,
    /// Wrong: read back changed, or the open path failed.
    wrong: Vec<String>,
}

#[test]
fn every_damaged_copy_is_detected_or_reads_back_as_its_whole_commits() {
    let dir = Scratch::new("store-damage");
    let original = dir.path("original");
    let commits = fill(&original);
    let bytes = std::fs::read(original.join(FILE_NAME)).expect("read");
    assert_eq!(commits.last().unwrap().0, bytes.len());
    let mut random = XorShift(0x5EED_0F57_04E0_DA7A);
    let cases = cases(&bytes, &mut random);

    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    let seeds: Vec<u64> = cases.iter().map(|_| random.next() | 1).collect();
    let (cases, seeds) = (Arc::new(cases), Arc::new(seeds));
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&harm) = cases.get(index) else { break };
                    let mut damaged = bytes.clone();
                    harm.apply(&mut damaged, &mut XorShift(seeds[index]));
                    let outcome = one_case(&dir, index, harm, &bytes, &damaged, &commits);
                    let mut tally = tally.lock().unwrap();
                    match outcome {
                        Ok(false) => tally.intact += 1,
                        Ok(true) => tally.damaged += 1,
                        Err(wrong) => tally.wrong.push(format!("case {index} {harm:?}: {wrong}")),
                    }
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    eprintln!(
        "{} cases: {} read back as whole commits, {} damaged and replaced",
        cases.len(),
        tally.intact,
        tally.damaged
    );
    assert!(tally.wrong.is_empty(), "{:#?}", tally.wrong);
    assert!(tally.damaged > cases.len() / 2, "{tally:?}");
}

/// Runs one damaged copy through `euiccd events` (every 8th case) and through the daemon's open path.
/// `Ok(false)`: read back as the commits before the damage, which is a torn tail; `Ok(true)`: detected
/// and replaced; `Err`: wrong.
fn one_case(
    dir: &Scratch,
    index: usize,
    harm: Harm,
    original: &[u8],
    damaged: &[u8],
    commits: &[(usize, String)],
) -> Result<bool, String> {
    // Where the damage starts, and the commits wholly before it.
    let first = original
        .iter()
        .zip(damaged)
        .position(|(a, b)| a != b)
        .unwrap_or(damaged.len());
    let whole = commits.iter().rposition(|(end, _)| *end <= first).unwrap();
    // What a power cut can leave: the file cut short, zeros at its end, or a last record that fails
    // its checksum. Only such a tail may read back as an earlier commit.
    let last_start = commits[commits.len() - 2].0;
    let tail = matches!(harm, Harm::Truncate(_))
        || damaged[first..].iter().all(|b| *b == 0)
        || first >= last_start;
    let state = dir.path(&format!("case-{index}"));
    std::fs::create_dir_all(&state).expect("state");
    let file = state.join(FILE_NAME);
    if index % 8 == 0 {
        std::fs::write(&file, damaged).expect("copy");
        let events = cli_events(&state);
        let refused = events.code == Some(1) && events.stderr.contains("is damaged");
        let shown = tail && events.code == Some(0);
        if !(refused || shown) {
            return Err(format!(
                "`euiccd events` exit {:?}: {}{}",
                events.code, events.stdout, events.stderr
            ));
        }
    }
    std::fs::write(&file, damaged).expect("copy");
    let Opened { store, damage } = open_checked(&state).map_err(|e| format!("open: {e}"))?;
    let read = dump(&store).map_err(|e| format!("read after open: {e}"));
    let outcome = match damage {
        None if tail && read.as_deref() == Ok(&commits[whole].1) => Ok(false),
        None => Err(format!(
            "SILENT CHANGE (tail {tail}, {whole} whole commits): {read:?}"
        )),
        Some(damage) if matches!(harm, Harm::Truncate(_)) => {
            Err(format!("a cut-off file taken for damage: {damage:?}"))
        }
        Some(damage) if read.as_deref() == Ok(&commits[0].1) && damage.moved_to.exists() => {
            assert!(
                !damage.lost.is_empty() && !damage.reason.is_empty(),
                "{damage:?}"
            );
            Ok(true)
        }
        Some(damage) => Err(format!("replaced, but {read:?} {damage:?}")),
    };
    drop(store);
    let _ = std::fs::remove_dir_all(&state);
    outcome
}

/// `euiccd --json events` on the store in `state`, with no daemon running.
fn cli_events(state: &Path) -> Run {
    let mut command = Command::new(EUICCD);
    command
        .args(["--json", "events", "--limit", "1000", "--socket"])
        .arg(state.join("no-daemon.sock"))
        .arg("--state-dir")
        .arg(state);
    Run::command(command, Duration::from_secs(120))
}

/// Where `marker` occurs in `bytes` (copy-on-write leaves old copies of a page behind: all of them).
fn find_all(bytes: &[u8], marker: &[u8]) -> Vec<usize> {
    bytes
        .windows(marker.len())
        .enumerate()
        .filter_map(|(at, window)| (window == marker).then_some(at))
        .collect()
}

#[test]
fn a_damaged_store_is_moved_aside_and_the_daemon_runs_again_in_one_start() {
    let bench = Bench::new("store-damage-daemon", None);
    let toml = bench
        .config("[connectivity]\nenabled = false\n\n[rollback]\nrequire = [\"eim_exchange\"]\n");
    let state = bench.dir.path("state");
    let file = state.join(FILE_NAME);
    const JOURNAL_MARK: &[u8] = b"JOURNAL-MARK";
    const EVENT_MARK: &[u8] = b"EVENT-MARK";
    for harm in [
        "a bit of an event flipped",
        "event records zeroed",
        "the header overwritten",
    ] {
        let mut daemon = bench.daemon(&toml, &[]);
        daemon.status_until(Duration::from_secs(60), |s| s["state"] == "idle");
        daemon.signal("-TERM");
        assert!(daemon.wait(Duration::from_secs(10)).is_some(), "{harm}");
        // What a daemon stopped mid-work leaves: a package received, events not yet delivered.
        let journal_id = {
            let store = Store::open(&state).expect("open");
            let received = Entry {
                recipient: EIM_ID.into(),
                body: [&[1u8][..], JOURNAL_MARK].concat(),
            };
            let id = store
                .write(|w| w.journal_append(&received))
                .expect("journal");
            for n in 0..40 {
                let body = format!("{{\"n\":{n},\"mark\":\"EVENT-MARK{}\"}}", "e".repeat(200));
                store
                    .write(|w| w.push_event(Retention::Keep, body.as_bytes(), 1000))
                    .expect("event");
            }
            id
        };
        let mut bytes = std::fs::read(&file).expect("read");
        let first_event = find_all(&bytes, EVENT_MARK)[0];
        assert!(find_all(&bytes, JOURNAL_MARK)[0] < first_event);
        match harm {
            "a bit of an event flipped" => bytes[first_event + 3] ^= 0x10,
            "event records zeroed" => bytes[first_event..first_event + PAGE].fill(0),
            _ => bytes[..8].copy_from_slice(b"XXXXXXXX"),
        }
        std::fs::write(&file, &bytes).expect("damage");

        // One start: the daemon runs, with the damage in its status, its event and its log.
        let mut daemon = bench.daemon(&toml, &[]);
        let status = daemon.status_until(Duration::from_secs(60), |s| {
            s["state"] == "idle" && !s["store_damage"].is_null()
        });
        assert!(
            daemon.wait(Duration::ZERO).is_none(),
            "{harm}: still running"
        );
        let damage = &status["store_damage"];
        let moved_to = Path::new(damage["moved_to"].as_str().expect("moved_to"));
        assert!(moved_to.exists(), "{harm}: {damage}");
        assert!(
            moved_to
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("euiccd.store.damaged-20"),
            "{damage}"
        );
        let lost = damage["lost"].to_string();
        let log = daemon.log();
        assert!(log.contains("the store is damaged"), "{harm}: {log}");
        assert!(log.contains("lost with the damaged store"), "{harm}: {log}");
        if harm != "the header overwritten" {
            let entry = format!("journal entry {journal_id} of eIM {EIM_ID}");
            assert!(lost.contains(&entry), "{harm}: {lost}");
            assert!(log.contains(&entry), "{harm}: {log}");
        }
        let table = Run::finished(
            &["status", "--socket", &daemon.socket.to_string_lossy()],
            Duration::from_secs(30),
        );
        assert!(
            table.stdout.contains("store damage") && table.stdout.contains("moved to"),
            "{}",
            table.stdout
        );
        let events = daemon.ctl(&["events", "--limit", "1000"]).json();
        let reported = events
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["event"]["type"] == "org.euiccd.store.corrupted")
            .count();
        assert_eq!(reported, 1, "{harm}: {events}");
        daemon.signal("-TERM");
        assert!(daemon.wait(Duration::from_secs(10)).is_some(), "{harm}");
        std::fs::remove_file(moved_to).expect("clean up");
    }
}

#[test]
fn a_store_of_the_redb_versions_is_named_in_the_log_and_left_in_place() {
    let bench = Bench::new("store-redb", None);
    let toml = bench
        .config("[connectivity]\nenabled = false\n\n[rollback]\nrequire = [\"eim_exchange\"]\n");
    let state = bench.dir.path("state");
    std::fs::create_dir_all(&state).expect("state");
    let old = state.join("euiccd.redb");
    std::fs::write(&old, b"redb\x1a\x0a\xa9\x0d\x0a").expect("old store");
    let mut daemon = bench.daemon(&toml, &[]);
    let status = daemon.status_until(Duration::from_secs(60), |s| s["state"] == "idle");
    assert!(status["store_damage"].is_null(), "{status}");
    let log = daemon.log();
    assert!(
        log.contains("euiccd.redb") && log.contains("earlier version"),
        "{log}"
    );
    daemon.signal("-TERM");
    assert!(daemon.wait(Duration::from_secs(10)).is_some());
    assert!(old.exists(), "left in place");
    assert!(state.join(FILE_NAME).exists());
}
