//! The fallback supervisor in `euiccd run` against the simulated modem (a real PTY) playing network
//! scenarios, the simulated eUICC (one profile with the Fallback Attribute) and the simulated eIM on
//! loopback, with second-scale periods from the configuration: the network denies the registration for
//! longer than the policy allows → ExecuteFallbackMechanism, the fallback profile enabled, the eIM told with
//! stateChangeCause fallback; after the configured time on it → ReturnFromFallback, the normal profile
//! back, the eIM told again. A short denial does nothing.
#![cfg(feature = "sim")]

mod support;

use std::time::{Duration, Instant};
use support::daemon::{Bench, DISABLED, ENABLED, eventually};

/// `StateChangeCause` fallback.
const CAUSE_FALLBACK: i64 = 1;
/// The network rejects the registration (EMM cause 15, no suitable cells in tracking area).
const DENIED: &str = r#"{"registration":"denied","reject_cause":15}"#;
/// Registered at home.
const REGISTERED: &str = r#"{"registration":"home"}"#;
/// The fallback policy of these tests.
const POLICY: &str = "[fallback]\nenabled = true\nafter_secs = 2\nconditions = [\"registration_denied\"]\nreturn_after_secs = 3\n";

/// How many polls told the eIM of a fallback state change.
fn fallback_polls(bench: &Bench) -> usize {
    bench.eim.with_eim(|e| {
        e.polls()
            .iter()
            .filter(|p| p.notify_state_change && p.state_change_cause == Some(CAUSE_FALLBACK))
            .count()
    })
}

#[test]
fn a_long_denial_falls_back_and_the_profile_returns_later() {
    let bench = Bench::with_fallback_profile("fallback-run");
    let daemon = bench.daemon(&bench.config(POLICY), &[]);
    daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);

    bench.card.change_network(DENIED);
    let denied = Instant::now();
    daemon.status_until(Duration::from_secs(30), |s| s["profile"] == DISABLED);
    assert!(
        denied.elapsed() >= Duration::from_secs(1),
        "fell back before the policy's time\n{}",
        daemon.log()
    );
    eventually(
        Duration::from_secs(30),
        "the eIM told of the fallback",
        || (fallback_polls(&bench) >= 1).then_some(()),
    );

    // The fallback profile has service; after its time the normal profile is tried again.
    bench.card.change_network(REGISTERED);
    let fell_back = Instant::now();
    daemon.status_until(Duration::from_secs(30), |s| s["profile"] == ENABLED);
    assert!(
        fell_back.elapsed() >= Duration::from_secs(2),
        "returned before return_after_secs\n{}",
        daemon.log()
    );
    eventually(
        Duration::from_secs(30),
        "the eIM told of the return",
        || (fallback_polls(&bench) >= 2).then_some(()),
    );

    // The normal profile has service: it stays.
    std::thread::sleep(Duration::from_secs(3));
    let status = daemon.ctl(&["status"]).json();
    assert_eq!(status["profile"], ENABLED, "{}", daemon.log());
    assert_eq!(fallback_polls(&bench), 2);
    let log = daemon.log();
    assert_eq!(
        log.matches("executing the fallback mechanism").count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.matches("returning from the fallback profile").count(),
        1,
        "{log}"
    );
}

#[test]
fn a_short_denial_does_not_fall_back() {
    let bench = Bench::with_fallback_profile("fallback-short");
    let config = POLICY.replace("after_secs = 2", "after_secs = 4");
    let daemon = bench.daemon(&bench.config(&config), &[]);
    daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);
    bench.card.change_network(DENIED);
    std::thread::sleep(Duration::from_secs(1));
    bench.card.change_network(REGISTERED);
    std::thread::sleep(Duration::from_secs(5));
    let status = daemon.ctl(&["status"]).json();
    assert_eq!(status["profile"], ENABLED, "{}", daemon.log());
    assert_eq!(fallback_polls(&bench), 0);
    assert!(
        !daemon.log().contains("fallback mechanism"),
        "{}",
        daemon.log()
    );
}
