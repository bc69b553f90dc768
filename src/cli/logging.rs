//! Diagnostics on stderr for the commands that talk to a modem: `EUICCD_LOG=debug` shows the AT traffic.

use crate::logger::{self, Format, Levels};
use tracing::level_filters::LevelFilter;

/// The environment variable that sets the log levels: `error`, `warn`, `info`, `debug`, `trace`, or per
/// module as in the daemon's `log.level` (`warn,euiccd::modem=debug`).
pub(crate) const LOG_ENV: &str = "EUICCD_LOG";

/// Installs a stderr logger at the levels from [`LOG_ENV`] (default, or a setting that does not parse:
/// `warn`).
pub(crate) fn init() {
    let levels = std::env::var(LOG_ENV)
        .ok()
        .and_then(|v| v.parse::<Levels>().ok())
        .unwrap_or(Levels::all(LevelFilter::WARN));
    // A logger may already be installed (tests running several commands in one process); keep it then.
    let _ = logger::install(levels, Format::Plain);
}
