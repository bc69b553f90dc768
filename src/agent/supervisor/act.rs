//! The ES10 side of the supervisors' actions: ProfileRollback, ExecuteFallbackMechanism and
//! ReturnFromFallback, each with REFRESH, then the enabled profile read back once the card has reset and
//! the channel is reopened (the old or fallback profile is back). Delivering a rolled-back package's result
//! is the poll cycle's business ([`report_package_result`](crate::agent::eim::report_package_result)).

use super::Switch;
use crate::apdu::CardChannel;
use crate::euicc::{Euicc, EuiccError};

/// What the eUICC answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It switched profiles; `package_result` is the rolled-back package's result (ProfileRollback only).
    Switched {
        /// The eUICC Package Result owed to the eIM, exact bytes.
        package_result: Option<Vec<u8>>,
        /// The profile enabled now (ICCID digits), when it could be read.
        enabled: Option<String>,
    },
    /// It refused with this result code (rollbackNotAllowed 1, fallbackNotAvailable 6 …).
    Refused {
        /// The code.
        code: i64,
    },
}

/// Carries out `switch` on the eUICC. A transport failure is an error: the journaled step stays, and the
/// switch is tried again (the eUICC itself refuses a second rollback).
pub async fn perform<C: CardChannel>(
    euicc: &mut Euicc<C>,
    switch: Switch,
) -> Result<Answer, EuiccError> {
    let switched = match switch {
        Switch::RollBack => euicc
            .profile_rollback(true)
            .await
            .map(|outcome| outcome.package_result),
        Switch::ExecuteFallback => euicc.execute_fallback(true).await.map(|()| None),
        Switch::ReturnFromFallback => euicc.return_from_fallback(true).await.map(|()| None),
    };
    match switched {
        Ok(package_result) => Ok(Answer::Switched {
            package_result,
            enabled: enabled_profile(euicc).await,
        }),
        Err(EuiccError::Refused { code, .. }) => Ok(Answer::Refused { code }),
        Err(error) => Err(error),
    }
}

/// The enabled profile, read after the switch (the first call reopens the channel the REFRESH closed).
/// A failure is only logged: the switch is done whatever this says.
async fn enabled_profile<C: CardChannel>(euicc: &mut Euicc<C>) -> Option<String> {
    match euicc.profiles(None).await {
        Ok(profiles) => profiles
            .iter()
            .find(|p| p.profile_state == Some(1))
            .and_then(|p| p.iccid)
            .map(|iccid| iccid.digits()),
        Err(error) => {
            tracing::warn!(%error, "enabled profile not read after the switch");
            None
        }
    }
}
