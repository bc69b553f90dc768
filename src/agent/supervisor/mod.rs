//! The rollback and fallback supervisors (SGP.32 §5.9.16 ProfileRollback; v1.2 §5.9.20 and §5.9.21 for the fallback;
//! issue 7): they watch what the modem sees of the network after a profile switch and while a profile runs, and decide
//! when the IPA rolls back (after an `enable` with rollbackFlag that did not bring service in time) or falls back (an
//! outage longer than the policy allows), and when it returns from the fallback.
//!
//! The decisions are sans-IO: [`Supervisor`] takes the time (Unix seconds) and a [`Connectivity`]
//! snapshot and returns the [`Action`] to take; [`act`] carries it out on the eUICC. Everything the
//! supervision knows is one [`Supervision`] record in a [`SupervisionJournal`], read and written around
//! each decision: a step is journaled before the action it announces, and deadlines are wall-clock times,
//! so a restart resumes the supervision where it stopped and with the same deadline.
//!
//! - [`rollback`]: the rollback watch of one switch.
//! - [`fallback`]: the outage clock and the fallback steps.
//! - [`act`]: the ES10 side of each action.

pub mod act;
// The decisions live in the sans-IO core. Re-exported in the crate only for `agent/eim_tests.rs`, which
// still imports them from here.
pub(crate) use euiccd_core::supervisor::{Connectivity, fallback, rollback};

use super::eim::StateChange;
use super::journal::{Journal, JournalError, Pending, RollbackSwitch};
use fallback::{FallbackDecision, FallbackPolicy, FallbackState, FallbackStep};
use rollback::{RollbackDecision, RollbackPolicy, RollbackStep, RollbackWatch};
use serde::{Deserialize, Serialize};

/// `StateChangeCause` fallback: the eIM hears of a fallback or a return from it.
pub const CAUSE_FALLBACK: i64 = 1;
/// `StateChangeCause` local: the eIM hears of a rollback the IPA decided (SGP.32 names no cause of its
/// own for it; the rolled-back package's result carries the details).
pub const CAUSE_LOCAL: i64 = 3;

/// A state change the eIM is still to hear of with notifyStateChange (the cause, see [`StateChange`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedStateChange {
    /// The `StateChangeCause`.
    pub cause: i64,
}

/// Everything the supervision knows: the journaled record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Supervision {
    /// The switch under rollback watch, if any.
    pub rollback: Option<RollbackWatch>,
    /// The fallback supervision.
    pub fallback: FallbackState,
    /// A local change not yet reported with notifyStateChange.
    pub state_change: Option<OwedStateChange>,
}

/// Where the [`Supervision`] record is kept. Each method returns once the record is durable.
pub trait SupervisionJournal: Send {
    /// The record (the default one when nothing was ever saved).
    fn load(&self) -> Result<Supervision, JournalError>;
    /// Replaces the record.
    fn save(&mut self, record: &Supervision) -> Result<(), JournalError>;
}

/// A supervision journal in memory (tests).
#[derive(Debug, Default)]
pub struct MemorySupervision {
    record: Supervision,
    /// How many times the record was saved.
    pub saves: usize,
}

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

/// The supervision policies (configuration `[rollback]` and `[fallback]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How a switch with rollbackFlag is judged.
    pub rollback: RollbackPolicy,
    /// When to fall back and return; `None`: never.
    pub fallback: Option<FallbackPolicy>,
}

/// An action the supervision decided; its step is journaled already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Switch profiles on the eUICC ([`act::perform`]).
    Switch(Switch),
    /// Deliver the rolled-back package's result to the eIM `eim_id`; then [`Supervisor::delivered`].
    Deliver {
        /// The eIM.
        eim_id: String,
        /// The eUICC Package Result, exact bytes.
        epr: Vec<u8>,
    },
}

/// A profile switch the supervision asks of the eUICC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// ProfileRollback; then [`Supervisor::rolled_back`] or [`Supervisor::rollback_refused`].
    RollBack,
    /// ExecuteFallbackMechanism; then [`Supervisor::fallback_answered`].
    ExecuteFallback,
    /// ReturnFromFallback; then [`Supervisor::fallback_answered`].
    ReturnFromFallback,
}

/// What to do now, and when to look again if nothing changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// The action to take now, if any.
    pub action: Option<Action>,
    /// When a decision falls due (Unix seconds); `None`: only when something is observed.
    pub wake_unix: Option<u64>,
}

/// The supervisors. They hold only the policy: the state is in the journal. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supervisor {
    policy: Policy,
}

impl Supervisor {
    /// Supervisors under `policy`.
    pub fn new(policy: Policy) -> Self {
        Self { policy }
    }

    /// Starts the rollback watch of `switch`, made at `now` (the eIM poll cycle's
    /// [`Journal::enabled_with_rollback`](super::journal::Journal::enabled_with_rollback) calls it).
    /// A newer switch replaces an older watch: the eUICC remembers only the last one.
    pub fn arm(
        &self,
        journal: &mut dyn SupervisionJournal,
        switch: &RollbackSwitch,
        now: u64,
    ) -> Result<(), JournalError> {
        let mut record = journal.load()?;
        let watch = RollbackWatch::new(&switch.eim_id, &switch.iccid, now, &self.policy.rollback);
        tracing::info!(
            iccid = %watch.iccid,
            deadline_unix = watch.deadline_unix,
            "rollback watch started"
        );
        record.rollback = Some(watch);
        journal.save(&record)
    }

    /// Takes in `connectivity` at `now` and decides; journals the record first when it changed.
    pub fn next(
        &self,
        journal: &mut dyn SupervisionJournal,
        now: u64,
        connectivity: &Connectivity,
    ) -> Result<Next, JournalError> {
        let mut record = journal.load()?;
        let before = record.clone();
        let next = match record.rollback.as_mut() {
            // While a switch is judged, the fallback waits: the rollback is its remedy.
            Some(watch) => {
                watch.observe(now, connectivity);
                match watch.decide(now, &self.policy.rollback) {
                    RollbackDecision::Wait { until_unix } => Next {
                        action: None,
                        wake_unix: Some(until_unix),
                    },
                    RollbackDecision::Confirmed => {
                        tracing::info!(iccid = %watch.iccid, "the new profile has service: no rollback");
                        record.rollback = None;
                        Next {
                            action: None,
                            wake_unix: None,
                        }
                    }
                    RollbackDecision::RollBack => {
                        tracing::warn!(iccid = %watch.iccid, seen = ?watch.seen, "no service on the new profile in time: rolling back");
                        watch.step = RollbackStep::RollingBack;
                        Next {
                            action: Some(Action::Switch(Switch::RollBack)),
                            wake_unix: None,
                        }
                    }
                    RollbackDecision::Deliver(epr) => Next {
                        action: Some(Action::Deliver {
                            eim_id: watch.eim_id.clone(),
                            epr,
                        }),
                        wake_unix: None,
                    },
                }
            }
            None => match &self.policy.fallback {
                None => Next {
                    action: None,
                    wake_unix: None,
                },
                Some(policy) => {
                    let state = &mut record.fallback;
                    if matches!(state.step, FallbackStep::Normal) {
                        state.observe(now, connectivity, policy);
                    }
                    match state.decide(now, policy) {
                        FallbackDecision::Wait { until_unix } => Next {
                            action: None,
                            wake_unix: until_unix,
                        },
                        FallbackDecision::Execute => {
                            tracing::warn!(
                                since = ?state.unusable_since,
                                "no usable connectivity: executing the fallback mechanism"
                            );
                            state.step = FallbackStep::Executing;
                            Next {
                                action: Some(Action::Switch(Switch::ExecuteFallback)),
                                wake_unix: None,
                            }
                        }
                        FallbackDecision::Return => {
                            tracing::info!("returning from the fallback profile");
                            state.step = FallbackStep::Returning;
                            Next {
                                action: Some(Action::Switch(Switch::ReturnFromFallback)),
                                wake_unix: None,
                            }
                        }
                    }
                }
            },
        };
        if record != before {
            journal.save(&record)?;
        }
        Ok(next)
    }

    /// ProfileRollback succeeded at `now`: the old profile is back; `epr` (if the eUICC returned one) is
    /// owed to the eIM, and the next poll carries notifyStateChange.
    pub fn rolled_back(
        &self,
        journal: &mut dyn SupervisionJournal,
        epr: Option<Vec<u8>>,
    ) -> Result<(), JournalError> {
        let mut record = journal.load()?;
        record.rollback = match (record.rollback.take(), epr) {
            (Some(mut watch), Some(epr)) => {
                watch.step = RollbackStep::ResultOwed(epr);
                Some(watch)
            }
            _ => None,
        };
        record.state_change = Some(OwedStateChange { cause: CAUSE_LOCAL });
        journal.save(&record)
    }

    /// The eUICC refused ProfileRollback (rollbackNotAllowed: no longer possible, or done already before a
    /// restart): one attempt only, so the watch ends.
    pub fn rollback_refused(
        &self,
        journal: &mut dyn SupervisionJournal,
    ) -> Result<(), JournalError> {
        let mut record = journal.load()?;
        record.rollback = None;
        journal.save(&record)
    }

    /// The eIM took the rolled-back package's result: the rollback supervision is over.
    pub fn delivered(&self, journal: &mut dyn SupervisionJournal) -> Result<(), JournalError> {
        self.rollback_refused(journal)
    }

    /// The eUICC answered ExecuteFallbackMechanism or ReturnFromFallback (`ok`: it switched) at `now`.
    pub fn fallback_answered(
        &self,
        journal: &mut dyn SupervisionJournal,
        switch: Switch,
        now: u64,
        ok: bool,
    ) -> Result<(), JournalError> {
        let mut record = journal.load()?;
        match switch {
            Switch::ExecuteFallback => record.fallback.executed(now, ok),
            Switch::ReturnFromFallback => record.fallback.returned(now, ok),
            Switch::RollBack => return Ok(()),
        }
        if ok {
            record.state_change = Some(OwedStateChange {
                cause: CAUSE_FALLBACK,
            });
        }
        journal.save(&record)
    }

    /// The state change the next poll is to carry, if one is owed.
    pub fn state_change(
        &self,
        journal: &dyn SupervisionJournal,
    ) -> Result<Option<StateChange>, JournalError> {
        Ok(journal.load()?.state_change.map(|owed| StateChange {
            cause: owed.cause,
            r_plmn: None,
        }))
    }

    /// The eIM answered a poll that carried the owed state change.
    pub fn state_change_sent(
        &self,
        journal: &mut dyn SupervisionJournal,
    ) -> Result<(), JournalError> {
        let mut record = journal.load()?;
        if record.state_change.take().is_some() {
            journal.save(&record)?;
        }
        Ok(())
    }
}

/// The poll cycle's [`Journal`] with the supervisor's cue: every step goes to `inner`, and a profile
/// enabled with rollbackFlag starts the rollback watch in `supervision` ([`Supervisor::arm`]) at the time
/// `clock` tells (Unix seconds).
pub struct SupervisedJournal<'a> {
    /// The poll cycle's own journal.
    pub inner: &'a mut dyn Journal,
    /// The supervisor.
    pub supervisor: &'a Supervisor,
    /// Where its record is kept.
    pub supervision: &'a mut dyn SupervisionJournal,
    /// The wall clock.
    pub clock: fn() -> u64,
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
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
