//! Network events end to end: `euiccd run` watches the simulated modem's network (changed by the test
//! through `sim serve --network-control`), journals attach and data-session events in its store and
//! delivers them as CloudEvents batches to a collector on loopback HTTPS; `euiccd events` shows them.
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::collector::CollectorServer;
use support::daemon::{Bench, Daemon};

/// Longest wait for events to arrive.
const ARRIVAL: Duration = Duration::from_secs(60);
/// What the simulated modem reports.
const ICCID: &str = "89882280000012345678";
const IMEI: &str = "490154203237518";
const IMSI: &str = "001010123456789";

fn write_counters(dir: &Path, rx: u64, tx: u64) {
    let stats = dir.join("net").join("wwan0").join("statistics");
    std::fs::create_dir_all(&stats).unwrap();
    std::fs::write(stats.join("rx_bytes"), format!("{rx}\n")).unwrap();
    std::fs::write(stats.join("tx_bytes"), format!("{tx}\n")).unwrap();
}

/// The daemon's `[connectivity]` and `[events]` settings for a collector at `address`.
fn network_config(bench: &Bench, address: &str, extra_events: &str) -> String {
    let ca = bench.card.identity.join("ci.cert.pem");
    bench.config(&format!(
        r#"
[connectivity]
interface = "wwan0"
statistics_dir = "{net}"
poll_interval_secs = 1
update_interval_secs = 1

[[connectivity.allowed_networks]]
iccid = "{ICCID}"
networks = ["00101"]

[events]
endpoint = "https://eim.example.test/v1/events"
connect = "{address}"
trust_anchors = ["{ca}"]
system_ca = false
timeout_secs = 5
backoff_initial_secs = 1
backoff_cap_secs = 1
{extra_events}
"#,
        net = bench.dir.path("net").display(),
        ca = ca.display(),
    ))
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["type"] == format!("org.euiccd.{kind}"))
        .collect()
}

fn has(events: &[Value], kind: &str, count: usize) -> bool {
    of_type(events, kind).len() >= count
}

fn collector(bench: &Bench) -> CollectorServer {
    let pki = euiccd_sim::crypto::pki::TestPki::load_from(&bench.card.identity).unwrap();
    CollectorServer::start(&pki.eim_tls, "127.0.0.1:0".parse().unwrap())
}

#[test]
fn attach_and_session_events_reach_the_collector_field_by_field() {
    let bench = Bench::new("events-fields", None);
    write_counters(&bench.dir.0, 10_000, 2_000);
    let collector = collector(&bench);
    let config = network_config(&bench, &collector.address().to_string(), "");
    let daemon: Daemon = bench.daemon(&config, &[]);

    // The simulated modem starts registered at home on 001-01.
    let events = collector.wait_until(ARRIVAL, |e| has(e, "attach.accepted", 1));
    let attach = of_type(&events, "attach.accepted")[0];
    assert_eq!(attach["specversion"], "1.0");
    assert_eq!(
        attach["source"],
        format!("urn:euiccd:eid:{}", bench.eid.digits())
    );
    assert_eq!(attach["subject"], ICCID);
    assert_eq!(attach["datacontenttype"], "application/json");
    let data = &attach["data"];
    assert_eq!(data["event"], "attach_accepted");
    assert_eq!(data["eid"], bench.eid.digits());
    assert_eq!(data["iccid"], ICCID);
    assert_eq!(data["imei"], IMEI);
    assert_eq!(data["imsi"], IMSI);
    assert_eq!(data["mcc"], "001");
    assert_eq!(data["mnc"], "01");
    assert_eq!(data["operator"], "euiccd sim");
    assert_eq!(data["rat"], "LTE");
    assert_eq!(data["lac_tac"], 0x1A2B);
    assert_eq!(data["cell_id"], 0x01A2B3C);
    assert_eq!(data["allowed"], true);
    assert!(data["time"].as_str().unwrap().ends_with('Z'));

    bench
        .card
        .change_network(r#"{"pdp":{"active":true,"apn":"iot.example","ip":"10.1.2.3"}}"#);
    let events = collector.wait_until(ARRIVAL, |e| has(e, "session.started", 1));
    let started = &of_type(&events, "session.started")[0]["data"];
    assert_eq!(started["apn"], "iot.example");
    assert_eq!(started["ip"], "10.1.2.3");
    assert_eq!(started["rx_bytes"], 0);

    write_counters(&bench.dir.0, 15_000, 2_500);
    collector.wait_until(ARRIVAL, |e| {
        of_type(e, "session.updated")
            .iter()
            .any(|u| u["data"]["rx_bytes"] == 5_000 && u["data"]["tx_bytes"] == 500)
    });

    bench.card.change_network(r#"{"pdp":{"active":false}}"#);
    let events = collector.wait_until(ARRIVAL, |e| has(e, "session.ended", 1));
    let ended = &of_type(&events, "session.ended")[0]["data"];
    assert_eq!(ended["rx_bytes"], 5_000);
    assert_eq!(ended["tx_bytes"], 500);
    assert_eq!(ended["apn"], "iot.example");

    bench
        .card
        .change_network(r#"{"registration":"denied","reject_cause":15}"#);
    let events = collector.wait_until(ARRIVAL, |e| has(e, "attach.rejected", 1));
    let rejected = &of_type(&events, "attach.rejected")[0]["data"];
    assert_eq!(rejected["event"], "attach_rejected");
    assert_eq!(rejected["cause"]["cause"], 15);
    assert_eq!(rejected["cause"]["cause_type"], 0);

    // `euiccd events` shows the same events through the daemon's socket.
    let shown = daemon.ctl(&["events"]).json();
    let types: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    for kind in [
        "attach.accepted",
        "session.started",
        "session.ended",
        "attach.rejected",
    ] {
        assert!(
            types.contains(&format!("org.euiccd.{kind}").as_str()),
            "{types:?}"
        );
    }
}

/// The events `euiccd events` shows (through the daemon's socket), once the daemon answers.
fn journaled(daemon: &Daemon) -> Vec<Value> {
    let deadline = std::time::Instant::now() + ARRIVAL;
    loop {
        let run = daemon.ctl(&["events"]);
        if run.success() {
            return run.json().as_array().unwrap().clone();
        }
        assert!(std::time::Instant::now() < deadline, "{}", run.stderr);
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the daemon journaled events for which `done` holds.
fn wait_journaled(daemon: &Daemon, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = std::time::Instant::now() + ARRIVAL;
    loop {
        let events = journaled(daemon);
        if done(&events) {
            return events;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{events:#?}\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The journaled session events (started and ended).
fn sessions(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| {
            let kind = e["event"]["type"].as_str().unwrap_or_default();
            kind == "org.euiccd.session.started" || kind == "org.euiccd.session.ended"
        })
        .collect()
}

/// Runs `count` data sessions (APNs `apn0`…), each start journaled before it ends.
fn run_sessions(bench: &Bench, daemon: &Daemon, count: usize) {
    for n in 0..count {
        bench.card.change_network(&format!(
            r#"{{"pdp":{{"active":true,"apn":"apn{n}","ip":"10.0.0.{n}"}}}}"#
        ));
        wait_journaled(daemon, |e| sessions(e).len() == 2 * n + 1);
        bench.card.change_network(r#"{"pdp":{"active":false}}"#);
        wait_journaled(daemon, |e| sessions(e).len() == 2 * n + 2);
    }
}

fn restart_collector(bench: &Bench, address: std::net::SocketAddr) -> CollectorServer {
    let pki = euiccd_sim::crypto::pki::TestPki::load_from(&bench.card.identity).unwrap();
    CollectorServer::start(&pki.eim_tls, address)
}

#[test]
fn nothing_is_lost_while_the_collector_is_down() {
    let bench = Bench::new("events-down", None);
    // Take a free port, then stop the collector: the daemon starts with its receiver down.
    let address = collector(&bench).address();
    let config = network_config(&bench, &address.to_string(), "");
    let daemon = bench.daemon(&config, &[]);
    run_sessions(&bench, &daemon, 3);
    let journaled = journaled(&daemon);
    daemon.wait_for_log(ARRIVAL, |l| l.contains("events not delivered"));

    let collector = restart_collector(&bench, address);
    let events = collector.wait_until(ARRIVAL, |e| {
        has(e, "session.started", 3) && has(e, "session.ended", 3)
    });
    for session in sessions(&journaled) {
        let id = session["id"].to_string();
        assert!(
            events.iter().any(|e| e["id"].as_str() == Some(id.as_str())),
            "event {id} was lost: {events:#?}"
        );
    }
    let apns: Vec<&str> = of_type(&events, "session.started")
        .iter()
        .map(|e| e["data"]["apn"].as_str().unwrap())
        .collect();
    assert_eq!(apns, ["apn0", "apn1", "apn2"], "in order");
    assert!(of_type(&events, "events.lost").is_empty());
}

#[test]
fn the_outbox_bound_holds_and_losses_are_reported() {
    let bench = Bench::new("events-bound", None);
    let address = collector(&bench).address();
    let config = network_config(&bench, &address.to_string(), "max_pending = 3");
    let daemon = bench.daemon(&config, &[]);
    // Ten events that must be kept (five sessions) into an outbox of three, with the receiver down.
    run_sessions(&bench, &daemon, 5);
    let journaled = journaled(&daemon);
    let kept = sessions(&journaled).len() as u64;
    assert_eq!(kept, 10);

    let collector = restart_collector(&bench, address);
    let events = collector.wait_until(ARRIVAL, |e| has(e, "events.lost", 1));
    let delivered: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] != "org.euiccd.events.lost")
        .collect();
    assert!(delivered.len() <= 3, "the bound holds: {events:#?}");
    let delivered_kept = delivered
        .iter()
        .filter(|e| {
            e["type"] == "org.euiccd.session.started" || e["type"] == "org.euiccd.session.ended"
        })
        .count() as u64;
    let lost = of_type(&events, "events.lost")[0]["data"]["count"]
        .as_u64()
        .unwrap();
    assert_eq!(
        delivered_kept + lost,
        kept,
        "every kept event delivered or counted: {events:#?}"
    );
    let last = delivered.last().unwrap();
    assert_eq!(last["type"], "org.euiccd.session.ended");
    assert_eq!(last["data"]["apn"], "apn4", "the newest are kept");
}
