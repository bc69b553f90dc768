//! SMS end to end: the simulated modem receives messages (text mode, PDU mode, one split in parts), the
//! daemon reads each, journals it as an event (`euiccd events`), and a message from the trusted sender with
//! the keyword makes it poll the eIM at once; the same keyword from another sender does not.
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::daemon::{Bench, Daemon};

const TRUSTED: &str = "+491701234567";
const STRANGER: &str = "+491709999999";
/// Longest wait for an event or a poll.
const ARRIVAL: Duration = Duration::from_secs(60);

fn sms_config(bench: &Bench, mode: &str) -> String {
    bench.config(&format!(
        r#"
[connectivity]
enabled = false

[rollback]
require = ["eim_exchange"]

[sms]
enabled = true
mode = "{mode}"
trusted_senders = ["{TRUSTED}"]
keyword = "WAKEUP"
"#
    ))
}

/// The SMS events journaled so far (through the daemon's socket, once it answers).
fn sms_events(daemon: &Daemon) -> Vec<Value> {
    let run = daemon.ctl(&["events"]);
    if !run.success() {
        return Vec::new();
    }
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["type"] == "org.euiccd.sms.received")
        .map(|e| e["event"]["data"].clone())
        .collect()
}

fn wait_sms(daemon: &Daemon, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + ARRIVAL;
    loop {
        let events = sms_events(daemon);
        if events.len() >= count {
            return events;
        }
        assert!(Instant::now() < deadline, "{events:#?}\n{}", daemon.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn polls(bench: &Bench) -> usize {
    bench.eim.with_eim(|e| e.polls().len())
}

fn wait_polls(bench: &Bench, count: usize) {
    let deadline = Instant::now() + ARRIVAL;
    while polls(bench) < count {
        assert!(
            Instant::now() < deadline,
            "the eIM saw {} polls",
            polls(bench)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn send(bench: &Bench, from: &str, text: &str, parts: u8) {
    bench.card.change_network(&format!(
        r#"{{"sms":{{"from":"{from}","text":"{text}","parts":{parts}}}}}"#
    ));
}

#[test]
fn pdu_mode_messages_and_the_trusted_wake_up() {
    let bench = Bench::new("sms-pdu", None);
    let daemon = bench.daemon(&sms_config(&bench, "pdu"), &[]);
    // The first poll at start-up.
    wait_polls(&bench, 1);
    daemon.wait_for_log(ARRIVAL, |l| l.contains("SMS: waiting for messages"));

    // A raw PDU (the classic "How are you?" example, SMSC address in front).
    bench.card.change_network(
        r#"{"sms":{"pdu":"07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"}}"#,
    );
    let events = wait_sms(&daemon, 1);
    assert_eq!(events[0]["sender"], "+31641600986");
    assert_eq!(events[0]["text"], "How are you?");
    assert_eq!(events[0]["parts"], 1);

    // A long message in three parts becomes one event.
    let long = "This message came in three parts over the air, and is one again: é€{}";
    send(&bench, STRANGER, long, 3);
    let events = wait_sms(&daemon, 2);
    assert_eq!(events[1]["text"], long);
    assert_eq!(events[1]["parts"], 3);
    assert_eq!(events[1]["incomplete"], false);
    assert_eq!(events[1]["sender"], STRANGER);

    // The keyword from a stranger: an event, no poll.
    let before = polls(&bench);
    send(&bench, STRANGER, "WAKEUP please", 1);
    wait_sms(&daemon, 3);
    // The trusted sender: a poll at once (the schedule says an hour).
    send(&bench, TRUSTED, "wakeup: new package", 1);
    let events = wait_sms(&daemon, 4);
    assert_eq!(events[3]["sender"], TRUSTED);
    wait_polls(&bench, before + 1);
    // Only that one: the stranger's message did not trigger a poll of its own.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(polls(&bench), before + 1, "{}", daemon.log());
    assert!(
        !daemon.log().contains("WAKEUP"),
        "the keyword is never logged"
    );
}

#[test]
fn text_mode_messages_become_events() {
    let bench = Bench::new("sms-text", None);
    // Stored before the daemon runs: found at start-up.
    send(&bench, STRANGER, "waiting since yesterday", 1);
    let daemon = bench.daemon(&sms_config(&bench, "text"), &[]);
    let events = wait_sms(&daemon, 1);
    assert_eq!(events[0]["text"], "waiting since yesterday");
    wait_polls(&bench, 1);
    daemon.wait_for_log(ARRIVAL, |l| l.contains("SMS: waiting for messages"));
    send(&bench, STRANGER, "hello from the field", 1);
    let events = wait_sms(&daemon, 2);
    assert_eq!(events[1]["sender"], STRANGER);
    assert_eq!(events[1]["text"], "hello from the field");
    assert_eq!(events[1]["timestamp"], "26/11/24,10:00:00+04");
    let before = polls(&bench);
    send(&bench, TRUSTED, "WAKEUP", 1);
    wait_sms(&daemon, 3);
    wait_polls(&bench, before + 1);
}

/// The undecodable messages journaled so far.
fn undecodable_events(daemon: &Daemon) -> Vec<Value> {
    let run = daemon.ctl(&["events"]);
    if !run.success() {
        return Vec::new();
    }
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["type"] == "org.euiccd.sms.undecodable")
        .map(|e| e["event"]["data"].clone())
        .collect()
}

#[test]
fn undecodable_messages_are_journaled_and_deleted() {
    // An SMS-DELIVER cut after the SMSC address, and one with a sender length past its end.
    const CUT: &str = "07911326040000F0";
    const BAD_SENDER: &str = "07911326040000F004FF91";
    let bench = Bench::new("sms-undecodable", None);
    // One stored before the daemon runs: found by the listing at start-up.
    bench
        .card
        .change_network(&format!(r#"{{"sms":{{"pdu":"{CUT}"}}}}"#));
    let daemon = bench.daemon(&sms_config(&bench, "pdu"), &[]);
    wait_polls(&bench, 1);
    daemon.wait_for_log(ARRIVAL, |l| l.contains("SMS: waiting for messages"));
    // As many as the modem has slots (20): left on the modem, they would shut out every later message.
    for n in 0..20 {
        let pdu = if n % 2 == 0 { CUT } else { BAD_SENDER };
        bench
            .card
            .change_network(&format!(r#"{{"sms":{{"pdu":"{pdu}"}}}}"#));
    }
    // Each is journaled raw and deleted, so the storage has room again.
    let deadline = Instant::now() + ARRIVAL;
    let undecodable = loop {
        let events = undecodable_events(&daemon);
        if events.len() >= 21 || Instant::now() > deadline {
            break events;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(undecodable.len(), 21, "{undecodable:#?}\n{}", daemon.log());
    assert!(undecodable.iter().all(|e| {
        let raw = e["raw"].as_str().unwrap();
        raw.ends_with(CUT) || raw.ends_with(BAD_SENDER)
    }));
    // The trusted sender's wake-up finds a free slot and is received.
    let before = polls(&bench);
    send(&bench, TRUSTED, "WAKEUP", 1);
    let events = wait_sms(&daemon, 1);
    assert_eq!(events[0]["sender"], TRUSTED);
    wait_polls(&bench, before + 1);
    assert!(undecodable.iter().all(|e| e["truncated"] == false));
}
