//! Helpers shared by the integration tests: scratch directories, bounded child processes, `sim serve`.
#![allow(dead_code)] // each test crate uses a subset

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
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
}

impl Run {
    /// Runs `euiccd` with `args` and environment `env`, killed after `timeout`.
    pub fn euiccd(args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Self {
        let mut child = Command::new(EUICCD)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn euiccd");
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
        }
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

/// `euiccd sim serve` with a simulated SM-DP+, killed on drop. Its log (`EUICCD_LOG=info`) goes to a file.
pub struct SimServer {
    child: Child,
    /// The PTY link the CLI opens.
    pub link: PathBuf,
    /// The identity directory (test PKI: `ci.cert.pem`).
    pub identity: PathBuf,
    /// Where the SM-DP+ listens.
    pub smdp_address: String,
    log: PathBuf,
}

impl SimServer {
    /// Starts `sim serve` in `dir` with an order for `matching_id` and `extra` arguments.
    pub fn start(dir: &Path, matching_id: &str, extra: &[&str]) -> Self {
        let link = dir.join("tty");
        let identity = dir.join("identity");
        let log = dir.join("sim.log");
        // A restart in the same directory: the previous server's link must not count as this one's.
        let _ = std::fs::remove_file(&link);
        let mut child = Command::new(EUICCD)
            .args([
                "sim",
                "serve",
                "--smdp-listen",
                "127.0.0.1:0",
                "--smdp-matching-id",
                matching_id,
            ])
            .arg("--pty-link")
            .arg(&link)
            .arg("--identity")
            .arg(&identity)
            .args(extra)
            .env("EUICCD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn sim serve");
        let stdout = child.stdout.take().expect("stdout");
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = send.send(line);
        });
        let mut server = Self {
            child,
            link,
            identity,
            smdp_address: String::new(),
            log,
        };
        let line = receive
            .recv_timeout(Duration::from_secs(30))
            .expect("sim serve printed the SM-DP+ address");
        let value: Value = serde_json::from_str(&line).expect("JSON line");
        server.smdp_address = value["smdp"]["address"]
            .as_str()
            .expect("address")
            .to_owned();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::symlink_metadata(&server.link).is_err() {
            assert!(
                Instant::now() < deadline,
                "the simulated modem did not link"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        server
    }

    /// What `sim serve` logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
