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

use clap::{Parser, Subcommand};
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
#[derive(Debug, Parser)]
#[command(
    name = "euiccd",
    version,
    about = "GSMA SGP.32 IoT Profile Assistant for cellular gateways"
)]
pub(crate) struct Cli {
    /// Print one JSON document instead of a human-readable table.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Which card to talk to (`--device`, `--baud`, `--transport`, `--sim`).
    #[command(flatten)]
    pub(crate) target: target::TargetArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Inspect SGP.22 / SGP.32 messages.
    #[cfg(feature = "asn1-tool")]
    #[command(subcommand)]
    Asn1(asn1::Asn1Command),
    /// A fleet operator's day on a simulated device: the simulated modem (on a PTY), eUICC, SM-DP+ and eIM
    /// in this process and the real agent against them; no hardware, no configuration.
    #[cfg(feature = "sim")]
    Demo(demo::DemoArgs),
    /// Show what the eUICC says about itself: EID, EUICCInfo1 and EUICCInfo2.
    Info,
    /// List the profiles, or enable, disable, delete or rename one (ES10c).
    Profiles(profiles::ProfilesArgs),
    /// List or remove pending notifications.
    #[command(subcommand)]
    Notifications(notifications::NotificationsCommand),
    /// List the eIM configurations, or add the initial eIM.
    #[command(subcommand)]
    Eim(eim::EimCommand),
    /// Show the EUM and eUICC certificates (GetCerts).
    Certs(certs::CertsArgs),
    /// Erase profiles or configuration (EuiccMemoryReset); needs --yes.
    MemoryReset(memory_reset::MemoryResetArgs),
    /// Download a profile from an SM-DP+ with an activation code (ES9+, direct).
    Download(download::DownloadArgs),
    /// Send raw APDUs on the ISD-R channel (debugging).
    Apdu(apdu::ApduArgs),
    /// Measure downloads and eIM polls over a paced simulated modem link, or a real modem (--device).
    Bench(bench::BenchArgs),
    /// Run the daemon: poll the eIMs, serve the control socket (configuration: --config FILE).
    Run(run::RunArgs),
    /// Show the running daemon's status.
    Status(control::ControlArgs),
    /// Make the running daemon poll its eIMs now, and print the outcome.
    PollNow(control::ControlArgs),
    /// Show the recent network and SMS events (from the running daemon, or its store).
    Events(control::EventsArgs),
    /// The simulated modem (tests, demos, benchmarks, no hardware).
    #[cfg(feature = "sim")]
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// Verify a store file (internal: the daemon and `events` run it as a child process, so that a
    /// damaged file cannot take them down; see `store::check`).
    #[command(name = "store-check", hide = true)]
    StoreCheck {
        /// The store file.
        file: std::path::PathBuf,
    },
}

/// Parses the command line, runs the command and maps its outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::StoreCheck { file } => {
            crate::store::check::inspect(&file, &mut std::io::stdout().lock())
                .map_err(Failure::from)
        }
    };
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
