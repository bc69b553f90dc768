//! The time certificates are checked at, on a device that may not know what time it is.
//!
//! A gateway without a real-time clock boots in 1970 (or at its last shutdown) and learns the time from NTP,
//! which needs the very connection a download or a profile switch may be setting up. Checked at such a
//! clock, every certificate is "not valid yet". So TLS verifies at the **verification time**:
//!
//! > the system clock, but never earlier than the build time of this binary nor the latest time the daemon
//! > has seen and stored (the file `clock` in `state_dir`, as systemd-timesyncd keeps its clock file).
//!
//! A certificate that expired before that floor is still refused whatever the clock says, and with a sane
//! clock nothing changes. What an unset clock costs: a certificate that expired between the floor and the
//! true time passes, and one issued after the floor is "not valid yet" until the clock is set. A pinned eIM
//! key ([`crate::remote::tls::pinned_key_config`]) has no dates at all.
//!
//! The build time comes from `build.rs` (`SOURCE_DATE_EPOCH` when set, for reproducible builds).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The file in `state_dir` that holds the latest time the daemon has seen (decimal seconds since 1970).
pub(crate) const FILE_NAME: &str = "clock";

/// The build time of this binary, seconds since the Unix epoch.
pub(crate) const BUILD_TIME: u64 = parse_secs(env!("EUICCD_BUILD_TIME"));

/// How far the system clock must have moved past the stored time before the file is written again, to
/// spare the flash of a router polling every few minutes.
const STORE_EVERY: Duration = Duration::from_secs(3600);

/// The stored floor, seconds since 1970 (0: none). 32 bits: no 64-bit atomics on 32-bit MIPS, and it lasts
/// until 2106. Process-wide like the system clock itself, so every TLS configuration sees it.
static STORED: AtomicU32 = AtomicU32::new(0);

/// Where "now" comes from: the system clock, or a fixed time (tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum SystemClock {
    /// The system clock (in debug builds, `EUICCD_FAKE_NOW`, seconds since 1970, stands in for it).
    #[default]
    Real,
    /// This time.
    #[cfg(test)]
    Fixed(SystemTime),
}

impl SystemClock {
    /// What this clock says.
    pub(crate) fn now(self) -> SystemTime {
        match self {
            Self::Real => real_now(),
            #[cfg(test)]
            Self::Fixed(time) => time,
        }
    }
}

/// The system time; debug builds (tests) let `EUICCD_FAKE_NOW` replace it, release builds never do.
fn real_now() -> SystemTime {
    #[cfg(debug_assertions)]
    if let Some(secs) = std::env::var("EUICCD_FAKE_NOW")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return UNIX_EPOCH + Duration::from_secs(secs);
    }
    SystemTime::now()
}

/// The earliest time certificates are checked at: the build time or the stored time, whichever is later.
pub(crate) fn floor() -> SystemTime {
    let stored = u64::from(STORED.load(Ordering::Relaxed));
    UNIX_EPOCH + Duration::from_secs(BUILD_TIME.max(stored))
}

/// The verification time for a system clock that says `system` (see the module documentation).
pub(crate) fn verification_time(system: SystemTime) -> SystemTime {
    system.max(floor())
}

/// Whether a system clock that says `system` looks unset: earlier than the build or the stored time.
pub(crate) fn looks_unset(system: SystemTime) -> bool {
    system < floor()
}

/// A warning for `euiccd status` and the log when the system clock looks unset, `None` otherwise.
pub(crate) fn warning(system: SystemTime) -> Option<String> {
    looks_unset(system).then(|| {
        format!(
            "the system clock ({}) looks unset, being earlier than this build or the time last seen; \
             certificates are checked at {} until NTP sets it",
            secs(system),
            secs(floor())
        )
    })
}

/// `time` as a UTC date for messages.
fn secs(time: SystemTime) -> String {
    utc(time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0))
}

/// Seconds since 1970 as `YYYY-MM-DD HH:MM:SS UTC` (the days-to-civil conversion of the proleptic
/// Gregorian calendar; a dependency for one message would be more code than this).
pub(crate) fn utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let rest = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Reads the stored time of `state_dir` (no file: nothing stored yet). An unreadable file is an error the
/// daemon logs; the floor then stays the build time.
pub(crate) fn load(state_dir: &Path) -> std::io::Result<()> {
    let text = match std::fs::read_to_string(state_dir.join(FILE_NAME)) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    let secs = text
        .trim()
        .parse::<u32>()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    STORED.fetch_max(secs, Ordering::Relaxed);
    Ok(())
}

/// Stores `system` in `state_dir` when it is sane and at least an hour past the stored time. Written to a
/// temporary file, synced and renamed over the old one, so a power cut leaves the old or the new time.
pub(crate) fn remember(state_dir: &Path, system: SystemTime) -> std::io::Result<()> {
    let Ok(since_epoch) = system.duration_since(UNIX_EPOCH) else {
        return Ok(());
    };
    let secs = u32::try_from(since_epoch.as_secs()).unwrap_or(u32::MAX);
    let stored = STORED.load(Ordering::Relaxed);
    if looks_unset(system) || u64::from(secs) < u64::from(stored) + STORE_EVERY.as_secs() {
        return Ok(());
    }
    let path = state_dir.join(FILE_NAME);
    let temporary = state_dir.join(format!("{FILE_NAME}.tmp"));
    let mut file = std::fs::File::create(&temporary)?;
    writeln!(file, "{secs}")?;
    file.sync_all()?;
    std::fs::rename(&temporary, &path)?;
    STORED.fetch_max(secs, Ordering::Relaxed);
    Ok(())
}

/// Parses the decimal digits of `EUICCD_BUILD_TIME` at compile time.
const fn parse_secs(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut value = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        assert!(
            bytes[i].is_ascii_digit(),
            "EUICCD_BUILD_TIME is not a number"
        );
        value = value * 10 + (bytes[i] - b'0') as u64;
        i += 1;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn an_unset_clock_is_raised_to_the_build_time_and_a_sane_one_is_kept() {
        assert!(at(BUILD_TIME) > at(1_700_000_000), "{BUILD_TIME}");
        assert!(verification_time(at(86_400)) >= at(BUILD_TIME));
        assert!(looks_unset(at(86_400)));
        assert!(
            warning(at(86_400))
                .unwrap()
                .contains("(1970-01-02 00:00:00 UTC) looks unset")
        );
        // Ten years on: past any floor another test of this process may have stored.
        let later = at(BUILD_TIME) + Duration::from_secs(10 * 365 * 24 * 3600);
        assert_eq!(verification_time(later), later);
        assert!(!looks_unset(later));
        assert_eq!(warning(later), None);
    }

    #[test]
    fn dates_read_as_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_796_489_005), "2026-12-05 16:43:25 UTC");
        assert_eq!(utc(4_102_444_800), "2100-01-01 00:00:00 UTC");
    }

    #[test]
    fn the_stored_time_raises_the_floor_and_survives_in_its_file() {
        let dir = tempfile::tempdir().unwrap();
        load(dir.path()).unwrap();
        // Far past the build time, as a daemon that ran for a year would have seen.
        let seen = floor() + Duration::from_secs(365 * 24 * 3600);
        remember(dir.path(), seen).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        let secs = seen.duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(text.trim(), secs.to_string());
        assert!(floor() >= seen);
        assert!(verification_time(at(86_400)) >= seen);
        // An unset clock is never stored, and a corrupt file is an error, not a silent floor of 1970.
        remember(dir.path(), at(86_400)).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            text
        );
        std::fs::write(dir.path().join(FILE_NAME), "garbage").unwrap();
        assert!(load(dir.path()).is_err());
    }
}
