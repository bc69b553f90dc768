//! Diagnostics on stderr for the commands that talk to a modem: `EUICCD_LOG=debug` shows the AT traffic.

use crate::logger::{self, Format, Levels};
use tracing::level_filters::LevelFilter;

/// The environment variable that sets the log level (`error`, `warn`, `info`, `debug`, `trace`).
pub(crate) const LOG_ENV: &str = "EUICCD_LOG";

/// Installs a stderr logger at the level from [`LOG_ENV`] (default `warn`).
pub(crate) fn init() {
    let level = std::env::var(LOG_ENV)
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::WARN);
    // A logger may already be installed (tests running several commands in one process); keep it then.
    let _ = logger::install(Levels::all(level), Format::Plain);
}
