//! The simulated modem's UART clock: it wakes the server at an instant to the microsecond.
//!
//! tokio's timer counts whole milliseconds: a sleep ends at the next millisecond tick after its deadline and
//! the driver polls from there, so each wait of the UART model ended about 1.3 ms late (measured with
//! strace at 115200 baud, 15 bytes' worth). A modem answer waits twice (for the command to arrive, then for
//! its own bytes), so every AT exchange took about 2.5 ms longer than its bytes: 28 ms of a 111 ms `info`
//! and about 1 s of a 100 KB download were the model's, not the agent's. A timerfd on `CLOCK_MONOTONIC`
//! (the clock of [`Instant`] on Linux) wakes the task through tokio's reactor instead, within the kernel's
//! timer slack (50 µs). nix's `TimerFd` holds it; no crate offers a precise timer on tokio's reactor.

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

/// A one-shot timer file descriptor, registered with tokio's reactor.
pub(crate) struct UartClock {
    timer: AsyncFd<Timer>,
}

/// [`TimerFd`] as tokio's [`AsyncFd`] takes it.
struct Timer(TimerFd);

impl AsRawFd for Timer {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

impl UartClock {
    /// A clock on the current tokio runtime (which must have I/O enabled).
    pub(crate) fn new() -> io::Result<Self> {
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        // SAFETY: `Timer` owns its descriptor (the `TimerFd`'s `OwnedFd`) and keeps it open for the life of
        // the `AsyncFd` that owns the `Timer`; `as_raw_fd` always gives that one descriptor.
        let timer = unsafe { AsyncFd::register_with_interest(Timer(timer), Interest::READABLE) }
            .map_err(|error| error.into_parts().1)?;
        Ok(Self { timer })
    }

    /// Returns at `deadline` (at once if it has passed).
    pub(crate) async fn sleep_until(&self, deadline: Instant) -> io::Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        let timer = &self.timer.get_ref().0;
        timer.set(
            Expiration::OneShot(TimeSpec::from_duration(left)),
            TimerSetTimeFlags::empty(),
        )?;
        loop {
            let mut ready = self.timer.readable().await?;
            // The read of the expiry count succeeds once the timer fired; before, it would block.
            match ready.try_io(|timer| timer.get_ref().0.wait().map_err(io::Error::from)) {
                Ok(fired) => return fired,
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn wakes_at_its_deadline_never_before() {
        let clock = UartClock::new().unwrap();
        // One timer serves wait after wait, each re-armed with its own deadline.
        for micros in [1_390, 87, 2_000, 1] {
            let deadline = Instant::now() + Duration::from_micros(micros);
            clock.sleep_until(deadline).await.unwrap();
            assert!(Instant::now() >= deadline, "woke before {micros} µs");
        }
        // A deadline that has passed returns at once, leaving the timer unarmed.
        clock
            .sleep_until(Instant::now() - Duration::from_millis(1))
            .await
            .unwrap();
    }
}
