//! Issue 8, "Must show": `euiccd run` dies at every journal step of an eIM enable package (debug builds
//! abort right after the Nth durable journal write when `EUICCD_TEST_KILL_AT_STEP=N`), is restarted, and
//! finishes the package: the eUICC state is right, the eIM has the package result exactly once and the
//! notifications at least once, and nothing is left in the journal, the outboxes or on the eUICC.
#![cfg(feature = "sim")]

mod support;

use euicc_asn1::Octets;
use euicc_asn1::types::sgp32::common::{ProfileDownloadData, ProfileDownloadTriggerRequest};
use euicc_asn1::types::sgp32::v1_2::ProfileDownloadTriggerResultData;
use euiccd_sim::crypto::pki::DEFAULT_SMDP_HOST;
use euiccd_sim::eim::{DownloadResult, Report};
use serde_json::Value;
use std::time::Duration;
use support::Run;
use support::daemon::{Bench, DISABLED, ENABLED, enable};

/// The journal writes of one package: received, result owed, acknowledged, finished.
const STEPS: u64 = 4;

#[test]
fn a_daemon_killed_at_every_journal_step_finishes_the_package_after_a_restart() {
    let bench = Bench::new("daemon-crash", None);
    let (eid, eim) = (bench.eid, &bench.eim);
    let toml = bench.config(
        "[log]
format = \"json\"
",
    );
    let count = |what: fn(&Report) -> bool| {
        eim.with_eim(|e| e.received().iter().filter(|r| what(&r.report)).count())
    };
    let results = || count(|r| matches!(r, Report::PackageResult(_)));
    let notifications = || count(|r| matches!(r, Report::Notification(_)));

    for step in 1..=STEPS {
        // Alternate the enabled profile, so that every round changes the eUICC.
        let target = if step % 2 == 1 { DISABLED } else { ENABLED };
        let (results_before, notifications_before) = (results(), notifications());
        eim.with_eim(|e| e.queue_package(eid, enable(target), None));

        let kill_at = step.to_string();
        let mut doomed = bench.daemon(&toml, &[("EUICCD_TEST_KILL_AT_STEP", &kill_at)]);
        let exit = doomed.wait(Duration::from_secs(60));
        assert!(
            exit.is_some_and(|s| !s.success()),
            "step {step}: the daemon should have died: {exit:?}\n{}",
            doomed.log()
        );
        assert!(
            doomed.log().contains("aborting after journal write"),
            "{}",
            doomed.log()
        );
        drop(doomed);

        let mut daemon = bench.daemon(&toml, &[]);
        let status = daemon.status_until(Duration::from_secs(60), |s| {
            s["polls"].as_u64() >= Some(1) && s["state"] == "idle"
        });
        assert_eq!(status["profile"], target, "step {step}: {status}");
        assert_eq!(status["journal"], 0, "step {step}: {status}");
        assert_eq!(status["outboxes"]["results"], 0, "step {step}: {status}");
        assert_eq!(
            status["outboxes"]["notifications"], 0,
            "step {step}: notifications left on the eUICC: {status}"
        );
        assert_eq!(
            results() - results_before,
            1,
            "step {step}: the package result reaches the eIM exactly once\n{}",
            daemon.log()
        );
        assert!(
            notifications() > notifications_before,
            "step {step}: the notifications reach the eIM"
        );
        assert_eq!(eim.with_eim(|e| e.queued(&eid)), 0);
        // JSON logs: one object per line.
        for line in daemon.log().lines() {
            let event: Value = serde_json::from_str(line).expect("a JSON log line");
            assert!(event["level"].is_string(), "{line}");
        }
        // Killed before the entry was finished: the restart finished it before polling.
        assert_eq!(
            daemon
                .log()
                .contains("finishing an interrupted eIM package"),
            step < STEPS,
            "step {step}\n{}",
            daemon.log()
        );
        daemon.signal("-TERM");
        let exit = daemon.wait(Duration::from_secs(10));
        assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
    }
}

/// The profile the simulated SM-DP+ of `sim serve` offers.
const DOWNLOADED: &str = "8949449999999990031";
const MATCHING_ID: &str = "EUICCD-CRASH-1";

#[test]
fn a_daemon_killed_at_every_journal_step_of_a_download_finishes_it_after_a_restart() {
    for step in 1..=STEPS {
        // A fresh card and SM-DP+ order per round: a download happens once per order.
        let bench = Bench::new("daemon-crash-download", Some(MATCHING_ID));
        let (eid, eim) = (bench.eid, &bench.eim);
        let trigger = ProfileDownloadTriggerRequest {
            profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
                "1${DEFAULT_SMDP_HOST}${MATCHING_ID}"
            ))),
            eim_transaction_id: Some(Octets(vec![step as u8])),
        };
        eim.with_eim(|e| e.queue_download_trigger(eid, &trigger));
        let toml = bench.config("[log]\nlevel = \"debug\"\n");

        let kill_at = step.to_string();
        let mut doomed = bench.daemon(&toml, &[("EUICCD_TEST_KILL_AT_STEP", &kill_at)]);
        let exit = doomed.wait(Duration::from_secs(120));
        assert!(
            exit.is_some_and(|s| !s.success()),
            "step {step}: the daemon should have died: {exit:?}\n{}",
            doomed.log()
        );
        let doomed_log = doomed.log();
        drop(doomed);

        let daemon = bench.daemon(&toml, &[]);
        let status = daemon.status_until(Duration::from_secs(120), |s| {
            s["polls"].as_u64() >= Some(1) && s["state"] == "idle"
        });
        assert_eq!(status["journal"], 0, "step {step}: {status}");
        assert_eq!(status["outboxes"]["results"], 0, "step {step}: {status}");
        assert_eq!(
            status["outboxes"]["notifications"], 0,
            "step {step}: notifications left on the eUICC: {status}"
        );
        // The profile is installed, once.
        let socket = daemon.socket.to_string_lossy().into_owned();
        let listed = Run::euiccd(
            &["--json", "profiles"],
            &[("EUICCD_CONTROL_SOCKET", &socket)],
            Duration::from_secs(30),
        );
        let installed = listed.json()["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["iccid"] == DOWNLOADED)
            .count();
        assert_eq!(installed, 1, "step {step}\n{}", daemon.log());
        // The eIM has the trigger's result exactly once, and it is the installation result.
        let results: Vec<bool> = eim.with_eim(|e| {
            e.received()
                .iter()
                .filter_map(|r| match &r.report {
                    Report::DownloadResult(result) => Some(matches!(
                        &**result,
                        DownloadResult::V1_2(r) if matches!(
                            r.profile_download_trigger_result_data,
                            ProfileDownloadTriggerResultData::ProfileInstallationResult(_)
                        )
                    )),
                    _ => None,
                })
                .collect()
        });
        assert_eq!(results, [true], "step {step}\n{}", daemon.log());
        // The matching ID is a secret: in no log line, not even at debug level, not even in hex.
        assert!(
            doomed_log.contains("AT >"),
            "debug logging shows the AT traffic"
        );
        let hex = hex::encode_upper(MATCHING_ID);
        for log in [daemon.log(), doomed_log] {
            assert!(
                !log.contains(MATCHING_ID) && !log.to_uppercase().contains(&hex),
                "step {step}"
            );
        }
    }
}
