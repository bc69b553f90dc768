//! SGP.32 ES10b functions the IPA agent uses: eUICC packages, rollback and fallback.

use super::{Euicc, EuiccError, RollbackOutcome};
use crate::apdu::CardChannel;
use euiccd_core::es10::{
    ExecuteFallbackMechanism, LoadEuiccPackage, ProfileRollback, ReturnFromFallback,
};

impl<C: CardChannel> Euicc<C> {
    /// LoadEuiccPackage: passes the eIM's EuiccPackageRequest (`BF51 …`) byte for byte and returns the eUICC
    /// Package Result exactly as the eUICC produced it (after checking that it decodes).
    pub(crate) async fn load_euicc_package(
        &mut self,
        request: &[u8],
    ) -> Result<Vec<u8>, EuiccError> {
        let layout = self.layout().await?;
        self.run(LoadEuiccPackage {
            layout,
            package: request,
        })
        .await
    }

    /// ProfileRollback: re-enables the profile enabled before the last `enable` package.
    pub(crate) async fn profile_rollback(
        &mut self,
        refresh: bool,
    ) -> Result<RollbackOutcome, EuiccError> {
        let layout = self.layout().await?;
        let outcome = self.run(ProfileRollback { layout, refresh }).await?;
        self.switched(refresh);
        Ok(outcome)
    }

    /// ExecuteFallbackMechanism (v1.2): enables the profile with the fallback attribute.
    pub(crate) async fn execute_fallback(&mut self, refresh: bool) -> Result<(), EuiccError> {
        let layout = self.layout().await?;
        self.run(ExecuteFallbackMechanism { layout, refresh })
            .await?;
        self.switched(refresh);
        Ok(())
    }

    /// ReturnFromFallback (v1.2): re-enables the profile that was enabled before the fallback.
    pub(crate) async fn return_from_fallback(&mut self, refresh: bool) -> Result<(), EuiccError> {
        let layout = self.layout().await?;
        self.run(ReturnFromFallback { layout, refresh }).await?;
        self.switched(refresh);
        Ok(())
    }
}
