//! Helpers shared by the integration tests: scratch directories, bounded child processes, `sim serve`.
#![allow(dead_code)] // each test crate uses a subset

pub mod collector;
pub mod daemon;
pub mod eim;
pub mod proxy;
pub mod server;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The binary under test.
pub const EUICCD: &str = env!("CARGO_BIN_EXE_euiccd");

/// A scratch directory removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(prefix: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "euiccd-{prefix}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Self(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits for `child` at most `timeout`.
pub fn wait(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
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

/// What one `euiccd` run gave.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Killed at the timeout rather than finished.
    pub timed_out: bool,
}

impl Run {
    /// Runs `euiccd` with `args` and environment `env`, killed after `timeout`.
    pub fn euiccd(args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Self {
        let mut command = Command::new(EUICCD);
        command.args(args).envs(env.iter().copied());
        Self::command(command, timeout)
    }

    /// Runs `command` with stdin closed and its output captured, killed after `timeout`.
    pub fn command(mut command: Command, timeout: Duration) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?}: {e}", command.get_program()));
        let mut stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = wait(&mut child, timeout);
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        Self {
            code: status.and_then(|s| s.code()),
            stdout: out.join().expect("stdout reader"),
            stderr: err.join().expect("stderr reader"),
            timed_out: status.is_none(),
        }
    }

    /// Like [`Run::euiccd`] without extra environment, and asserts the run finished within `timeout`.
    pub fn finished(args: &[&str], timeout: Duration) -> Self {
        let run = Self::euiccd(args, &[], timeout);
        assert!(
            !run.timed_out,
            "euiccd {args:?} did not finish within {timeout:?}; stderr: {}",
            run.stderr
        );
        run
    }

    /// Whether `euiccd` exited with status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The JSON document of a successful run.
    pub fn json(&self) -> Value {
        assert_eq!(self.code, Some(0), "failed: {}", self.stderr);
        serde_json::from_str(self.stdout.trim()).expect("one JSON document")
    }

    /// Checks a failure's exit code and message.
    pub fn fails(&self, code: i32, message: &str) {
        assert_eq!(
            self.code,
            Some(code),
            "stdout {} stderr {}",
            self.stdout,
            self.stderr
        );
        assert!(self.stderr.contains(message), "{}", self.stderr);
    }
}

/// How to start `euiccd sim serve`: `sim serve [--smdp-listen 127.0.0.1:0 --smdp-matching-id ID] --pty-link
/// DIR/LINK [--identity DIR/identity] [--sim-state FILE] ARGS…` (quirks, baud, latency, faults go in ARGS).
pub struct SimServe<'a> {
    dir: PathBuf,
    scratch: Option<Scratch>,
    link_name: &'a str,
    smdp_matching_id: Option<&'a str>,
    identity: bool,
    state: Option<&'a Path>,
    log_level: Option<&'a str>,
    network_control: bool,
    args: Vec<&'a str>,
}

impl<'a> SimServe<'a> {
    /// A bare simulated modem linked at `dir/tty`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            scratch: None,
            link_name: "tty",
            smdp_matching_id: None,
            identity: false,
            state: None,
            log_level: None,
            network_control: false,
            args: Vec::new(),
        }
    }

    /// A bare simulated modem in a fresh scratch directory, owned (and removed) by the server.
    pub fn in_scratch(prefix: &str) -> Self {
        let scratch = Scratch::new(prefix);
        let mut serve = Self::in_dir(&scratch.0);
        serve.scratch = Some(scratch);
        serve
    }

    /// The PTY link's file name inside the directory.
    pub fn link_name(mut self, name: &'a str) -> Self {
        self.link_name = name;
        self
    }

    /// A simulated SM-DP+ on 127.0.0.1 with an order for `matching_id`; its address is read back.
    pub fn smdp(mut self, matching_id: &'a str) -> Self {
        self.smdp_matching_id = Some(matching_id);
        self
    }

    /// `--identity DIR/identity` (test PKI: `ci.cert.pem`).
    pub fn identity(mut self) -> Self {
        self.identity = true;
        self
    }

    /// `--sim-state FILE`.
    pub fn state(mut self, state: &'a Path) -> Self {
        self.state = Some(state);
        self
    }

    /// `EUICCD_LOG` for the server (its stderr goes to `DIR/sim.log` in any case).
    pub fn log_level(mut self, level: &'a str) -> Self {
        self.log_level = Some(level);
        self
    }

    /// `--network-control DIR/network.sock`, for [`SimServer::change_network`].
    pub fn network_control(mut self) -> Self {
        self.network_control = true;
        self
    }

    /// Further arguments: `--quirk Q`, `--baud B`, `--latency-ms MS`, `--smdp-fault …`, ….
    pub fn args(mut self, args: &[&'a str]) -> Self {
        self.args.extend_from_slice(args);
        self
    }

    /// Spawns the server and waits until it printed the SM-DP+ address (if any) and linked the PTY.
    pub fn start(self) -> SimServer {
        let link = self.dir.join(self.link_name);
        let identity = self.dir.join("identity");
        let log = self.dir.join("sim.log");
        // A restart in the same directory: the previous server's link must not count as this one's.
        let _ = std::fs::remove_file(&link);
        let mut command = Command::new(EUICCD);
        command.args(["sim", "serve"]);
        if let Some(matching_id) = self.smdp_matching_id {
            command.args([
                "--smdp-listen",
                "127.0.0.1:0",
                "--smdp-matching-id",
                matching_id,
            ]);
        }
        command.arg("--pty-link").arg(&link);
        if self.identity {
            command.arg("--identity").arg(&identity);
        }
        if let Some(state) = self.state {
            command.arg("--sim-state").arg(state);
        }
        let network_socket = self.network_control.then(|| self.dir.join("network.sock"));
        if let Some(socket) = &network_socket {
            command.arg("--network-control").arg(socket);
        }
        command.args(&self.args);
        if let Some(level) = self.log_level {
            command.env("EUICCD_LOG", level);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn sim serve");
        let stdout = child.stdout.take().expect("stdout");
        let (first_send, first_line) = std::sync::mpsc::channel();
        let (all_send, all_output) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut all = String::new();
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if all.is_empty() {
                    let _ = first_send.send(line.clone());
                }
                all.push_str(&line);
                line.clear();
            }
            let _ = all_send.send(all);
        });
        let mut server = SimServer {
            child,
            link,
            identity,
            smdp_address: String::new(),
            eim_address: String::new(),
            log,
            output: all_output,
            network_socket,
            _scratch: self.scratch,
        };
        if self.smdp_matching_id.is_some() {
            let line = first_line
                .recv_timeout(Duration::from_secs(30))
                .expect("sim serve printed the SM-DP+ address");
            let value: Value = serde_json::from_str(&line).expect("JSON line");
            server.smdp_address = value["smdp"]["address"]
                .as_str()
                .expect("address")
                .to_owned();
            server.eim_address = value["eim"]["address"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::symlink_metadata(&server.link).is_err() {
            assert!(
                Instant::now() < deadline,
                "the simulated modem did not link {}",
                server.link.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        server
    }
}

/// A running `euiccd sim serve`, killed on drop. Its stderr goes to a file.
pub struct SimServer {
    child: Child,
    /// The PTY link the CLI opens.
    pub link: PathBuf,
    /// The identity directory (test PKI: `ci.cert.pem`) when started with `--identity`.
    pub identity: PathBuf,
    /// Where the SM-DP+ listens (empty without one).
    pub smdp_address: String,
    /// Where `sim serve`'s own eIM listens (`--eim-listen`, printed on the SM-DP+'s line; empty without).
    pub eim_address: String,
    log: PathBuf,
    /// Everything the server printed on stdout, once it exits.
    output: Receiver<String>,
    /// The network control socket (with [`SimServe::network_control`]).
    network_socket: Option<PathBuf>,
    _scratch: Option<Scratch>,
}

impl SimServer {
    /// Starts `sim serve` in `dir` with an SM-DP+ order for `matching_id`, the test identity,
    /// `EUICCD_LOG=info` and `extra` arguments.
    pub fn start(dir: &Path, matching_id: &str, extra: &[&str]) -> Self {
        SimServe::in_dir(dir)
            .smdp(matching_id)
            .identity()
            .log_level("info")
            .args(extra)
            .start()
    }

    /// Changes the simulated network (one JSON `NetworkChange`) and waits until the modem applied it.
    pub fn change_network(&self, change: &str) {
        use std::io::Write;
        let socket = self
            .network_socket
            .as_ref()
            .expect("started with network_control()");
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut stream = loop {
            match std::os::unix::net::UnixStream::connect(socket) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() >= deadline => panic!("network control socket: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        writeln!(stream, "{change}").expect("send the change");
        let mut answer = String::new();
        BufReader::new(stream)
            .read_line(&mut answer)
            .expect("the modem answers");
        assert_eq!(answer.trim(), "ok", "network change {change}");
    }

    /// What `sim serve` logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `signal` (as `kill(1)` spells it: `-USR1`, `-TERM`, …) to the server.
    pub fn signal(&self, signal: &str) {
        send_signal(&self.child, signal);
    }

    /// Whether the server is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Stops the server with `signal`, asserts it exits cleanly, and returns what it printed on stdout.
    pub fn stop(mut self, signal: &str) -> String {
        self.signal(signal);
        let exit = wait(&mut self.child, Duration::from_secs(10));
        assert!(
            exit.is_some_and(|s| s.success()),
            "the simulated modem stops cleanly: {exit:?}"
        );
        self.output
            .recv_timeout(Duration::from_secs(10))
            .expect("the server's stdout closed")
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `signal` (as `kill(1)` spells it: `-USR1`, `-TERM`, `-KILL`, …) to `child`.
pub fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(signal)
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}
