//! Diagnostics on stderr for the commands that talk to a modem: `EUICCD_LOG=debug` shows the AT traffic.

use tracing::Level;

/// The environment variable that sets the log level (`error`, `warn`, `info`, `debug`, `trace`).
pub(crate) const LOG_ENV: &str = "EUICCD_LOG";

/// Installs a stderr logger at the level from [`LOG_ENV`] (default `warn`).
pub(crate) fn init() {
    let level = std::env::var(LOG_ENV)
        .ok()
        .and_then(|v| v.parse::<Level>().ok())
        .unwrap_or(Level::WARN);
    // A logger may already be installed (tests running several commands in one process); keep it then.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .try_init();
}
