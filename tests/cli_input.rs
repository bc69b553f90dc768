//! Bad input at the command line: oversized output, a reader that goes away, and the exit codes the README
//! promises (2 for bad input) for arguments and configuration files.
#![cfg(feature = "sim")]

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{EUICCD, Run, Scratch};

const TIMEOUT: Duration = Duration::from_secs(60);

/// A SELECT with 32,768 data bytes in extended-length form: 32,775 bytes, 65,550 hex digits, wider than a
/// format width may be.
fn huge_apdu() -> String {
    format!("00A40400{}{}", "008000", "00".repeat(32_768))
}

#[test]
fn an_apdu_of_32_kib_prints_as_a_table() {
    let apdu = huge_apdu();
    let run = Run::finished(&["--sim", "apdu", &apdu], TIMEOUT);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let mut lines = run.stdout.lines();
    assert!(lines.next().is_some_and(|l| l.starts_with("COMMAND ")));
    let row = lines.next().expect("one exchange");
    assert!(row.starts_with(&format!("{apdu}  ")), "{}", &row[..80]);
}

#[test]
fn a_reader_that_goes_away_ends_the_program_quietly() {
    let mut child = Command::new(EUICCD)
        .args(["--sim", "apdu", "00A40000", "80CA9F7F00"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn euiccd");
    // The reader is gone before the first byte is written, as `| head -c0` would be.
    drop(child.stdout.take());
    let status = support::wait(&mut child, TIMEOUT).expect("euiccd ended");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}: {stderr}");
    assert_eq!(stderr, "", "no message, no panic");
}

#[test]
fn bad_arguments_exit_2() {
    let cases: [(&[&str], &str); 6] = [
        (&["--sim", "apdu", ""], "an APDU has 4 to"),
        (&["--sim", "apdu", "00A4"], "not 2"),
        (&["--sim", "--block-size", "0", "info"], "--block-size"),
        (&["--sim", "--block-size", "256", "info"], "--block-size"),
        (
            &[
                "download",
                "LPA:1$smdp.example.com$X",
                "--http-timeout",
                "0",
            ],
            "--http-timeout",
        ),
        (
            &[
                "sim",
                "serve",
                "--quirk",
                "mute-after",
                "--pty-link",
                "/nonexistent/link",
            ],
            "needs a count",
        ),
    ];
    for (args, message) in cases {
        let run = Run::finished(args, TIMEOUT);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        run.fails(2, message);
    }
}

#[test]
fn usage_errors_name_the_argument_and_help_goes_to_stdout() {
    let cases: [(&[&str], &str); 6] = [
        (&["info", "--bogus"], "unexpected argument '--bogus'"),
        (
            &["--transport", "serial", "info"],
            "'serial' for '--transport",
        ),
        (
            &["memory-reset", "--what", "everything", "--yes"],
            "operational-profiles",
        ),
        (
            &["eim", "add-initial", "--id", "e"],
            "'--fqdn <FQDN>' is required",
        ),
        (
            &["--sim", "--device", "/dev/null", "info"],
            "cannot be used with '--device",
        ),
        (&["profiles", "frob"], "unrecognized subcommand 'frob'"),
    ];
    for (args, message) in cases {
        Run::finished(args, TIMEOUT).fails(2, message);
    }
    // With --json (anywhere), a usage error is a JSON line like any other failure.
    let run = Run::finished(&["info", "--bogus", "--json"], TIMEOUT);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let error: serde_json::Value = serde_json::from_str(run.stderr.trim()).expect("one JSON line");
    assert_eq!(error["error"]["kind"], "input", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'--bogus'"))
    );

    let help = Run::finished(&["eim", "poll", "--help"], TIMEOUT);
    assert_eq!(help.code, Some(0), "{}", help.stderr);
    for text in [
        "Usage: euiccd eim poll [OPTIONS]",
        "--eim-ca <FILE>",
        "[default: 60]",
        "--json",
    ] {
        assert!(help.stdout.contains(text), "{text}: {}", help.stdout);
    }
    let top = Run::finished(&["help"], TIMEOUT);
    assert_eq!(top.code, Some(0));
    assert!(top.stdout.contains("  memory-reset  "), "{}", top.stdout);
    let version = Run::finished(&["--version"], TIMEOUT);
    assert_eq!(
        version.stdout,
        format!("euiccd {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unusable_files_in_the_configuration_are_bad_input_named_by_key_and_file() {
    let scratch = Scratch::new("cli-input");
    let garbage = scratch.path("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").expect("write");
    let missing = scratch.path("missing.pem");
    let identity = scratch.path("identity");
    let pki = Run::finished(
        &[
            "--sim",
            "--identity",
            identity.to_str().expect("utf-8"),
            "info",
        ],
        TIMEOUT,
    );
    assert_eq!(pki.code, Some(0), "test PKI: {}", pki.stderr);
    let good = identity.join("ci.cert.pem");
    let base = format!(
        "[modem]\ndevice = \"/dev/null\"\n[daemon]\nstate_dir = \"{}\"\ncontrol_socket = \"{}\"\n",
        scratch.path("state").display(),
        scratch.path("ctl.sock").display()
    );
    let eim = |anchors: &str| {
        format!(
            "{base}[[eim]]\nid = \"e\"\naddress = \"eim.example.com\"\ntrust_anchors = [{anchors}]\n"
        )
    };
    let cases = [
        (
            eim(&format!("\"{}\"", missing.display())),
            "eim[0].trust_anchors[0]",
            &missing,
        ),
        (
            format!(
                "{base}[smdp]\ntrust_anchors = [\"{}\", \"{}\"]\n",
                scratch.path("missing.pem").display(),
                garbage.display()
            ),
            "smdp.trust_anchors[0]",
            &missing,
        ),
        (
            format!(
                "{base}[initial_eim]\neim_id = \"e\"\nfqdn = \"eim.example.com\"\npublic_key = {{ path = \"{}\" }}\n",
                missing.display()
            ),
            "initial_eim.public_key",
            &missing,
        ),
        (
            format!(
                "{base}[initial_eim]\neim_id = \"e\"\nfqdn = \"eim.example.com\"\npublic_key = {{ path = \"{}\" }}\ntls_anchor = {{ path = \"{}\" }}\n",
                good.display(),
                garbage.display()
            ),
            "initial_eim.tls_anchor",
            &garbage,
        ),
    ];
    for (text, key, file) in cases {
        let config = scratch.path("euiccd.toml");
        std::fs::write(&config, &text).expect("write configuration");
        let run = Run::finished(
            &["run", "--config", config.to_str().expect("utf-8")],
            TIMEOUT,
        );
        run.fails(2, key);
        assert!(
            run.stderr.contains(&file.display().to_string()),
            "{key}: {}",
            run.stderr
        );
        assert!(
            !scratch.path("state").exists(),
            "refused before the store is created"
        );
    }
    // A good anchor next to a bad one: the bad one is named by its index.
    let config = scratch.path("euiccd.toml");
    let anchors = format!("\"{}\", \"{}\"", good.display(), garbage.display());
    std::fs::write(&config, eim(&anchors)).expect("write configuration");
    let run = Run::finished(
        &["run", "--config", config.to_str().expect("utf-8")],
        TIMEOUT,
    );
    run.fails(2, "eim[0].trust_anchors[1]: trust anchors");
}

#[test]
fn sim_quirks_lists_every_quirk() {
    let run = Run::finished(&["sim", "quirks"], TIMEOUT);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let names: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for expected in [
        "echo",
        "vanish",
        "vanish-after=N",
        "mute-after=N",
        "urc-storm=N",
    ] {
        assert!(names.contains(&expected), "{expected}: {names:?}");
    }
    // Everything listed is accepted by `sim serve --quirk` (checked without serving: a bad link path).
    for name in names {
        let quirk = name.replace("=N", "=2");
        let run = Run::finished(
            &[
                "sim",
                "serve",
                "--quirk",
                &quirk,
                "--pty-link",
                "/nonexistent/dir/link",
            ],
            TIMEOUT,
        );
        assert!(
            !run.stderr.contains("unknown quirk") && !run.stderr.contains("count"),
            "{quirk}: {}",
            run.stderr
        );
    }
}
