//! The ES10 side of the supervisors' actions: ProfileRollback, ExecuteFallbackMechanism and
//! ReturnFromFallback, each with REFRESH, then the enabled profile read back once the card has reset and
//! the channel is reopened (the old or fallback profile is back). Delivering a rolled-back package's result
//! is the poll cycle's business ([`report_package_result`](crate::agent::eim::report_package_result)).

use super::Switch;
use crate::agent::ipa_data;
use crate::apdu::CardChannel;
use crate::euicc::{Euicc, EuiccError};
use euicc_asn1::Layout;
use euicc_asn1::types::sgp22::NotificationSearchCriteria;
use euicc_asn1::types::sgp32::view::PackageResultView;
use euicc_asn1::{for_layout, from_ber};
use euiccd_core::es10::Es10Error;

/// ProfileRollback cmdResult rollbackNotAllowed.
const ROLLBACK_NOT_ALLOWED: i64 = 1;

/// What the eUICC answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
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
pub(crate) async fn perform<C: CardChannel>(
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
        // Refused as a second attempt: a daemon that died between the rollback and journaling its result
        // finds the result on the eUICC.
        Err(EuiccError::Es10(Es10Error::Refused {
            code: ROLLBACK_NOT_ALLOWED,
            ..
        })) if switch == Switch::RollBack => match stored_rollback_result(euicc).await? {
            Some(epr) => {
                tracing::warn!(
                    "rollback refused, but its result is on the eUICC: done before a restart"
                );
                Ok(Answer::Switched {
                    package_result: Some(epr),
                    enabled: enabled_profile(euicc).await,
                })
            }
            None => Ok(Answer::Refused {
                code: ROLLBACK_NOT_ALLOWED,
            }),
        },
        Err(EuiccError::Es10(Es10Error::Refused { code, .. })) => Ok(Answer::Refused { code }),
        Err(error) => Err(error),
    }
}

/// The newest eUICC Package Result stored on the eUICC that reports a rollback, if any.
async fn stored_rollback_result<C: CardChannel>(
    euicc: &mut Euicc<C>,
) -> Result<Option<Vec<u8>>, EuiccError> {
    let version = euicc.layout().await?;
    // A v1.0 eUICC returns its stored results with the notifications.
    let criteria = version
        .results_on_request()
        .then_some(NotificationSearchCriteria::EuiccPackageResults);
    let stored = ipa_data::retrieve(euicc, criteria).await?.package_results;
    Ok(stored
        .into_iter()
        .rev()
        .find(|raw| reports_rollback(version, raw)))
}

/// Whether the eUICC Package Result `raw` carries a `rollbackResult`.
fn reports_rollback(version: Layout, raw: &[u8]) -> bool {
    for_layout!(version, l => from_ber::<l::EuiccPackageResult>(raw)
        .is_ok_and(|result| result.reports_rollback()))
}

/// The enabled profile, read after the switch (the first call reopens the channel the REFRESH closed).
/// A failure is only logged: the switch is done whatever this says.
async fn enabled_profile<C: CardChannel>(euicc: &mut Euicc<C>) -> Option<String> {
    match euicc.enabled_profile().await {
        Ok(iccid) => iccid.map(|iccid| iccid.digits()),
        Err(error) => {
            tracing::warn!(%error, "enabled profile not read after the switch");
            None
        }
    }
}
