//! The fallback supervisor's sans-IO core (SGP.32 v1.2 §5.9.20 ExecuteFallbackMechanism, §5.9.21 ReturnFromFallback):
//! when the enabled profile has had no usable connectivity for the configured time, the IPA sends
//! ExecuteFallbackMechanism (the eUICC enables the profile with the Fallback Attribute); after the configured time on
//! the fallback profile it sends ReturnFromFallback. Both are local decisions the eIM hears of with stateChangeCause
//! fallback.
//!
//! Times are Unix seconds kept in the journaled record, so a restart neither forgets an outage nor
//! restarts its clock. The record changes only on transitions (an outage begins or ends, a command is
//! sent or answered), which keeps flash writes rare.

use super::{Connectivity, Registration};
use serde::{Deserialize, Serialize};

/// Which observations make connectivity unusable (configuration `fallback.conditions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conditions {
    /// The network rejected the registration.
    pub registration_denied: bool,
    /// The modem is not registered (searching, idle, denied).
    pub not_registered: bool,
    /// No data session is up.
    pub no_data_session: bool,
    /// The last exchange with the eIM failed.
    pub eim_unreachable: bool,
}

/// The fallback policy (configuration `[fallback]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FallbackPolicy {
    /// Seconds of unusable connectivity before ExecuteFallbackMechanism.
    pub after_secs: u64,
    /// What counts as unusable.
    pub conditions: Conditions,
    /// Seconds on the fallback profile before ReturnFromFallback; `None`: stay until the eIM acts.
    pub return_after_secs: Option<u64>,
}

impl FallbackPolicy {
    /// Whether `connectivity` is unusable under this policy.
    pub fn unusable(&self, connectivity: &Connectivity) -> bool {
        let c = self.conditions;
        let r = connectivity.registration;
        (c.registration_denied && r == Registration::Denied)
            || (c.not_registered && r != Registration::Registered)
            || (c.no_data_session && !connectivity.data_session())
            || (c.eim_unreachable && connectivity.eim_failing())
    }
}

/// Where the fallback supervision stands.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FallbackStep {
    /// On the normal profile.
    #[default]
    Normal,
    /// ExecuteFallbackMechanism is being sent.
    Executing,
    /// On the fallback profile since this Unix time.
    InFallback(u64),
    /// ReturnFromFallback is being sent.
    Returning,
}

/// The journaled record of the fallback supervision.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FallbackState {
    /// Since when connectivity has been unusable (Unix seconds), if it is.
    pub unusable_since: Option<u64>,
    /// Where it stands.
    pub step: FallbackStep,
}

/// What the fallback supervisor wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FallbackDecision {
    /// Nothing; look again at this Unix time at the latest (none: only on new observations).
    Wait {
        /// When a decision falls due if nothing changes.
        until_unix: Option<u64>,
    },
    /// Send ExecuteFallbackMechanism.
    Execute,
    /// Send ReturnFromFallback.
    Return,
}

impl FallbackState {
    /// Takes in what `connectivity` shows at `now`; returns whether the record changed (to journal).
    pub fn observe(
        &mut self,
        now: u64,
        connectivity: &Connectivity,
        policy: &FallbackPolicy,
    ) -> bool {
        let since = match (policy.unusable(connectivity), self.unusable_since) {
            (true, None) => Some(now),
            (true, since) => since,
            (false, _) => None,
        };
        let changed = since != self.unusable_since;
        self.unusable_since = since;
        changed
    }

    /// What to do at `now` under `policy`.
    pub fn decide(&self, now: u64, policy: &FallbackPolicy) -> FallbackDecision {
        match self.step {
            FallbackStep::Normal => match self.unusable_since {
                Some(since) if now >= since.saturating_add(policy.after_secs) => {
                    FallbackDecision::Execute
                }
                since => FallbackDecision::Wait {
                    until_unix: since.map(|s| s.saturating_add(policy.after_secs)),
                },
            },
            FallbackStep::Executing => FallbackDecision::Execute,
            FallbackStep::InFallback(since) => match policy.return_after_secs {
                Some(secs) if now >= since.saturating_add(secs) => FallbackDecision::Return,
                secs => FallbackDecision::Wait {
                    until_unix: secs.map(|s| since.saturating_add(s)),
                },
            },
            FallbackStep::Returning => FallbackDecision::Return,
        }
    }

    /// Records the eUICC's answer to ExecuteFallbackMechanism at `now`: on the fallback profile, or (refused,
    /// e.g. no profile has the attribute) back to normal with the outage clock restarted, so that it is
    /// tried again one period later rather than at every look.
    pub fn executed(&mut self, now: u64, ok: bool) {
        self.step = match ok {
            true => FallbackStep::InFallback(now),
            false => FallbackStep::Normal,
        };
        self.unusable_since = (!ok).then_some(now);
    }

    /// Records the eUICC's answer to ReturnFromFallback at `now`: back on the normal profile (the outage
    /// clock starts afresh), or (refused) still on the fallback profile, tried again one period later.
    pub fn returned(&mut self, now: u64, ok: bool) {
        self.step = match ok {
            true => FallbackStep::Normal,
            false => FallbackStep::InFallback(now),
        };
        self.unusable_since = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn policy(conditions: Conditions) -> FallbackPolicy {
        FallbackPolicy {
            after_secs: 30,
            conditions,
            return_after_secs: Some(100),
        }
    }

    fn denied() -> Connectivity {
        Connectivity {
            registration: Registration::Denied,
            ..Connectivity::default()
        }
    }

    fn online() -> Connectivity {
        Connectivity {
            registration: Registration::Registered,
            attached_since: Some(NOW),
            data_since: Some(NOW),
            last_eim_success: Some(NOW),
            last_eim_failure: None,
        }
    }

    const DENIED_ONLY: Conditions = Conditions {
        registration_denied: true,
        not_registered: false,
        no_data_session: false,
        eim_unreachable: false,
    };

    #[test]
    fn an_outage_longer_than_the_policy_falls_back_and_returns_later() {
        let policy = policy(DENIED_ONLY);
        let mut state = FallbackState::default();
        assert!(state.observe(NOW, &denied(), &policy));
        assert!(!state.observe(NOW + 10, &denied(), &policy), "same outage");
        assert_eq!(
            state.decide(NOW + 29, &policy),
            FallbackDecision::Wait {
                until_unix: Some(NOW + 30)
            }
        );
        assert_eq!(state.decide(NOW + 30, &policy), FallbackDecision::Execute);
        state.step = FallbackStep::Executing;
        assert_eq!(state.decide(NOW + 31, &policy), FallbackDecision::Execute);
        state.executed(NOW + 31, true);
        assert_eq!(state.step, FallbackStep::InFallback(NOW + 31));
        assert_eq!(
            state.decide(NOW + 31, &policy),
            FallbackDecision::Wait {
                until_unix: Some(NOW + 131)
            }
        );
        assert_eq!(state.decide(NOW + 131, &policy), FallbackDecision::Return);
        state.returned(NOW + 131, true);
        assert_eq!(state, FallbackState::default());
    }

    #[test]
    fn a_short_outage_does_not_fall_back() {
        let policy = policy(DENIED_ONLY);
        let mut state = FallbackState::default();
        state.observe(NOW, &denied(), &policy);
        assert!(state.observe(NOW + 20, &online(), &policy));
        assert_eq!(
            state.decide(NOW + 40, &policy),
            FallbackDecision::Wait { until_unix: None }
        );
    }

    #[test]
    fn only_the_configured_conditions_count() {
        let searching = Connectivity {
            registration: Registration::Searching,
            ..Connectivity::default()
        };
        assert!(!policy(DENIED_ONLY).unusable(&searching));
        let not_registered = Conditions {
            not_registered: true,
            ..Conditions::default()
        };
        assert!(policy(not_registered).unusable(&searching));
        assert!(policy(not_registered).unusable(&denied()));
        let no_data = Conditions {
            no_data_session: true,
            ..Conditions::default()
        };
        let attached = Connectivity {
            data_since: None,
            ..online()
        };
        assert!(policy(no_data).unusable(&attached));
        let eim = Conditions {
            eim_unreachable: true,
            ..Conditions::default()
        };
        let failing = Connectivity {
            last_eim_failure: Some(NOW + 1),
            ..online()
        };
        assert!(policy(eim).unusable(&failing));
        assert!(!policy(eim).unusable(&online()));
        assert!(!policy(Conditions::default()).unusable(&denied()));
    }

    #[test]
    fn a_refused_fallback_is_tried_again_one_period_later() {
        let policy = policy(DENIED_ONLY);
        let mut state = FallbackState::default();
        state.observe(NOW, &denied(), &policy);
        state.step = FallbackStep::Executing;
        state.executed(NOW + 30, false);
        assert_eq!(state.step, FallbackStep::Normal);
        assert!(!state.observe(NOW + 31, &denied(), &policy));
        assert_eq!(
            state.decide(NOW + 31, &policy),
            FallbackDecision::Wait {
                until_unix: Some(NOW + 60)
            }
        );
    }

    #[test]
    fn without_a_return_policy_the_fallback_profile_stays() {
        let policy = FallbackPolicy {
            return_after_secs: None,
            ..policy(DENIED_ONLY)
        };
        let state = FallbackState {
            unusable_since: None,
            step: FallbackStep::InFallback(NOW),
        };
        assert_eq!(
            state.decide(NOW + 1_000_000, &policy),
            FallbackDecision::Wait { until_unix: None }
        );
    }
}
