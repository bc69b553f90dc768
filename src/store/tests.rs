use super::*;

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
        assert_eq!(store.commits(), 2, "creating the tables, then the changes");
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
    assert_eq!(store.commits(), 1, "only the creation of the tables");
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
