//! The real binary against the simulated modem over a real PTY pair: `euiccd sim serve --pty-link PATH` on
//! one side, `euiccd --device PATH --transport X info --json` on the other, for every transport and quirk.
#![cfg(feature = "sim")]

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::{Run, Scratch, SimServe, SimServer};

const EID: &str = "89049044900000000000000000102355";
/// Longest a single client run may take (the `slow` quirk needs a few seconds).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(40);

/// `euiccd sim serve --pty-link SCRATCH/ttySIM` with `args`, in its own scratch directory.
fn sim_modem(args: &[&str]) -> SimServer {
    SimServe::in_scratch("pty")
        .link_name("ttySIM")
        .args(args)
        .start()
}

fn euiccd(args: &[&str]) -> Run {
    Run::finished(args, CLIENT_TIMEOUT)
}

fn info(link: &Path, transport: &str) -> Run {
    let link = link.to_str().expect("utf-8 path");
    euiccd(&["--device", link, "--transport", transport, "info", "--json"])
}

/// Checks the JSON document of a successful `info --json`.
fn assert_eid(run: &Run, expected_transport: Option<&str>) {
    assert!(run.success(), "info failed: {}", run.stderr);
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
        let modem = sim_modem(sim_args);
        let run = info(&modem.link, transport);
        match broken {
            Some((bad, reason)) if bad == transport => {
                assert!(!run.success(), "{transport} must fail with {sim_args:?}");
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
    let modem = sim_modem(&[]);
    assert_eid(&info(&modem.link, "csim"), Some("csim"));
    let out = modem.stop("-TERM");
    let line = out.lines().last().expect("counters line");
    let doc: serde_json::Value = serde_json::from_str(line).expect("JSON counters");
    let counters = &doc["sim_modem"];
    // ATE1 and the marker line that bring the line in step, ATE0, MANAGE CHANNEL, SELECT, then STORE DATA
    // and GET RESPONSE for each of GetEID, GetEuiccInfo1 and GetEuiccInfo2 (the simulated eUICC answers all
    // three), MANAGE CHANNEL close.
    assert_eq!(counters["commands"], 12, "{doc}");
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
    let mut modem = sim_modem(&[]);
    modem.signal("-USR1");
    std::thread::sleep(Duration::from_millis(200));
    assert!(modem.running(), "still running after SIGUSR1");
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
    let modem = sim_modem(&[]);
    // Another program holding the port (as ModemManager would).
    let _holder = port_holder(&modem.link);
    let run = info(&modem.link, "csim");
    assert!(!run.success());
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
    let scratch = Scratch::new("pty");
    let run = info(&scratch.path("ttyNONE"), "csim");
    assert!(!run.success());
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
    assert!(!run.success());
    assert!(run.stderr.contains("unknown quirk"), "{}", run.stderr);
}

/// A client that is not ours, on the simulated modem's port: writes a command line and reads until its final
/// result, with echo left on as after power-up.
struct ForeignClient(Box<dyn tokio_serial::SerialPort>);

impl ForeignClient {
    fn open(link: &Path) -> Self {
        let port = tokio_serial::new(link.to_string_lossy(), 115_200)
            .timeout(Duration::from_millis(100))
            .open()
            .expect("the simulated modem's port opens");
        Self(port)
    }

    /// Everything the modem sent for `line` up to and including its final result.
    fn ask(&mut self, line: &str) -> String {
        use std::io::{Read, Write};
        self.0
            .write_all(format!("{line}\r").as_bytes())
            .expect("write");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        let mut buf = [0u8; 256];
        loop {
            let text = String::from_utf8_lossy(&out).into_owned();
            let finals = ["\r\nOK\r\n", "\r\nERROR\r\n", "+CME ERROR"];
            if finals.iter().any(|f| text.contains(f)) && text.ends_with("\r\n") {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no final result for {line}: {text:?}"
            );
            match self.0.read(&mut buf) {
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    }
}

#[test]
fn a_client_that_probes_with_test_commands_and_keeps_echo_on_gets_the_eid() {
    let modem = sim_modem(&[]);
    let mut client = ForeignClient::open(&modem.link);
    // What the most used C LPA's AT drivers send on connect, before any APDU.
    for probe in ["AT", "AT+CCHO=?", "AT+CCHC=?", "AT+CGLA=?", "AT+CSIM=?"] {
        let answer = client.ask(probe);
        assert!(
            answer.contains(&format!("{probe}\r\r\n")),
            "echo: {answer:?}"
        );
        assert!(answer.ends_with("\r\nOK\r\n"), "{probe}: {answer:?}");
    }
    // Lower-case hex throughout, as that client writes it.
    let opened = client.ask("AT+CCHO=\"a0000005591010ffffffff8900000100\"");
    let channel = opened
        .split("+CCHO: ")
        .nth(1)
        .and_then(|rest| rest.split("\r\n").next())
        .unwrap_or_else(|| panic!("{opened:?}"))
        .to_owned();
    let cla = format!("8{channel}");
    let get_eid = client.ask(&format!(
        "AT+CGLA={channel},22,\"{cla}e2910006bf3e035c015a\""
    ));
    assert!(get_eid.contains("+CGLA: 4,\"6115\""), "{get_eid:?}");
    let eid = client.ask(&format!("AT+CGLA={channel},10,\"{cla}c0000015\""));
    assert!(eid.contains(&format!("5A10{EID}9000")), "{eid:?}");
    assert!(
        client
            .ask(&format!("AT+CCHC={channel}"))
            .ends_with("\r\nOK\r\n")
    );
}
