//! Issue 8, "Must show": `euiccd run` dies at every journal step of an eIM enable package (debug builds
//! abort right after the Nth durable journal write when `EUICCD_TEST_KILL_AT_STEP=N`), is restarted, and
//! finishes the package: the eUICC state is right, the eIM has the package result exactly once and the
//! notifications at least once, and nothing is left in the journal, the outboxes or on the eUICC.

mod support;

use euiccd::sim::eim::Report;
use serde_json::Value;
use std::time::Duration;
use support::Scratch;
use support::daemon::{DISABLED, Daemon, ENABLED, card_with_eim, config, eim_server, enable};

/// The journal writes of one package: received, result owed, acknowledged, finished.
const STEPS: u64 = 4;

#[test]
fn a_daemon_killed_at_every_journal_step_finishes_the_package_after_a_restart() {
    let dir = Scratch::new("daemon-crash");
    let (card, eid, token) = card_with_eim(&dir.0);
    let eim = eim_server(&card.identity);
    eim.with_eim(|e| e.associate(eid, token));
    let json_logs = "[log]\nformat = \"json\"\n";
    let toml = config(
        &dir.0,
        &card.link,
        &card.identity,
        &eim.address(),
        json_logs,
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
        let mut doomed = Daemon::start(&dir.0, &toml, &[("EUICCD_TEST_KILL_AT_STEP", &kill_at)]);
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

        let mut daemon = Daemon::start(&dir.0, &toml, &[]);
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
