//! The rollback supervisor in `euiccd run` against the simulated modem (a real PTY) playing network
//! scenarios, the simulated eUICC and the simulated eIM on loopback, with second-scale deadlines from the
//! configuration. After the eIM enables a profile with rollbackFlag the modem drops off the network (the
//! REFRESH) and the scenario decides what the new profile gets: no registration, or registration without
//! data → rollback, the old profile back, the rolled-back package's result at the eIM and a poll with
//! notifyStateChange; registration and data → the switch is kept. A daemon killed in the window keeps the
//! stored deadline.
#![cfg(feature = "sim")]

mod support;

use euicc_asn1::from_ber;
use euicc_asn1::types::sgp32::v1_2::{EuiccPackageResult, EuiccResultData};
use euiccd_sim::eim::Report;
use std::time::{Duration, Instant};
use support::daemon::{Bench, DISABLED, Daemon, ENABLED, enable_with_rollback, eventually};

/// `StateChangeCause` local, what the daemon reports a rollback with.
const CAUSE_LOCAL: i64 = 3;
/// The modem lost the network with the old profile (the REFRESH) and searches.
const SEARCHING: &str = r#"{"registration":"searching","pdp":{"active":false}}"#;
/// Registered, no data session.
const REGISTERED: &str = r#"{"registration":"home"}"#;
/// A data session up.
const DATA: &str = r#"{"pdp":{"active":true,"apn":"iot.example","ip":"10.64.0.9"}}"#;

/// The configuration of a rollback deadline of `secs`. The poll does not wait for a drop of the registration
/// after the switch (these scenarios drop it only after the poll), and its wait ends before the deadline.
fn deadline(secs: u64) -> String {
    format!(
        "[rollback]\ndeadline_secs = {secs}\n\n[connectivity]\nreconnect_settle_secs = 0\nreconnect_timeout_secs = {}\n",
        secs - 1
    )
}

/// The `rollbackResult` codes of every rolled-back package result the eIM received.
fn rollback_results(bench: &Bench) -> Vec<i64> {
    bench.eim.with_eim(|e| {
        e.received()
            .iter()
            .filter_map(|r| match &r.report {
                Report::PackageResult(raw) => Some(from_ber::<EuiccPackageResult>(raw).unwrap()),
                _ => None,
            })
            .filter_map(|result| match result {
                EuiccPackageResult::EuiccPackageResultSigned(signed) => signed
                    .euicc_package_result_data_signed
                    .value()
                    .euicc_result
                    .iter()
                    .find_map(|r| match r {
                        EuiccResultData::RollbackResult(code) => Some(*code),
                        _ => None,
                    }),
                _ => None,
            })
            .collect()
    })
}

/// Starts a daemon with `extra` configuration, waits for its first poll, has the eIM enable [`DISABLED`]
/// with rollbackFlag, and drops the modem off the network as a REFRESH does; returns when the package has
/// been carried out.
fn switch_with_rollback(bench: &Bench, extra: &str) -> Daemon {
    let daemon = bench.daemon(&bench.config(extra), &[]);
    daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);
    bench
        .eim
        .with_eim(|e| e.queue_package(bench.eid, enable_with_rollback(DISABLED), None));
    daemon.poll_executing_a_package();
    bench.card.change_network(SEARCHING);
    daemon
}

/// Waits until the eIM has the rollback's result and a poll told it of the change, with the old profile
/// enabled.
fn rollback_reported(bench: &Bench, daemon: &Daemon) {
    let results = eventually(Duration::from_secs(30), "the rollback result", || {
        let results = rollback_results(bench);
        (!results.is_empty()).then_some(results)
    });
    assert_eq!(results, [0], "rollbackResult ok, once\n{}", daemon.log());
    eventually(
        Duration::from_secs(30),
        "a poll with notifyStateChange",
        || {
            bench.eim.with_eim(|e| {
                e.polls()
                    .iter()
                    .any(|p| p.notify_state_change && p.state_change_cause == Some(CAUSE_LOCAL))
                    .then_some(())
            })
        },
    );
    daemon.status_until(Duration::from_secs(10), |s| s["profile"] == ENABLED);
}

/// The `rPLMN` of the first poll that told the eIM of a state change.
fn state_change_plmn(bench: &Bench) -> Option<Vec<u8>> {
    bench.eim.with_eim(|e| {
        let polls = e.polls();
        let told = polls.iter().find(|p| p.notify_state_change);
        told.expect("a poll with notifyStateChange").r_plmn.clone()
    })
}

/// How many eUICC Package Results the eIM received.
fn package_results(bench: &Bench) -> usize {
    bench.eim.with_eim(|e| {
        let received = e.received().iter();
        received
            .filter(|r| matches!(r.report, Report::PackageResult(_)))
            .count()
    })
}

/// One attempt only: nothing more happens to the profile afterwards.
fn rolled_back_once(bench: &Bench, daemon: &Daemon) {
    std::thread::sleep(Duration::from_secs(2));
    let status = daemon.ctl(&["status"]).json();
    assert_eq!(status["profile"], ENABLED);
    assert_eq!(rollback_results(bench).len(), 1);
    let log = daemon.log();
    assert_eq!(
        log.matches("rolled back to the previous profile").count(),
        1,
        "{log}"
    );
}

#[test]
fn a_profile_that_never_registers_is_rolled_back_and_the_result_delivered() {
    let bench = Bench::new("rollback-never", None);
    let daemon = switch_with_rollback(&bench, &deadline(3));
    let switched = Instant::now();
    rollback_reported(&bench, &daemon);
    assert!(
        switched.elapsed() >= Duration::from_secs(2),
        "rolled back before the deadline"
    );
    assert_eq!(state_change_plmn(&bench), None, "searching: no rPLMN");
    // The old profile registers again.
    bench.card.change_network(REGISTERED);
    rolled_back_once(&bench, &daemon);
}

#[test]
fn a_profile_that_registers_without_data_is_rolled_back() {
    let bench = Bench::new("rollback-nodata", None);
    let daemon = switch_with_rollback(&bench, &deadline(3));
    bench.card.change_network(REGISTERED);
    rollback_reported(&bench, &daemon);
    let log = daemon.log();
    let decision = log
        .lines()
        .find(|l| l.contains("no service on the new profile in time"))
        .expect("the decision is logged");
    assert!(
        decision.contains("attach: true") && decision.contains("data_session: false"),
        "{decision}"
    );
    // The eIM hears where the device is registered: the simulated network 001-01.
    assert_eq!(state_change_plmn(&bench), Some(vec![0x00, 0xF1, 0x10]));
    rolled_back_once(&bench, &daemon);
}

#[test]
fn a_profile_with_service_is_kept() {
    let bench = Bench::new("rollback-kept", None);
    let daemon = switch_with_rollback(&bench, &deadline(5));
    bench.card.change_network(REGISTERED);
    bench.card.change_network(DATA);
    daemon.wait_for_log(Duration::from_secs(30), |l| {
        l.contains("the new profile has service: no rollback")
    });
    std::thread::sleep(Duration::from_secs(6));
    let status = daemon.ctl(&["status"]).json();
    assert_eq!(status["profile"], DISABLED, "{}", daemon.log());
    assert!(rollback_results(&bench).is_empty());
    assert!(!daemon.log().contains("rolling back"), "{}", daemon.log());
}

#[test]
fn a_daemon_killed_in_the_window_keeps_the_stored_deadline() {
    const DEADLINE: u64 = 6;
    let bench = Bench::new("rollback-kill", None);
    let extra = deadline(DEADLINE);
    let mut daemon = switch_with_rollback(&bench, &extra);
    let switched = Instant::now();
    daemon.signal("-KILL");
    assert!(daemon.wait(Duration::from_secs(10)).is_some());
    // Down for most of the window: a timer started afresh would roll back DEADLINE after the restart.
    std::thread::sleep(Duration::from_secs(DEADLINE - 2));
    let daemon = bench.daemon(&bench.config(&extra), &[]);
    rollback_reported(&bench, &daemon);
    let elapsed = switched.elapsed();
    assert!(
        elapsed >= Duration::from_secs(DEADLINE - 1)
            && elapsed < Duration::from_secs(2 * DEADLINE - 2),
        "rolled back {elapsed:?} after the switch\n{}",
        daemon.log()
    );
}

#[test]
fn the_result_of_an_enable_waits_until_the_new_profile_is_online() {
    let bench = Bench::new("rollback-wait", None);
    let extra = "[connectivity]\nreconnect_settle_secs = 10\nreconnect_timeout_secs = 30\n";
    let daemon = bench.daemon(&bench.config(extra), &[]);
    daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);
    bench
        .eim
        .with_eim(|e| e.queue_package(bench.eid, enable_with_rollback(DISABLED), None));
    let started = Instant::now();
    std::thread::scope(|scope| {
        let poll = scope.spawn(|| daemon.poll_executing_a_package());
        eventually(Duration::from_secs(20), "the package taken", || {
            bench
                .eim
                .with_eim(|e| (e.queued(&bench.eid) == 0).then_some(()))
        });
        // The REFRESH: the modem leaves the network, and nothing may go to the eIM meanwhile.
        bench.card.change_network(SEARCHING);
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(
            package_results(&bench),
            0,
            "reported while the modem searched"
        );
        bench.card.change_network(REGISTERED);
        poll.join().unwrap();
    });
    assert_eq!(package_results(&bench), 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the drop ended the settle time"
    );
    daemon.wait_for_log(Duration::from_secs(5), |l| {
        l.contains("online again after the profile switch")
    });
}
