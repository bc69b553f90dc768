//! `euiccd run`: the daemon, under its configuration file.

use super::control_inspector::CliInspector;
use super::target::runtime;
use super::{EXIT_INPUT, Failure};
use crate::config::{self, DEFAULT_PATH};
use crate::daemon::{self, Settings, logging};
use anyhow::anyhow;
use clap::Args;
use std::path::PathBuf;

/// Options of `run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The configuration file.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PATH)]
    pub(crate) config: PathBuf,
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
