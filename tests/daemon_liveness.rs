//! The main loop stays alive against a modem that stops answering: `WATCHDOG=1` keeps coming from the
//! loop itself at its interval (no gap beyond the watchdog timeout, no burst of catch-up pings), the card
//! request that ran into the silence ends in an error before the deadline, and the modem link is restarted
//! while the daemon carries on.
#![cfg(feature = "sim")]

mod support;

use std::time::{Duration, Instant};
use support::daemon::{Daemon, NotifySocket};
use support::{Scratch, SimServe};

/// systemd's watchdog timeout in this test: pings are due every 3 s, a card operation is cut at 2 s.
const WATCHDOG: Duration = Duration::from_secs(6);
/// The daemon's start-up takes 7 APDUs (transport probe, EID, status refresh, close); the card requests
/// after it go unanswered.
const MUTE_AFTER: &str = "mute-after=10";

#[test]
fn a_mute_modem_neither_blocks_the_loop_nor_gets_the_daemon_killed() {
    let scratch = Scratch::new("liveness");
    let card = SimServe::in_dir(&scratch.0)
        .args(&["--quirk", MUTE_AFTER])
        .start();
    let config = format!(
        r#"[modem]
device = "{link}"

[connectivity]
enabled = false

[rollback]
require = ["eim_exchange"]

[daemon]
state_dir = "{state}"
control_socket = "{socket}"
"#,
        link = card.link.display(),
        state = scratch.path("state").display(),
        socket = scratch.path("ctl.sock").display(),
    );
    let notify = NotifySocket::bind(&scratch.0);
    let notify_path = notify.path.to_string_lossy().into_owned();
    let usec = WATCHDOG.as_micros().to_string();
    let mut daemon = Daemon::start(
        &scratch.0,
        &config,
        &[("NOTIFY_SOCKET", &notify_path), ("WATCHDOG_USEC", &usec)],
    );
    notify.wait_for("READY=1", Duration::from_secs(30));

    // Asked for `info`, the loop runs into the silent modem.
    let socket = daemon.socket.to_string_lossy().into_owned();
    let info = std::thread::spawn(move || {
        let started = Instant::now();
        let run = support::Run::euiccd(
            &["--json", "info"],
            &[("EUICCD_CONTROL_SOCKET", &socket)],
            Duration::from_secs(120),
        );
        (run, started.elapsed())
    });
    // Meanwhile the pings keep their pace: watched for 3 watchdog timeouts.
    let mut pings = Vec::new();
    let watched = Instant::now();
    while watched.elapsed() < WATCHDOG * 3 {
        if let Some(message) = notify.next(WATCHDOG) {
            if message.contains("WATCHDOG=1") {
                pings.push(watched.elapsed());
            }
        } else {
            pings.push(watched.elapsed());
            break;
        }
    }
    let gaps: Vec<Duration> = pings.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(pings.len() >= 4, "pings at {pings:?}\n{}", daemon.log());
    assert!(
        gaps.iter().all(|gap| *gap < WATCHDOG * 3 / 4),
        "a gap between pings near the watchdog timeout: {gaps:?}\n{}",
        daemon.log()
    );
    assert!(
        gaps.iter().all(|gap| *gap > WATCHDOG / 8),
        "a burst of catch-up pings: {gaps:?}"
    );

    let (run, took) = info.join().unwrap();
    run.fails(1, "did not answer");
    assert!(took < WATCHDOG, "info took {took:?}");
    daemon.wait_for_log(Duration::from_secs(10), |l| {
        l.contains("restarting the modem link")
    });
    // Still serving, not killed.
    assert!(daemon.wait(Duration::from_millis(100)).is_none());
    daemon.status_until(Duration::from_secs(10), |s| s["state"] == "idle");
}
