//! libqmi's `qmi-proxy` and libmbim's `mbim-proxy` for the transport tests, and the check that the tools a
//! test needs are installed. A proxy listens on an abstract Unix socket named after it, one per network
//! namespace: the tests that run one take turns ([`Proxy::turn`]) and wait out a proxy someone else left.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Whether `commands` (run with `--version`) and `files` are here. Without them a test skips with a message
/// naming the Debian `packages`; under CI (the environment variable `CI`, which `.ci/run` sets) their
/// absence fails it.
pub fn have_tools(test: &str, commands: &[&str], files: &[&str], packages: &str) -> bool {
    let runs = |command: &&str| {
        Command::new(command)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let present = commands.iter().all(runs) && files.iter().all(|f| Path::new(f).exists());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have {commands:?} and {files:?} (Debian: {packages})"
        );
        eprintln!("{test}: skipped, {commands:?} or {files:?} missing (Debian: {packages})");
    }
    present
}

/// Whether something listens on the abstract Unix socket `name` (`qmi-proxy`, `mbim-proxy`).
pub fn listening(name: &str) -> bool {
    let suffix = format!(" @{name}");
    std::fs::read_to_string("/proc/net/unix")
        .unwrap_or_default()
        .lines()
        .any(|line| line.ends_with(&suffix))
}

/// Waits until nobody listens on `name`, or fails after 30 s.
fn wait_out(name: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while listening(name) {
        assert!(
            Instant::now() < deadline,
            "a {name} not started by this test holds the socket and does not go away"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A proxy this test started (`--verbose --no-exit`, output in a log file), killed on drop.
pub struct Proxy {
    child: Child,
}

impl Proxy {
    /// This test binary's turn at the proxy socket `name`, once a proxy someone else left is gone.
    pub fn turn(lock: &'static Mutex<()>, name: &str) -> MutexGuard<'static, ()> {
        let turn = lock.lock().unwrap_or_else(|e| e.into_inner());
        wait_out(name);
        turn
    }

    /// Starts `binary` (listening as `name`) with its output in `log`, and waits until its socket answers.
    pub fn start(binary: &str, name: &str, log: &Path) -> Self {
        wait_out(name);
        let file = std::fs::File::create(log).expect("proxy log");
        let mut child = Command::new(binary)
            .args(["--verbose", "--no-exit"])
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {binary}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !listening(name) {
            if let Some(status) = child.try_wait().expect("try_wait") {
                panic!(
                    "{binary} exited ({status}): {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "{binary} did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
