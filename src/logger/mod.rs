//! The process's logger: `tracing` events as lines on stderr, plain, journald-style or JSON, filtered by a level
//! setting that can change while the daemon runs (SIGHUP).
//!
//! Why by hand rather than `tracing-subscriber`: its registry, formatters and filter layers were 74 KB of code
//! on the router build (mipsel musl, `scripts/size-crates.sh`, 2026-12-07) and a span registry this program
//! never uses (it records no spans). Events only, one line each, is all euiccd needs: this module is the
//! `Subscriber` for that, with the line shapes of the formats `tracing-subscriber` printed before, so
//! operators' log parsers keep working.

mod filter;
mod line;

pub(crate) use filter::Levels;
pub(crate) use line::Format;

use std::io::Write;
use std::sync::{Arc, PoisonError, RwLock};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// Changes the level setting of the installed logger.
#[derive(Debug, Clone)]
pub(crate) struct LevelHandle(Arc<RwLock<Levels>>);

impl LevelHandle {
    /// Lets through what `levels` allows from now on: every callsite's interest is decided again.
    pub(crate) fn set(&self, levels: Levels) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = levels;
        tracing::callsite::rebuild_interest_cache();
    }
}

/// Installs the global logger; `Err` when one is installed already (tests running several commands in one
/// process keep the first).
pub(crate) fn install(levels: Levels, format: Format) -> Result<LevelHandle, String> {
    let levels = Arc::new(RwLock::new(levels));
    let logger = Logger {
        levels: Arc::clone(&levels),
        format,
    };
    tracing::subscriber::set_global_default(logger).map_err(|e| e.to_string())?;
    Ok(LevelHandle(levels))
}

/// The subscriber: see the module documentation.
struct Logger {
    levels: Arc<RwLock<Levels>>,
    format: Format,
}

impl Subscriber for Logger {
    /// Decided once per callsite from the levels, and again when they change ([`LevelHandle::set`]): an
    /// event the levels leave out then costs its callsite one atomic load, not a lock and a module lookup.
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        match self.enabled(metadata) {
            true => Interest::always(),
            false => Interest::never(),
        }
    }

    /// The most verbose level any module logs at, so `tracing` skips what is more verbose still before
    /// asking the callsite.
    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(
            self.levels
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .most_verbose(),
        )
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.levels
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .enabled(metadata)
    }

    /// Spans are not recorded: every span gets the same id.
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let line = self.format.line(event, std::time::SystemTime::now());
        // One write per line, so lines of concurrent events do not interleave; a failing stderr is ignored,
        // as there is nowhere else to say so.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
