//! Robustness: the serial link fails during a download (`euiccd download` against `euiccd sim serve` on a
//! PTY). URC storms and garbage are ridden out; a port that vanishes mid-download (the modem re-enumerates,
//! the card loses power) and a modem that stops answering end in a clear error within bounded time, with
//! the card consistent: no half-installed profile, no stray notification, and the link usable again.
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::{Run, Scratch, SimServer};

const MATCHING_ID: &str = "EUICCD-SERIAL-1";
const ICCID: &str = "8949449999999990031";
const TIMEOUT: Duration = Duration::from_secs(90);
/// An APDU in the middle of the 20 KB download (about 110 APDUs; BPP loading starts near the 15th).
const MID_DOWNLOAD: &str = "40";

fn cli(sim: &SimServer, args: &[&str]) -> Run {
    let link = sim.link.to_string_lossy().into_owned();
    let mut all = vec!["--device", link.as_str()];
    all.extend_from_slice(args);
    Run::euiccd(&all, &[], TIMEOUT)
}

fn download(sim: &SimServer) -> Run {
    let ca = sim.identity.join("ci.cert.pem");
    let code = format!("1$smdp.example.test${MATCHING_ID}");
    cli(
        sim,
        &[
            "download",
            &code,
            "--smdp-connect",
            &sim.smdp_address,
            "--smdp-ca",
            &ca.to_string_lossy(),
            "--http-timeout",
            "5",
            "--json",
        ],
    )
}

/// The card as the CLI sees it: (profile ICCIDs, pending notifications).
fn card(sim: &SimServer) -> (Vec<String>, usize) {
    let profiles = cli(sim, &["--json", "profiles"]).json();
    let iccids = profiles["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p["iccid"].as_str().map(str::to_owned))
        .collect();
    let pending = cli(sim, &["--json", "notifications", "list"]).json();
    let count = pending["notifications"].as_array().map_or(0, Vec::len);
    (iccids, count)
}

#[test]
fn a_download_rides_out_urc_storms_and_garbage() {
    let scratch = Scratch::new("serial-urcs");
    let sim = SimServer::start(&scratch.0, MATCHING_ID, &["--quirk", "urc-storm=20,noise"]);
    let outcome: Value = download(&sim).json();
    assert_eq!(outcome["iccid"], ICCID);
    assert_eq!(outcome["notificationDelivered"], true);
    assert_eq!(card(&sim), (vec![ICCID.to_owned()], 0));
}

#[test]
fn a_port_that_vanishes_mid_download_ends_in_a_clear_error_and_a_consistent_card() {
    let scratch = Scratch::new("serial-vanish");
    let fault = format!("vanish-after={MID_DOWNLOAD}");
    let sim = SimServer::start(&scratch.0, MATCHING_ID, &["--quirk", &fault]);
    let run = download(&sim);
    // The port came back but the card was power-cycled: its download session is gone, so the next BPP
    // segment is refused, and the session is cancelled.
    run.fails(1, "LoadBoundProfilePackage");
    assert!(
        run.stderr.contains("download session cancelled"),
        "{}",
        run.stderr
    );
    // The modem is usable again, and the card holds neither a partial profile nor a notification.
    assert_eq!(card(&sim), (Vec::new(), 0));
}

#[test]
fn a_modem_that_stops_answering_is_reported_in_bounded_time() {
    let scratch = Scratch::new("serial-mute");
    let state = scratch.path("card.json");
    let state = state.to_string_lossy().into_owned();
    let fault = format!("mute-after={MID_DOWNLOAD}");
    let sim = SimServer::start(
        &scratch.0,
        MATCHING_ID,
        &["--quirk", &fault, "--sim-state", &state],
    );
    let started = Instant::now();
    let run = download(&sim);
    let took = started.elapsed();
    run.fails(1, "no final result within");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    drop(sim);
    // After a power cycle (a new modem process on the same card state) nothing was installed or left over.
    let sim = SimServer::start(&scratch.0, MATCHING_ID, &["--sim-state", &state]);
    assert_eq!(card(&sim), (Vec::new(), 0));
}
