//! `cargo bench`: runs `euiccd bench` (every scenario over the simulated modem, the same table) with the
//! binary built in the bench profile (the release settings). Arguments after `--` go to `euiccd bench`,
//! e.g. `cargo bench --bench bench -- --scenario download_20k --json` (name the bench target: the library's
//! own bench harness would refuse the options); `--baud N` sets the link speed and `--device PORT`
//! measures a real modem (the wrapper puts them before the subcommand, where `euiccd` takes them).

use std::process::{Command, ExitCode};

/// Options of the card target, which `euiccd` takes before the subcommand.
const TARGET_OPTIONS: [&str; 3] = ["--baud", "--device", "--transport"];

fn main() -> ExitCode {
    let mut target = Vec::new();
    let mut bench = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if TARGET_OPTIONS.contains(&arg.as_str()) {
            target.push(arg);
            target.extend(args.next());
        } else if arg != "--bench" {
            // cargo passes `--bench` to every bench target; `euiccd bench` does not take it.
            bench.push(arg);
        }
    }
    let status = Command::new(env!("CARGO_BIN_EXE_euiccd"))
        .args(&target)
        .arg("bench")
        .args(&bench)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("euiccd bench failed: {status}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("cannot run euiccd bench: {error}");
            ExitCode::FAILURE
        }
    }
}
