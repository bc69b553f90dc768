//! `euiccd download` and `notifications process` against `euiccd sim serve` (simulated modem on a PTY,
//! simulated eUICC, simulated SM-DP+ over HTTPS on 127.0.0.1 under a test PKI).
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{Run, Scratch, SimServer};

const MATCHING_ID: &str = "EUICCD-DL-7Q2X";
const CC: &str = "CC-93751";
const ICCID: &str = "8949449999999990031";
const TIMEOUT: Duration = Duration::from_secs(90);

struct Bench {
    _scratch: Scratch,
    sim: SimServer,
}

impl Bench {
    fn new(extra: &[&str]) -> Self {
        let scratch = Scratch::new("download");
        let sim = SimServer::start(&scratch.0, MATCHING_ID, extra);
        Self {
            _scratch: scratch,
            sim,
        }
    }

    fn cli(&self, args: &[&str]) -> Run {
        self.cli_with(args, &[])
    }

    /// The CLI with extra environment variables.
    fn cli_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let link = self.sim.link.to_string_lossy().into_owned();
        let mut all = vec!["--device", link.as_str()];
        all.extend_from_slice(args);
        let mut env = env.to_vec();
        env.push(("EUICCD_LOG", "trace"));
        Run::euiccd(&all, &env, TIMEOUT)
    }

    fn download(&self, extra: &[&str]) -> Run {
        self.download_with(extra, &[])
    }

    fn download_with(&self, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let ca = self.sim.identity.join("ci.cert.pem");
        let ca = ca.to_string_lossy().into_owned();
        let code = format!("1$smdp.example.test${MATCHING_ID}");
        let mut args = vec![
            "download",
            code.as_str(),
            "--smdp-connect",
            self.sim.smdp_address.as_str(),
            "--smdp-ca",
            ca.as_str(),
            "--http-timeout",
            "3",
            "--json",
        ];
        args.extend_from_slice(extra);
        self.cli_with(&args, env)
    }

    fn installed(&self) -> bool {
        let profiles = self.cli(&["profiles", "--json"]).json();
        profiles.to_string().contains(ICCID)
    }

    fn notifications(&self) -> Vec<Value> {
        self.cli(&["notifications", "list", "--json"]).json()["notifications"]
            .as_array()
            .expect("list")
            .clone()
    }

    fn cancelled(&self) -> bool {
        self.sim
            .log()
            .contains("SM-DP+ session cancelled by the eUICC")
    }
}

/// Neither the matching ID nor the confirmation code appears in anything the CLI printed.
fn no_secrets(run: &Run) {
    for secret in [MATCHING_ID, CC] {
        assert!(
            !run.stderr.contains(secret),
            "secret in stderr: {}",
            run.stderr
        );
        assert!(!run.stdout.contains(secret), "secret in stdout");
    }
}

#[test]
fn a_profile_downloads_and_its_result_is_delivered() {
    let bench = Bench::new(&[]);
    let run = bench.download(&[]);
    let outcome = run.json();
    assert_eq!(outcome["iccid"], ICCID);
    assert_eq!(outcome["notificationDelivered"], true);
    assert!(
        run.stderr.contains("\"event\":\"loading\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("\"event\":\"notificationDelivered\""));
    no_secrets(&run);
    assert!(bench.installed());
    assert!(bench.notifications().is_empty());
}

/// A gateway without a real-time clock boots in 1970: certificates are checked at the build time instead
/// (src/clock.rs), so the download still reaches the SM-DP+. `EUICCD_FAKE_NOW` stands in for the system
/// clock in debug builds only.
#[test]
fn a_download_with_the_clock_at_1970_succeeds() {
    let bench = Bench::new(&[]);
    let run = bench.download_with(&[], &[("EUICCD_FAKE_NOW", "86400")]);
    assert_eq!(run.json()["iccid"], ICCID, "{}", run.stderr);
    assert!(bench.installed());
}

/// A wrong matching ID is one error, said once, with a stable kind in `--json`; the SM-DP+'s answer to the
/// cancellation that follows is no second failure.
#[test]
fn a_wrong_matching_id_is_one_error_with_a_kind() {
    let bench = Bench::new(&[]);
    let ca = bench.sim.identity.join("ci.cert.pem");
    let ca = ca.to_string_lossy().into_owned();
    let code = "1$smdp.example.test$NO-SUCH-ORDER";
    let link = bench.sim.link.to_string_lossy().into_owned();
    let run = Run::euiccd(
        &[
            "--device",
            &link,
            "--json",
            "download",
            code,
            "--smdp-connect",
            &bench.sim.smdp_address,
            "--smdp-ca",
            &ca,
        ],
        &[],
        TIMEOUT,
    );
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    let last = run.stderr.lines().last().expect("an error line");
    let error: Value = serde_json::from_str(last).expect(last);
    assert_eq!(error["error"]["kind"], "smdp-refused", "{last}");
    assert_eq!(error["error"]["exitCode"], 4);
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("check the activation code"), "{message}");
    // Progress lines are JSON events; nothing else (no warning about the cancellation) is printed.
    for line in run.stderr.lines() {
        assert!(line.starts_with('{'), "{}", run.stderr);
    }
    assert_eq!(
        run.stderr.matches("matching ID refused").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn confirmation_codes_right_wrong_and_missing() {
    let bench = Bench::new(&["--smdp-confirmation-code", CC]);
    let missing = bench.download(&[]);
    missing.fails(2, "requires a confirmation code");
    assert!(missing.stderr.contains("cancelled"), "{}", missing.stderr);
    assert!(bench.cancelled());
    let wrong = bench.download(&["--confirmation-code", "CC-00000"]);
    wrong.fails(4, "confirmation code refused (8.2.7/3.8)");
    assert!(!bench.installed());
    let right = bench.download(&["--confirmation-code", CC]);
    assert_eq!(right.json()["iccid"], ICCID);
    no_secrets(&right);
    no_secrets(&wrong);
    assert!(bench.installed());
}

#[test]
fn server_faults_end_in_clear_errors_and_cancellations() {
    let cases = [
        (
            "authenticateClient=failed",
            4,
            "download order expired (8.8.5/4.1)",
        ),
        ("authenticateClient=http500", 1, "HTTP 500"),
        ("getBoundProfilePackage=garbage", 1, "malformed answer"),
        ("getBoundProfilePackage=delay6000", 1, "no answer within"),
        ("getBoundProfilePackage=http500", 1, "HTTP 500"),
    ];
    for (fault, code, message) in cases {
        let bench = Bench::new(&["--smdp-fault", fault]);
        let run = bench.download(&[]);
        run.fails(code, message);
        assert!(
            run.stderr.contains("download session cancelled"),
            "{fault}: {}",
            run.stderr
        );
        no_secrets(&run);
        assert!(!bench.installed(), "{fault}");
        if !fault.starts_with("authenticateClient") {
            // The SM-DP+ still knows the session and verifies the eUICC's signed cancellation.
            assert!(bench.cancelled(), "{fault}: {}", bench.sim.log());
        }
    }
}

#[test]
fn an_undelivered_result_stays_until_notifications_process() {
    let scratch = Scratch::new("process");
    let state = scratch.path("state.json");
    let state = state.to_string_lossy().into_owned();
    let process = |sim: &SimServer| {
        let ca = sim.identity.join("ci.cert.pem");
        let ca = ca.to_string_lossy().into_owned();
        let link = sim.link.to_string_lossy().into_owned();
        let args = [
            "--device",
            link.as_str(),
            "notifications",
            "process",
            "--smdp-connect",
            sim.smdp_address.as_str(),
            "--smdp-ca",
            ca.as_str(),
            "--json",
        ];
        Run::euiccd(&args, &[], TIMEOUT)
    };
    let failing = [
        "--sim-state",
        state.as_str(),
        "--smdp-fault",
        "handleNotification=http500",
    ];
    let bench = Bench {
        sim: SimServer::start(&scratch.0, MATCHING_ID, &failing),
        _scratch: Scratch::new("unused"),
    };
    let outcome = bench.download(&[]).json();
    assert_eq!(outcome["notificationDelivered"], false);
    assert!(bench.installed());
    assert_eq!(bench.notifications().len(), 1);
    // The server still fails: the notification stays on the card.
    let failed = process(&bench.sim);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert_eq!(bench.notifications().len(), 1);
    drop(bench);

    // The same card with a working server: delivered (204), then removed.
    let bench = Bench {
        sim: SimServer::start(&scratch.0, MATCHING_ID, &["--sim-state", state.as_str()]),
        _scratch: Scratch::new("unused"),
    };
    let delivered = process(&bench.sim).json();
    assert_eq!(delivered["processed"][0]["delivered"], true, "{delivered}");
    assert!(bench.notifications().is_empty());
    assert!(bench.installed());
}

#[test]
fn an_initiate_authentication_failure_needs_no_cancellation() {
    let bench = Bench::new(&["--smdp-fault", "initiateAuthentication=http503"]);
    let run = bench.download(&[]);
    run.fails(1, "HTTP 503");
    assert!(!run.stderr.contains("cancelled"), "{}", run.stderr);
    assert!(!bench.installed());
}

/// The simulated modem's link counters after a whole download over a link paced at `baud`, with `extra`
/// arguments for `sim serve`.
fn download_counters(baud: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--baud", baud];
    args.extend_from_slice(extra);
    let bench = Bench::new(&args);
    let run = bench.download(&[]);
    assert_eq!(run.json()["iccid"], ICCID, "{}", run.stderr);
    let Bench { _scratch, sim } = bench;
    let out = sim.stop("-TERM");
    let line = out.lines().last().expect("counters line");
    let doc: Value = serde_json::from_str(line).expect("JSON counters");
    doc["sim_modem"].clone()
}

#[test]
fn echo_left_on_costs_no_link_time_in_a_whole_download() {
    const BAUD: u64 = 460_800;
    let counter = |counters: &Value, name: &str| {
        counters[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name} in {counters}"))
    };
    let baud = BAUD.to_string();
    let quiet = download_counters(&baud, &[]);
    // `echo`: the modem keeps echoing after ATE0, so every byte the host sends comes back.
    let echoing = download_counters(&baud, &["--quirk", "echo"]);
    let uplink = counter(&echoing, "bytes_from_host");
    let echoed = counter(&echoing, "bytes_to_host") - counter(&quiet, "bytes_to_host");
    // The echo crossed the link (up to the few bytes by which two downloads' signatures differ)...
    assert!(
        echoed.abs_diff(uplink) < uplink / 50,
        "echo {echoed} bytes for {uplink} sent: {quiet} / {echoing}"
    );
    // ...yet the link was busy no longer: each byte went back while the next ones arrived. Charging echo
    // after the line would add the whole uplink's wire time.
    let uplink_micros = uplink * 10 * 1_000_000 / BAUD;
    let (quiet_micros, echo_micros) = (
        counter(&quiet, "link_micros"),
        counter(&echoing, "link_micros"),
    );
    assert!(
        uplink_micros > quiet_micros / 5,
        "a download is uplink-heavy: {uplink_micros} of {quiet_micros} µs"
    );
    assert!(
        echo_micros.abs_diff(quiet_micros) < uplink_micros / 20,
        "link time {echo_micros} µs with echo, {quiet_micros} µs without (uplink {uplink_micros} µs)"
    );
}
