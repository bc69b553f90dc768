//! The byte counters of the modem's network interface, read from `<base>/<if>/statistics/{rx,tx}_bytes`
//! (`/sys/class/net` on Linux; configurable so tests use a directory of their own).

use std::io::Read;
use std::path::PathBuf;

/// The default base directory.
pub(crate) const SYS_CLASS_NET: &str = "/sys/class/net";
/// A counter file holds a decimal u64; anything longer is not one.
const MAX_COUNTER_FILE: u64 = 32;

/// Why the counters could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    /// The interface name is not one Linux accepts (empty, over 15 bytes, `/` or whitespace).
    #[error("{0:?} is not a network interface name")]
    BadInterface(String),
    /// The file could not be read (the interface is gone, or this is not Linux).
    #[error("cannot read {}", .path.display())]
    Read {
        /// The counter file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file does not hold a counter.
    #[error("{} does not hold a byte counter", .0.display())]
    NotACounter(PathBuf),
}

/// Where one interface's counters are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceCounters {
    statistics: PathBuf,
}

impl InterfaceCounters {
    /// The counters of `interface` under `base`.
    pub fn new(base: impl Into<PathBuf>, interface: &str) -> Result<Self, CounterError> {
        let valid = !interface.is_empty()
            && interface.len() <= 15
            && !matches!(interface, "." | "..")
            && !interface.contains(|c: char| c == '/' || c.is_whitespace() || c.is_control());
        if !valid {
            return Err(CounterError::BadInterface(interface.to_owned()));
        }
        Ok(Self {
            statistics: base.into().join(interface).join("statistics"),
        })
    }

    /// Bytes received and sent since the interface came up: `(rx, tx)`.
    pub(crate) fn read(&self) -> Result<(u64, u64), CounterError> {
        Ok((self.counter("rx_bytes")?, self.counter("tx_bytes")?))
    }

    fn counter(&self, name: &str) -> Result<u64, CounterError> {
        let path = self.statistics.join(name);
        let mut text = String::new();
        std::fs::File::open(&path)
            .and_then(|file| file.take(MAX_COUNTER_FILE).read_to_string(&mut text))
            .map_err(|source| CounterError::Read {
                path: path.clone(),
                source,
            })?;
        text.trim()
            .parse()
            .map_err(|_| CounterError::NotACounter(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_counters_and_refuses_bad_input() {
        let dir = std::env::temp_dir().join(format!("euiccd-counters-{}", std::process::id()));
        let stats = dir.join("wwan0").join("statistics");
        std::fs::create_dir_all(&stats).unwrap();
        std::fs::write(stats.join("rx_bytes"), "12345\n").unwrap();
        std::fs::write(stats.join("tx_bytes"), "678\n").unwrap();
        let counters = InterfaceCounters::new(&dir, "wwan0").unwrap();
        assert_eq!(counters.read().unwrap(), (12345, 678));
        std::fs::write(stats.join("tx_bytes"), "lots").unwrap();
        assert!(matches!(counters.read(), Err(CounterError::NotACounter(_))));
        let missing = InterfaceCounters::new(&dir, "wwan1").unwrap();
        assert!(matches!(missing.read(), Err(CounterError::Read { .. })));
        for bad in ["", "..", "a/b", "wwan 0", "sixteen-chars-ab"] {
            assert!(InterfaceCounters::new(&dir, bad).is_err(), "{bad:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
