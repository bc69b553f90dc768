//! The QMI transport end to end: `euiccd sim serve --speak qmi` (the simulated QMI device on a PTY) checked by
//! libqmi's `qmicli`, and `euiccd --transport qmi` against it, directly and through a real `qmi-proxy`
//! (libqmi-utils): info, a download, an eIM poll with a profile switch (REFRESH), and the faults (a dropped
//! client id, the proxy killed mid-session, AccessDenied, a busy modem, no UIM service).
//!
//! libqmi-glib itself, driven from Python through GObject introspection (`tests/support/qmi_raw.py`), opens a
//! logical channel on the simulated device and sends APDUs on it, which Debian 12's qmicli (libqmi 1.32) cannot.
//!
//! libqmi's tools and its introspection data are required under CI (`.ci/run` installs libqmi-utils and
//! gir1.2-qmi-1.0); elsewhere the tests say they skip.
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use support::proxy::{self, Proxy};
use support::{Run, SimServe, SimServer};

const QMICLI: &str = "qmicli";
const QMI_PROXY: &str = "/usr/libexec/qmi-proxy";
const PYTHON: &str = "/usr/bin/python3";
const EID: &str = "89049044900000000000000000102355";
const MATCHING_ID: &str = "EUICCD-QMI-4F7K";
const ICCID: &str = "8949449999999990031";
const TIMEOUT: Duration = Duration::from_secs(90);

/// qmi-proxy's abstract socket is one per network namespace: the tests that run a proxy take turns.
static PROXY_TURN: Mutex<()> = Mutex::new(());

/// True when libqmi's tools are here; under CI their absence fails the test.
fn have_libqmi() -> bool {
    proxy::have_tools("qmi", &[QMICLI], &[QMI_PROXY], "libqmi-utils, libqmi-proxy")
}

/// True when PyGObject and libqmi-glib's introspection data are here; under CI their absence fails the test.
fn have_libqmi_gi() -> bool {
    let present = Command::new(PYTHON)
        .args([
            "-c",
            "import gi; gi.require_version('Qmi', '1.0'); from gi.repository import Qmi",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have {PYTHON} with libqmi-glib's introspection data (Debian packages python3-gi and \
             gir1.2-qmi-1.0)"
        );
        eprintln!(
            "skipped: {PYTHON} cannot load libqmi-glib (install python3-gi and gir1.2-qmi-1.0)"
        );
    }
    present
}

/// `sim serve --speak qmi` with `extra` options.
fn qmi_sim(extra: &[&str]) -> SimServer {
    let mut args = vec!["--speak", "qmi"];
    args.extend_from_slice(extra);
    SimServe::in_scratch("qmi").identity().args(&args).start()
}

/// `euiccd --device LINK --transport qmi --proxy PROXY ARGS…`.
fn euiccd(sim: &SimServer, proxy: &str, args: &[&str]) -> Run {
    let link = sim.link.to_string_lossy().into_owned();
    let mut all = vec!["--device", &link, "--transport", "qmi", "--proxy", proxy];
    all.extend_from_slice(args);
    Run::euiccd(&all, &[("EUICCD_LOG", "debug")], TIMEOUT)
}

fn qmicli(link: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(QMICLI);
    command
        .arg("-d")
        .arg(link)
        .arg("--device-open-qmi")
        .args(args);
    Run::command(command, Duration::from_secs(30))
}

/// The device's counters, from what `sim serve` printed when it stopped.
fn counters(sim: SimServer) -> Value {
    let output = sim.stop("-TERM");
    let line = output
        .lines()
        .rev()
        .find(|line| line.contains("sim_qmi"))
        .unwrap_or_else(|| panic!("no counters in {output:?}"));
    serde_json::from_str::<Value>(line).expect("JSON")["sim_qmi"].clone()
}

#[test]
fn qmicli_reads_card_status_and_allocates_client_ids_on_the_simulated_device() {
    if !have_libqmi() {
        return;
    }
    let sim = qmi_sim(&[]);
    let status = qmicli(&sim.link, &["--uim-get-card-status"]);
    assert_eq!(status.code, Some(0), "{}{}", status.stdout, status.stderr);
    assert!(
        status.stdout.contains("Card state: 'present'"),
        "{}",
        status.stdout
    );
    // Version info at open, and a client id kept, then reused and released by id.
    let kept = qmicli(
        &sim.link,
        &[
            "--device-open-version-info",
            "--uim-noop",
            "--client-no-release-cid",
        ],
    );
    assert_eq!(kept.code, Some(0), "{}{}", kept.stdout, kept.stderr);
    let cid = kept
        .stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("CID: '"))
        .and_then(|rest| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no CID in {}", kept.stdout))
        .to_owned();
    let reused = qmicli(
        &sim.link,
        &[&format!("--client-cid={cid}"), "--uim-get-card-status"],
    );
    assert_eq!(reused.code, Some(0), "{}{}", reused.stdout, reused.stderr);
    // That released it: using it again is refused by the device.
    let stale = qmicli(
        &sim.link,
        &[&format!("--client-cid={cid}"), "--uim-get-card-status"],
    );
    assert_ne!(stale.code, Some(0), "{}", stale.stdout);
    assert!(stale.stderr.contains("InvalidClientId"), "{}", stale.stderr);
    let counters = counters(sim);
    assert_eq!(counters["clients_allocated"], 2, "{counters}");
}

#[test]
fn libqmi_opens_a_logical_channel_and_sends_apdus_on_the_simulated_device() {
    if !have_libqmi_gi() {
        return;
    }
    let sim = qmi_sim(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/qmi_raw.py");
    let mut command = Command::new(PYTHON);
    command.arg(script).arg(&sim.link);
    let run = Run::command(command, Duration::from_secs(60));
    assert!(!run.timed_out, "qmi_raw.py did not finish: {}", run.stderr);
    let result = run.json();
    assert!(
        result["cid"].as_u64().is_some_and(|cid| cid >= 1),
        "{result}"
    );
    let channel = result["channel"].as_u64().expect("channel");
    assert!((1..=19).contains(&channel), "{result}");
    assert_eq!(result["eid"], EID, "{result}");
    // GET EID ends with 9000, after as many 61xx (answered by GET RESPONSE) as the card gave.
    let words: Vec<&str> = result["status_words"]
        .as_array()
        .expect("status words")
        .iter()
        .map(|word| word.as_str().expect("status word"))
        .collect();
    let (last, fetched) = words.split_last().expect("a status word");
    assert_eq!(*last, "9000", "{result}");
    assert!(
        fetched.iter().all(|word| word.starts_with("61")),
        "{result}"
    );
    assert_eq!(result["close"], "ok", "{result}");
    assert_eq!(result["closed_channel_send"], "InvalidArgument", "{result}");
    let counters = counters(sim);
    // One client id, one channel, and the refused APDU never reached the card.
    assert_eq!(counters["clients_allocated"], 1, "{counters}");
    assert_eq!(counters["channels_opened"], 1, "{counters}");
    assert_eq!(counters["apdus"], words.len(), "{counters}");
}

#[test]
fn info_prints_the_eid_directly_on_the_device() {
    if !have_libqmi() {
        return;
    }
    let sim = qmi_sim(&[]);
    let info = euiccd(&sim, "never", &["info", "--json"]);
    assert_eq!(info.code, Some(0), "{}", info.stderr);
    let info = info.json();
    assert_eq!(info["eid"], EID, "{info}");
    assert_eq!(info["transport"], "qmi", "{info}");
    let counters = counters(sim);
    // One client, one channel, released at the end (the device answered every request).
    assert_eq!(counters["clients_allocated"], 1, "{counters}");
    assert_eq!(counters["channels_opened"], 1, "{counters}");
}

#[test]
fn the_qmi_slot_option_reaches_the_euicc_in_slot_2_and_slot_1_says_where_it_is() {
    let sim = qmi_sim(&["--qmi-euicc-slot", "2"]);
    let libqmi = have_libqmi();
    if libqmi {
        // libqmi reads the simulated two-slot card status as a real one.
        let status = qmicli(&sim.link, &["--uim-get-card-status"]);
        assert_eq!(status.code, Some(0), "{}{}", status.stdout, status.stderr);
        let slots: Vec<&str> = status
            .stdout
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("Slot [") || line.starts_with("Card state:"))
            .collect();
        assert_eq!(
            slots,
            [
                "Slot [1]:",
                "Card state: 'absent'",
                "Slot [2]:",
                "Card state: 'present'"
            ],
            "{}",
            status.stdout
        );
    }
    let info = euiccd(&sim, "never", &["--qmi-slot", "2", "info", "--json"]);
    assert_eq!(info.code, Some(0), "{}", info.stderr);
    assert_eq!(info.json()["eid"], EID);
    // The default slot 1 is empty: the error names it and the slot that has the card.
    let default = euiccd(&sim, "never", &["info", "--json"]);
    assert_ne!(default.code, Some(0), "{}", default.stdout);
    assert!(
        default.stderr.contains(
            "no usable card in slot 1 (the modem reports it empty); slot 2 has a card: choose it with \
             --qmi-slot 2 (modem.qmi_slot = 2 in the configuration file)"
        ),
        "{}",
        default.stderr
    );
    let counters = counters(sim);
    // The failed run stopped at the card status: no channel was asked for on the empty slot.
    let clients = 2 + u64::from(libqmi);
    assert_eq!(counters["clients_allocated"], clients, "{counters}");
    assert_eq!(counters["channels_opened"], 1, "{counters}");
}

#[test]
fn a_plain_sim_in_slot_1_says_the_euicc_may_be_in_slot_2() {
    let sim = qmi_sim(&["--qmi-euicc-slot", "2", "--qmi-other-slots", "plain-sim"]);
    let default = euiccd(&sim, "never", &["info", "--json"]);
    assert_ne!(default.code, Some(0), "{}", default.stdout);
    assert!(
        default.stderr.contains(
            "the card in slot 1 has no ISD-R (SELECT answered 6A82); slot 2 has a card: choose it with \
             --qmi-slot 2"
        ),
        "{}",
        default.stderr
    );
    let info = euiccd(&sim, "never", &["--qmi-slot", "2", "info", "--json"]);
    assert_eq!(info.code, Some(0), "{}", info.stderr);
    assert_eq!(info.json()["eid"], EID);
    let counters = counters(sim);
    assert_eq!(counters["channels_opened"], 1, "{counters}");
}

#[test]
fn a_qmi_slot_out_of_range_or_on_a_transport_without_slots_is_refused() {
    for slot in ["0", "6", "x"] {
        let args = [
            "--device",
            "/dev/cdc-wdm0",
            "--transport",
            "qmi",
            "--qmi-slot",
            slot,
            "info",
        ];
        Run::finished(&args, TIMEOUT).fails(2, "1 to 5");
    }
    let scratch = support::Scratch::new("qmi-slot-at");
    let port = scratch.path("ttyUSB2").to_string_lossy().into_owned();
    for transport in ["cgla", "csim", "auto", "mbim"] {
        let args = [
            "--device",
            &port,
            "--transport",
            transport,
            "--qmi-slot",
            "2",
            "info",
        ];
        let run = Run::finished(&args, TIMEOUT);
        assert_ne!(run.code, Some(0), "{transport}: {}", run.stdout);
        assert!(
            run.stderr.contains("QMI UIM slot 2 was asked for, but the")
                && run.stderr.contains("transport cannot choose a card slot"),
            "{transport}: {}",
            run.stderr
        );
    }
}

#[test]
fn auto_on_a_cdc_wdm_device_chooses_qmi() {
    if !have_libqmi() {
        return;
    }
    let sim = SimServe::in_scratch("qmi-auto")
        .identity()
        .link_name("cdc-wdm0")
        .args(&["--speak", "qmi"])
        .start();
    let link = sim.link.to_string_lossy().into_owned();
    let run = Run::euiccd(
        &["--device", &link, "--proxy", "never", "info", "--json"],
        &[],
        TIMEOUT,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let info = run.json();
    assert_eq!(info["eid"], EID, "{info}");
    assert_eq!(info["transport"], "qmi", "{info}");
}

#[test]
fn the_daemon_reaches_the_card_over_qmi_and_says_what_needs_the_at_port() {
    if !have_libqmi() {
        return;
    }
    // A two-slot modem with the eUICC in slot 2, which the configuration names.
    let sim = SimServe::in_scratch("qmi-daemon")
        .identity()
        .link_name("cdc-wdm0")
        .args(&["--speak", "qmi", "--qmi-euicc-slot", "2"])
        .start();
    let dir = sim.link.parent().expect("scratch").to_path_buf();
    let config = format!(
        "[modem]\ndevice = \"{link}\"\nproxy = \"never\"\nqmi_slot = 2\n\n[daemon]\nstate_dir = \"{state}\"\n\
         control_socket = \"{socket}\"\n",
        link = sim.link.display(),
        state = dir.join("state").display(),
        socket = dir.join("ctl.sock").display(),
    );
    let daemon = support::daemon::Daemon::start(&dir, &config, &[]);
    // The control socket answers from the first moment; the EID arrives once the card has answered.
    let status = daemon.status_until(TIMEOUT, |s| !s["eid"].is_null());
    assert_eq!(status["eid"], EID, "{status}\n{}", daemon.log());
    let log = daemon.log();
    assert!(
        log.contains("connectivity.enabled needs the modem's AT port"),
        "{log}"
    );
}

#[test]
fn info_through_qmi_proxy_and_a_proxy_killed_mid_session() {
    if !have_libqmi() {
        return;
    }
    let _turn = Proxy::turn(&PROXY_TURN, "qmi-proxy");
    let sim = qmi_sim(&["--latency-ms", "100"]);
    // No proxy yet: auto opens the device itself, always says what is missing.
    let direct = euiccd(&sim, "auto", &["info", "--json"]);
    assert_eq!(direct.code, Some(0), "{}", direct.stderr);
    assert!(direct.stderr.contains("no qmi-proxy"), "{}", direct.stderr);
    let refused = euiccd(&sim, "always", &["info", "--json"]);
    assert!(
        refused.stderr.contains("qmi-proxy is not running"),
        "{}",
        refused.stderr
    );
    let log = sim.link.with_file_name("qmi-proxy.log");
    let proxy = Proxy::start(QMI_PROXY, "qmi-proxy", &log);
    let info = euiccd(&sim, "always", &["info", "--json"]).json();
    assert_eq!(info["eid"], EID, "{info}");
    // qmicli through the same proxy, as ModemManager would share the device.
    let mut command = Command::new(QMICLI);
    command
        .arg("-p")
        .arg("-d")
        .arg(&sim.link)
        .args(["--device-open-qmi", "--uim-get-card-status"]);
    let shared = Run::command(command, Duration::from_secs(30));
    assert!(
        shared.stdout.contains("Card state: 'present'"),
        "{}{}",
        shared.stdout,
        shared.stderr
    );
    assert!(
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("valid request to open connection to QMI device"),
        "the clients went through our proxy: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    // The proxy dies while `info` runs (each answer takes 100 ms) and comes back.
    let link = sim.link.to_string_lossy().into_owned();
    let running = Command::new(support::EUICCD)
        .args([
            "--device",
            &link,
            "--transport",
            "qmi",
            "--proxy",
            "always",
            "info",
            "--json",
        ])
        .env("EUICCD_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn euiccd");
    std::thread::sleep(Duration::from_millis(600));
    drop(proxy);
    let proxy = Proxy::start(QMI_PROXY, "qmi-proxy", &log);
    let output = running.wait_with_output().expect("euiccd");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let info: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(info["eid"], EID, "{info}");
    assert!(
        stderr.contains("QMI link lost"),
        "the link did break: {stderr}"
    );
    drop(proxy);
    let counters = counters(sim);
    // info without the proxy, info and qmicli through it, info before the kill and again after it.
    assert_eq!(counters["clients_allocated"], 5, "{counters}");
}

#[test]
fn a_dropped_client_id_is_allocated_again_and_the_command_resent() {
    if !have_libqmi() {
        return;
    }
    let sim = qmi_sim(&["--qmi-fault", "drop-cid=2"]);
    let run = euiccd(&sim, "never", &["info", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.json()["eid"], EID);
    assert!(
        run.stderr.contains("forgot the QMI UIM client id"),
        "{}",
        run.stderr
    );
    let counters = counters(sim);
    assert_eq!(counters["clients_allocated"], 2, "{counters}");
    assert_eq!(counters["channels_opened"], 2, "{counters}");
}

#[test]
fn refusals_say_what_to_do() {
    if !have_libqmi() {
        return;
    }
    let cases = [
        ("access-denied", "AccessDenied"),
        ("busy", "busy (DeviceInUse)"),
        ("no-uim", "does not offer it"),
    ];
    for (fault, message) in cases {
        let sim = qmi_sim(&["--qmi-fault", fault]);
        let run = euiccd(&sim, "never", &["info", "--json"]);
        assert_ne!(run.code, Some(0), "{fault}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{fault}: {}", run.stderr);
        if fault != "busy" {
            assert!(
                run.stderr.contains("--transport cgla or csim"),
                "{fault}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_download_over_qmi() {
    if !have_libqmi() {
        return;
    }
    let sim = SimServe::in_scratch("qmi-download")
        .identity()
        .smdp(MATCHING_ID)
        .args(&["--speak", "qmi"])
        .start();
    let ca = sim
        .identity
        .join("ci.cert.pem")
        .to_string_lossy()
        .into_owned();
    let code = format!("1$smdp.example.test${MATCHING_ID}");
    let args = [
        "download",
        &code,
        "--smdp-connect",
        &sim.smdp_address,
        "--smdp-ca",
        &ca,
        "--json",
    ];
    let run = euiccd(&sim, "never", &args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let profiles = euiccd(&sim, "never", &["profiles", "--json"]).json();
    assert!(profiles.to_string().contains(ICCID), "{profiles}");
}

#[test]
fn an_eim_poll_over_qmi_downloads_and_switches_profiles_across_the_refresh() {
    if !have_libqmi() {
        return;
    }
    let enable = format!("enable-rollback:{ICCID}");
    let sim = SimServe::in_scratch("qmi-eim")
        .identity()
        .smdp(MATCHING_ID)
        .args(&[
            "--speak",
            "qmi",
            "--eim-listen",
            "127.0.0.1:0",
            "--eim-queue",
            "download",
            "--eim-queue",
            &enable,
        ])
        .start();
    let ci = sim
        .identity
        .join("ci.cert.pem")
        .to_string_lossy()
        .into_owned();
    let args = [
        "eim",
        "poll",
        "--eim-connect",
        &sim.eim_address,
        "--smdp-connect",
        &sim.smdp_address,
        "--smdp-ca",
        &ci,
        "--json",
    ];
    let polled = euiccd(&sim, "never", &args);
    assert_eq!(polled.code, Some(0), "{}", polled.stderr);
    let polled_stderr = polled.stderr.clone();
    let polled = polled.json();
    let outcomes: Vec<&str> = polled["polls"]
        .as_array()
        .expect("polls")
        .iter()
        .map(|p| p["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(outcomes, ["executed", "executed", "noPackage"], "{polled}");
    let profiles = euiccd(&sim, "never", &["profiles", "--json"]).json();
    let enabled: Vec<&Value> = profiles["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter(|p| p["state"] == "enabled")
        .collect();
    assert_eq!(enabled.len(), 1, "{profiles}");
    assert_eq!(enabled[0]["iccid"], ICCID, "{profiles}");
    // The enable reset the card (REFRESH): the poll's channel was lost and opened again over QMI.
    assert!(
        polled_stderr.contains("logical channel lost"),
        "{polled_stderr}"
    );
}

#[test]
fn bench_scenarios_run_over_qmi() {
    // The simulated QMI device needs no libqmi; the bench runs it in its own world process.
    let run = Run::finished(
        &["--json", "bench", "--scenario", "qmi_info"],
        Duration::from_secs(120),
    );
    let figures = run.json();
    assert_eq!(figures["scenario"], "qmi_info", "{figures}");
    // info's reads: SELECT is the modem's; GET EID, EUICCInfo1, EUICCInfo2 and their GET RESPONSEs.
    assert_eq!(figures["apdus"], 6, "{figures}");
    assert_eq!(figures["baud"], 0, "a QMI device is no UART: {figures}");
    assert!(figures["link_bytes_tx"].as_u64().unwrap() > 0, "{figures}");
    assert!(figures["link_bytes_rx"].as_u64().unwrap() > 0, "{figures}");
    assert_eq!(
        figures["redundant_apdus"],
        Value::Array(vec![]),
        "{figures}"
    );
}

#[test]
fn sim_serve_refuses_options_of_the_other_device() {
    let scratch = support::Scratch::new("qmi-options");
    let link = scratch.path("tty").to_string_lossy().into_owned();
    let qmi_with_baud = [
        "sim",
        "serve",
        "--speak",
        "qmi",
        "--pty-link",
        &link,
        "--baud",
        "9600",
    ];
    Run::finished(&qmi_with_baud, TIMEOUT).fails(2, "the AT modem's");
    let at_with_fault = ["sim", "serve", "--pty-link", &link, "--qmi-fault", "busy"];
    Run::finished(&at_with_fault, TIMEOUT).fails(2, "--qmi-fault needs --speak qmi");
    let at_with_slot = ["sim", "serve", "--pty-link", &link, "--qmi-euicc-slot", "2"];
    Run::finished(&at_with_slot, TIMEOUT)
        .fails(2, "--qmi-euicc-slot and --qmi-other-slots need --speak qmi");
    let qmi_slot_6 = [
        "sim",
        "serve",
        "--speak",
        "qmi",
        "--pty-link",
        &link,
        "--qmi-euicc-slot",
        "6",
    ];
    Run::finished(&qmi_slot_6, TIMEOUT).fails(2, "is not a UIM slot: use 1 to 5");
}
