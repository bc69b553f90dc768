//! Living beside ModemManager: the CLI's profile switches and downloads over an AT port ask ModemManager to
//! step aside (`InhibitDevice(uid, true)`) before they open the port and let it go afterwards
//! (`InhibitDevice(uid, false)`), on every path. ModemManager here is a stand-in written in Python with
//! dbus-python (`tests/support/modemmanager.py`, independent of euiccd's client) on a real `dbus-daemon`
//! started for each test with its own configuration and socket in a scratch directory; euiccd finds it
//! through `DBUS_SYSTEM_BUS_ADDRESS`. The stand-in copies the simulated eUICC's state file into each record,
//! so a record shows what the card held when the call came: the order inhibit → operation → release.
#![cfg(feature = "sim")]

mod support;

use euiccd_sim::euicc::state::{CardState, Profile, StateFile};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::daemon::{Bench, DISABLED, Daemon, ENABLED, enable_with_rollback};
use support::{EUICCD, Run, Scratch, SimServe};

const TIMEOUT: Duration = Duration::from_secs(60);
/// What ModemManager would call the simulated modem (it has no USB device in sysfs, so it is given).
const UID: &str = "/sys/devices/platform/euiccd-test/usb1/1-1";
const ICCID_A: &str = "89440000000000000010";
const ICCID_B: &str = "89440000000000000028";
const MATCHING_ID: &str = "EUICCD-MM-1";

/// A child process killed when the test ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private message bus: `dbus-daemon` with a session-type configuration listening in `dir`.
struct Bus {
    address: String,
    _daemon: Process,
}

impl Bus {
    fn start(dir: &Path) -> Self {
        let config = dir.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.join("bus.sock").display()
            ),
        )
        .expect("bus configuration");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("bus.log")).expect("bus log"))
            .spawn()
            .expect("dbus-daemon (Debian package dbus-daemon; .ci/run installs it)");
        let address = first_line(&mut daemon);
        assert!(address.starts_with("unix:"), "{address:?}");
        Self {
            address,
            _daemon: Process(daemon),
        }
    }
}

/// The first line `child` prints on stdout (within 20 s).
fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = send.send(line);
    });
    receive
        .recv_timeout(Duration::from_secs(20))
        .expect("a first line")
        .trim()
        .to_owned()
}

/// The stand-in ModemManager on `bus`, recording into `dir`/mm.jsonl with `state` copied into each record.
struct StandIn {
    record: PathBuf,
    _process: Process,
}

impl StandIn {
    fn start(bus: &Bus, dir: &Path, state: &Path, refuse_uid: Option<&str>) -> Self {
        let record = dir.join("mm.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/modemmanager.py");
        let mut command = Command::new("/usr/bin/python3");
        command
            .arg(script)
            .arg(&record)
            .arg(state)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if let Some(uid) = refuse_uid {
            command.env("REFUSE_UID", uid);
        }
        let mut child = command
            .spawn()
            .expect("/usr/bin/python3 (with python3-dbus and python3-gi; .ci/run installs them)");
        assert_eq!(
            first_line(&mut child),
            "ready",
            "the stand-in did not start"
        );
        Self {
            record,
            _process: Process(child),
        }
    }

    fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON record"))
            .collect()
    }

    /// Waits until `done` holds for the records.
    fn wait_for(&self, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let records = self.records();
            if done(&records) {
                return records;
            }
            assert!(Instant::now() < deadline, "{what}: {records:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn profile(iccid: &str, enabled: bool) -> Profile {
    Profile {
        iccid: iccid.parse().expect("iccid"),
        isdp_aid: hex::decode(format!(
            "A0000005591010FFFFFFFF890000{}",
            if enabled { "10" } else { "11" }
        ))
        .expect("aid"),
        enabled,
        class: 2,
        nickname: None,
        service_provider_name: "SPN".into(),
        profile_name: iccid.into(),
        fallback_attribute: false,
        fallback_allowed: false,
        ecall: false,
        notification_address: "smdp.example.com".into(),
        profile_bytes: 1000,
    }
}

/// A card with profile A enabled and B disabled.
fn seed(state: &Path) {
    let card = CardState {
        profiles: vec![profile(ICCID_A, true), profile(ICCID_B, false)],
        last_isdp: 0x11,
        ..CardState::default()
    };
    StateFile::new(state).save(&card).expect("seed");
}

/// The profiles in a record's copy of the card state: (ICCID, enabled).
fn profiles(record: &Value) -> Vec<(String, bool)> {
    let text = record["state"]
        .as_str()
        .expect("the card state was readable");
    let card: CardState = serde_json::from_str(text).expect("card state");
    card.profiles
        .iter()
        .map(|p| (p.iccid.digits(), p.enabled))
        .collect()
}

fn enabled(record: &Value) -> Vec<String> {
    profiles(record)
        .into_iter()
        .filter_map(|(iccid, on)| on.then_some(iccid))
        .collect()
}

/// Asserts that `records` are one inhibition of [`UID`] and its release, by one caller.
fn inhibit_then_release(records: &[Value]) {
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["event"], "inhibit");
    assert_eq!(records[0]["inhibit"], true, "{records:?}");
    assert_eq!(records[1]["inhibit"], false, "{records:?}");
    assert!(records.iter().all(|r| r["uid"] == UID), "{records:?}");
    assert_eq!(
        records[0]["sender"], records[1]["sender"],
        "one connection held throughout"
    );
}

/// `euiccd --device LINK --modemmanager UID ARGS…` against the test bus.
fn euiccd(link: &Path, bus: &str, setting: &str, args: &[&str]) -> Command {
    let mut command = Command::new(EUICCD);
    command
        .arg("--device")
        .arg(link)
        .args(["--modemmanager", setting])
        .args(args)
        .env("DBUS_SYSTEM_BUS_ADDRESS", bus)
        .env("EUICCD_LOG", "euiccd=debug");
    command
}

/// What ModemManager is on a test's bus.
enum Stand {
    /// The stand-in, accepting every inhibition.
    In,
    /// The stand-in, refusing to inhibit this uid.
    Refusing(&'static str),
    /// Nobody: the bus has no ModemManager.
    Absent,
}

/// One test's world: a scratch directory, the seeded card's state file, a private bus, the stand-in
/// ModemManager on it (unless absent) and the simulated modem on that card.
struct World {
    scratch: Scratch,
    state: PathBuf,
    bus: Bus,
    mm: Option<StandIn>,
    modem: support::SimServer,
}

impl World {
    /// The world of test `prefix`: the simulated modem with an SM-DP+ order when `smdp`, and `extra` options.
    fn new(prefix: &str, stand: Stand, smdp: bool, extra: &[&str]) -> Self {
        let scratch = Scratch::new(prefix);
        let state = scratch.path("card.json");
        seed(&state);
        let bus = Bus::start(&scratch.0);
        let mm = match stand {
            Stand::In => Some(StandIn::start(&bus, &scratch.0, &state, None)),
            Stand::Refusing(uid) => Some(StandIn::start(&bus, &scratch.0, &state, Some(uid))),
            Stand::Absent => None,
        };
        let mut modem = SimServe::in_dir(&scratch.0).state(&state);
        if smdp {
            modem = modem.smdp(MATCHING_ID).identity();
        }
        let modem = modem.args(extra).start();
        Self {
            scratch,
            state,
            bus,
            mm,
            modem,
        }
    }

    /// The stand-in ModemManager.
    fn mm(&self) -> &StandIn {
        self.mm.as_ref().expect("a world with the stand-in")
    }

    /// `euiccd` on this world's modem and bus with ModemManager `setting`.
    fn euiccd(&self, setting: &str, args: &[&str]) -> Command {
        euiccd(&self.modem.link, &self.bus.address, setting, args)
    }

    /// `euiccd profiles enable ICCID` with ModemManager `setting`, run to the end.
    fn enable(&self, setting: &str, iccid: &str) -> Run {
        Run::command(
            self.euiccd(setting, &["profiles", "enable", iccid]),
            TIMEOUT,
        )
    }

    /// `euiccd download` of the simulated SM-DP+'s order, with the modem's uid given.
    fn download(&self) -> Command {
        let code = format!("1$smdp.example.test${MATCHING_ID}");
        let ca = self.modem.identity.join("ci.cert.pem");
        let smdp = self.modem.smdp_address.as_str();
        let ca = ca.to_str().expect("path");
        let args = ["download", &code, "--smdp-connect", smdp, "--smdp-ca", ca];
        self.euiccd(UID, &args)
    }
}

#[test]
fn an_enable_runs_between_inhibit_and_release() {
    let world = World::new("mm-enable", Stand::In, false, &[]);
    let run = world.enable(UID, ICCID_B);
    assert!(run.success(), "{}", run.stderr);
    let records = world.mm().records();
    inhibit_then_release(&records);
    // The card still had A enabled when ModemManager was asked to step aside, and B once it was let go.
    assert_eq!(enabled(&records[0]), [ICCID_A]);
    assert_eq!(enabled(&records[1]), [ICCID_B]);
}

#[test]
fn a_refused_switch_still_releases() {
    let world = World::new("mm-refused", Stand::In, false, &[]);
    // No such profile: the eUICC refuses (iccidOrAidNotFound), exit 3.
    let run = world.enable(UID, "89440000000000000036");
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let records = world.mm().records();
    inhibit_then_release(&records);
    assert_eq!(enabled(&records[1]), [ICCID_A]);
}

#[test]
fn a_download_runs_between_inhibit_and_release() {
    let world = World::new("mm-download", Stand::In, true, &[]);
    let run = Run::command(world.download(), TIMEOUT);
    assert!(run.success(), "{}", run.stderr);
    let records = world.mm().records();
    inhibit_then_release(&records);
    assert_eq!(profiles(&records[0]).len(), 2);
    assert_eq!(profiles(&records[1]).len(), 3, "installed while inhibited");
}

#[test]
fn a_killed_euiccd_ends_its_inhibition_by_closing_its_connection() {
    // The SM-DP+ holds the download long enough to kill the client in the middle of it.
    let world = World::new(
        "mm-killed",
        Stand::In,
        true,
        &["--smdp-fault", "getBoundProfilePackage=delay30000"],
    );
    let mut client = world
        .download()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("euiccd");
    let mm = world.mm();
    let records = mm.wait_for("the inhibition", |r| !r.is_empty());
    assert_eq!(records[0]["inhibit"], true);
    client.kill().expect("SIGKILL");
    client.wait().expect("reaped");
    let records = mm.wait_for("the caller's connection closing", |r| r.len() >= 2);
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[1]["event"], "gone", "{records:?}");
    assert_eq!(records[1]["sender"], records[0]["sender"]);
}

#[test]
fn without_modemmanager_the_switch_goes_on() {
    let world = World::new("mm-absent", Stand::Absent, false, &[]);
    // A bus without ModemManager, with the uid given and with auto; then no bus at all.
    let nobus = format!("unix:path={}", world.scratch.path("nobus.sock").display());
    for (address, setting, iccid) in [
        (world.bus.address.as_str(), UID, ICCID_B),
        (world.bus.address.as_str(), "auto", ICCID_A),
        (nobus.as_str(), UID, ICCID_B),
    ] {
        let command = euiccd(
            &world.modem.link,
            address,
            setting,
            &["profiles", "enable", iccid],
        );
        let run = Run::command(command, TIMEOUT);
        assert!(run.success(), "{setting} on {address}: {}", run.stderr);
        let card = StateFile::new(&world.state)
            .load()
            .expect("state")
            .expect("saved");
        assert!(
            card.profiles
                .iter()
                .any(|p| p.enabled && p.iccid.digits() == iccid)
        );
    }
}

#[test]
fn a_refused_inhibition_leaves_the_switch_alone() {
    let world = World::new("mm-notfound", Stand::Refusing(UID), false, &[]);
    let run = world.enable(UID, ICCID_B);
    assert!(run.success(), "{}", run.stderr);
    assert!(
        run.stderr.contains("ModemManager not inhibited"),
        "{}",
        run.stderr
    );
    // Refused, so nothing to release.
    assert_eq!(world.mm().records().len(), 1, "{:?}", world.mm().records());
    // Off: not even asked.
    let run = world.enable("off", ICCID_A);
    assert!(run.success(), "{}", run.stderr);
    assert_eq!(world.mm().records().len(), 1);
}

#[test]
fn an_eim_package_that_switches_runs_between_inhibit_and_release() {
    let enable = format!("enable:{ICCID_B}");
    let delete = format!("delete:{ICCID_A}");
    // The same poll-cycle driver as the daemon's: an enable package switches, a delete does not.
    let extra = [
        "--eim-listen",
        "127.0.0.1:0",
        "--eim-queue",
        &enable,
        "--eim-queue",
        &delete,
    ];
    let world = World::new("mm-eim", Stand::In, true, &extra);
    let modem = &world.modem;
    let ca = modem.identity.join("ci.cert.pem");
    let ca = ca.to_str().expect("path");
    let args = [
        "eim",
        "poll",
        "--eim-connect",
        &modem.eim_address,
        "--eim-ca",
        ca,
        "--smdp-connect",
        &modem.smdp_address,
        "--smdp-ca",
        ca,
        "--json",
    ];
    let run = Run::command(world.euiccd(UID, &args), TIMEOUT);
    assert!(run.success(), "{}", run.stderr);
    let records = world.mm().records();
    inhibit_then_release(&records);
    assert_eq!(enabled(&records[0]), [ICCID_A]);
    assert_eq!(enabled(&records[1]), [ICCID_B]);
    assert_eq!(
        profiles(&records[1]).len(),
        2,
        "the delete came after the release"
    );
    let card = StateFile::new(&world.state)
        .load()
        .expect("state")
        .expect("saved");
    assert_eq!(
        card.profiles.len(),
        1,
        "and was carried out, without an inhibition"
    );
}

/// `euiccd run` on `bench` with `extra` configuration, told the modem's uid, beside a stand-in ModemManager on a
/// bus of its own; returned after its first (idle) poll, which inhibited nothing. The bus lives as long as the
/// returned value.
fn daemon_beside_modemmanager(bench: &Bench, extra: &str) -> (Bus, StandIn, Daemon) {
    let bus = Bus::start(&bench.dir.0);
    let state = bench.dir.0.join("card.json");
    let mm = StandIn::start(&bus, &bench.dir.0, &state, None);
    let config = bench.config(extra).replacen(
        "[modem]\n",
        &format!("[modem]\nmodemmanager = \"{UID}\"\n"),
        1,
    );
    let daemon = bench.daemon(&config, &[("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)]);
    daemon.status_until(TIMEOUT, |s| s["polls"] == 1);
    assert!(mm.records().is_empty(), "an idle poll inhibits nothing");
    (bus, mm, daemon)
}

#[test]
fn the_daemon_inhibits_around_an_eim_enable_and_its_rollback() {
    let bench = Bench::new("mm-rollback", None);
    // A rollback deadline of 3 s on a network that never comes back after the switch.
    let (_bus, mm, daemon) = daemon_beside_modemmanager(
        &bench,
        "[rollback]\ndeadline_secs = 3\n\n[connectivity]\nreconnect_settle_secs = 0\nreconnect_timeout_secs = 2\n",
    );
    bench
        .eim
        .with_eim(|e| e.queue_package(bench.eid, enable_with_rollback(DISABLED), None));
    daemon.poll_executing_a_package();
    bench
        .card
        .change_network(r#"{"registration":"searching","pdp":{"active":false}}"#);
    let records = mm.wait_for("the rollback's inhibition and release", |r| r.len() >= 4);
    let log = daemon.log();
    assert_eq!(records.len(), 4, "{records:?}\n{log}");
    // The eIM's enable, then the supervisor's rollback: each inside its own inhibition.
    inhibit_then_release(&records[..2]);
    inhibit_then_release(&records[2..]);
    assert_eq!(enabled(&records[0]), [ENABLED]);
    assert_eq!(enabled(&records[1]), [DISABLED]);
    assert_eq!(enabled(&records[2]), [DISABLED]);
    assert_eq!(enabled(&records[3]), [ENABLED], "{log}");
}

#[test]
fn the_daemon_inhibits_around_a_fallback_and_the_return_from_it() {
    let bench = Bench::with_fallback_profile("mm-fallback");
    // A denial longer than 2 s falls back to DISABLED (the Fallback Attribute); 3 s on it, the return.
    let (_bus, mm, daemon) = daemon_beside_modemmanager(
        &bench,
        "[fallback]\nenabled = true\nafter_secs = 2\nconditions = [\"registration_denied\"]\nreturn_after_secs = 3\n",
    );
    bench
        .card
        .change_network(r#"{"registration":"denied","reject_cause":15}"#);
    let fell_back = mm.wait_for("the fallback's inhibition and release", |r| r.len() >= 2);
    inhibit_then_release(&fell_back[..2]);
    assert_eq!(enabled(&fell_back[0]), [ENABLED]);
    assert_eq!(enabled(&fell_back[1]), [DISABLED], "{}", daemon.log());
    // Service on the fallback profile; after its time the normal profile comes back, inhibited too.
    bench.card.change_network(r#"{"registration":"home"}"#);
    let records = mm.wait_for("the return's inhibition and release", |r| r.len() >= 4);
    let log = daemon.log();
    assert_eq!(records.len(), 4, "{records:?}\n{log}");
    inhibit_then_release(&records[2..]);
    assert_eq!(enabled(&records[2]), [DISABLED]);
    assert_eq!(enabled(&records[3]), [ENABLED], "{log}");
}
