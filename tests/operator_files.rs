//! Files and paths the operator names: every read is bounded, whatever the file is (a character device
//! reports size 0 and never ends).
#![cfg(feature = "sim")]

mod support;

use euiccd::daemon::control::{Request, request};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{EUICCD, Run, Scratch, SimServe};

/// Runs `euiccd ARGS` with its address space capped at 1 GiB: an unbounded read of `/dev/zero` fails
/// within a second instead of taking the machine's memory.
fn capped(args: &[&str]) -> Run {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$@\"")
        .arg("sh")
        .arg(EUICCD)
        .args(args);
    Run::command(command, Duration::from_secs(30))
}

#[test]
fn a_character_device_is_refused_at_the_limit() {
    let scratch = Scratch::new("operator-files");
    let out = scratch.path("identity");
    let out = out.to_str().unwrap();
    for (args, message) in [
        (
            vec!["run", "--config", "/dev/zero"],
            "configuration /dev/zero: larger than 65536 bytes",
        ),
        (
            vec![
                "download",
                "--smdp-ca",
                "/dev/zero",
                "LPA:1$smdp.example.com$MATCHING",
            ],
            "trust anchors in /dev/zero: larger than",
        ),
        (
            vec![
                "sim",
                "identity",
                "--eid",
                "89049032123451234512345678901235",
                "--eum-cert",
                "/dev/zero",
                "--eum-key",
                "/dev/zero",
                "--ci",
                "/dev/zero",
                "--out",
                out,
            ],
            "/dev/zero: larger than",
        ),
    ] {
        let run = capped(&args);
        assert!(!run.timed_out, "{args:?}");
        run.fails(2, message);
    }
}

/// `euiccd run` with at most 64 descriptors, its stderr in `dir/daemon.log`; killed on drop.
struct SmallDaemon {
    child: std::process::Child,
}

impl Drop for SmallDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn idle_control_connections_cannot_shut_out_status() {
    let scratch = Scratch::new("control-flood");
    let card = SimServe::in_dir(&scratch.0).start();
    let socket = scratch.path("ctl.sock");
    let config = scratch.path("euiccd.toml");
    std::fs::write(
        &config,
        format!(
            "[modem]\ndevice = \"{}\"\n\n[connectivity]\nenabled = false\n\n[rollback]\nrequire = [\"eim_exchange\"]\n\n\
             [daemon]\nstate_dir = \"{}\"\ncontrol_socket = \"{}\"\n",
            card.link.display(),
            scratch.path("state").display(),
            socket.display()
        ),
    )
    .unwrap();
    let log = scratch.path("daemon.log");
    let _daemon = SmallDaemon {
        child: Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 64 && exec \"$@\"")
            .arg("sh")
            .arg(EUICCD)
            .arg("run")
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    };
    let status = || request(&socket, Request::Status, Duration::from_secs(3));
    let deadline = Instant::now() + Duration::from_secs(30);
    while status().is_err() {
        assert!(
            Instant::now() < deadline,
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // 500 clients connect and say nothing: more than the daemon has descriptors.
    let idle: Vec<UnixStream> = (0..500)
        .map(|_| UnixStream::connect(&socket).unwrap())
        .collect();
    let started = Instant::now();
    let answer = status();
    let took = started.elapsed();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(answer.is_ok(), "{answer:?} after {took:?}\n{text}");
    assert!(took < Duration::from_secs(2), "status took {took:?}");
    // Whatever the daemon could not accept is warned about once, not ten times a second.
    std::thread::sleep(Duration::from_secs(2));
    let text = std::fs::read_to_string(&log).unwrap();
    let warnings = text
        .lines()
        .filter(|l| l.contains("control socket"))
        .count();
    assert!(warnings <= 2, "{warnings} warnings:\n{text}");
    drop(idle);
}
