//! The MBIM transport end to end: `euiccd sim serve --speak mbim` (a simulated MBIM modem on a PTY with the
//! simulated eUICC) checked by libmbim's own `mbimcli`, and the agent (`--transport mbim`) against it
//! directly and through a real `mbim-proxy`: info, a whole download, an eIM poll with a profile switch,
//! and the faults a real modem shows (busy, no UICC service, refused channel, fragmented answers).
//!
//! Without `mbimcli`/`mbim-proxy` (Debian: libmbim-utils, libmbim-proxy) the tests say so and pass, unless
//! the environment variable CI is set: there they must be installed (.ci/run does).
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;
use support::proxy::{self, Proxy};
use support::{Run, SimServe, SimServer};

const MATCHING_ID: &str = "EUICCD-MBIM-1";
const ICCID: &str = "8949449999999990031";
const EID: &str = "89049044900000000000000000102355";
const ISDR_AID: &str = "A0000005591010FFFFFFFF8900000100";
const MBIM_PROXY: &str = "/usr/libexec/mbim-proxy";
const TIMEOUT: Duration = Duration::from_secs(90);

/// The proxy's socket name is global to the machine: one test at a time runs a proxy.
static PROXY: Mutex<()> = Mutex::new(());

/// Whether libmbim's tools are here; outside CI a missing tool skips the test with a message.
fn have_libmbim(test: &str) -> bool {
    proxy::have_tools(
        test,
        &["mbimcli"],
        &[MBIM_PROXY],
        "libmbim-utils, libmbim-proxy",
    )
}

/// `sim serve --speak mbim` with the test identity, an SM-DP+ order and `extra` arguments.
fn modem(extra: &[&str]) -> SimServer {
    SimServe::in_scratch("mbim")
        .identity()
        .smdp(MATCHING_ID)
        .log_level("debug")
        .args(&["--speak", "mbim"])
        .args(extra)
        .start()
}

/// `euiccd --device LINK --transport mbim --proxy PROXY ARGS…`.
fn cli(sim: &SimServer, proxy: &str, args: &[&str]) -> Run {
    let link = sim.link.display().to_string();
    let mut all = vec![
        "--device",
        link.as_str(),
        "--transport",
        "mbim",
        "--proxy",
        proxy,
    ];
    all.extend_from_slice(args);
    Run::euiccd(&all, &[("EUICCD_LOG", "debug")], TIMEOUT)
}

/// `euiccd download` of the simulated SM-DP+'s order over MBIM (`--proxy PROXY`), as JSON.
fn download(sim: &SimServer, proxy: &str) -> Run {
    let ca = sim.identity.join("ci.cert.pem").display().to_string();
    let code = format!("1$smdp.example.test${MATCHING_ID}");
    let args = [
        "download",
        code.as_str(),
        "--smdp-connect",
        sim.smdp_address.as_str(),
        "--smdp-ca",
        ca.as_str(),
        "--json",
    ];
    cli(sim, proxy, &args)
}

/// `mbimcli -d LINK ARGS…`, run to the end.
fn mbimcli(sim: &SimServer, args: &[&str]) -> Run {
    let mut command = Command::new("mbimcli");
    command.arg("-d").arg(&sim.link).args(args);
    let run = Run::command(command, Duration::from_secs(30));
    assert!(!run.timed_out, "mbimcli {args:?} hung: {}", run.stderr);
    run
}

/// The value mbimcli printed after `label:` (e.g. `status: 36864`).
fn printed<'a>(run: &'a Run, label: &str) -> &'a str {
    run.stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {}", run.stdout))
        .trim()
}

/// The status word in mbimcli's decimal `status:` (SW1 in the low byte, SW2 in the next).
fn status_word(run: &Run) -> (u8, u8) {
    let status: u32 = printed(run, "status:").parse().expect("decimal status");
    ((status & 0xFF) as u8, (status >> 8 & 0xFF) as u8)
}

/// mbimcli's `AA:BB:…` as bytes.
fn colon_hex(text: &str) -> Vec<u8> {
    hex::decode(text.replace(':', "")).expect("hex")
}

#[test]
fn mbimcli_reads_the_caps_the_atr_and_the_eid_through_a_logical_channel() {
    for fault in [None, Some("fragment=64")] {
        if !have_libmbim("mbimcli") {
            return;
        }
        let extra: Vec<&str> = fault.map(|f| vec!["--mbim-fault", f]).unwrap_or_default();
        let sim = modem(&extra);
        let caps = mbimcli(&sim, &["--query-device-caps"]);
        assert!(caps.success(), "{fault:?}: {}", caps.stderr);
        assert_eq!(printed(&caps, "Device ID:"), "'euiccd-sim'", "{fault:?}");
        let atr = mbimcli(&sim, &["--ms-query-uicc-atr"]);
        assert!(atr.success(), "{fault:?}: {}", atr.stderr);
        assert_eq!(colon_hex(printed(&atr, "response:"))[0], 0x3B, "{fault:?}");

        let open = format!("application-id={ISDR_AID},selectp2arg=0,channel-group=1");
        let opened = mbimcli(&sim, &[&format!("--ms-set-uicc-open-channel={open}")]);
        assert!(opened.success(), "{fault:?}: {}", opened.stderr);
        let channel: u32 = printed(&opened, "channel:").parse().unwrap();
        assert!((1..=19).contains(&channel), "{}", opened.stdout);
        // The SELECT's answer: FCI waiting (61 xx, the T=0 card gives it with GET RESPONSE) or 90 00.
        assert!(
            matches!(status_word(&opened), (0x61 | 0x90, _)),
            "{}",
            opened.stdout
        );

        // GetEuiccData (SGP.22 §5.7.20) for the EID, then GET RESPONSE for the data.
        let apdu = |command: &str| {
            let args = format!(
                "--ms-set-uicc-apdu=channel={channel},secure-message=none,classbyte-type=inter-industry,command={command}"
            );
            let run = mbimcli(&sim, &[&args]);
            assert!(run.success(), "{fault:?} {command}: {}", run.stderr);
            run
        };
        let asked = apdu("80E2910006BF3E035C015A");
        let (sw1, sw2) = status_word(&asked);
        assert_eq!(sw1, 0x61, "{}", asked.stdout);
        let answer = apdu(&format!("80C00000{sw2:02X}"));
        assert_eq!(status_word(&answer), (0x90, 0x00));
        let data = colon_hex(printed(&answer, "response:"));
        assert_eq!(&data[..5], &[0xBF, 0x3E, 0x12, 0x5A, 0x10]);
        assert_eq!(hex::encode_upper(&data[5..]), EID);

        let close = format!("--ms-set-uicc-close-channel=channel={channel},channel-group=1");
        let closed = mbimcli(&sim, &[&close]);
        assert!(closed.success(), "{}", closed.stderr);
        assert_eq!(status_word(&closed), (0x90, 0x00));
        // The channel is gone: the modem refuses APDUs on it.
        let args = format!(
            "--ms-set-uicc-apdu=channel={channel},secure-message=none,classbyte-type=inter-industry,command=80E2910006BF3E035C015A"
        );
        assert!(!mbimcli(&sim, &[&args]).success());
    }
}

#[test]
fn info_prints_the_eid_over_the_control_device() {
    if !have_libmbim("info") {
        return;
    }
    let sim = modem(&[]);
    let run = cli(&sim, "never", &["info", "--json"]);
    let info = run.json();
    assert_eq!(info["eid"], EID);
    assert_eq!(info["transport"], "mbim");
    assert!(run.stderr.contains("proxy=false"), "{}", run.stderr);
}

#[test]
fn auto_on_a_cdc_wdm_device_tries_qmi_then_chooses_mbim() {
    if !have_libmbim("auto") {
        return;
    }
    let sim = SimServe::in_scratch("mbim-auto")
        .identity()
        .link_name("cdc-wdm0")
        .args(&["--speak", "mbim"])
        .start();
    let link = sim.link.display().to_string();
    let run = Run::euiccd(
        &["--device", &link, "--proxy", "never", "info", "--json"],
        &[("EUICCD_LOG", "debug")],
        TIMEOUT,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let info = run.json();
    assert_eq!(info["eid"], EID, "{info}");
    assert_eq!(info["transport"], "mbim", "{info}");
    assert!(
        run.stderr.contains("QMI does not work here"),
        "{}",
        run.stderr
    );
}

#[test]
fn answers_in_fragments_are_put_back_together() {
    if !have_libmbim("fragments") {
        return;
    }
    let sim = modem(&["--mbim-fault", "fragment=64"]);
    let info = cli(&sim, "never", &["info", "--json"]).json();
    assert_eq!(info["eid"], EID);
    assert!(info["euicc_info2"].is_object(), "{info}");
}

#[test]
fn a_modem_that_misbehaves_gets_a_clear_error() {
    if !have_libmbim("faults") {
        return;
    }
    let cases = [
        ("busy", "is busy"),
        ("no-uicc", "lacks Microsoft UICC low-level access; use QMI"),
        ("channel-refused", "refused a logical channel to the ISD-R"),
    ];
    for (fault, message) in cases {
        let sim = modem(&["--mbim-fault", fault]);
        let run = cli(&sim, "never", &["info", "--json"]);
        assert!(!run.timed_out, "{fault}");
        assert!(!run.success(), "{fault}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{fault}: {}", run.stderr);
    }
    // A function that forgets it was opened: the agent reconnects once, then gives up with the function's
    // error (not a channel loss, which would say nothing of the cause).
    let sim = modem(&["--mbim-fault", "not-opened"]);
    let run = cli(&sim, "never", &["info", "--json"]);
    assert!(!run.timed_out && !run.success(), "{}", run.stdout);
    assert!(run.stderr.contains("not-opened"), "{}", run.stderr);
}

#[test]
fn a_profile_downloads_over_mbim() {
    if !have_libmbim("download") {
        return;
    }
    let sim = modem(&[]);
    let outcome = download(&sim, "never").json();
    assert_eq!(outcome["iccid"], ICCID, "{outcome}");
    let profiles = cli(&sim, "never", &["profiles", "--json"]).json();
    assert!(profiles.to_string().contains(ICCID), "{profiles}");
}

#[test]
fn an_eim_poll_downloads_and_switches_over_mbim() {
    if !have_libmbim("eim poll") {
        return;
    }
    let enable = format!("enable-rollback:{ICCID}");
    let sim = modem(&[
        "--eim-listen",
        "127.0.0.1:0",
        "--eim-queue",
        "download",
        "--eim-queue",
        &enable,
    ]);
    let ci = sim.identity.join("ci.cert.pem").display().to_string();
    let args = [
        "eim",
        "poll",
        "--eim-connect",
        sim.eim_address.as_str(),
        "--smdp-connect",
        sim.smdp_address.as_str(),
        "--smdp-ca",
        ci.as_str(),
        "--json",
    ];
    let run = cli(&sim, "never", &args);
    let polled = run.json();
    // The enable reset the card (REFRESH): the modem refused the old channel, and the session reopened it.
    assert!(
        run.stderr.contains("logical channel lost; reopening"),
        "{}",
        run.stderr
    );
    let outcomes: Vec<&str> = polled["polls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["executed", "executed", "noPackage"], "{polled}");
    let profiles = cli(&sim, "never", &["profiles", "--json"]).json();
    let enabled: Vec<&Value> = profiles["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "enabled")
        .collect();
    assert_eq!(enabled.len(), 1, "{profiles}");
    assert_eq!(enabled[0]["iccid"], ICCID);
}

#[test]
fn info_and_a_download_through_mbim_proxy() {
    if !have_libmbim("proxy") {
        return;
    }
    let _one_proxy = Proxy::turn(&PROXY, "mbim-proxy");
    let sim = modem(&[]);
    // No proxy yet: `always` says so, `auto` goes to the device.
    let run = cli(&sim, "always", &["info", "--json"]);
    if !proxy::listening("mbim-proxy") {
        run.fails(1, "no mbim-proxy answers");
    }
    let log = sim.link.with_file_name("mbim-proxy.log");
    let proxy = Proxy::start(MBIM_PROXY, "mbim-proxy", &log);
    let info = cli(&sim, "always", &["info", "--json"]).json();
    assert_eq!(info["eid"], EID);
    // mbimcli shares the device through the same proxy meanwhile.
    let mut command = Command::new("mbimcli");
    command
        .arg("-p")
        .arg("-d")
        .arg(&sim.link)
        .arg("--ms-query-uicc-atr");
    let atr = Run::command(command, Duration::from_secs(30));
    assert!(atr.success(), "{}", atr.stderr);
    let run = download(&sim, "auto");
    let outcome = run.json();
    assert_eq!(outcome["iccid"], ICCID, "{outcome}");
    // `auto` took the proxy, since one answers.
    assert!(
        run.stderr.contains("MBIM function open") && run.stderr.contains("proxy=true"),
        "{}",
        run.stderr
    );
    drop(proxy);
}
