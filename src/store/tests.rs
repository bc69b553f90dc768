use super::*;
use std::path::Path;

fn entry(recipient: &str, body: &[u8]) -> Entry {
    Entry {
        recipient: recipient.into(),
        body: body.to_vec(),
    }
}

#[test]
fn everything_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    {
        let store = Store::open(&state).unwrap();
        store
            .write(|w| {
                w.journal_append(&entry("eim-1", b"step 1"))?;
                w.journal_append(&entry("eim-1", b"step 2"))?;
                w.push(Outbox::Results, &entry("eim-1", b"\xBF\x50\x00"))?;
                w.push(Outbox::Events, &entry("", b"{}"))?;
                w.set_poll_state(
                    "eim-1",
                    &PollState {
                        failures: 2,
                        last_package_unix: Some(1_700_000_000),
                    },
                )
            })
            .unwrap();
        assert_eq!(store.commits(), 1, "one transaction, one commit");
    }
    let store = Store::open(&state).unwrap();
    assert_eq!(
        store.commits(),
        0,
        "opening an existing store writes nothing"
    );
    assert_eq!(
        store.journal().unwrap(),
        [
            (1, entry("eim-1", b"step 1")),
            (2, entry("eim-1", b"step 2"))
        ]
    );
    assert_eq!(
        store.pending(Outbox::Results).unwrap(),
        [(3, entry("eim-1", b"\xBF\x50\x00"))],
        "one id sequence for journal and outboxes"
    );
    assert_eq!(store.len(Outbox::Events).unwrap(), 1);
    assert_eq!(store.journal_len().unwrap(), 2);
    assert_eq!(
        store.poll_state("eim-1").unwrap(),
        Some(PollState {
            failures: 2,
            last_package_unix: Some(1_700_000_000)
        })
    );
    assert_eq!(store.poll_state("eim-2").unwrap(), None);
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&state).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn removal_and_ids_that_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let first = store.push(Outbox::Results, &entry("e", b"1")).unwrap();
    assert!(store.remove(Outbox::Results, first).unwrap());
    assert!(
        !store.remove(Outbox::Results, first).unwrap(),
        "already gone"
    );
    let second = store.push(Outbox::Results, &entry("e", b"2")).unwrap();
    assert!(second > first, "{second} > {first}");
    let journal = store
        .write(|w| w.journal_append(&entry("e", b"x")))
        .unwrap();
    assert!(journal > second, "one sequence for journal and outboxes");
    assert!(store.write(|w| w.journal_remove(journal)).unwrap());
    assert!(store.journal().unwrap().is_empty());
    let next = store
        .write(|w| w.journal_append(&entry("e", b"y")))
        .unwrap();
    assert_eq!(next, journal + 1);
}

#[test]
fn a_failed_transaction_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let result = store.write(|w| {
        w.push(Outbox::Results, &entry("e", b"kept?"))?;
        w.push(Outbox::Results, &entry("e", &vec![0; MAX_BODY + 1]))
    });
    assert!(matches!(
        result,
        Err(StoreError::TooLarge { what: "body", .. })
    ));
    assert_eq!(store.len(Outbox::Results).unwrap(), 0);
    assert_eq!(store.commits(), 0, "nothing committed");
    assert_eq!(store.write(|_| Ok(())).unwrap(), ());
    assert_eq!(store.commits(), 0, "an empty transaction writes nothing");
    let long = "x".repeat(MAX_RECIPIENT + 1);
    assert!(store.push(Outbox::Results, &entry(&long, b"")).is_err());
}

#[test]
fn the_event_outbox_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .write(|w| {
            for n in 0..MAX_EVENTS + 5 {
                w.push(Outbox::Events, &entry("", &n.to_be_bytes()))?;
            }
            Ok(())
        })
        .unwrap();
    let events = store.pending(Outbox::Events).unwrap();
    assert_eq!(events.len() as u64, MAX_EVENTS);
    assert_eq!(
        events[0].1.body,
        5u64.to_be_bytes(),
        "the oldest went first"
    );
}

#[test]
fn an_unchanged_poll_state_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let idle = PollState::default();
    let created = store.commits();
    assert!(store.record_poll("eim-1", &idle).unwrap());
    for _ in 0..10 {
        assert!(!store.record_poll("eim-1", &idle).unwrap());
    }
    assert_eq!(store.commits(), created + 1);
    let failing = PollState {
        failures: 1,
        ..idle
    };
    assert!(store.record_poll("eim-1", &failing).unwrap());
    assert_eq!(store.commits(), created + 2);
}

#[test]
fn a_second_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path()).unwrap();
    assert!(matches!(Store::open(dir.path()), Err(StoreError::InUse(_))));
}

/// A store in `state` with three commits: journal records 1, 2 and 3.
fn three_commits(state: &Path) -> Vec<u8> {
    let store = Store::open(state).unwrap();
    for n in 1..=3u8 {
        store
            .write(|w| w.journal_append(&entry("eim-1", &[1, n])))
            .unwrap();
    }
    drop(store);
    std::fs::read(state.join(FILE_NAME)).unwrap()
}

fn bodies(store: &Store) -> Vec<Vec<u8>> {
    let journal = store.journal().unwrap();
    journal.into_iter().map(|(_, e)| e.body).collect()
}

#[test]
fn a_torn_tail_is_cut_off_and_the_commits_before_it_stay() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    let whole = three_commits(dir.path());
    // The fourth commit, cut short by a power cut at every length; and zeros a file system left.
    let fourth = log::record(&[9; 40]);
    let tails = (1..fourth.len())
        .map(|len| fourth[..len].to_vec())
        .chain([vec![0; 300]]);
    for tail in tails {
        std::fs::write(&file, [&whole[..], &tail].concat()).unwrap();
        let opened = check::open_checked(dir.path()).unwrap();
        assert!(opened.damage.is_none(), "{:?}", opened.damage);
        assert_eq!(bodies(&opened.store), [[1, 1], [1, 2], [1, 3]]);
        assert_eq!(std::fs::read(&file).unwrap(), whole, "the tail is cut off");
    }
}

#[test]
fn a_flipped_bit_in_a_middle_record_is_damage_moved_aside_and_inventoried() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    let mut bytes = three_commits(dir.path());
    // Into the payload of the second record (the first is 8 + 12 + its payload long).
    let first_len = bytes.len() - log::MAGIC.len();
    let second = log::MAGIC.len() + first_len / 3;
    bytes[second + log::HEADER + 4] ^= 0x10;
    std::fs::write(&file, &bytes).unwrap();
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "Store::open leaves it"
    );
    let opened = check::open_checked(dir.path()).unwrap();
    let damage = opened.damage.expect("damage");
    assert!(damage.reason.contains("checksum"), "{}", damage.reason);
    assert_eq!(std::fs::read(&damage.moved_to).unwrap(), bytes);
    let name = damage.moved_to.file_name().unwrap().to_string_lossy();
    assert!(name.starts_with("euiccd.store.damaged-20"), "{name}");
    assert_eq!(
        damage.lost,
        [
            "journal entry 1 of eIM eim-1 (package received, result not yet owed)",
            "whatever the file held after the damage (it cannot be read)"
        ]
    );
    assert!(opened.store.journal().unwrap().is_empty(), "a fresh store");
    drop(opened.store);
    assert!(
        Store::open(dir.path())
            .unwrap()
            .journal()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn garbage_an_empty_file_and_a_file_over_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    for (name, bytes, damaged) in [
        ("garbage", b"SQLite format 3\0 and more".to_vec(), true),
        ("empty: created, never written", Vec::new(), false),
        ("its header cut short", log::MAGIC[..5].to_vec(), false),
        (
            "over the bound",
            [&log::MAGIC[..], &vec![0; log::MAX_FILE]].concat(),
            true,
        ),
    ] {
        std::fs::write(&file, &bytes).unwrap();
        let opened = check::open_checked(dir.path()).unwrap();
        assert_eq!(opened.damage.is_some(), damaged, "{name}");
        if let Some(damage) = opened.damage {
            assert_eq!(
                std::fs::metadata(&damage.moved_to).unwrap().len(),
                bytes.len() as u64
            );
            std::fs::remove_file(&damage.moved_to).unwrap();
        }
        opened
            .store
            .push(Outbox::Results, &entry("e", b"x"))
            .unwrap();
        drop(opened.store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.len(Outbox::Results).unwrap(), 1, "{name}");
        drop(store);
        std::fs::remove_file(&file).unwrap();
    }
}

#[test]
fn a_crash_during_compaction_leaves_the_old_log() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    let whole = three_commits(dir.path());
    let temporary = dir.path().join(format!("{FILE_NAME}.tmp"));
    let other = Tables::default();
    // The snapshot written in full but not renamed, or cut short.
    for leftover in [log::snapshot(&other), log::snapshot(&other)[..5].to_vec()] {
        std::fs::write(&temporary, leftover).unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(bodies(&store), [[1, 1], [1, 2], [1, 3]]);
        assert!(!temporary.exists(), "the leftover is removed");
        assert_eq!(std::fs::read(&file).unwrap(), whole);
    }
}

#[test]
fn many_commits_and_compactions_reopen_to_exactly_the_live_data() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    let mut written = 0;
    let mut expected = Vec::new();
    {
        let store = Store::open(dir.path()).unwrap();
        for n in 0..2000u32 {
            let body = n.to_be_bytes().repeat(50);
            let id = store.push(Outbox::Results, &entry("eim-1", &body)).unwrap();
            written += log::HEADER + body.len();
            expected.push((id, entry("eim-1", &body)));
            // Keep the newest 10.
            if expected.len() > 10 {
                let (old, _) = expected.remove(0);
                assert!(store.remove(Outbox::Results, old).unwrap());
            }
        }
        assert_eq!(store.commits(), 2000 + 1990);
        let len = std::fs::metadata(&file).unwrap().len() as usize;
        assert!(
            len < written / 4,
            "compacted: {len} bytes of {written} written"
        );
        assert!(len <= 64 * 1024 + 300, "{len}");
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.pending(Outbox::Results).unwrap(), expected);
    assert_eq!(
        store.push(Outbox::Results, &entry("e", b"")).unwrap(),
        2001,
        "the sequence survives compaction"
    );
}

#[test]
fn a_store_of_the_redb_versions_is_left_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("euiccd.redb");
    std::fs::write(&old, b"redb\x1a\x0a\xa9\x0d\x0a").unwrap();
    let opened = check::open_checked(dir.path()).unwrap();
    assert!(opened.damage.is_none());
    assert!(old.exists());
    assert!(opened.store.journal().unwrap().is_empty());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Random pushes, removals and poll states, with reopens in between, read back as a model says.
    #[test]
    fn the_store_behaves_as_a_map_across_reopens(
        steps in proptest::collection::vec((0u8..4, 0u64..40, 0usize..3000), 1..300)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut model: std::collections::BTreeMap<u64, Vec<u8>> = Default::default();
        let mut polls: std::collections::BTreeMap<String, PollState> = Default::default();
        let mut store = Store::open(dir.path()).unwrap();
        for (op, n, len) in steps {
            match op {
                0 => {
                    let body = vec![n as u8; len];
                    let id = store.push(Outbox::Results, &entry("e", &body)).unwrap();
                    model.insert(id, body);
                }
                1 => {
                    let id = model.keys().nth(n as usize % (model.len() + 1)).copied();
                    let id = id.unwrap_or(n);
                    let was = model.remove(&id).is_some();
                    proptest::prop_assert_eq!(store.remove(Outbox::Results, id).unwrap(), was);
                }
                2 => {
                    let state = PollState { failures: len as u32, last_package_unix: Some(n) };
                    let eim = format!("eim-{}", n % 3);
                    store.write(|w| w.set_poll_state(&eim, &state)).unwrap();
                    polls.insert(eim, state);
                }
                _ => {
                    drop(store);
                    store = Store::open(dir.path()).unwrap();
                }
            }
        }
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let read: Vec<(u64, Vec<u8>)> = store
            .pending(Outbox::Results)
            .unwrap()
            .into_iter()
            .map(|(id, e)| (id, e.body))
            .collect();
        proptest::prop_assert_eq!(read, model.into_iter().collect::<Vec<_>>());
        for n in 0..3 {
            let eim = format!("eim-{n}");
            proptest::prop_assert_eq!(store.poll_state(&eim).unwrap(), polls.get(&eim).copied());
        }
    }
}
