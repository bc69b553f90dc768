//! The supervisor over a journal: each step journaled before its action, a restart resumes with the same
//! deadline, the rollback takes precedence over the fallback, state changes owed until a poll carries them.

use super::*;
use euiccd_core::supervisor::Registration;
use euiccd_core::supervisor::fallback::{Conditions, FallbackPolicy, FallbackState, FallbackStep};
use euiccd_core::supervisor::rollback::{Evidence, RollbackPolicy, RollbackStep};

const NOW: u64 = 1_800_000_000;

fn policy() -> Policy {
    Policy {
        rollback: RollbackPolicy {
            deadline_secs: 60,
            require: Evidence::ALL,
        },
        fallback: Some(FallbackPolicy {
            after_secs: 30,
            conditions: Conditions {
                registration_denied: true,
                ..Conditions::default()
            },
            return_after_secs: Some(100),
        }),
    }
}

fn switch() -> RollbackSwitch {
    RollbackSwitch {
        eim_id: "eim-1".into(),
        iccid: "8949449999999990023".parse().unwrap(),
    }
}

fn denied() -> Connectivity {
    Connectivity {
        registration: Registration::Denied,
        ..Connectivity::default()
    }
}

#[test]
fn a_rollback_is_journaled_before_it_is_sent_and_its_result_is_owed_until_delivered() {
    let supervisor = Supervisor::new(policy());
    let mut journal = MemorySupervision::default();
    supervisor.arm(&mut journal, &switch(), NOW).unwrap();
    let next = supervisor.next(&mut journal, NOW + 1, &denied()).unwrap();
    assert_eq!(
        next,
        Next {
            action: None,
            wake_unix: Some(NOW + 60)
        }
    );
    // The rollback watch holds the fallback back, whatever the outage.
    assert_eq!(journal.load().unwrap().fallback, FallbackState::default());

    let next = supervisor.next(&mut journal, NOW + 60, &denied()).unwrap();
    assert_eq!(next.action, Some(Action::Switch(Switch::RollBack)));
    let record = journal.load().unwrap();
    assert_eq!(
        record.rollback.as_ref().unwrap().step,
        RollbackStep::RollingBack,
        "journaled before the action is returned"
    );

    supervisor
        .rolled_back(&mut journal, Some(vec![0xBF, 0x51, 0x00]))
        .unwrap();
    assert_eq!(
        supervisor.state_change(&journal).unwrap(),
        Some(StateChange {
            cause: CAUSE_LOCAL,
            r_plmn: None
        })
    );
    // Delivery failed (no link yet): the result is offered again on every look.
    for at in [NOW + 61, NOW + 62] {
        let next = supervisor.next(&mut journal, at, &denied()).unwrap();
        assert_eq!(
            next.action,
            Some(Action::Deliver {
                eim_id: "eim-1".into(),
                epr: vec![0xBF, 0x51, 0x00]
            })
        );
    }
    supervisor.delivered(&mut journal).unwrap();
    assert!(journal.load().unwrap().rollback.is_none());
    supervisor.state_change_sent(&mut journal).unwrap();
    assert_eq!(supervisor.state_change(&journal).unwrap(), None);
}

#[test]
fn a_restart_keeps_the_deadline() {
    let mut journal = MemorySupervision::default();
    Supervisor::new(policy())
        .arm(&mut journal, &switch(), NOW)
        .unwrap();
    // A restarted daemon with a longer configured deadline: the stored one holds.
    let mut longer = policy();
    longer.rollback.deadline_secs = 3600;
    let restarted = Supervisor::new(longer);
    let next = restarted
        .next(&mut journal, NOW + 59, &Connectivity::default())
        .unwrap();
    assert_eq!(next.wake_unix, Some(NOW + 60));
    let next = restarted
        .next(&mut journal, NOW + 60, &Connectivity::default())
        .unwrap();
    assert_eq!(next.action, Some(Action::Switch(Switch::RollBack)));
    // Killed after journaling the step: the rollback is sent again, even if service came meanwhile.
    let online = Connectivity {
        registration: Registration::Registered,
        attached_since: Some(NOW + 61),
        data_since: Some(NOW + 61),
        last_eim_success: Some(NOW + 61),
        last_eim_failure: None,
    };
    let again = restarted.next(&mut journal, NOW + 61, &online).unwrap();
    assert_eq!(again.action, Some(Action::Switch(Switch::RollBack)));
}

#[test]
fn a_switch_with_service_ends_the_watch_without_a_rollback() {
    let supervisor = Supervisor::new(policy());
    let mut journal = MemorySupervision::default();
    supervisor.arm(&mut journal, &switch(), NOW).unwrap();
    let online = Connectivity {
        registration: Registration::Registered,
        attached_since: Some(NOW + 1),
        data_since: Some(NOW + 2),
        last_eim_success: Some(NOW + 2),
        last_eim_failure: None,
    };
    let next = supervisor.next(&mut journal, NOW + 3, &online).unwrap();
    assert_eq!(next.action, None);
    assert!(journal.load().unwrap().rollback.is_none());
    assert_eq!(supervisor.state_change(&journal).unwrap(), None);
}

#[test]
fn a_refused_rollback_ends_the_watch() {
    let supervisor = Supervisor::new(policy());
    let mut journal = MemorySupervision::default();
    supervisor.arm(&mut journal, &switch(), NOW).unwrap();
    supervisor
        .next(&mut journal, NOW + 60, &Connectivity::default())
        .unwrap();
    supervisor.rollback_refused(&mut journal).unwrap();
    assert_eq!(journal.load().unwrap(), Supervision::default());
}

#[test]
fn fallback_and_return_are_journaled_and_reported_with_cause_fallback() {
    let supervisor = Supervisor::new(policy());
    let mut journal = MemorySupervision::default();
    assert_eq!(
        supervisor.next(&mut journal, NOW, &denied()).unwrap(),
        Next {
            action: None,
            wake_unix: Some(NOW + 30)
        }
    );
    let saves = journal.saves;
    supervisor.next(&mut journal, NOW + 10, &denied()).unwrap();
    assert_eq!(journal.saves, saves, "an unchanged outage writes nothing");
    let next = supervisor.next(&mut journal, NOW + 30, &denied()).unwrap();
    assert_eq!(next.action, Some(Action::Switch(Switch::ExecuteFallback)));
    assert_eq!(
        journal.load().unwrap().fallback.step,
        FallbackStep::Executing
    );
    supervisor
        .fallback_answered(&mut journal, Switch::ExecuteFallback, NOW + 31, true)
        .unwrap();
    assert_eq!(
        supervisor.state_change(&journal).unwrap().map(|c| c.cause),
        Some(CAUSE_FALLBACK)
    );
    supervisor.state_change_sent(&mut journal).unwrap();
    let next = supervisor.next(&mut journal, NOW + 40, &denied()).unwrap();
    assert_eq!(next.wake_unix, Some(NOW + 131));
    let next = supervisor.next(&mut journal, NOW + 131, &denied()).unwrap();
    assert_eq!(
        next.action,
        Some(Action::Switch(Switch::ReturnFromFallback))
    );
    supervisor
        .fallback_answered(&mut journal, Switch::ReturnFromFallback, NOW + 132, true)
        .unwrap();
    let record = journal.load().unwrap();
    assert_eq!(record.fallback, FallbackState::default());
    assert_eq!(record.state_change.map(|c| c.cause), Some(CAUSE_FALLBACK));
}

#[test]
fn without_a_fallback_policy_nothing_falls_back() {
    let supervisor = Supervisor::new(Policy {
        fallback: None,
        ..policy()
    });
    let mut journal = MemorySupervision::default();
    let next = supervisor
        .next(&mut journal, NOW + 1_000, &denied())
        .unwrap();
    assert_eq!(
        next,
        Next {
            action: None,
            wake_unix: None
        }
    );
    assert_eq!(journal.saves, 0);
}

#[test]
fn the_eim_is_failing_when_its_last_exchange_failed() {
    let mut c = Connectivity::default();
    assert!(!c.eim_failing());
    c.last_eim_failure = Some(5);
    assert!(c.eim_failing());
    c.last_eim_success = Some(6);
    assert!(!c.eim_failing());
}
