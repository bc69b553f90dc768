//! Times as RFC 3339 in UTC (`2026-12-07T02:31:07.123Z`), for upstream events, status and log lines: one
//! conversion from the Unix clock, which is all the program needs of a calendar.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many digits of the second's fraction are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fraction {
    /// Three: events and status.
    Millis,
    /// Six: log lines.
    Micros,
}

/// A time that displays as RFC 3339 in UTC; times before 1970 display as the epoch.
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339(pub SystemTime, pub Fraction);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = self.0.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = since.as_secs();
        let (days, rest) = (secs / 86_400, secs % 86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        )?;
        match self.1 {
            Fraction::Millis => write!(f, "{:03}Z", since.subsec_millis()),
            Fraction::Micros => write!(f, "{:06}Z", since.subsec_micros()),
        }
    }
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, micros: u64, fraction: Fraction) -> String {
        let time = UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros);
        Rfc3339(time, fraction).to_string()
    }

    #[test]
    fn known_dates_in_both_precisions() {
        use Fraction::{Micros, Millis};
        assert_eq!(at(0, 0, Millis), "1970-01-01T00:00:00.000Z");
        // Leap days: 2000-02-29 (a leap century), 2024-02-29 and the day after.
        assert_eq!(at(951_782_400, 5_000, Millis), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_709_164_800, 0, Micros), "2024-02-29T00:00:00.000000Z");
        assert_eq!(at(1_709_251_200, 1, Micros), "2024-03-01T00:00:00.000001Z");
        // `date -u -d @1796610667`: Mon Dec  7 02:31:07 UTC 2026.
        assert_eq!(
            at(1_796_610_667, 123_456, Micros),
            "2026-12-07T02:31:07.123456Z"
        );
        assert_eq!(
            at(1_795_512_453, 123_000, Millis),
            "2026-11-24T09:27:33.123Z"
        );
        assert_eq!(
            at(4_102_444_799, 999_999, Millis),
            "2099-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn times_before_1970_are_the_epoch() {
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(
            Rfc3339(before, Fraction::Millis).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
