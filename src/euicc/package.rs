//! SGP.32 ES10b functions the IPA agent uses: eUICC packages, rollback, immediate enable, fallback and
//! connectivity parameters.

use super::error::check;
use super::{Euicc, EuiccError, decode};
use crate::apdu::CardChannel;
use euicc_asn1::for_layout;
use euicc_asn1::types::sgp32::common::{
    PROFILE_ROLLBACK_RESULT, ProfileRollbackRequest, RefreshFlag,
};
use euicc_asn1::types::sgp32::v1_2;

/// The answer to ProfileRollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RollbackOutcome {
    /// The eUICC Package Result of the rolled-back package (`BF51 …`), as the eUICC signed it; it is owed
    /// to the eIM.
    pub(crate) package_result: Option<Vec<u8>>,
}

impl<C: CardChannel> Euicc<C> {
    /// LoadEuiccPackage: passes the eIM's EuiccPackageRequest (`BF51 …`) byte for byte and returns the eUICC
    /// Package Result exactly as the eUICC produced it (after checking that it decodes).
    pub(crate) async fn load_euicc_package(
        &mut self,
        request: &[u8],
    ) -> Result<Vec<u8>, EuiccError> {
        const FUNCTION: &str = "LoadEuiccPackage";
        let layout = self.layout().await?;
        let answer = self.exchange(FUNCTION, request).await?;
        for_layout!(layout, l => decode::<l::EuiccPackageResult>(FUNCTION, &answer).map(drop))?;
        Ok(answer)
    }

    /// ProfileRollback: re-enables the profile enabled before the last `enable` package.
    pub(crate) async fn profile_rollback(
        &mut self,
        refresh: bool,
    ) -> Result<RollbackOutcome, EuiccError> {
        const FUNCTION: &str = "ProfileRollback";
        let request = ProfileRollbackRequest(RefreshFlag {
            refresh_flag: refresh,
        });
        let layout = self.layout().await?;
        let (code, package_result) = for_layout!(layout, l => {
            let r: l::ProfileRollbackResponse = self.call(FUNCTION, &request).await?;
            (
                r.cmd_result,
                r.e_uicc_package_result.map(|s| s.raw().to_vec()),
            )
        });
        check(FUNCTION, PROFILE_ROLLBACK_RESULT, code)?;
        self.switched(refresh);
        Ok(RollbackOutcome { package_result })
    }

    /// ExecuteFallbackMechanism (v1.2): enables the profile with the fallback attribute.
    pub(crate) async fn execute_fallback(&mut self, refresh: bool) -> Result<(), EuiccError> {
        const FUNCTION: &str = "ExecuteFallbackMechanism";
        self.require_v1_2(FUNCTION).await?;
        let request = v1_2::ExecuteFallbackMechanismRequest(RefreshFlag {
            refresh_flag: refresh,
        });
        let r: v1_2::ExecuteFallbackMechanismResponse = self.call(FUNCTION, &request).await?;
        check(
            FUNCTION,
            v1_2::EXECUTE_FALLBACK_MECHANISM_RESULT,
            r.execute_fallback_mechanism_result,
        )?;
        self.switched(refresh);
        Ok(())
    }

    /// ReturnFromFallback (v1.2): re-enables the profile that was enabled before the fallback.
    pub(crate) async fn return_from_fallback(&mut self, refresh: bool) -> Result<(), EuiccError> {
        const FUNCTION: &str = "ReturnFromFallback";
        self.require_v1_2(FUNCTION).await?;
        let request = v1_2::ReturnFromFallbackRequest(RefreshFlag {
            refresh_flag: refresh,
        });
        let r: v1_2::ReturnFromFallbackResponse = self.call(FUNCTION, &request).await?;
        check(
            FUNCTION,
            v1_2::RETURN_FROM_FALLBACK_RESULT,
            r.return_from_fallback_result,
        )?;
        self.switched(refresh);
        Ok(())
    }

    /// Fails with [`EuiccError::Unsupported`] unless the eUICC speaks v1.2.
    async fn require_v1_2(&mut self, function: &'static str) -> Result<(), EuiccError> {
        let version = self.layout().await?;
        match version.fallback() {
            true => Ok(()),
            false => Err(EuiccError::Unsupported { function, version }),
        }
    }
}
