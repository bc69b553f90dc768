//! When to poll the eIM next (SGP.32 §3.1.1.1; the timing is our choice): a sans-IO scheduler for the daemon to drive.
//!
//! The caller reports each poll cycle's [`Outcome`] with the clock value at its end, and sleeps until
//! [`Schedule::next_poll`]. The rules:
//! - a package came: poll again at once, until the eIM has nothing more;
//! - nothing to do: the configured interval, moved by up to ± the configured jitter so that a fleet does not
//!   poll in step;
//! - a failure: exponential back-off with full jitter: a delay drawn uniformly from zero to a ceiling that
//!   starts at the initial delay and doubles per consecutive failure up to the cap. After a regional outage
//!   a million devices fail together; a fixed back-off would bring them back in lockstep, each wave as
//!   large as the first, while full jitter spreads each wave over its whole window;
//! - [`Schedule::poll_now`] (a local event, an operator request): at once.
//!
//! Clock values are [`Duration`]s since any fixed origin (e.g. a monotonic clock's start); the jitter comes
//! from an injected [`JitterSource`], so that tests are deterministic.

use std::time::Duration;

use super::eim::{PollError, PollOutcome};

/// What a poll cycle did, as far as scheduling is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A package was carried out (or answered): there may be more.
    Executed,
    /// The eIM had nothing to do.
    NoPackage,
    /// The cycle failed (connection, eUICC, or an eIM error).
    Failed,
}

impl From<&Result<PollOutcome, PollError>> for Outcome {
    fn from(result: &Result<PollOutcome, PollError>) -> Self {
        match result {
            Ok(PollOutcome::Executed { .. } | PollOutcome::Rejected { .. }) => Self::Executed,
            Ok(PollOutcome::NoPackage) => Self::NoPackage,
            Ok(PollOutcome::EimRefused { .. }) | Err(_) => Self::Failed,
        }
    }
}

/// The scheduling policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScheduleConfig {
    /// The delay between polls while the eIM has nothing to do.
    pub(crate) interval: Duration,
    /// The largest offset, either way, applied to `interval`.
    pub(crate) jitter: Duration,
    /// The delay after a first failure.
    pub(crate) backoff_initial: Duration,
    /// The largest delay after repeated failures.
    pub(crate) backoff_cap: Duration,
}

/// A source of uniformly distributed random numbers for the jitter.
pub(crate) trait JitterSource {
    /// The next number, uniform over the whole `u32` range.
    fn next_u32(&mut self) -> u32;
}

impl<F: FnMut() -> u32> JitterSource for F {
    fn next_u32(&mut self) -> u32 {
        self()
    }
}

/// The poll scheduler. See the module documentation.
#[derive(Debug)]
pub(crate) struct Schedule<J> {
    config: ScheduleConfig,
    jitter: J,
    failures: u32,
    next: Duration,
}

impl<J: JitterSource> Schedule<J> {
    /// A schedule whose first poll is due at `now` (poll at every start).
    pub(crate) fn new(config: ScheduleConfig, jitter: J, now: Duration) -> Self {
        Self {
            config,
            jitter,
            failures: 0,
            next: now,
        }
    }

    /// When the next poll is due.
    pub(crate) fn next_poll(&self) -> Duration {
        self.next
    }

    /// Whether a poll is due at `now`.
    #[cfg(test)]
    pub(crate) fn is_due(&self, now: Duration) -> bool {
        now >= self.next
    }

    /// Makes a poll due at `now` (an immediate poll on request).
    pub(crate) fn poll_now(&mut self, now: Duration) {
        self.next = self.next.min(now);
    }

    /// Records the outcome of a cycle that ended at `now`; returns when the next poll is due.
    pub(crate) fn record(&mut self, outcome: Outcome, now: Duration) -> Duration {
        let delay = match outcome {
            Outcome::Executed => {
                self.failures = 0;
                Duration::ZERO
            }
            Outcome::NoPackage => {
                self.failures = 0;
                self.jittered_interval()
            }
            Outcome::Failed => {
                self.failures = self.failures.saturating_add(1);
                self.backoff()
            }
        };
        self.next = now.saturating_add(delay);
        self.next
    }

    /// The interval moved by a random offset in `[-jitter, +jitter]` (never below zero).
    fn jittered_interval(&mut self) -> Duration {
        let offset = scale(2 * self.config.jitter, self.jitter.next_u32());
        (self.config.interval + offset).saturating_sub(self.config.jitter)
    }

    /// A delay drawn uniformly from zero to [`Schedule::backoff_ceiling`] (full jitter).
    fn backoff(&mut self) -> Duration {
        scale(self.backoff_ceiling(), self.jitter.next_u32())
    }

    /// The initial back-off doubled per failure after the first, capped.
    fn backoff_ceiling(&self) -> Duration {
        let doublings = self.failures.saturating_sub(1);
        let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
        self.config
            .backoff_initial
            .saturating_mul(factor)
            .min(self.config.backoff_cap)
    }
}

/// `random / u32::MAX` of `span`: uniform over `[0, span]` for a uniform `random`.
fn scale(span: Duration, random: u32) -> Duration {
    let nanos = span.as_nanos() * u128::from(random) / u128::from(u32::MAX);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: ScheduleConfig = ScheduleConfig {
        interval: Duration::from_secs(3600),
        jitter: Duration::from_secs(60),
        backoff_initial: Duration::from_secs(10),
        backoff_cap: Duration::from_secs(300),
    };

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn schedule(jitter: u32) -> Schedule<impl JitterSource> {
        Schedule::new(CONFIG, move || jitter, secs(100))
    }

    #[test]
    fn the_first_poll_is_due_at_once() {
        let s = schedule(0);
        assert_eq!(s.next_poll(), secs(100));
        assert!(s.is_due(secs(100)));
        assert!(!s.is_due(secs(99)));
    }

    #[test]
    fn packages_make_it_poll_again_at_once() {
        let mut s = schedule(0);
        assert_eq!(s.record(Outcome::Executed, secs(105)), secs(105));
        assert_eq!(s.record(Outcome::Executed, secs(107)), secs(107));
    }

    #[test]
    fn idle_polls_follow_the_interval_within_the_jitter() {
        assert_eq!(schedule(0).record(Outcome::NoPackage, secs(0)), secs(3540));
        assert_eq!(
            schedule(u32::MAX).record(Outcome::NoPackage, secs(0)),
            secs(3660)
        );
        let middle = schedule(u32::MAX / 2).record(Outcome::NoPackage, secs(0));
        assert!(
            middle.abs_diff(secs(3600)) < Duration::from_millis(1),
            "{middle:?}"
        );
    }

    #[test]
    fn jitter_never_goes_below_zero() {
        let config = ScheduleConfig {
            jitter: secs(7200),
            ..CONFIG
        };
        let mut s = Schedule::new(config, || 0, secs(0));
        assert_eq!(s.record(Outcome::NoPackage, secs(10)), secs(10));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        // The largest draw gives the ceiling: it doubles per failure, capped.
        let mut s = schedule(u32::MAX);
        let delays: Vec<u64> = (0..8)
            .map(|_| s.record(Outcome::Failed, secs(0)).as_secs())
            .collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
        for _ in 0..100 {
            s.record(Outcome::Failed, secs(0));
        }
        assert_eq!(s.record(Outcome::Failed, secs(0)), secs(300));
        // The smallest draw retries at once, half of it half-way.
        assert_eq!(schedule(0).record(Outcome::Failed, secs(7)), secs(7));
        let half = schedule(u32::MAX / 2).record(Outcome::Failed, secs(0));
        assert!(
            half.abs_diff(secs(5)) < Duration::from_millis(1),
            "{half:?}"
        );
    }

    #[test]
    fn success_resets_the_back_off() {
        let mut s = schedule(u32::MAX);
        s.record(Outcome::Failed, secs(0));
        s.record(Outcome::Failed, secs(0));
        s.record(Outcome::NoPackage, secs(0));
        assert_eq!(s.record(Outcome::Failed, secs(0)), secs(10));
        s.record(Outcome::Executed, secs(0));
        assert_eq!(s.record(Outcome::Failed, secs(0)), secs(10));
    }

    /// xorshift32: a deterministic stand-in for the daemon's random source.
    fn xorshift(seed: u32) -> impl FnMut() -> u32 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        }
    }

    /// A fleet that failed at the same moment (a regional outage) spreads its first retries over the
    /// whole back-off window instead of coming back together: 10,000 devices, 20 buckets of the window,
    /// none holding more than 1.3 times its fair share (uniform: 500 ± 22 per bucket at one sigma).
    #[test]
    fn first_retries_of_a_fleet_spread_over_the_window() {
        const DEVICES: u32 = 10_000;
        const BUCKETS: usize = 20;
        let mut random = xorshift(0x2545_F491);
        let mut buckets = [0u32; BUCKETS];
        let window = CONFIG.backoff_initial;
        for _ in 0..DEVICES {
            let seed = random();
            let mut device = Schedule::new(CONFIG, xorshift(seed | 1), secs(0));
            let retry = device.record(Outcome::Failed, secs(0));
            assert!(retry <= window, "{retry:?}");
            let bucket = (retry.as_nanos() * BUCKETS as u128 / window.as_nanos()) as usize;
            buckets[bucket.min(BUCKETS - 1)] += 1;
        }
        let fair = DEVICES / BUCKETS as u32;
        let (least, most) = (buckets.iter().min().unwrap(), buckets.iter().max().unwrap());
        assert!(*most <= fair * 13 / 10, "{buckets:?}");
        assert!(*least >= fair * 7 / 10, "{buckets:?}");
    }

    #[test]
    fn a_request_makes_a_poll_due_at_once() {
        let mut s = schedule(0);
        s.record(Outcome::NoPackage, secs(0));
        assert!(!s.is_due(secs(10)));
        s.poll_now(secs(10));
        assert!(s.is_due(secs(10)));
        assert_eq!(s.next_poll(), secs(10));
    }

    #[test]
    fn poll_outcomes_map_to_scheduling_outcomes() {
        let cases = [
            (Ok(PollOutcome::NoPackage), Outcome::NoPackage),
            (
                Ok(PollOutcome::Executed(Default::default())),
                Outcome::Executed,
            ),
            (Ok(PollOutcome::Rejected { code: 1 }), Outcome::Executed),
            (Ok(PollOutcome::EimRefused { code: 2 }), Outcome::Failed),
            (Err(PollError::ResultRefused { code: 3 }), Outcome::Failed),
        ];
        for (result, expected) in cases {
            assert_eq!(Outcome::from(&result), expected, "{result:?}");
        }
    }
}
