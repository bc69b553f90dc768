//! The journaled record of the supervisors and the decisions taken on it: what the daemon's supervisor
//! loads before each decision and saves before the action it announces. Every method here changes only the
//! [`Supervision`] record; journaling it and carrying out an [`Action`] on the eUICC is the daemon's.

use serde::{Deserialize, Serialize};

use super::Connectivity;
use super::fallback::{FallbackDecision, FallbackPolicy, FallbackState, FallbackStep};
use super::rollback::{RollbackDecision, RollbackPolicy, RollbackStep, RollbackWatch};
use crate::cycle::{RollbackSwitch, StateChange};

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
    /// Switch profiles on the eUICC (the daemon's `agent::supervisor::act::perform`).
    Switch(Switch),
    /// Deliver the rolled-back package's result to the eIM `eim_id`; then [`Supervision::delivered`].
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
    /// ProfileRollback; then [`Supervision::rolled_back`] or [`Supervision::rollback_refused`].
    RollBack,
    /// ExecuteFallbackMechanism; then [`Supervision::fallback_answered`].
    ExecuteFallback,
    /// ReturnFromFallback; then [`Supervision::fallback_answered`].
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

impl Supervision {
    /// Starts the rollback watch of `switch`, made at `now`. A newer switch replaces an older watch: the
    /// eUICC remembers only the last one.
    pub fn arm(&mut self, switch: &RollbackSwitch, now: u64, policy: &RollbackPolicy) {
        let watch = RollbackWatch::new(&switch.eim_id, &switch.iccid, now, policy);
        tracing::info!(
            iccid = %watch.iccid,
            deadline_unix = watch.deadline_unix,
            "rollback watch started"
        );
        self.rollback = Some(watch);
    }

    /// Takes in `connectivity` at `now` and decides under `policy`; the step the decision announces is in
    /// the record when this returns.
    pub fn next(&mut self, policy: &Policy, now: u64, connectivity: &Connectivity) -> Next {
        let nothing = Next {
            action: None,
            wake_unix: None,
        };
        let act = |action| Next {
            action: Some(action),
            wake_unix: None,
        };
        match self.rollback.as_mut() {
            // While a switch is judged, the fallback waits: the rollback is its remedy.
            Some(watch) => {
                watch.observe(now, connectivity);
                match watch.decide(now, &policy.rollback) {
                    RollbackDecision::Wait { until_unix } => Next {
                        action: None,
                        wake_unix: Some(until_unix),
                    },
                    RollbackDecision::Confirmed => {
                        tracing::info!(iccid = %watch.iccid, "the new profile has service: no rollback");
                        self.rollback = None;
                        nothing
                    }
                    RollbackDecision::RollBack => {
                        tracing::warn!(iccid = %watch.iccid, seen = ?watch.seen, "no service on the new profile in time: rolling back");
                        watch.step = RollbackStep::RollingBack;
                        act(Action::Switch(Switch::RollBack))
                    }
                    RollbackDecision::Deliver(epr) => act(Action::Deliver {
                        eim_id: watch.eim_id.clone(),
                        epr,
                    }),
                }
            }
            None => match &policy.fallback {
                None => nothing,
                Some(policy) => {
                    let state = &mut self.fallback;
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
                            act(Action::Switch(Switch::ExecuteFallback))
                        }
                        FallbackDecision::Return => {
                            tracing::info!("returning from the fallback profile");
                            state.step = FallbackStep::Returning;
                            act(Action::Switch(Switch::ReturnFromFallback))
                        }
                    }
                }
            },
        }
    }

    /// ProfileRollback succeeded: the old profile is back; `epr` (if the eUICC returned one) is owed to the
    /// eIM, and the next poll carries notifyStateChange.
    pub fn rolled_back(&mut self, epr: Option<Vec<u8>>) {
        self.rollback = match (self.rollback.take(), epr) {
            (Some(mut watch), Some(epr)) => {
                watch.step = RollbackStep::ResultOwed(epr);
                Some(watch)
            }
            _ => None,
        };
        self.state_change = Some(OwedStateChange { cause: CAUSE_LOCAL });
    }

    /// The eUICC refused ProfileRollback (rollbackNotAllowed: no longer possible, or done already before a
    /// restart): one attempt only, so the watch ends.
    pub fn rollback_refused(&mut self) {
        self.rollback = None;
    }

    /// The eIM took the rolled-back package's result: the rollback supervision is over.
    pub fn delivered(&mut self) {
        self.rollback_refused();
    }

    /// The eUICC answered ExecuteFallbackMechanism or ReturnFromFallback (`ok`: it switched) at `now`.
    pub fn fallback_answered(&mut self, switch: Switch, now: u64, ok: bool) {
        match switch {
            Switch::ExecuteFallback => self.fallback.executed(now, ok),
            Switch::ReturnFromFallback => self.fallback.returned(now, ok),
            Switch::RollBack => return,
        }
        if ok {
            self.state_change = Some(OwedStateChange {
                cause: CAUSE_FALLBACK,
            });
        }
    }

    /// The state change the next poll is to carry, if one is owed.
    pub fn owed_state_change(&self) -> Option<StateChange> {
        self.state_change.map(|owed| StateChange {
            cause: owed.cause,
            r_plmn: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::rollback::Evidence;

    const NOW: u64 = 1_800_000_000;

    /// The record alone, no journal (the daemon's supervisor tests journal it): a switch that brings no
    /// service is rolled back at its deadline, the step already in the record when the action is returned;
    /// the result and the state change stay owed until delivered and sent.
    #[test]
    fn a_rollback_and_its_result_are_steps_of_the_record() {
        let policy = Policy {
            rollback: RollbackPolicy {
                deadline_secs: 60,
                require: Evidence::ALL,
            },
            fallback: None,
        };
        let offline = Connectivity::default();
        let mut record = Supervision::default();
        let switch = RollbackSwitch {
            eim_id: "eim-1".into(),
            iccid: "8949449999999990023".parse().unwrap(),
        };
        record.arm(&switch, NOW, &policy.rollback);
        assert_eq!(
            record.next(&policy, NOW + 1, &offline).wake_unix,
            Some(NOW + 60)
        );

        let next = record.next(&policy, NOW + 60, &offline);
        assert_eq!(next.action, Some(Action::Switch(Switch::RollBack)));
        let step = record.rollback.as_ref().map(|w| &w.step);
        assert_eq!(step, Some(&RollbackStep::RollingBack));

        record.rolled_back(Some(vec![0xBF, 0x51, 0x00]));
        let owed = Some(StateChange {
            cause: CAUSE_LOCAL,
            r_plmn: None,
        });
        assert_eq!(record.owed_state_change(), owed);
        let deliver = Action::Deliver {
            eim_id: "eim-1".into(),
            epr: vec![0xBF, 0x51, 0x00],
        };
        assert_eq!(
            record.next(&policy, NOW + 61, &offline).action,
            Some(deliver)
        );
        record.delivered();
        assert_eq!(record.rollback, None);
        assert_eq!(
            record.owed_state_change(),
            owed,
            "owed until a poll carries it"
        );
        // Without a fallback policy nothing more happens, whatever the outage.
        let next = record.next(&policy, NOW + 10_000, &offline);
        assert_eq!((next.action, next.wake_unix), (None, None));
    }
}
