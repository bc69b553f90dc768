//! What `euiccd status` shows: a snapshot the main loop keeps current and the control socket serves.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::time::Instant;

/// The daemon's state as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct Status {
    /// The daemon's version.
    pub(crate) version: String,
    /// `starting`, `idle`, `polling`, `reloading` or `stopping`.
    pub(crate) state: String,
    /// The eUICC's EID, once read.
    pub(crate) eid: Option<String>,
    /// The ICCID of the enabled profile, if any.
    pub(crate) profile: Option<String>,
    /// The configured eIMs, in poll order.
    pub(crate) eims: Vec<String>,
    /// Poll cycles run since start.
    pub(crate) polls: u64,
    /// When the last poll cycle ended (seconds since the Unix epoch).
    pub(crate) last_poll_unix: Option<u64>,
    /// What the last poll cycle did (`no package`, `executed`, or the error).
    pub(crate) last_outcome: Option<String>,
    /// Seconds until the next poll (none: no eIM configured).
    pub(crate) next_poll_in_secs: Option<u64>,
    /// Entries waiting in each outbox.
    pub(crate) outboxes: OutboxSizes,
    /// Unfinished eIM packages in the journal (finished by the next poll cycle).
    pub(crate) journal: u64,
    /// The eIMs whose last delivery left results and notifications piling up on the eUICC, one line each
    /// (an eIM that takes results without acknowledging them; see its `unacknowledged` setting).
    #[serde(default)]
    pub(crate) piled_up: Vec<String>,
    /// Store transactions committed since start (an idle poll commits none).
    pub(crate) store_commits: u64,
    /// Why the system clock looks unset, and the time certificates are checked at meanwhile
    /// ([`crate::clock`]); none while it looks set.
    #[serde(default)]
    pub(crate) clock: Option<String>,
    /// The store found damaged at start and replaced by a fresh one (none: it was intact): why, where
    /// the damaged file went, and what was lost. Also reported upstream as a `store.corrupted` event.
    pub(crate) store_damage: Option<crate::store::check::Damage>,
}

/// The outbox sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct OutboxSizes {
    /// eUICC Package Results owed to an eIM.
    pub(crate) results: u64,
    /// Notifications waiting on the eUICC until a receiver takes them.
    pub(crate) notifications: u64,
    /// Upstream events.
    pub(crate) events: u64,
}

impl Status {
    /// The one-line summary for systemd's `STATUS=`.
    pub(crate) fn line(&self) -> String {
        let mut line = self.state.clone();
        if let Some(outcome) = &self.last_outcome {
            line.push_str(&format!("; last poll: {outcome}"));
        }
        if let Some(secs) = self.next_poll_in_secs {
            line.push_str(&format!("; next poll in {secs} s"));
        }
        if self.clock.is_some() {
            line.push_str("; clock unset");
        }
        line
    }
}

/// The status shared between the main loop (writer) and the control socket (readers).
#[derive(Debug, Clone, Default)]
pub(crate) struct Board(Arc<Mutex<(Status, Option<Instant>)>>);

impl Board {
    /// Changes the status.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Status)) {
        change(&mut self.lock().0);
    }

    /// Sets when the next poll is due (none: never).
    pub(crate) fn set_next_poll(&self, at: Option<Instant>) {
        self.lock().1 = at;
    }

    /// The status now, with the seconds left until the next poll.
    pub(crate) fn snapshot(&self) -> Status {
        let guard = self.lock();
        let mut status = guard.0.clone();
        status.next_poll_in_secs = guard
            .1
            .map(|at| at.saturating_duration_since(Instant::now()).as_secs());
        status
    }

    fn lock(&self) -> MutexGuard<'_, (Status, Option<Instant>)> {
        // The status is plain data: a panic elsewhere cannot leave it half-written in a harmful way.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Stores the system time in `state_dir` when it looks sane ([`crate::clock::remember`]), and puts in the
/// status whether it looks unset (logged when that changes).
pub(crate) fn keep_clock(state_dir: &std::path::Path, board: &Board) {
    let now = crate::clock::SystemClock::Real.now();
    if let Err(error) = crate::clock::remember(state_dir, now) {
        tracing::warn!(%error, "could not store the time in {}", state_dir.display());
    }
    let warning = crate::clock::warning(now);
    let before = board.snapshot().clock;
    if warning != before {
        match &warning {
            Some(text) => tracing::warn!("{text}"),
            None => tracing::info!("the system clock looks set"),
        }
    }
    board.update(|s| s.clock = warning);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_says_what_is_known() {
        let mut status = Status {
            state: "idle".into(),
            ..Status::default()
        };
        assert_eq!(status.line(), "idle");
        status.last_outcome = Some("no package".into());
        status.next_poll_in_secs = Some(3590);
        assert_eq!(
            status.line(),
            "idle; last poll: no package; next poll in 3590 s"
        );
    }
}
