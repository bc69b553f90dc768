//! The real binary against the simulated modem over a real PTY pair: `euiccd sim serve --pty-link PATH` on
//! one side, `euiccd --device PATH --transport X info --json` on the other, for every transport and quirk.
#![cfg(feature = "sim")]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const EUICCD: &str = env!("CARGO_BIN_EXE_euiccd");
const EID: &str = "89049044900000000000000000102355";
/// Longest a single client run may take (the `slow` quirk needs a few seconds).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(40);

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "euiccd-pty-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `euiccd sim serve` as a child process, killed on drop.
struct SimModem {
    child: Child,
    link: PathBuf,
    _scratch: Scratch,
}

impl SimModem {
    fn start(args: &[&str]) -> Self {
        let scratch = Scratch::new();
        let link = scratch.0.join("ttySIM");
        let child = Command::new(EUICCD)
            .args(["sim", "serve", "--pty-link"])
            .arg(&link)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the simulated modem");
        let modem = Self {
            child,
            link,
            _scratch: scratch,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::symlink_metadata(&modem.link).is_err() {
            assert!(
                Instant::now() < deadline,
                "the simulated modem did not link {}",
                modem.link.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        modem
    }

    /// Stops the modem with `signal` and returns what it printed.
    fn stop(mut self, signal: &str) -> String {
        let status = Command::new("kill")
            .arg(signal)
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
        let exit = wait(&mut self.child, Duration::from_secs(10));
        assert!(
            exit.is_some_and(|s| s.success()),
            "the simulated modem stops cleanly: {exit:?}"
        );
        let mut out = String::new();
        if let Some(stdout) = self.child.stdout.as_mut() {
            stdout.read_to_string(&mut out).expect("stdout");
        }
        out
    }
}

impl Drop for SimModem {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for `child` up to `timeout`; `None` if it is still running.
fn wait(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// What one `euiccd` client run gave.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

fn euiccd(args: &[&str]) -> Run {
    let mut child = Command::new(EUICCD)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn euiccd");
    let status = wait(&mut child, CLIENT_TIMEOUT);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(out) = child.stdout.as_mut() {
        out.read_to_string(&mut stdout).expect("stdout");
    }
    if let Some(err) = child.stderr.as_mut() {
        err.read_to_string(&mut stderr).expect("stderr");
    }
    assert!(
        status.is_some(),
        "euiccd {args:?} did not finish within {CLIENT_TIMEOUT:?}; stderr: {stderr}"
    );
    Run {
        success: status.is_some_and(|s| s.success()),
        stdout,
        stderr,
    }
}

fn info(link: &Path, transport: &str) -> Run {
    let link = link.to_str().expect("utf-8 path");
    euiccd(&["--device", link, "--transport", transport, "info", "--json"])
}

/// Checks the JSON document of a successful `info --json`.
fn assert_eid(run: &Run, expected_transport: Option<&str>) {
    assert!(run.success, "info failed: {}", run.stderr);
    let doc: serde_json::Value =
        serde_json::from_str(run.stdout.trim()).expect("one JSON document");
    assert_eq!(doc["eid"], EID, "{doc}");
    if let Some(transport) = expected_transport {
        assert_eq!(doc["transport"], transport, "{doc}");
    }
}

/// Runs `info` with each transport against a fresh simulated modem started with `sim_args`; `broken` is
/// the transport this modem cannot serve (its error must say why), if any.
fn every_transport(sim_args: &[&str], broken: Option<(&str, &str)>) {
    for transport in ["csim", "cgla", "auto"] {
        let modem = SimModem::start(sim_args);
        let run = info(&modem.link, transport);
        match broken {
            Some((bad, reason)) if bad == transport => {
                assert!(!run.success, "{transport} must fail with {sim_args:?}");
                assert!(
                    run.stderr.contains(reason),
                    "{transport} {sim_args:?}: {}",
                    run.stderr
                );
            }
            _ => {
                let expected = match (transport, broken) {
                    ("auto", Some(("cgla", _))) => "csim",
                    ("auto", _) => "cgla",
                    (other, _) => other,
                };
                assert_eid(&run, Some(expected));
            }
        }
    }
}

#[test]
fn well_behaved_modem() {
    every_transport(&[], None);
}

#[test]
fn quirk_echo() {
    every_transport(&["--quirk", "echo"], None);
}

#[test]
fn quirk_no_prefix() {
    every_transport(&["--quirk", "no-prefix"], None);
}

#[test]
fn quirk_upper_hex() {
    every_transport(&["--quirk", "upper-hex"], None);
}

#[test]
fn quirk_modem_get_response() {
    every_transport(&["--quirk", "modem-get-response"], None);
}

#[test]
fn quirk_csim_basic_only() {
    every_transport(
        &["--quirk", "csim-basic-only"],
        Some(("csim", "+CME ERROR: 4")),
    );
}

#[test]
fn quirk_no_cgla() {
    every_transport(
        &["--quirk", "no-cgla"],
        Some(("cgla", "AT+CCHO failed: ERROR")),
    );
}

#[test]
fn quirk_urcs() {
    every_transport(&["--quirk", "urcs"], None);
}

#[test]
fn quirk_noise() {
    every_transport(&["--quirk", "noise"], None);
}

#[test]
fn quirk_slow() {
    every_transport(&["--quirk", "slow"], None);
}

#[test]
fn quirk_lost_final() {
    every_transport(&["--quirk", "lost-final"], None);
}

#[test]
fn quirk_vanish() {
    every_transport(&["--quirk", "vanish"], None);
}

#[test]
fn paced_link_with_latency() {
    every_transport(&["--baud", "115200", "--latency-ms", "20"], None);
}

#[test]
fn all_compatible_quirks_at_once() {
    let quirks = "echo,no-prefix,upper-hex,modem-get-response,urcs,noise,lost-final,vanish";
    every_transport(&["--quirk", quirks, "--baud", "115200"], None);
}

#[test]
fn counters_on_request_and_on_exit() {
    let modem = SimModem::start(&[]);
    assert_eid(&info(&modem.link, "csim"), Some("csim"));
    let out = modem.stop("-TERM");
    let line = out.lines().last().expect("counters line");
    let doc: serde_json::Value = serde_json::from_str(line).expect("JSON counters");
    let counters = &doc["sim_modem"];
    // ATE0, MANAGE CHANNEL, SELECT, then STORE DATA and GET RESPONSE for each of GetEID, GetEuiccInfo1 and
    // GetEuiccInfo2 (the simulated eUICC answers all three), MANAGE CHANNEL close.
    assert_eq!(counters["commands"], 10, "{doc}");
    assert_eq!(counters["apdus"], 9, "{doc}");
    assert!(
        counters["bytes_from_host"]
            .as_u64()
            .is_some_and(|n| n > 100),
        "{doc}"
    );
    assert!(
        counters["bytes_to_host"].as_u64().is_some_and(|n| n > 100),
        "{doc}"
    );
}

#[test]
fn sigusr1_prints_counters_and_keeps_serving() {
    let mut modem = SimModem::start(&[]);
    let status = Command::new("kill")
        .arg("-USR1")
        .arg(modem.child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        modem.child.try_wait().expect("try_wait").is_none(),
        "still running after SIGUSR1"
    );
    assert_eid(&info(&modem.link, "cgla"), Some("cgla"));
    let out = modem.stop("-INT");
    assert_eq!(
        out.lines().filter(|l| l.contains("\"sim_modem\"")).count(),
        2,
        "{out}"
    );
}

#[test]
fn busy_port_says_what_to_do() {
    let modem = SimModem::start(&[]);
    // Another program holding the port (as ModemManager would).
    let _holder = port_holder(&modem.link);
    let run = info(&modem.link, "csim");
    assert!(!run.success);
    assert!(
        run.stderr.contains("ModemManager") && run.stderr.contains("ID_MM_PORT_IGNORE"),
        "{}",
        run.stderr
    );
}

/// Holds the port with an exclusive lock from another process (flock(1)), as a second program using the
/// port would.
fn port_holder(link: &Path) -> Holder {
    let child = Command::new("flock")
        .arg("--exclusive")
        .arg(link)
        .args(["sleep", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("flock(1) is available");
    std::thread::sleep(Duration::from_millis(200));
    Holder(child)
}

/// The helper process holding the port, killed on drop.
struct Holder(Child);

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn missing_port_is_reported() {
    let scratch = Scratch::new();
    let run = info(&scratch.0.join("ttyNONE"), "csim");
    assert!(!run.success);
    assert!(run.stderr.contains("not found"), "{}", run.stderr);
}

#[test]
fn in_process_simulator() {
    let run = euiccd(&["--sim", "info", "--json"]);
    assert_eid(&run, Some("sim"));
}

#[test]
fn unknown_quirk_is_refused() {
    let run = euiccd(&[
        "sim",
        "serve",
        "--pty-link",
        "/nonexistent/tty",
        "--quirk",
        "bogus",
    ]);
    assert!(!run.success);
    assert!(run.stderr.contains("unknown quirk"), "{}", run.stderr);
}
