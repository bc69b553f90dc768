//! Which events a level setting lets through: `info`, or `warn,euiccd::modem=debug`.

use std::str::FromStr;
use tracing::Metadata;
use tracing::level_filters::LevelFilter;

/// A default level and levels per module (target prefix); the longest matching prefix decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Levels {
    default: LevelFilter,
    /// `(target prefix, level)`, longest prefix first.
    modules: Vec<(String, LevelFilter)>,
}

impl Levels {
    /// One level for everything.
    pub(crate) fn all(level: LevelFilter) -> Self {
        Self {
            default: level,
            modules: Vec::new(),
        }
    }

    /// The most verbose level anything is let through at.
    pub(crate) fn most_verbose(&self) -> LevelFilter {
        self.modules
            .iter()
            .map(|&(_, level)| level)
            .fold(self.default, LevelFilter::max)
    }

    /// Whether an event or span with `metadata` is let through.
    pub(crate) fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let target = metadata.target();
        let level = self
            .modules
            .iter()
            .find(|(prefix, _)| is_within(target, prefix))
            .map_or(self.default, |&(_, level)| level);
        level >= *metadata.level()
    }
}

/// True when `target` is the module `prefix` or inside it.
fn is_within(target: &str, prefix: &str) -> bool {
    target
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

impl FromStr for Levels {
    type Err = String;

    /// Every comma-separated directive is `LEVEL` (the default for modules not named; the last one wins) or
    /// `MODULE=LEVEL`, with LEVEL one of error, warn, info, debug, trace, off. Without a bare LEVEL, modules
    /// not named log nothing.
    fn from_str(setting: &str) -> Result<Self, String> {
        let mut levels = Self::all(LevelFilter::OFF);
        for directive in setting.split(',').map(str::trim) {
            let bad = || {
                format!(
                    "{directive:?} is not LEVEL or MODULE=LEVEL (error, warn, info, debug, trace, off)"
                )
            };
            match directive.split_once('=') {
                Some((module, level)) if !module.trim().is_empty() => {
                    let level = LevelFilter::from_str(level.trim()).map_err(|_| bad())?;
                    levels.modules.push((module.trim().to_owned(), level));
                }
                Some(_) => return Err(bad()),
                None => levels.default = LevelFilter::from_str(directive).map_err(|_| bad())?,
            }
        }
        levels
            .modules
            .sort_by_key(|(module, _)| std::cmp::Reverse(module.len()));
        Ok(levels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;
    use tracing::callsite::Identifier;
    use tracing::field::FieldSet;
    use tracing::metadata::Kind;

    struct Site;
    impl tracing::Callsite for Site {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            unreachable!("not registered")
        }
    }
    static SITE: Site = Site;

    fn event(target: &'static str, level: Level) -> Metadata<'static> {
        Metadata::new(
            "event",
            target,
            level,
            None,
            None,
            None,
            FieldSet::new(&[], Identifier(&SITE)),
            Kind::EVENT,
        )
    }

    #[test]
    fn the_longest_module_prefix_decides_and_only_at_module_boundaries() {
        let levels: Levels = "warn,euiccd::modem=debug,euiccd::modem::engine=error"
            .parse()
            .unwrap();
        assert!(levels.enabled(&event("euiccd::modem::port", Level::DEBUG)));
        assert!(!levels.enabled(&event("euiccd::modem::port", Level::TRACE)));
        assert!(!levels.enabled(&event("euiccd::modem::engine", Level::WARN)));
        assert!(levels.enabled(&event("euiccd::modem::engine", Level::ERROR)));
        assert!(!levels.enabled(&event("euiccd::modemmanager", Level::INFO)));
        assert!(levels.enabled(&event("euiccd::daemon", Level::WARN)));
        assert!(!levels.enabled(&event("euiccd::daemon", Level::INFO)));
    }

    #[test]
    fn the_most_verbose_level_counts_every_module() {
        let levels: Levels = "warn,euiccd::apdu=debug,euiccd::modem=info"
            .parse()
            .unwrap();
        assert_eq!(levels.most_verbose(), LevelFilter::DEBUG);
        let quiet: Levels = "euiccd::apdu=error".parse().unwrap();
        assert_eq!(quiet.most_verbose(), LevelFilter::ERROR);
        assert_eq!(
            Levels::all(LevelFilter::TRACE).most_verbose(),
            LevelFilter::TRACE
        );
    }

    #[test]
    fn every_directive_must_end_in_a_level() {
        assert_eq!("info".parse::<Levels>(), Ok(Levels::all(LevelFilter::INFO)));
        assert_eq!("OFF".parse::<Levels>(), Ok(Levels::all(LevelFilter::OFF)));
        let only_modem: Levels = "euiccd::modem=debug".parse().unwrap();
        assert!(!only_modem.enabled(&event("euiccd::daemon", Level::ERROR)));
        for bad in ["loud", "info,euiccd", "euiccd=loud", "=info"] {
            let error = bad.parse::<Levels>().unwrap_err();
            assert!(
                error.contains("is not LEVEL or MODULE=LEVEL"),
                "{bad}: {error}"
            );
        }
    }
}
