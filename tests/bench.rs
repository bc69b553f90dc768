//! `euiccd bench` end to end: the real binary runs a scenario against the simulated world in a child
//! process and prints its figures.
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{Run, SimServe};

/// The keys every scenario line carries (issue 9).
const KEYS: [&str; 11] = [
    "scenario",
    "baud",
    "apdus",
    "link_bytes_tx",
    "link_bytes_rx",
    "link_min_bytes",
    "link_bound_s",
    "wall_s",
    "cpu_s",
    "peak_rss_kib",
    "wire_bytes",
];

fn bench(scenario: &str) -> Value {
    bench_with(scenario, &[])
}

/// [`bench`] with more options of `bench`.
fn bench_with(scenario: &str, options: &[&str]) -> Value {
    let mut args = vec![
        "--json",
        "--baud",
        "115200",
        "bench",
        "--scenario",
        scenario,
    ];
    args.extend_from_slice(options);
    let run = Run::finished(&args, Duration::from_secs(120));
    let figures = run.json();
    for key in KEYS {
        assert!(figures.get(key).is_some(), "{key} missing: {figures}");
    }
    assert_eq!(figures["scenario"], scenario);
    assert_eq!(figures["baud"], 115_200);
    assert!(figures["peak_rss_kib"].as_u64().unwrap() > 0, "{figures}");
    assert!(figures["wall_s"].as_f64().unwrap() > 0.0, "{figures}");
    assert!(figures["cpu_s"].as_f64().unwrap() >= 0.0, "{figures}");
    assert_eq!(
        figures["redundant_apdus"],
        Value::Array(vec![]),
        "{figures}"
    );
    figures
}

#[test]
fn an_idle_poll_resumes_tls_and_touches_no_card() {
    let figures = bench("idle_poll");
    // The second poll runs on a new connection that resumes the first one's session.
    assert_eq!(figures["tls_resumed_handshakes"], 1, "{figures}");
    assert_eq!(figures["tls_full_handshakes"], 0, "{figures}");
    let wire = figures["wire_bytes"].as_u64().unwrap();
    assert!((500..4096).contains(&wire), "{figures}");
    // On the kept-alive connection a poll is only the request and the answer.
    let kept = figures["wire_bytes_keepalive"].as_u64().unwrap();
    assert!(kept > 0 && kept < wire / 2, "{figures}");
    // Resumption is cheaper than the full handshake of the first poll.
    let full = figures["wire_bytes_full_handshake"].as_u64().unwrap();
    assert!(wire < full, "{figures}");
    // Each poll's bytes by direction and part add up to its total; only a new connection has a handshake and
    // tickets, and the resumed one brings no certificate.
    for (parts, total) in [
        ("wire_parts", wire),
        ("wire_parts_keepalive", kept),
        ("wire_parts_full_handshake", full),
    ] {
        let parts = &figures[parts];
        let sum = |direction: &str| -> u64 {
            [
                "handshake",
                "tickets",
                "records",
                "http_head",
                "http_body",
                "other",
            ]
            .iter()
            .map(|part| parts[direction][part].as_u64().unwrap())
            .sum()
        };
        assert_eq!(sum("sent") + sum("received"), total, "{parts}");
        assert!(
            parts["sent"]["http_head"].as_u64().unwrap() > 100,
            "{parts}"
        );
        assert_eq!(parts["sent"]["other"], 0, "{parts}");
        assert_eq!(parts["received"]["other"], 0, "{parts}");
    }
    let (resumed, kept_parts, full_parts) = (
        &figures["wire_parts"],
        &figures["wire_parts_keepalive"],
        &figures["wire_parts_full_handshake"],
    );
    assert_eq!(kept_parts["received"]["handshake"], 0, "{figures}");
    assert_eq!(kept_parts["received"]["tickets"], 0, "{figures}");
    assert!(
        resumed["received"]["tickets"].as_u64().unwrap() > 0,
        "{figures}"
    );
    assert!(
        resumed["received"]["handshake"].as_u64().unwrap() * 2
            < full_parts["received"]["handshake"].as_u64().unwrap(),
        "{figures}"
    );
    // The GetEimPackage request (BF4F with the EID) and the answer that there is none.
    assert_eq!(resumed["sent"]["http_body"], 21, "{figures}");
    assert_eq!(resumed["received"]["http_body"], 6, "{figures}");
    assert!(
        figures["binary_bytes"].as_u64().unwrap() > 1_000_000,
        "{figures}"
    );
    // The EID and the eUICC's version are known from start-up: no APDU, no serial byte.
    for key in ["apdus", "link_bytes_tx", "link_bytes_rx", "link_min_bytes"] {
        assert_eq!(figures[key], 0, "{key}: {figures}");
    }
    assert_eq!(figures["outcome"], "NoPackage");
}

/// What a resumed poll costs depends on the eIM's tickets: one that keeps its sessions sends a 32-byte key
/// where a stateless one seals the whole session into the ticket, and the ticket crosses the link twice
/// (the NewSessionTicket after this handshake, the next ClientHello's `pre_shared_key`). The footprint
/// target for a resumed idle poll, 1.2 KB, is met against such an eIM.
#[test]
fn an_eim_that_keeps_its_tls_sessions_saves_the_ticket_twice() {
    let sealed = bench("idle_poll");
    let kept = bench_with("idle_poll", &["--stateful-tickets"]);
    assert_eq!(sealed["eim_tickets"], "stateless", "{sealed}");
    assert_eq!(kept["eim_tickets"], "stateful", "{kept}");
    assert_eq!(kept["tls_resumed_handshakes"], 1, "{kept}");
    assert_eq!(kept["tls_full_handshakes"], 0, "{kept}");
    let part = |figures: &Value, direction: &str, part: &str| -> u64 {
        figures["wire_parts"][direction][part].as_u64().unwrap()
    };
    let ticket_saved =
        part(&sealed, "received", "tickets") as i64 - part(&kept, "received", "tickets") as i64;
    let hello_saved =
        part(&sealed, "sent", "handshake") as i64 - part(&kept, "sent", "handshake") as i64;
    assert!(ticket_saved > 0, "{sealed}\n{kept}");
    assert_eq!(ticket_saved, hello_saved, "{sealed}\n{kept}");
    // Nothing else changes: the server's handshake, the HTTP exchange, the kept-alive poll.
    for (direction, name) in [
        ("received", "handshake"),
        ("sent", "http_head"),
        ("received", "http_head"),
    ] {
        assert_eq!(part(&sealed, direction, name), part(&kept, direction, name));
    }
    assert_eq!(kept["wire_bytes_keepalive"], sealed["wire_bytes_keepalive"]);
    let wire = kept["wire_bytes"].as_u64().unwrap();
    assert!(wire <= 1_200, "{kept}");
}

#[test]
fn an_enable_package_costs_at_least_the_link_bound() {
    let figures = bench("eim_enable");
    let apdus = figures["apdus"].as_u64().unwrap();
    assert!(apdus > 5, "{figures}");
    let link =
        figures["link_bytes_tx"].as_u64().unwrap() + figures["link_bytes_rx"].as_u64().unwrap();
    let min = figures["link_min_bytes"].as_u64().unwrap();
    assert!(
        min > 0 && link >= min,
        "the bound is a lower bound: {figures}"
    );
    let bound = figures["link_bound_s"].as_f64().unwrap();
    assert!(
        (bound - min as f64 * 10.0 / 115_200.0).abs() < 0.002,
        "{figures}"
    );
    assert!(figures["wall_s"].as_f64().unwrap() >= bound, "{figures}");
    assert_eq!(figures["tls_full_handshakes"], 1, "{figures}");
    assert!(
        figures["outcome"].as_str().unwrap().starts_with("Executed"),
        "{figures}"
    );
}

#[test]
fn a_modem_given_with_device_is_measured() {
    // The simulated modem, paced like a UART at 115200 baud, stands in for a real one.
    let sim = SimServe::in_scratch("bench-device")
        .args(&["--baud", "115200"])
        .start();
    let link = sim.link.to_string_lossy().into_owned();
    let run = Run::finished(
        &["--device", &link, "--json", "bench"],
        Duration::from_secs(120),
    );
    let figures = run.json();
    assert_eq!(figures["scenario"], "device");
    assert_eq!(figures["transport"], "cgla", "{figures}");
    // 20 GetEID and 20 GetEUICCInfo1, each at least one STORE DATA.
    assert!(figures["apdus"].as_u64().unwrap() >= 40, "{figures}");
    let rtt = figures["rtt_ms"].as_f64().unwrap();
    let bound = figures["rtt_bound_ms"].as_f64().unwrap();
    assert!(
        bound > 0.0 && rtt >= bound,
        "a round trip takes at least its bytes: {figures}"
    );
    assert!(
        figures["apdu_bytes_per_s"].as_f64().unwrap() > 0.0,
        "{figures}"
    );
    assert_eq!(figures["line_bytes_per_s"], 11_520.0);
}

#[test]
fn a_cold_info_is_bounded_by_every_line_it_sends() {
    let figures = bench("cold_info");
    assert_eq!(figures["apdus"], 6, "{figures}");
    let link =
        figures["link_bytes_tx"].as_u64().unwrap() + figures["link_bytes_rx"].as_u64().unwrap();
    let min = figures["link_min_bytes"].as_u64().unwrap();
    // The bound counts the lines that open the port (getting in step, echo off) besides the card traffic:
    // all that crossed the line but their echo, which crosses it while each line arrives.
    let echo = ["ATE1\r", "AT+EUICCDSYNC=0000A1B2000C0FFEE\r", "ATE0\r"].concat();
    assert!(
        link >= min && link - min <= echo.len() as u64,
        "link {link} B, bound {min} B: {figures}"
    );
    let bound = figures["link_bound_s"].as_f64().unwrap();
    assert!(figures["wall_s"].as_f64().unwrap() >= bound, "{figures}");
    assert!(
        figures["outcome"].as_str().unwrap().starts_with("EID 89"),
        "{figures}"
    );
}
