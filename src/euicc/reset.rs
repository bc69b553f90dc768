//! eUICC memory reset: SGP.32 v1.2's `BF64`, or SGP.22's `BF34` on v1.0 eUICCs and on v1.2 eUICCs that do
//! not know `BF64` (the request forms are `euiccd_core::es10::EuiccMemoryReset`'s).

use super::{Euicc, EuiccError, MemoryResetOptions, MemoryResetOutcome};
use crate::apdu::CardChannel;
use euiccd_core::es10::EuiccMemoryReset;

impl<C: CardChannel> Euicc<C> {
    /// EuiccMemoryReset: `BF64` on a v1.2 eUICC, falling back to `BF34` when it answers that it does not
    /// know the command; `BF34` on a v1.0 eUICC.
    pub(crate) async fn memory_reset(
        &mut self,
        options: MemoryResetOptions,
    ) -> Result<MemoryResetOutcome, EuiccError> {
        let own_form = self.layout().await?.own_memory_reset();
        let reset = |sgp22_form| EuiccMemoryReset {
            options,
            sgp22_form,
        };
        let outcome = match self.run(reset(!own_form)).await {
            Err(error) if own_form && error.is_not_supported() => {
                tracing::debug!("the eUICC refused BF64; retrying as SGP.22 BF34");
                self.run(reset(true)).await?
            }
            other => other?,
        };
        // Deleting the enabled profile resets the card (REFRESH), closing the channel.
        self.switched(options.deletes_profiles());
        Ok(outcome)
    }
}
