//! The daemon's logs: tracing to stderr in the format the configuration asks for, with a level per module
//! that SIGHUP can change.
//!
//! Under systemd, stderr is a stream into the journal (`JOURNAL_STREAM` is set): lines then carry a `<N>`
//! syslog priority prefix (sd-daemon(3)) and no timestamp, which the journal adds itself. This needs no
//! journald socket, so it also works in a container or with `systemd-run`.

use crate::config::{LogConfig, LogFormat, log_targets};
use std::fmt;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry, reload};

/// Changes the log level of the running daemon.
#[derive(Debug)]
pub(crate) struct LogHandle(reload::Handle<Targets, Registry>);

/// Why logging could not be set up or changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LogError {
    /// The level setting does not parse.
    #[error("log.level: {0}")]
    Level(String),
    /// A logger is installed already, or the filter is gone.
    #[error("logging: {0}")]
    Install(String),
}

impl LogHandle {
    /// Applies a new level setting (`info`, `warn,euiccd::modem=debug`).
    pub(crate) fn set_level(&self, setting: &str) -> Result<(), LogError> {
        let targets = log_targets(setting).map_err(LogError::Level)?;
        self.0
            .reload(targets)
            .map_err(|e| LogError::Install(e.to_string()))
    }
}

/// Installs the global logger described by `config`; `journal_stream` is whether `JOURNAL_STREAM` is set.
pub(crate) fn init(config: &LogConfig, journal_stream: bool) -> Result<LogHandle, LogError> {
    let targets = log_targets(&config.level).map_err(LogError::Level)?;
    let (filter, handle) = reload::Layer::new(targets);
    let format = match config.format {
        LogFormat::Auto if journal_stream => LogFormat::Journald,
        LogFormat::Auto => LogFormat::Plain,
        other => other,
    };
    let output = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let output = match format {
        LogFormat::Json => output.json().boxed(),
        LogFormat::Journald => output.event_format(Journald).boxed(),
        LogFormat::Plain | LogFormat::Auto => output.boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .try_init()
        .map_err(|e| LogError::Install(e.to_string()))?;
    Ok(LogHandle(handle))
}

/// `<priority>target: message fields`, one line per event.
struct Journald;

impl<S, N> FormatEvent<S, N> for Journald
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        write!(
            writer,
            "<{}>{}: ",
            priority(*metadata.level()),
            metadata.target()
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The syslog priority of a level: err 3, warning 4, info 6, debug 7.
fn priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_syslog_priorities() {
        let priorities: Vec<u8> = [
            Level::ERROR,
            Level::WARN,
            Level::INFO,
            Level::DEBUG,
            Level::TRACE,
        ]
        .into_iter()
        .map(priority)
        .collect();
        assert_eq!(priorities, [3, 4, 6, 7, 7]);
    }
}
