//! `euiccd run`: the daemon, under its configuration file.

use super::control_inspector::CliInspector;
use super::parser::{Command, Matches, Opt, UsageError};
use super::target::runtime;
use super::{EXIT_INPUT, Failure};
use crate::config::{self, DEFAULT_PATH};
use crate::daemon::{self, Settings, logging};
use anyhow::anyhow;
use std::path::PathBuf;

/// Options of `run`.
#[derive(Debug)]
pub(crate) struct RunArgs {
    /// The configuration file.
    pub(crate) config: PathBuf,
}

/// `euiccd run`.
pub(crate) const COMMAND: Command = Command {
    opts: &[&[Opt::value("config", "FILE", "The configuration file.").default(DEFAULT_PATH)]],
    ..Command::new(
        "run",
        "Run the daemon: poll the eIMs, serve the control socket (configuration: --config FILE).",
    )
};

impl RunArgs {
    /// The options [`COMMAND`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            config: m.needed_path("config")?,
        })
    }
}

/// Reads the configuration, installs the logger and runs the daemon until SIGTERM or SIGINT.
pub(crate) fn run(args: RunArgs) -> Result<(), Failure> {
    let config =
        config::load(&args.config, |name| std::env::var(name).ok()).map_err(Failure::input)?;
    config::check_trust_anchors(&config).map_err(Failure::input)?;
    let journal = std::env::var_os("JOURNAL_STREAM").is_some();
    let log = logging::init(&config.log, journal).map_err(|e| Failure {
        error: anyhow!(e),
        code: EXIT_INPUT,
    })?;
    let settings = Settings {
        path: args.config,
        config,
    };
    runtime()?.block_on(daemon::run(settings, log, &CliInspector))?;
    Ok(())
}
