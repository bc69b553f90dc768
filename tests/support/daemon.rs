//! Helpers for the daemon's tests: a simulated eIM on loopback, a card seeded with profiles, a running
//! `euiccd run` with its configuration, and a fake systemd notification socket.

use super::eim::EimServer;
use super::{EUICCD, Run, Scratch, SimServe, SimServer, wait};
use euicc_asn1::Eid;
use euicc_asn1::types::sgp32::common::EnableParams;
use euicc_asn1::types::sgp32::v1_2::{EuiccPackage, Psmo};
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, TestPki};
use euiccd_sim::eim::SimEim;
use euiccd_sim::euicc::state::{CardState, Profile, StateFile};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The eIM's identifier in these tests.
pub const EIM_ID: &str = "eim-daemon-test";
/// The profile enabled at the start.
pub const ENABLED: &str = "8949449999999990015";
/// The profile disabled at the start.
pub const DISABLED: &str = "8949449999999990023";

/// The simulated eIM [`EIM_ID`], signing with the test PKI in `identity`, served on 127.0.0.1 with its
/// TLS certificate for `eim.example.test`.
pub fn eim_server(identity: &Path) -> EimServer {
    let pki = TestPki::load_from(identity).expect("test PKI");
    EimServer::start(
        SimEim::new(EIM_ID, pki.eim_sign.key.clone()),
        &pki.eim_tls,
        None,
    )
}

/// An enable package for `iccid`.
pub fn enable(iccid: &str) -> EuiccPackage {
    enable_package(iccid, false)
}

/// An enable package for `iccid` that permits a rollback (rollbackFlag).
pub fn enable_with_rollback(iccid: &str) -> EuiccPackage {
    enable_package(iccid, true)
}

fn enable_package(iccid: &str, rollback: bool) -> EuiccPackage {
    EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
        iccid: iccid.parse().unwrap(),
        rollback_flag: rollback.then_some(euicc_asn1::Null),
    })])
}

/// Polls `check` every 50 ms until it gives a value; panics with `what` after `timeout`.
pub fn eventually<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn profile(iccid: &str, n: u8, enabled: bool) -> Profile {
    Profile::seeded(iccid.parse().unwrap(), n, enabled)
}

/// A simulated card (state in `dir/card.json`, identity in `dir/identity`) with [`ENABLED`] enabled and
/// [`DISABLED`] installed, associated with the eIM [`EIM_ID`] (its TLS anchor the test CI), with a simulated
/// SM-DP+ holding an order for `smdp_matching_id` if given, and its network controllable
/// ([`SimServer::change_network`]); returns the server, its EID and the association token.
pub fn card_with_eim(dir: &Path, smdp_matching_id: Option<&str>) -> (SimServer, Eid, Option<i64>) {
    let profiles = vec![profile(ENABLED, 1, true), profile(DISABLED, 2, false)];
    card_with_profiles(dir, smdp_matching_id, profiles)
}

/// [`card_with_eim`] with these `profiles` on the card.
fn card_with_profiles(
    dir: &Path,
    smdp_matching_id: Option<&str>,
    profiles: Vec<Profile>,
) -> (SimServer, Eid, Option<i64>) {
    let state = dir.join("card.json");
    StateFile::new(&state)
        .save(&CardState {
            profiles,
            ..CardState::default()
        })
        .expect("card state");
    let serve = SimServe::in_dir(dir)
        .identity()
        .state(&state)
        .network_control();
    let server = match smdp_matching_id {
        Some(matching_id) => serve.smdp(matching_id),
        None => serve,
    }
    .start();
    let link = server.link.to_string_lossy().into_owned();
    let public_key = server.identity.join("eim-sign.cert.pem");
    let tls_anchor = server.identity.join("ci.cert.pem");
    let added = Run::finished(
        &[
            "--json",
            "--device",
            &link,
            "eim",
            "add-initial",
            "--id",
            EIM_ID,
            "--fqdn",
            DEFAULT_EIM_HOST,
            "--public-key",
            &public_key.to_string_lossy(),
            "--counter",
            "0",
            "--tls-anchor",
            &tls_anchor.to_string_lossy(),
        ],
        Duration::from_secs(30),
    )
    .json();
    let info = Run::finished(
        &["--json", "--device", &link, "info"],
        Duration::from_secs(30),
    )
    .json();
    let eid: Eid = info["eid"].as_str().expect("eid").parse().expect("EID");
    (server, eid, added["association_token"].as_i64())
}

/// The configuration of a daemon on `card` (and its SM-DP+, if it has one) polling `eim_address` hourly,
/// with its state and socket in `dir`, plus `extra` TOML appended.
pub fn config(dir: &Path, card: &SimServer, eim_address: &str, extra: &str) -> String {
    let ca = card.identity.join("ci.cert.pem");
    let smdp = match card.smdp_address.as_str() {
        "" => String::new(),
        address => format!(
            "trust_anchors = [\"{}\"]\nconnect = \"{address}\"\n",
            ca.display()
        ),
    };
    format!(
        r#"[modem]
device = "{link}"

[[eim]]
id = "{EIM_ID}"
address = "{DEFAULT_EIM_HOST}"
connect = "{eim_address}"
trust_anchors = ["{ca}"]
timeout_secs = 20

[poll]
interval_secs = 3600
jitter_secs = 0
backoff_initial_secs = 1
backoff_cap_secs = 2

[smdp]
system_ca = false
{smdp}
[daemon]
state_dir = "{state}"
control_socket = "{socket}"
{extra}"#,
        link = card.link.display(),
        ca = ca.display(),
        state = dir.join("state").display(),
        socket = dir.join("ctl.sock").display(),
    )
}

/// A card and an eIM that know each other, in a scratch directory: what every daemon test starts from.
pub struct Bench {
    /// The simulated modem and card (and SM-DP+, if asked for).
    pub card: SimServer,
    /// The card's EID.
    pub eid: Eid,
    /// The simulated eIM, associated with the card.
    pub eim: EimServer,
    /// The scratch directory (dropped last).
    pub dir: Scratch,
}

impl Bench {
    /// See [`card_with_eim`] and [`eim_server`].
    pub fn new(prefix: &str, smdp_matching_id: Option<&str>) -> Self {
        let profiles = vec![profile(ENABLED, 1, true), profile(DISABLED, 2, false)];
        Self::with_profiles(prefix, smdp_matching_id, profiles)
    }

    /// [`Bench::new`] where [`DISABLED`] carries the Fallback Attribute (and its owner allows it).
    pub fn with_fallback_profile(prefix: &str) -> Self {
        let fallback = Profile {
            fallback_attribute: true,
            fallback_allowed: true,
            ..profile(DISABLED, 2, false)
        };
        Self::with_profiles(prefix, None, vec![profile(ENABLED, 1, true), fallback])
    }

    fn with_profiles(prefix: &str, smdp_matching_id: Option<&str>, profiles: Vec<Profile>) -> Self {
        let dir = Scratch::new(prefix);
        let (card, eid, token) = card_with_profiles(&dir.0, smdp_matching_id, profiles);
        let eim = eim_server(&card.identity);
        eim.with_eim(|e| e.associate(eid, token));
        Self {
            card,
            eid,
            eim,
            dir,
        }
    }

    /// The daemon's configuration for this bench (see [`config`]), plus `extra`.
    pub fn config(&self, extra: &str) -> String {
        config(&self.dir.0, &self.card, &self.eim.address(), extra)
    }

    /// Starts `euiccd run` on `config` in the bench's directory.
    pub fn daemon(&self, config: &str, env: &[(&str, &str)]) -> Daemon {
        Daemon::start(&self.dir.0, config, env)
    }
}

/// A fake systemd notification socket.
pub struct NotifySocket {
    /// Datagrams as they arrive: a reader thread drains the socket at once, as systemd does, so the
    /// daemon's short datagram queue never fills while the test looks elsewhere.
    received: std::sync::mpsc::Receiver<String>,
    /// Its path, for `NOTIFY_SOCKET`.
    pub path: PathBuf,
}

impl NotifySocket {
    /// Binds `dir/notify`.
    pub fn bind(dir: &Path) -> Self {
        let path = dir.join("notify");
        let _ = std::fs::remove_file(&path);
        let socket = UnixDatagram::bind(&path).expect("notify socket");
        let (sender, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n) = socket.recv(&mut buffer) {
                let message = String::from_utf8_lossy(&buffer[..n]).into_owned();
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Self { received, path }
    }

    /// The next datagram, waiting at most `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<String> {
        self.received.recv_timeout(timeout).ok()
    }

    /// Reads datagrams until one contains `what`; panics after `timeout`. Returns everything read.
    pub fn wait_for(&self, what: &str, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no {what:?} within {timeout:?}; got {seen:?}"
            );
            if let Some(message) = self.next(left) {
                let done = message.contains(what);
                seen.push(message);
                if done {
                    return seen;
                }
            }
        }
    }
}

/// A running `euiccd run`, killed on drop; its stderr goes to `dir/daemon.log`.
pub struct Daemon {
    child: Child,
    log: PathBuf,
    /// The control socket.
    pub socket: PathBuf,
}

impl Daemon {
    /// Writes `config` to `dir/euiccd.toml` and starts `euiccd run` on it with `env`.
    pub fn start(dir: &Path, config: &str, env: &[(&str, &str)]) -> Self {
        Self::start_binary(Path::new(EUICCD), dir, config, env)
    }

    /// [`Daemon::start`] with another build of `euiccd` (e.g. the release binary, for measurements).
    pub fn start_binary(binary: &Path, dir: &Path, config: &str, env: &[(&str, &str)]) -> Self {
        let path = dir.join("euiccd.toml");
        std::fs::write(&path, config).expect("config");
        let log = dir.join("daemon.log");
        let child = Command::new(binary)
            .arg("run")
            .arg("--config")
            .arg(&path)
            .envs(env.iter().copied())
            .env_remove("JOURNAL_STREAM")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("spawn euiccd run");
        Self {
            child,
            log,
            socket: dir.join("ctl.sock"),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the daemon logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `euiccd --json ARGS --socket SOCKET` (status, poll-now).
    pub fn ctl(&self, args: &[&str]) -> Run {
        let socket = self.socket.to_string_lossy().into_owned();
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--socket", &socket]);
        Run::finished(&all, Duration::from_secs(60))
    }

    /// `euiccd poll-now`; panics (with the daemon's log) unless the cycle executed a package.
    pub fn poll_executing_a_package(&self) {
        let outcome = self.ctl(&["poll-now"]).json();
        let summary = outcome["outcome"].as_str().unwrap_or_default();
        assert!(
            summary.contains("package executed"),
            "{outcome}\n{}",
            self.log()
        );
    }

    /// Polls `euiccd status` until `done` holds for it (the socket may not be up yet); panics after
    /// `timeout`.
    pub fn status_until(
        &self,
        timeout: Duration,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        loop {
            let run = self.ctl(&["status"]);
            let status = run.success().then(|| run.json());
            if let Some(status) = status.as_ref().filter(|s| done(s)) {
                return status.clone();
            }
            assert!(
                Instant::now() < deadline,
                "status never matched: {status:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until a line of the log satisfies `line`; panics after `timeout`.
    pub fn wait_for_log(&self, timeout: Duration, line: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        while !self.log().lines().any(&line) {
            assert!(
                Instant::now() < deadline,
                "no such log line:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` (`-TERM`, `-HUP`, `-KILL`).
    pub fn signal(&self, signal: &str) {
        super::send_signal(&self.child, signal);
    }

    /// Waits at most `timeout` for the daemon to exit.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait(&mut self.child, timeout)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
