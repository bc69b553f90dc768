//! The command-line front end: argument parsing, dispatch, human and JSON output, exit codes.
//!
//! `anyhow` lives here and nowhere below: every layer returns its own typed error and the CLI turns it into
//! a message and a stable exit code.

mod apdu;
#[cfg(feature = "asn1-tool")]
mod asn1;
mod bench;
mod card;
mod certs;
mod control;
mod control_inspector;
#[cfg(feature = "sim")]
mod demo;
mod download;
mod eim;
mod error;
mod info;
mod logging;
mod memory_reset;
mod notifications;
mod output;
mod parser;
mod profiles;
mod remote;
mod run;
#[cfg(feature = "sim")]
mod sim;
#[cfg(feature = "sim")]
mod sim_eim;
#[cfg(feature = "sim")]
mod sim_identity;
pub(crate) mod target;

use parser::{Matches, Parsed, UsageError};
use std::process::ExitCode;

/// Exit code for a usage or input error (bad hex, unknown type, undecodable bytes, a missing confirmation).
pub(crate) const EXIT_INPUT: u8 = 2;
/// Exit code for any other failure (the modem, the link or the card did not answer, an undecodable answer).
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code when the eUICC answered and refused: a result code other than ok, local profile management
/// refused, or a function its SGP.32 version lacks.
pub(crate) const EXIT_REFUSED: u8 = 3;
/// What a shell reports for a program ended by SIGPIPE (128 + 13): the reader of stdout has gone.
pub(crate) const EXIT_BROKEN_PIPE: u8 = 141;
/// Exit code when an SM-DP+ executed an ES9+ function and refused it (`Failed` or `Expired`, with a subject
/// and reason code in the message).
pub(crate) const EXIT_SERVER: u8 = 4;

/// Top-level arguments shared by every subcommand.
#[derive(Debug)]
pub(crate) struct Cli {
    /// `--json`: print one JSON document instead of a human-readable table.
    pub(crate) json: bool,
    /// Which card to talk to (`--device`, `--baud`, `--transport`, `--sim`).
    pub(crate) target: target::TargetArgs,
    /// What to do.
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug)]
pub(crate) enum Command {
    /// Inspect SGP.22 / SGP.32 messages.
    #[cfg(feature = "asn1-tool")]
    Asn1(asn1::Asn1Command),
    /// A fleet operator's day on a simulated device.
    #[cfg(feature = "sim")]
    Demo(demo::DemoArgs),
    /// Show what the eUICC says about itself: EID, EUICCInfo1 and EUICCInfo2.
    Info,
    /// List the profiles, or enable, disable, delete or rename one (ES10c).
    Profiles(profiles::ProfilesArgs),
    /// List or remove pending notifications.
    Notifications(notifications::NotificationsCommand),
    /// List the eIM configurations, or add the initial eIM.
    Eim(eim::EimCommand),
    /// Show the EUM and eUICC certificates (GetCerts).
    Certs(certs::CertsArgs),
    /// Erase profiles or configuration (EuiccMemoryReset); needs --yes.
    MemoryReset(memory_reset::MemoryResetArgs),
    /// Download a profile from an SM-DP+ with an activation code (ES9+, direct).
    Download(download::DownloadArgs),
    /// Send raw APDUs on the ISD-R channel (debugging).
    Apdu(apdu::ApduArgs),
    /// Measure downloads and eIM polls.
    Bench(bench::BenchArgs),
    /// Run the daemon.
    Run(run::RunArgs),
    /// Show the running daemon's status.
    Status(control::ControlArgs),
    /// Make the running daemon poll its eIMs now, and print the outcome.
    PollNow(control::ControlArgs),
    /// Show the recent network and SMS events.
    Events(control::EventsArgs),
    /// The simulated modem.
    #[cfg(feature = "sim")]
    Sim(sim::SimCommand),
}

/// `euiccd`: the top of the command tree.
const EUICCD: parser::Command = parser::Command {
    opts: &[target::OPTIONS],
    subcommands: &[
        #[cfg(feature = "asn1-tool")]
        &asn1::COMMAND,
        #[cfg(feature = "sim")]
        &demo::COMMAND,
        &parser::Command::new(
            "info",
            "Show what the eUICC says about itself: EID, EUICCInfo1 and EUICCInfo2.",
        ),
        &profiles::COMMAND,
        &notifications::COMMAND,
        &eim::COMMAND,
        &certs::COMMAND,
        &memory_reset::COMMAND,
        &download::COMMAND,
        &apdu::COMMAND,
        &bench::COMMAND,
        &run::COMMAND,
        &control::STATUS,
        &control::POLL_NOW,
        &control::EVENTS,
        #[cfg(feature = "sim")]
        &sim::COMMAND,
    ],
    needs_subcommand: true,
    ..parser::Command::new(
        "euiccd",
        "GSMA SGP.32 IoT Profile Assistant for cellular gateways",
    )
};

impl Cli {
    /// The command line `args` (without the program name) asks for.
    pub(crate) fn parse(
        args: impl IntoIterator<Item = std::ffi::OsString>,
    ) -> Result<Parsed, UsageError> {
        parser::parse(&EUICCD, env!("CARGO_PKG_VERSION"), args)
    }

    /// The command `m` (the top level) names.
    pub(crate) fn from_matches(m: &Matches, json: bool) -> Result<Self, UsageError> {
        let sub = m.needed_subcommand()?;
        let command = match sub.name() {
            #[cfg(feature = "asn1-tool")]
            "asn1" => Command::Asn1(asn1::Asn1Command::from_matches(sub)?),
            #[cfg(feature = "sim")]
            "demo" => Command::Demo(demo::DemoArgs {}),
            "info" => Command::Info,
            "profiles" => Command::Profiles(profiles::ProfilesArgs::from_matches(sub)?),
            "notifications" => {
                Command::Notifications(notifications::NotificationsCommand::from_matches(sub)?)
            }
            "eim" => Command::Eim(eim::EimCommand::from_matches(sub)?),
            "certs" => Command::Certs(certs::CertsArgs::from_matches(sub)?),
            "memory-reset" => {
                Command::MemoryReset(memory_reset::MemoryResetArgs::from_matches(sub)?)
            }
            "download" => Command::Download(download::DownloadArgs::from_matches(sub)?),
            "apdu" => Command::Apdu(apdu::ApduArgs::from_matches(sub)?),
            "bench" => Command::Bench(bench::BenchArgs::from_matches(sub)?),
            "run" => Command::Run(run::RunArgs::from_matches(sub)?),
            "status" => Command::Status(control::ControlArgs::from_matches(sub)),
            "poll-now" => Command::PollNow(control::ControlArgs::from_matches(sub)),
            "events" => Command::Events(control::EventsArgs::from_matches(sub)?),
            #[cfg(feature = "sim")]
            "sim" => Command::Sim(sim::SimCommand::from_matches(sub)?),
            _ => return Err(sub.unknown()),
        };
        Ok(Self {
            json,
            target: target::TargetArgs::from_matches(m)?,
            command,
        })
    }
}

/// Parses the command line, runs the command and maps its outcome to an exit code.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    // A usage error is told as any other failure: in JSON when `--json` is among the options.
    let wants_json = args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    let cli = match Cli::parse(args) {
        Ok(Parsed::Run(matches, json)) => Cli::from_matches(&matches, json),
        Ok(Parsed::Print(text)) => return finish(output::print(&text), false),
        Err(error) => Err(error),
    };
    let cli = match cli {
        Ok(cli) => cli,
        Err(error) => return finish(Err(Failure::input(error)), wants_json),
    };
    let json = cli.json;
    let outcome = match cli.command {
        #[cfg(feature = "asn1-tool")]
        Command::Asn1(cmd) => asn1::run(cmd),
        #[cfg(feature = "sim")]
        Command::Demo(args) => demo::run(args, cli.json),
        Command::Info => info::run(&cli.target, cli.json),
        Command::Profiles(args) => profiles::run(&cli.target, args, cli.json),
        Command::Notifications(cmd) => notifications::run(&cli.target, cmd, cli.json),
        Command::Eim(cmd) => eim::run(&cli.target, cmd, cli.json),
        Command::Certs(args) => certs::run(&cli.target, args, cli.json),
        Command::MemoryReset(args) => memory_reset::run(&cli.target, args, cli.json),
        Command::Download(args) => download::run(&cli.target, args, cli.json),
        Command::Apdu(args) => apdu::run(&cli.target, args, cli.json),
        Command::Bench(args) => bench::run(&cli.target, args, cli.json),
        Command::Run(args) => run::run(args),
        Command::Status(args) => control::status(&args, cli.json),
        Command::PollNow(args) => control::poll_now(&args, cli.json),
        Command::Events(args) => control::events(&args, cli.json),
        #[cfg(feature = "sim")]
        Command::Sim(cmd) => sim::run(cmd, cli.json),
    };
    finish(outcome, json)
}

/// The exit code of `outcome`, after telling a failure (in JSON with `json`).
fn finish(outcome: Result<(), Failure>, json: bool) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if failure.code == EXIT_BROKEN_PIPE => end_by_sigpipe(),
        Err(failure) => {
            error::print(&failure, json);
            ExitCode::from(failure.code)
        }
    }
}

/// Ends the program as the default action of SIGPIPE does, without a message: what coreutils do when the
/// reader of their output has gone. Rust ignores SIGPIPE (so that a closed socket is an error, not death);
/// the default is restored only here, at the very end.
fn end_by_sigpipe() -> ExitCode {
    // SAFETY: setting a signal's disposition to its default and raising it touch no memory of this program.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    ExitCode::from(EXIT_BROKEN_PIPE)
}

/// `println!` that returns [`output::print`]'s result instead of panicking when stdout fails.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::print(&format!("{}\n", format_args!($($arg)*)))
    };
}
use outln;

/// An error on its way out of the CLI, with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What went wrong, with context.
    pub(crate) error: anyhow::Error,
    /// The process exit code.
    pub(crate) code: u8,
}

impl Failure {
    /// The reader of stdout has gone: the program ends quietly ([`EXIT_BROKEN_PIPE`]).
    pub(crate) fn broken_pipe() -> Self {
        Self {
            error: anyhow::anyhow!("standard output closed"),
            code: EXIT_BROKEN_PIPE,
        }
    }

    /// A failure caused by the user's input.
    pub(crate) fn input(error: impl Into<anyhow::Error>) -> Self {
        Self {
            error: error.into(),
            code: EXIT_INPUT,
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Self {
        Self {
            error: error.into(),
            code: EXIT_FAILURE,
        }
    }
}

/// Over the whole table, so with every command in it.
#[cfg(all(test, feature = "sim", feature = "asn1-tool"))]
mod tests {
    use super::*;
    use crate::apdu::{ProxyUse, TransportKind};
    use crate::modem::modemmanager::MmSetting;

    fn parsed(args: &[&str]) -> Result<Parsed, UsageError> {
        Cli::parse(args.iter().map(std::ffi::OsString::from))
    }

    fn cli(args: &[&str]) -> Result<Cli, String> {
        match parsed(args).map_err(|e| e.to_string())? {
            Parsed::Run(matches, json) => {
                Cli::from_matches(&matches, json).map_err(|e| e.to_string())
            }
            Parsed::Print(text) => Err(format!("printed {text}")),
        }
    }

    fn help(args: &[&str]) -> String {
        match parsed(args) {
            Ok(Parsed::Print(text)) => text,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    /// One full command line per command and subcommand: every option of the tables reaches its builder.
    #[test]
    fn every_command_builds_with_every_option() {
        let lines: &[&[&str]] = &[
            &[
                "--device",
                "/dev/ttyUSB2",
                "--baud",
                "9600",
                "--transport",
                "cgla",
                "--proxy",
                "never",
                "--modemmanager",
                "off",
                "--block-size",
                "6",
                "info",
            ],
            &["--sim", "--identity", "d", "--sim-state", "s", "info"],
            &["profiles"],
            &["profiles", "enable", "89440000000000000010", "--no-refresh"],
            &[
                "profiles",
                "disable",
                "89440000000000000010",
                "--no-refresh",
            ],
            &["profiles", "delete", "89440000000000000010"],
            &["profiles", "nickname", "89440000000000000010", ""],
            &["notifications", "list"],
            &["notifications", "remove", "7"],
            &[
                "notifications",
                "process",
                "--smdp-connect",
                "h:1",
                "--smdp-ca",
                "a",
                "--smdp-ca",
                "b",
                "--system-ca",
                "--http-timeout",
                "600",
            ],
            &["eim", "list"],
            &[
                "eim",
                "add-initial",
                "--id",
                "e",
                "--fqdn",
                "f",
                "--public-key",
                "k",
                "--counter",
                "-1",
                "--tls-anchor",
                "t",
            ],
            &[
                "eim",
                "poll",
                "--eim-id",
                "e",
                "--eim-connect",
                "h:1",
                "--eim-ca",
                "c",
                "--binding",
                "json",
                "--admin-protocol",
                "p",
                "--download-route",
                "direct",
                "--unacknowledged",
                "keep",
                "--max-polls",
                "2",
                "--imei",
                "1",
                "--smdp-ca",
                "a",
                "--system-ca=/b",
                "--http-timeout=1",
            ],
            &[
                "certs",
                "--ci-pk-id",
                "F54172BDF98A95D65CBEB88A38A1C11D800A85C3",
            ],
            &[
                "memory-reset",
                "--what",
                "operational-profiles,field-test-profiles",
                "--what",
                "default-smdp-address",
                "--what",
                "preloaded-test-profiles,provisioning-profiles",
                "--what",
                "eim-config,immediate-enable-config",
                "--yes",
            ],
            &[
                "download",
                "LPA:1$s$m",
                "--confirmation-code",
                "1",
                "--imei",
                "2",
                "--smdp-connect",
                "h:1",
            ],
            &["apdu", "00A4", "80CA"],
            &[
                "bench",
                "--scenario",
                "download_20k",
                "--scenario",
                "idle_poll",
                "--latency-ms",
                "1",
                "--net-rtt-ms",
                "2",
                "--net-kbps",
                "3",
                "--nat-idle-secs",
                "4",
                "--stateful-tickets",
            ],
            &[
                "bench",
                "serve",
                "--dir",
                "d",
                "--profile-bytes",
                "1",
                "--baud",
                "2",
                "--latency-ms",
                "3",
                "--enable-package",
                "--mbim",
                "--qmi",
                "--stateful-tickets",
            ],
            &["run", "--config", "c"],
            &["status", "--config", "c", "--socket", "s"],
            &["poll-now", "--socket", "s"],
            &[
                "events",
                "--config",
                "c",
                "--socket",
                "s",
                "--state-dir",
                "d",
                "--limit",
                "3",
            ],
            &["asn1", "decode", "T", "00", "--version", "v1.0"],
            &["asn1", "types", "--version", "v1.2"],
            &["demo"],
            &[
                "sim",
                "serve",
                "--pty-link",
                "l",
                "--quirk",
                "a,b",
                "--quirk",
                "c",
                "--baud",
                "1",
                "--latency-ms",
                "2",
                "--network",
                "n",
                "--network-control",
                "c",
                "--eid",
                "e",
                "--identity",
                "i",
                "--sgp32",
                "v1.0",
                "--sim-state",
                "s",
                "--smdp-listen",
                "127.0.0.1:0",
                "--smdp-matching-id",
                "m",
                "--smdp-confirmation-code",
                "c",
                "--smdp-fault",
                "initiateAuthentication=http500",
                "--eim-listen",
                "127.0.0.1:0",
                "--eim-id",
                "e",
                "--eim-queue",
                "download",
                "--eim-acknowledge",
                "nothing",
                "--speak",
                "qmi",
                "--mbim-fault",
                "busy",
                "--qmi-fault",
                "drop-cid=2",
            ],
            &["sim", "quirks"],
            &[
                "sim",
                "identity",
                "--eid",
                "e",
                "--eum-cert",
                "c",
                "--eum-key",
                "k",
                "--ci",
                "a",
                "--ci",
                "b",
                "--out",
                "o",
            ],
        ];
        for line in lines {
            if let Err(error) = cli(line) {
                panic!("{line:?}: {error}");
            }
        }
        let Command::Bench(bench) = cli(lines[17]).unwrap().command else {
            panic!("bench")
        };
        assert_eq!(
            (
                bench.latency_ms,
                bench.net_rtt_ms,
                bench.net_kbps,
                bench.nat_idle_secs
            ),
            (1, 2, 3, 4)
        );
        assert_eq!(bench.scenarios.len(), 2);
        let Command::MemoryReset(reset) = cli(lines[14]).unwrap().command else {
            panic!("memory-reset")
        };
        assert_eq!(reset.what.len(), 7);
        let Command::Sim(sim::SimCommand::Serve(serve)) = cli(lines[26]).unwrap().command else {
            panic!("sim serve")
        };
        assert_eq!(serve.quirks, ["a", "b", "c"]);
        assert_eq!(serve.speak, sim::Speak::Qmi);
        assert_eq!(serve.qmi_faults, [sim::QmiFault::DropCid(2)]);
        assert_eq!(serve.eim.eim_queue, [sim_eim::QueuedPackage::Download]);
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let top = cli(&["info"]).unwrap();
        assert!(!top.json);
        let target = &top.target;
        assert_eq!(target.device, None);
        assert_eq!(target.baud, 115_200);
        assert_eq!(target.transport, TransportKind::Auto);
        assert_eq!(target.proxy, ProxyUse::Auto);
        assert_eq!(target.qmi_slot, crate::apdu::QmiSlot::FIRST);
        assert_eq!(target.modemmanager, MmSetting::Auto);
        assert_eq!(target.block_size, 255);
        assert!(!target.sim);
        let Command::Download(download) = cli(&["download", "LPA:1$s$m"]).unwrap().command else {
            panic!("download")
        };
        assert_eq!(download.remote.http_timeout, 60);
        assert_eq!(download.remote.system_ca, None);
        let Command::Eim(eim::EimCommand::Poll(poll)) =
            cli(&["eim", "poll", "--system-ca"]).unwrap().command
        else {
            panic!("eim poll")
        };
        assert_eq!(poll.max_polls, 32);
        assert_eq!(poll.binding, crate::remote::esipa::EsipaBinding::Asn1);
        assert_eq!(
            poll.remote.system_ca,
            Some(crate::remote::tls::SYSTEM_CA_BUNDLE.into())
        );
        let Command::Run(run) = cli(&["run"]).unwrap().command else {
            panic!("run")
        };
        assert_eq!(
            run.config,
            std::path::Path::new(crate::config::DEFAULT_PATH)
        );
        let Command::Events(events) = cli(&["events"]).unwrap().command else {
            panic!("events")
        };
        assert_eq!(events.limit, 50);
        let Command::Sim(sim::SimCommand::Serve(serve)) =
            cli(&["sim", "serve", "--pty-link", "l"]).unwrap().command
        else {
            panic!("sim serve")
        };
        assert_eq!(serve.speak, sim::Speak::At);
        assert_eq!(serve.smdp_matching_id, "EUICCD-SIM-1");
        assert_eq!(serve.eim.eim_id, "euiccd-sim-eim");
    }

    #[test]
    fn json_is_global() {
        for line in [
            &["--json", "profiles", "enable", "89440000000000000010"][..],
            &["profiles", "--json", "enable", "89440000000000000010"],
            &["profiles", "enable", "89440000000000000010", "--json"],
            &["sim", "quirks", "--json"],
        ] {
            assert!(cli(line).unwrap().json, "{line:?}");
        }
    }

    #[test]
    fn checks_of_values_and_combinations() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["--block-size", "5", "info"],
                "invalid value '5' for '--block-size <BLOCK_SIZE>': not in 6..=255",
            ),
            (&["--block-size", "256", "info"], "not in 6..=255"),
            (
                &["download", "x", "--http-timeout", "0"],
                "'--http-timeout <SECS>': not in 1..=600",
            ),
            (
                &["download", "x", "--http-timeout", "601"],
                "not in 1..=600",
            ),
            (
                &["--transport", "serial", "info"],
                "invalid value 'serial' for '--transport <TRANSPORT>'",
            ),
            (&["--proxy", "sometimes", "info"], "'--proxy <PROXY>'"),
            (
                &["memory-reset", "--what", "everything"],
                "possible values: operational-profiles",
            ),
            (
                &["memory-reset", "--yes"],
                "the option '--what <WHAT>' is required",
            ),
            (
                &["sim", "serve", "--pty-link", "l", "--speak", "x"],
                "possible values: at, qmi, mbim",
            ),
            (
                &["--sim", "--device", "/dev/x", "info"],
                "'--sim' cannot be used with '--device <DEVICE>'",
            ),
            (
                &["--identity", "d", "info"],
                "'--identity <DIR>' needs '--sim'",
            ),
            (
                &["--sim-state", "s", "info"],
                "'--sim-state <FILE>' needs '--sim'",
            ),
            (
                &[
                    "sim",
                    "serve",
                    "--pty-link",
                    "l",
                    "--smdp-listen",
                    "127.0.0.1:0",
                ],
                "'--smdp-listen <ADDR>' needs '--identity <DIR>'",
            ),
            (
                &["sim", "serve", "--pty-link", "l", "--eim-queue", "download"],
                "'--eim-queue <PACKAGE>' needs '--eim-listen <ADDR>'",
            ),
            (
                &["profiles", "delete", "1234"],
                "invalid value '1234' for '<ICCID>'",
            ),
            (&["notifications", "remove", "x"], "'<SEQ>'"),
            (&["apdu"], "the argument '<APDUS>' is required"),
            (&["eim"], "a subcommand is needed: list, add-initial, poll"),
            (&["info", "--device", "x"], "unexpected argument '--device'"),
            (
                &["bench", "serve", "--dir", "d"],
                "'--profile-bytes <PROFILE_BYTES>' is required",
            ),
            (&["certs", "--ci-pk-id", "zz"], "'--ci-pk-id <CI_PK_ID>'"),
            (
                &["asn1", "types", "--version", "v9"],
                "'--version <SGP32_VERSION>'",
            ),
        ];
        for (line, message) in cases {
            match cli(line) {
                Ok(cli) => panic!("{line:?} parsed: {:?}", cli.command),
                Err(error) => assert!(error.contains(message), "{line:?}: {error}"),
            }
        }
    }

    /// Walks the tree: every command's help names each of its options and visible subcommands.
    #[test]
    fn help_lists_every_command_and_option() {
        fn walk(path: &mut Vec<&'static str>, spec: &'static parser::Command) {
            let mut args = path.clone();
            args.push("--help");
            let text = help(&args);
            assert!(
                text.contains(spec.about.split("\n\n").next().unwrap()),
                "{text}"
            );
            for opt in spec.opts.iter().flat_map(|group| group.iter()) {
                assert!(
                    text.contains(&format!("{opt}")),
                    "{path:?} lacks {opt}: {text}"
                );
            }
            for sub in spec.subcommands {
                assert_eq!(
                    text.contains(&format!("\n  {} ", sub.name)),
                    !sub.hidden,
                    "{path:?}: {text}"
                );
                path.push(sub.name);
                walk(path, sub);
                path.pop();
            }
        }
        walk(&mut Vec::new(), &EUICCD);
        assert_eq!(
            help(&["--version"]),
            format!("euiccd {}\n", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(help(&["help", "eim", "poll"]), help(&["eim", "poll", "-h"]));
    }
}
