//! `euiccd run` against the simulated modem (a real PTY) and a simulated eIM on loopback: systemd
//! notifications, polling, the control socket, SIGHUP and SIGTERM.
#![cfg(feature = "sim")]

mod support;

use euiccd_sim::eim::{Acknowledging, Report};
use std::time::Duration;
use support::daemon::{Bench, DISABLED, Daemon, ENABLED, NotifySocket, enable};
use support::{Run, Scratch};

#[test]
fn the_daemon_polls_serves_its_socket_and_talks_to_systemd() {
    let bench = Bench::new("daemon-run", None);
    let (dir, eid, eim) = (&bench.dir, bench.eid, &bench.eim);
    let notify = NotifySocket::bind(&dir.0);
    let notify_path = notify.path.to_string_lossy().into_owned();
    // Network events would add store commits of their own; this test counts the poll's.
    // ([log] stays last: the reload below appends to it.)
    // Without the observer, rollback can only require an eIM exchange.
    let toml = bench.config(
        "[connectivity]\nenabled = false\n\n[rollback]\nrequire = [\"eim_exchange\"]\n\n[log]\nformat = \"journald\"\n",
    );
    let mut daemon = bench.daemon(
        &toml,
        &[("NOTIFY_SOCKET", &notify_path), ("WATCHDOG_USEC", "400000")],
    );

    // READY=1 after start-up, then WATCHDOG=1 again and again from the main loop.
    let ready = notify.wait_for("READY=1", Duration::from_secs(30));
    assert!(ready.last().unwrap().contains("STATUS="), "{ready:?}");
    for _ in 0..3 {
        notify.wait_for("WATCHDOG=1", Duration::from_secs(5));
    }

    // The first poll runs at start: the eIM has nothing.
    let status = daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);
    assert_eq!(status["eid"], eid.digits());
    assert_eq!(status["eims"][0], "eim-daemon-test");
    assert!(
        status["last_outcome"]
            .as_str()
            .unwrap()
            .contains("no package")
    );
    let next = status["next_poll_in_secs"].as_u64().unwrap();
    assert!((3500..=3600).contains(&next), "{next}");
    let commits = status["store_commits"].as_u64().unwrap();
    // The observer's events are committed on their own schedule (the start-up attach may land after the
    // first poll): they are left out of the count below.
    let events = status["outboxes"]["events"].as_u64().unwrap();

    // An enable package, carried out at once on poll-now; the eIM holds the result.
    eim.with_eim(|e| e.queue_package(eid, enable(DISABLED), None));
    daemon.poll_executing_a_package();
    let (results, notifications) = eim.with_eim(|e| {
        let reports: Vec<Report> = e.received().iter().map(|r| r.report.clone()).collect();
        let results = reports
            .iter()
            .filter(|r| matches!(r, Report::PackageResult(_)))
            .count();
        let notifications: Vec<Report> = reports
            .into_iter()
            .filter(|r| matches!(r, Report::Notification(_)))
            .collect();
        (results, notifications)
    });
    assert_eq!(results, 1, "one package result");
    assert!(!notifications.is_empty(), "the enable's notifications");
    let status = daemon.status_until(Duration::from_secs(30), |s| s["profile"] == DISABLED);
    assert_eq!(status["outboxes"]["results"], 0);

    // An idle poll writes nothing to the store.
    let before = status["store_commits"].as_u64().unwrap();
    let new_events = status["outboxes"]["events"].as_u64().unwrap() - events;
    assert_eq!(
        before - commits - new_events,
        5,
        "a package: four journal steps and the poll state"
    );
    let idle = daemon.ctl(&["poll-now"]).json();
    assert!(
        idle["outcome"].as_str().unwrap().contains("no package"),
        "{idle}"
    );
    let after = daemon.ctl(&["status"]).json()["store_commits"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before, "an idle poll committed to the store");

    // Inspection commands go through the daemon, which holds the port.
    let socket = daemon.socket.to_string_lossy().into_owned();
    let env = [("EUICCD_CONTROL_SOCKET", socket.as_str())];
    let profiles = Run::euiccd(&["--json", "profiles"], &env, Duration::from_secs(30));
    let profiles = profiles.json();
    let enabled: Vec<_> = profiles["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "enabled")
        .map(|p| p["iccid"].clone())
        .collect();
    assert_eq!(enabled, [DISABLED]);
    let info = Run::euiccd(&["--json", "info"], &env, Duration::from_secs(30)).json();
    assert_eq!(info["eid"], eid.digits());
    let human = Run::euiccd(&["status"], &env, Duration::from_secs(30));
    assert!(
        human.success() && human.stdout.contains("enabled profile"),
        "{}",
        human.stdout
    );

    // SIGHUP with a file that no longer validates: refused, the running configuration stays.
    std::fs::write(dir.path("euiccd.toml"), "[poll]\ninterval_secs = 0\n").unwrap();
    daemon.signal("-HUP");
    let refused = |l: &str| l.contains("reload refused") && l.contains("poll.interval_secs");
    daemon.wait_for_log(Duration::from_secs(10), refused);
    let status = daemon.ctl(&["status"]).json();
    assert!(
        status["next_poll_in_secs"].as_u64().unwrap() > 600,
        "{status}"
    );

    // SIGHUP applies a new poll interval and log level.
    let reloaded = toml.replace("interval_secs = 3600", "interval_secs = 600")
        + "level = \"info,euiccd::apdu=debug\"\n";
    std::fs::write(dir.path("euiccd.toml"), reloaded).unwrap();
    daemon.signal("-HUP");
    let status = daemon.status_until(Duration::from_secs(10), |s| {
        s["next_poll_in_secs"].as_u64().is_some_and(|n| n <= 600)
    });
    assert_eq!(status["state"], "idle");
    // Journald format: a syslog priority per line, no timestamp (the journal adds one).
    let reload_line =
        |l: &str| l.starts_with("<6>euiccd::") && l.contains(": configuration reloaded");
    assert!(daemon.log().lines().any(reload_line), "{}", daemon.log());
    // The new level shows the APDU layer's debug lines (priority 7), and only from the reload on.
    let debug_line = |l: &str| l.starts_with("<7>euiccd::apdu");
    assert!(!daemon.log().lines().any(debug_line), "{}", daemon.log());
    daemon.ctl(&["poll-now"]).json();
    assert!(daemon.log().lines().any(debug_line), "{}", daemon.log());

    // SIGTERM: STOPPING=1, exit 0, the socket is gone.
    daemon.signal("-TERM");
    notify.wait_for("STOPPING=1", Duration::from_secs(10));
    let exit = daemon.wait(Duration::from_secs(10));
    assert!(
        exit.is_some_and(|s| s.success()),
        "{exit:?}\n{}",
        daemon.log()
    );
    assert!(!daemon.socket.exists());
}

#[test]
fn a_bad_configuration_is_refused_with_the_key_named() {
    let dir = Scratch::new("daemon-badconfig");
    let path = dir.path("euiccd.toml");
    std::fs::write(&path, "[poll]\ninterval_secs = 0\n").unwrap();
    let run = Run::finished(
        &["run", "--config", &path.to_string_lossy()],
        Duration::from_secs(10),
    );
    run.fails(2, "poll.interval_secs: must be 1 to");
    std::fs::write(&path, "[pol]\n").unwrap();
    let run = Run::finished(
        &["run", "--config", &path.to_string_lossy()],
        Duration::from_secs(10),
    );
    run.fails(2, "pol");
}

#[test]
fn status_without_a_daemon_says_so() {
    let dir = Scratch::new("daemon-none");
    let socket = dir.path("none.sock");
    let run = Run::finished(
        &["status", "--socket", &socket.to_string_lossy()],
        Duration::from_secs(10),
    );
    run.fails(1, "is euiccd running?");
}

/// What /proc says about a process, summed over its threads.
#[derive(Debug)]
struct ProcStat {
    context_switches: u64,
    threads: usize,
    rss_kib: u64,
    anon_kib: u64,
}

fn proc_stat(pid: u32) -> ProcStat {
    let field = |text: &str, name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let mut context_switches = 0;
    let mut threads = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks") {
        let status = std::fs::read_to_string(task.unwrap().path().join("status")).unwrap();
        context_switches += field(&status, "voluntary_ctxt_switches:")
            + field(&status, "nonvoluntary_ctxt_switches:");
        threads += 1;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    ProcStat {
        context_switches,
        threads,
        rss_kib: field(&status, "VmRSS:"),
        anon_kib: field(&status, "RssAnon:"),
    }
}

/// Idle anonymous memory a release build stays within (issue "Footprint for the smallest routers"): 1.5 MiB.
const IDLE_ANON_KIB: u64 = 1536;

/// The idle footprint in the README: context switches (each one a wake-up) and RSS of a daemon between
/// polls. Run with the release build:
/// `cargo build --release --no-default-features && EUICCD_BIN=$PWD/target/release/euiccd cargo test --features sim --test daemon -- --ignored --nocapture idle_footprint`
/// (`EUICCD_IDLE_SECS`, default 60). A binary under a `release` directory must keep its anonymous memory
/// within [`IDLE_ANON_KIB`] (a debug build's futures and stack are larger).
#[test]
#[ignore = "a 60 s measurement"]
fn idle_footprint() {
    let binary = std::env::var("EUICCD_BIN").unwrap_or_else(|_| support::EUICCD.to_owned());
    let secs: u64 = std::env::var("EUICCD_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let bench = Bench::new("daemon-idle", None);
    let toml = bench.config(
        "[log]
level = \"warn\"
",
    );
    let daemon = Daemon::start_binary(binary.as_ref(), &bench.dir.0, &toml, &[]);
    daemon.status_until(Duration::from_secs(30), |s| {
        s["polls"] == 1 && s["state"] == "idle"
    });
    std::thread::sleep(Duration::from_secs(2));
    let before = proc_stat(daemon.pid());
    std::thread::sleep(Duration::from_secs(secs));
    let after = proc_stat(daemon.pid());
    let wakeups = after.context_switches - before.context_switches;
    println!(
        "{binary}: idle {secs} s between polls: {wakeups} context switches over {} threads; RSS {} KiB \
         ({} KiB anonymous)",
        after.threads, after.rss_kib, after.anon_kib
    );
    assert!(
        wakeups <= secs,
        "a busy loop: {wakeups} wake-ups in {secs} s"
    );
    let release = std::path::Path::new(&binary)
        .components()
        .any(|c| c.as_os_str() == "release");
    if release {
        assert!(
            after.anon_kib <= IDLE_ANON_KIB,
            "{} KiB anonymous at idle (bound {IDLE_ANON_KIB} KiB)",
            after.anon_kib
        );
    }
}

#[test]
fn without_anchors_in_the_file_the_eim_is_trusted_as_the_euicc_says() {
    let bench = Bench::new("daemon-card-trust", None);
    let ca = bench.card.identity.join("ci.cert.pem");
    let in_file = format!("trust_anchors = [\"{}\"]\ntimeout_secs", ca.display());
    let toml = bench.config("");
    assert!(toml.contains(&in_file));
    let toml = toml.replace(&in_file, "timeout_secs");
    let mut daemon = bench.daemon(&toml, &[]);
    let status = daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);
    let outcome = status["last_outcome"].as_str().unwrap();
    assert!(outcome.contains("no package"), "{status}");
    daemon.signal("-TERM");
    assert!(daemon.wait(Duration::from_secs(10)).is_some());

    // An eIM the eUICC does not know has no anchor to take: the daemon does not start.
    let unknown = toml.replace("id = \"eim-daemon-test\"", "id = \"eim-unknown\"");
    let path = bench.dir.path("unknown.toml");
    std::fs::write(&path, unknown).unwrap();
    let run = Run::finished(
        &["run", "--config", &path.to_string_lossy()],
        Duration::from_secs(30),
    );
    assert!(!run.success());
    assert!(
        run.stderr.contains("eim eim-unknown: no trust_anchors"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_an_eim_the_daemon_only_serves_its_socket() {
    let bench = Bench::new("daemon-no-eim", None);
    let dir = &bench.dir.0;
    let toml = format!(
        "[modem]\ndevice = \"{}\"\n[daemon]\nstate_dir = \"{}\"\ncontrol_socket = \"{}\"\n",
        bench.card.link.display(),
        dir.join("state").display(),
        dir.join("ctl.sock").display()
    );
    let mut daemon = bench.daemon(&toml, &[]);
    let status = daemon.status_until(Duration::from_secs(30), |s| s["state"] == "idle");
    assert_eq!(status["polls"], 0);
    assert!(status["next_poll_in_secs"].is_null(), "{status}");
    assert_eq!(status["eid"], bench.eid.digits());
    let refused = daemon.ctl(&["poll-now"]);
    refused.fails(1, "no eIM configured");
    daemon.signal("-INT");
    let exit = daemon.wait(Duration::from_secs(10));
    assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
}

#[test]
fn results_an_eim_takes_without_acknowledging_are_shown_piling_up() {
    let bench = Bench::new("daemon-pile-up", None);
    // A v1.2 eIM that acknowledges nothing: with `unacknowledged = "auto"` its results stay on the card.
    bench
        .eim
        .with_eim(|e| e.set_acknowledging(Acknowledging::Nothing));
    let toml = bench.config("");
    assert!(toml.contains("timeout_secs = 20\n"));
    let toml = toml.replace(
        "timeout_secs = 20\n",
        "timeout_secs = 20\nunacknowledged = \"auto\"\n",
    );
    let mut daemon = bench.daemon(&toml, &[]);
    daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);
    // Two packages: the cycle after an executed one follows at once.
    for iccid in [DISABLED, ENABLED] {
        bench
            .eim
            .with_eim(|e| e.queue_package(bench.eid, enable(iccid), None));
    }
    daemon.poll_executing_a_package();
    // The second result carried the first one's notifications again: five entries left on the card.
    let status = daemon.status_until(Duration::from_secs(60), |s| {
        s["piled_up"].as_array().is_some_and(|p| !p.is_empty())
    });
    let piled_up = status["piled_up"].as_array().expect("piled_up");
    assert_eq!(piled_up.len(), 1, "{status}");
    assert!(
        piled_up[0]
            .as_str()
            .unwrap()
            .starts_with("eim-daemon-test: 5 delivered"),
        "{status}"
    );
    assert!(
        daemon.log().contains("pile up on the eUICC"),
        "{}",
        daemon.log()
    );
    daemon.signal("-TERM");
    assert!(daemon.wait(Duration::from_secs(10)).is_some());
}

/// A gateway without RTC starts in 1970: the daemon still polls its eIM over TLS (certificates are checked
/// at the build time), says in `status` that the clock looks unset, and stores no time while it does.
#[test]
fn an_unset_clock_is_reported_and_the_eim_is_still_reached() {
    let bench = Bench::new("daemon-clock", None);
    let toml = bench
        .config("[connectivity]\nenabled = false\n\n[rollback]\nrequire = [\"eim_exchange\"]\n");
    let daemon = bench.daemon(&toml, &[("EUICCD_FAKE_NOW", "86400")]);
    let status = daemon.status_until(Duration::from_secs(30), |s| s["polls"] == 1);
    assert!(
        status["last_outcome"]
            .as_str()
            .unwrap()
            .contains("no package"),
        "{status}"
    );
    let clock = status["clock"].as_str().expect("a clock warning");
    assert!(
        clock.contains("1970-01-02 00:00:00 UTC") && clock.contains("looks unset"),
        "{clock}"
    );
    assert!(!bench.dir.0.join("state").join("clock").exists());
}
