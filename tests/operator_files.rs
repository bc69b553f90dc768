//! Files and paths the operator names: every read is bounded, whatever the file is (a character device
//! reports size 0 and never ends).
#![cfg(feature = "sim")]

mod support;

use std::process::Command;
use std::time::Duration;
use support::{EUICCD, Run, Scratch};

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
            "trust anchors /dev/zero: larger than",
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
