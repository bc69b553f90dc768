//! The daemon's logs: events to stderr in the format the configuration asks for, with a level per module
//! that SIGHUP can change ([`crate::logger`]).
//!
//! Under systemd, stderr is a stream into the journal (`JOURNAL_STREAM` is set): lines then carry a `<N>`
//! syslog priority prefix (sd-daemon(3)) and no timestamp, which the journal adds itself. This needs no
//! journald socket, so it also works in a container or with `systemd-run`.

use crate::config::{LogConfig, LogFormat, log_levels};
use crate::logger::{self, Format, LevelHandle};

/// Changes the log level of the running daemon.
#[derive(Debug)]
pub(crate) struct LogHandle(LevelHandle);

/// Why logging could not be set up or changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LogError {
    /// The level setting does not parse.
    #[error("log.level: {0}")]
    Level(String),
    /// A logger is installed already.
    #[error("logging: {0}")]
    Install(String),
}

impl LogHandle {
    /// Applies a new level setting (`info`, `warn,euiccd::modem=debug`).
    pub(crate) fn set_level(&self, setting: &str) -> Result<(), LogError> {
        self.0.set(log_levels(setting).map_err(LogError::Level)?);
        Ok(())
    }
}

/// Installs the global logger described by `config`; `journal_stream` is whether `JOURNAL_STREAM` is set.
pub(crate) fn init(config: &LogConfig, journal_stream: bool) -> Result<LogHandle, LogError> {
    let levels = log_levels(&config.level).map_err(LogError::Level)?;
    let format = match config.format {
        LogFormat::Auto if journal_stream => Format::Journald,
        LogFormat::Auto | LogFormat::Plain => Format::Plain,
        LogFormat::Journald => Format::Journald,
        LogFormat::Json => Format::Json,
    };
    logger::install(levels, format)
        .map(LogHandle)
        .map_err(LogError::Install)
}
