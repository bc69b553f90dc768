//! The rollback supervisor's sans-IO core (SGP.32 §3.3.1, §5.9.16 ProfileRollback): after an `enable` the eIM permitted
//! to be rolled back, the new profile must show the required evidence of service (attach, a data session, an exchange
//! with the eIM) before a wall-clock deadline; otherwise the IPA sends ProfileRollback, once, and owes the
//! eIM the eUICC Package Result the eUICC returns.
//!
//! The deadline is stored as a Unix time, not a timer: a daemon restarted in the window keeps it.

use super::{Connectivity, Registration};
use euicc_asn1::Iccid;
use serde::{Deserialize, Serialize};

/// What counts as service on a new profile; each flag required or not (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// The modem registered on a network.
    pub attach: bool,
    /// A data session (PDP/PDN context with an address) was up.
    pub data_session: bool,
    /// An ESipa exchange with an eIM succeeded.
    pub eim_exchange: bool,
}

impl Evidence {
    /// Every kind of evidence.
    pub const ALL: Self = Self {
        attach: true,
        data_session: true,
        eim_exchange: true,
    };

    /// Whether `self` has everything `required` asks for.
    pub fn covers(self, required: Self) -> bool {
        (self.attach || !required.attach)
            && (self.data_session || !required.data_session)
            && (self.eim_exchange || !required.eim_exchange)
    }
}

/// How a profile switch is judged (configuration `[rollback]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollbackPolicy {
    /// Seconds the new profile has to show `require`.
    pub deadline_secs: u64,
    /// The evidence of service required.
    pub require: Evidence,
}

/// Where a watched switch stands. Each step is journaled before the action it announces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RollbackStep {
    /// Collecting evidence until the deadline.
    Watching,
    /// ProfileRollback is being sent (a restart here sends it again; the eUICC allows one, so a second
    /// is refused and the result is looked up on the eUICC instead).
    RollingBack,
    /// The eUICC rolled back; this eUICC Package Result (exact bytes) is owed to the eIM.
    ResultOwed(Vec<u8>),
}

/// One switch under watch: the journaled record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollbackWatch {
    /// The eIM that enabled the profile and hears of the rollback.
    pub eim_id: String,
    /// The profile enabled (ICCID digits).
    pub iccid: String,
    /// When the switch happened (Unix seconds).
    pub enabled_unix: u64,
    /// When the evidence must be complete (Unix seconds).
    pub deadline_unix: u64,
    /// What the new profile has shown so far.
    pub seen: Evidence,
    /// Where it stands.
    pub step: RollbackStep,
}

/// What the rollback supervisor wants next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackDecision {
    /// Nothing until this Unix time (the deadline) or new evidence.
    Wait {
        /// The deadline.
        until_unix: u64,
    },
    /// The new profile works: the supervision is over.
    Confirmed,
    /// Send ProfileRollback.
    RollBack,
    /// Deliver this eUICC Package Result to the eIM.
    Deliver(Vec<u8>),
}

impl RollbackWatch {
    /// The watch of the switch that eIM `eim_id` made to profile `iccid`, made at `now` (Unix seconds).
    pub fn new(eim_id: &str, iccid: &Iccid, now: u64, policy: &RollbackPolicy) -> Self {
        Self {
            eim_id: eim_id.to_owned(),
            iccid: iccid.digits(),
            enabled_unix: now,
            deadline_unix: now.saturating_add(policy.deadline_secs),
            seen: Evidence::default(),
            step: RollbackStep::Watching,
        }
    }

    /// Adds what `connectivity` shows at `now` to the evidence; returns whether it grew (the record is
    /// then to be journaled). Nothing counts after the deadline, and an attach, a data session or an eIM
    /// exchange counts only if it began between the switch and the deadline.
    pub fn observe(&mut self, now: u64, connectivity: &Connectivity) -> bool {
        if self.step != RollbackStep::Watching || now > self.deadline_unix {
            return false;
        }
        let window = self.enabled_unix..=self.deadline_unix;
        let began = |t: Option<u64>| t.is_some_and(|t| window.contains(&t));
        let attached = connectivity.registration == Registration::Registered
            && began(connectivity.attached_since);
        let seen = Evidence {
            attach: self.seen.attach || attached,
            data_session: self.seen.data_session || began(connectivity.data_since),
            eim_exchange: self.seen.eim_exchange || began(connectivity.last_eim_success),
        };
        let grew = seen != self.seen;
        self.seen = seen;
        grew
    }

    /// What to do at `now` under `policy`.
    pub fn decide(&self, now: u64, policy: &RollbackPolicy) -> RollbackDecision {
        match &self.step {
            RollbackStep::Watching if self.seen.covers(policy.require) => {
                RollbackDecision::Confirmed
            }
            RollbackStep::Watching if now < self.deadline_unix => RollbackDecision::Wait {
                until_unix: self.deadline_unix,
            },
            RollbackStep::Watching | RollbackStep::RollingBack => RollbackDecision::RollBack,
            RollbackStep::ResultOwed(epr) => RollbackDecision::Deliver(epr.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn policy(require: Evidence) -> RollbackPolicy {
        RollbackPolicy {
            deadline_secs: 60,
            require,
        }
    }

    fn watch(policy: &RollbackPolicy) -> RollbackWatch {
        RollbackWatch::new(
            "eim-1",
            &"8949449999999990023".parse().unwrap(),
            NOW,
            policy,
        )
    }

    /// Registered with a data session since `since`, the eIM last reached at `eim_at`.
    fn online(since: u64, eim_at: Option<u64>) -> Connectivity {
        Connectivity {
            registration: Registration::Registered,
            attached_since: Some(since),
            data_since: Some(since),
            last_eim_success: eim_at,
            last_eim_failure: None,
        }
    }

    #[test]
    fn full_evidence_before_the_deadline_confirms_the_switch() {
        let policy = policy(Evidence::ALL);
        let mut watch = watch(&policy);
        assert_eq!(watch.deadline_unix, NOW + 60);
        assert_eq!(
            watch.decide(NOW, &policy),
            RollbackDecision::Wait {
                until_unix: NOW + 60
            }
        );
        assert!(watch.observe(NOW + 5, &online(NOW + 4, None)));
        assert!(
            !watch.observe(NOW + 6, &online(NOW + 4, None)),
            "nothing new"
        );
        assert_eq!(
            watch.decide(NOW + 6, &policy),
            RollbackDecision::Wait {
                until_unix: NOW + 60
            }
        );
        assert!(watch.observe(NOW + 7, &online(NOW + 4, Some(NOW + 7))));
        assert_eq!(watch.decide(NOW + 7, &policy), RollbackDecision::Confirmed);
    }

    #[test]
    fn a_profile_that_never_registers_is_rolled_back_at_the_deadline() {
        let policy = policy(Evidence::ALL);
        let mut watch = watch(&policy);
        let searching = Connectivity {
            registration: Registration::Searching,
            ..Connectivity::default()
        };
        watch.observe(NOW + 30, &searching);
        assert!(matches!(
            watch.decide(NOW + 59, &policy),
            RollbackDecision::Wait { .. }
        ));
        assert_eq!(watch.decide(NOW + 60, &policy), RollbackDecision::RollBack);
    }

    #[test]
    fn registration_without_data_is_not_enough() {
        let policy = policy(Evidence::ALL);
        let mut watch = watch(&policy);
        let no_data = Connectivity {
            data_since: None,
            ..online(NOW + 1, Some(NOW + 1))
        };
        assert!(watch.observe(NOW + 2, &no_data));
        assert_eq!(watch.decide(NOW + 61, &policy), RollbackDecision::RollBack);
        // Only the eIM exchange required: the same evidence suffices.
        let lenient = self::policy(Evidence {
            eim_exchange: true,
            ..Evidence::default()
        });
        assert_eq!(
            watch.decide(NOW + 61, &lenient),
            RollbackDecision::Confirmed
        );
    }

    #[test]
    fn evidence_outside_the_window_does_not_count() {
        let policy = policy(Evidence::ALL);
        let mut watch = watch(&policy);
        // Service that began before the switch (the old profile's, not yet re-registered) is no evidence
        // for the new one.
        assert!(!watch.observe(NOW + 1, &online(NOW - 1, Some(NOW - 1))));
        assert_eq!(watch.seen, Evidence::default());
        // Full service seen only after the deadline: too late.
        assert!(!watch.observe(NOW + 61, &online(NOW + 61, Some(NOW + 61))));
        assert_eq!(watch.decide(NOW + 61, &policy), RollbackDecision::RollBack);
    }

    #[test]
    fn later_steps_resume_as_journaled() {
        let policy = policy(Evidence::ALL);
        let mut watch = watch(&policy);
        watch.step = RollbackStep::RollingBack;
        // Even with full service: the rollback was decided and may have been sent.
        assert!(!watch.observe(NOW + 1, &online(NOW + 1, Some(NOW + 1))));
        assert_eq!(watch.decide(NOW + 1, &policy), RollbackDecision::RollBack);
        watch.step = RollbackStep::ResultOwed(vec![0xBF, 0x51]);
        assert_eq!(
            watch.decide(NOW + 1, &policy),
            RollbackDecision::Deliver(vec![0xBF, 0x51])
        );
    }
}
