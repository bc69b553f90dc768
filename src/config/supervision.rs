//! `[rollback]` and `[fallback]`: the supervisors' policies (see [`crate::agent::supervisor`]).

use crate::agent::supervisor::Policy;
use euiccd_core::supervisor::fallback::{Conditions, FallbackPolicy};
use euiccd_core::supervisor::rollback::{Evidence, RollbackPolicy};

/// Longest rollback deadline or fallback period accepted (7 days), seconds: a device that waits longer
/// than that for service is stranded anyway.
pub(crate) const MAX_SUPERVISION_SECS: u64 = 7 * 24 * 3600;

/// One kind of evidence of service on a new profile (`rollback.require`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// The modem registered on a network.
    Attach,
    /// A data session was up.
    DataSession,
    /// An exchange with an eIM succeeded.
    EimExchange,
}

/// `[rollback]`: how a switch the eIM permitted to be rolled back is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RollbackConfig {
    /// Seconds the new profile has to show every `require`d kind of service before ProfileRollback.
    pub(crate) deadline_secs: u64,
    /// What counts as service: `attach`, `data_session`, `eim_exchange` (at least one).
    pub(crate) require: Vec<Service>,
}

impl Default for RollbackConfig {
    fn default() -> Self {
        Self {
            // Our choice (a device policy, not a spec value): about 7 minutes, as emnify documents for its devices.
            deadline_secs: 420,
            require: vec![Service::Attach, Service::DataSession, Service::EimExchange],
        }
    }
}

/// One observation that makes connectivity unusable (`fallback.conditions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Condition {
    /// The network rejected the registration.
    RegistrationDenied,
    /// Not registered at all.
    NotRegistered,
    /// No data session.
    NoDataSession,
    /// The last eIM exchange failed.
    EimUnreachable,
}

/// `[fallback]`: when the IPA falls back to the profile with the Fallback Attribute, and returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FallbackConfig {
    /// Whether the IPA executes the fallback mechanism at all.
    pub(crate) enabled: bool,
    /// Seconds of unusable connectivity before ExecuteFallbackMechanism.
    pub(crate) after_secs: u64,
    /// What makes connectivity unusable (at least one).
    pub(crate) conditions: Vec<Condition>,
    /// Seconds on the fallback profile before ReturnFromFallback; 0: stay until the eIM acts.
    pub(crate) return_after_secs: u64,
}

impl Default for FallbackConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            after_secs: 1800,
            conditions: vec![Condition::RegistrationDenied, Condition::NoDataSession],
            return_after_secs: 86_400,
        }
    }
}

/// Checks both sections (`observer`: whether the connectivity observer runs); the error names the key.
pub(super) fn check(
    rollback: &RollbackConfig,
    fallback: &FallbackConfig,
    observer: bool,
) -> Result<(), (&'static str, String)> {
    let range = || format!("must be 1 to {MAX_SUPERVISION_SECS}");
    if !(1..=MAX_SUPERVISION_SECS).contains(&rollback.deadline_secs) {
        return Err(("rollback.deadline_secs", range()));
    }
    if rollback.require.is_empty() {
        return Err((
            "rollback.require",
            "name at least one kind of service".into(),
        ));
    }
    // Without the observer nothing shows an attach or a data session: every switch would be rolled back.
    let needs_observer = [Service::Attach, Service::DataSession];
    if !observer && rollback.require.iter().any(|s| needs_observer.contains(s)) {
        return Err((
            "rollback.require",
            "attach and data_session need connectivity.enabled = true".into(),
        ));
    }
    if !(1..=MAX_SUPERVISION_SECS).contains(&fallback.after_secs) {
        return Err(("fallback.after_secs", range()));
    }
    if fallback.return_after_secs > MAX_SUPERVISION_SECS {
        return Err((
            "fallback.return_after_secs",
            format!("must be 0 to {MAX_SUPERVISION_SECS}"),
        ));
    }
    if fallback.enabled && fallback.conditions.is_empty() {
        return Err(("fallback.conditions", "name at least one condition".into()));
    }
    Ok(())
}

/// The supervisors' policy from both sections.
pub(crate) fn policy(rollback: &RollbackConfig, fallback: &FallbackConfig) -> Policy {
    let has = |s| rollback.require.contains(&s);
    let when = |c| fallback.conditions.contains(&c);
    Policy {
        rollback: RollbackPolicy {
            deadline_secs: rollback.deadline_secs,
            require: Evidence {
                attach: has(Service::Attach),
                data_session: has(Service::DataSession),
                eim_exchange: has(Service::EimExchange),
            },
        },
        fallback: fallback.enabled.then(|| FallbackPolicy {
            after_secs: fallback.after_secs,
            conditions: Conditions {
                registration_denied: when(Condition::RegistrationDenied),
                not_registered: when(Condition::NotRegistered),
                no_data_session: when(Condition::NoDataSession),
                eim_unreachable: when(Condition::EimUnreachable),
            },
            return_after_secs: (fallback.return_after_secs > 0)
                .then_some(fallback.return_after_secs),
        }),
    }
}
