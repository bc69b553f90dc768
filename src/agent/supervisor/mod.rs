//! The rollback and fallback supervisors (SGP.32 §5.9.16 ProfileRollback; v1.2 §5.9.20 and §5.9.21 for the fallback;
//! issue 7): they watch what the modem sees of the network after a profile switch and while a profile runs, and decide
//! when the IPA rolls back (after an `enable` with rollbackFlag that did not bring service in time) or falls back (an
//! outage longer than the policy allows), and when it returns from the fallback.
//!
//! The decisions are sans-IO, in `euiccd_core::supervisor`: the [`Supervision`] record takes the time (Unix
//! seconds) and a [`Connectivity`] snapshot and returns the [`Action`] to take. Here, [`Supervisor`] keeps
//! that record in a [`SupervisionJournal`], read and written around each decision: a step is journaled
//! before the action it announces, and deadlines are wall-clock times, so a restart resumes the supervision
//! where it stopped and with the same deadline. [`act`] carries an action out on the eUICC.

pub(crate) mod act;
// The decisions and the record they change live in the sans-IO core (`euiccd_core::supervisor`); this
// module journals the record around each of them.
pub(crate) use euiccd_core::supervisor::record::{Action, Next, Policy, Supervision, Switch};
#[cfg(test)]
pub(crate) use euiccd_core::supervisor::record::{CAUSE_FALLBACK, CAUSE_LOCAL};

use super::eim::StateChange;
use super::journal::{Journal, JournalError, Pending, RollbackSwitch};
use euiccd_core::supervisor::Connectivity;

/// Where the [`Supervision`] record is kept. Each method returns once the record is durable.
pub(crate) trait SupervisionJournal: Send {
    /// The record (the default one when nothing was ever saved).
    fn load(&self) -> Result<Supervision, JournalError>;
    /// Replaces the record.
    fn save(&mut self, record: &Supervision) -> Result<(), JournalError>;
}

/// A supervision journal in memory (tests).
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct MemorySupervision {
    record: Supervision,
    /// How many times the record was saved.
    pub(crate) saves: usize,
}

#[cfg(test)]
impl SupervisionJournal for MemorySupervision {
    fn load(&self) -> Result<Supervision, JournalError> {
        Ok(self.record.clone())
    }

    fn save(&mut self, record: &Supervision) -> Result<(), JournalError> {
        self.record = record.clone();
        self.saves += 1;
        Ok(())
    }
}

/// The supervisors. They hold only the policy: the state is in the journal. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Supervisor {
    policy: Policy,
}

impl Supervisor {
    /// Supervisors under `policy`.
    pub(crate) fn new(policy: Policy) -> Self {
        Self { policy }
    }

    /// Applies `change` to the journaled record, and journals it again when it changed.
    fn change<T>(
        journal: &mut dyn SupervisionJournal,
        change: impl FnOnce(&mut Supervision) -> T,
    ) -> Result<T, JournalError> {
        let mut record = journal.load()?;
        let before = record.clone();
        let value = change(&mut record);
        if record != before {
            journal.save(&record)?;
        }
        Ok(value)
    }

    /// Starts the rollback watch of `switch`, made at `now` (the eIM poll cycle's
    /// [`Journal::enabled_with_rollback`] calls it).
    /// A newer switch replaces an older watch: the eUICC remembers only the last one.
    pub(crate) fn arm(
        &self,
        journal: &mut dyn SupervisionJournal,
        switch: &RollbackSwitch,
        now: u64,
    ) -> Result<(), JournalError> {
        Self::change(journal, |r| r.arm(switch, now, &self.policy.rollback))
    }

    /// Takes in `connectivity` at `now` and decides; journals the record first when it changed.
    pub(crate) fn next(
        &self,
        journal: &mut dyn SupervisionJournal,
        now: u64,
        connectivity: &Connectivity,
    ) -> Result<Next, JournalError> {
        Self::change(journal, |r| r.next(&self.policy, now, connectivity))
    }

    /// ProfileRollback succeeded: see [`Supervision::rolled_back`].
    pub(crate) fn rolled_back(
        &self,
        journal: &mut dyn SupervisionJournal,
        epr: Option<Vec<u8>>,
    ) -> Result<(), JournalError> {
        Self::change(journal, |r| r.rolled_back(epr))
    }

    /// The eUICC refused ProfileRollback: see [`Supervision::rollback_refused`].
    pub(crate) fn rollback_refused(
        &self,
        journal: &mut dyn SupervisionJournal,
    ) -> Result<(), JournalError> {
        Self::change(journal, Supervision::rollback_refused)
    }

    /// The eIM took the rolled-back package's result: the rollback supervision is over.
    pub(crate) fn delivered(
        &self,
        journal: &mut dyn SupervisionJournal,
    ) -> Result<(), JournalError> {
        Self::change(journal, Supervision::delivered)
    }

    /// The eUICC answered ExecuteFallbackMechanism or ReturnFromFallback (`ok`: it switched) at `now`.
    pub(crate) fn fallback_answered(
        &self,
        journal: &mut dyn SupervisionJournal,
        switch: Switch,
        now: u64,
        ok: bool,
    ) -> Result<(), JournalError> {
        Self::change(journal, |r| r.fallback_answered(switch, now, ok))
    }

    /// The state change the next poll is to carry, if one is owed.
    pub(crate) fn state_change(
        &self,
        journal: &dyn SupervisionJournal,
    ) -> Result<Option<StateChange>, JournalError> {
        Ok(journal.load()?.owed_state_change())
    }

    /// The eIM answered a poll that carried the owed state change.
    pub(crate) fn state_change_sent(
        &self,
        journal: &mut dyn SupervisionJournal,
    ) -> Result<(), JournalError> {
        Self::change(journal, |r| r.state_change = None)
    }
}

/// The poll cycle's [`Journal`] with the supervisor's cue: every step goes to `inner`, and a profile
/// enabled with rollbackFlag starts the rollback watch in `supervision` ([`Supervisor::arm`]) at the time
/// `clock` tells (Unix seconds).
pub(crate) struct SupervisedJournal<'a> {
    /// The poll cycle's own journal.
    pub(crate) inner: &'a mut dyn Journal,
    /// The supervisor.
    pub(crate) supervisor: &'a Supervisor,
    /// Where its record is kept.
    pub(crate) supervision: &'a mut dyn SupervisionJournal,
    /// The wall clock.
    pub(crate) clock: fn() -> u64,
}

impl Journal for SupervisedJournal<'_> {
    fn package_received(&mut self, answer: &[u8]) -> Result<u64, JournalError> {
        self.inner.package_received(answer)
    }

    fn result_owed(&mut self, id: u64, message: &[u8]) -> Result<(), JournalError> {
        self.inner.result_owed(id, message)
    }

    fn acknowledged(&mut self, id: u64, seq_numbers: &[i64]) -> Result<(), JournalError> {
        self.inner.acknowledged(id, seq_numbers)
    }

    fn finished(&mut self, id: u64) -> Result<(), JournalError> {
        self.inner.finished(id)
    }

    fn pending(&self) -> Result<Vec<Pending>, JournalError> {
        self.inner.pending()
    }

    fn enabled_with_rollback(&mut self, switch: &RollbackSwitch) -> Result<(), JournalError> {
        self.inner.enabled_with_rollback(switch)?;
        self.supervisor
            .arm(self.supervision, switch, (self.clock)())
    }
}

/// Seconds since the Unix epoch: the supervisors' clock.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
