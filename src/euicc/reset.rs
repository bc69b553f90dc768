//! eUICC memory reset: SGP.32 v1.2's `BF64`, or SGP.22's `BF34` on v1.0 eUICCs and on v1.2 eUICCs that do
//! not know `BF64`.

use super::{Euicc, EuiccError};
use crate::apdu::CardChannel;
use euicc_asn1::BitString;
use euicc_asn1::types::sgp22::{
    Sgp22EuiccMemoryResetRequest, Sgp22EuiccMemoryResetResponse, codes,
};
use euicc_asn1::types::sgp32::v1_2::{
    EuiccMemoryResetRequest, EuiccMemoryResetResponse, RESET_RESULT,
};

const FUNCTION: &str = "EuiccMemoryReset";

/// What to reset. Each option maps to a bit of `resetOptions` in the layout the eUICC speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct MemoryResetOptions {
    /// Delete the operational profiles.
    pub(crate) delete_operational_profiles: bool,
    /// Delete the test profiles loaded in the field.
    pub(crate) delete_field_loaded_test_profiles: bool,
    /// Remove the default SM-DP+ address.
    pub(crate) reset_default_smdp_address: bool,
    /// Delete the test profiles loaded at manufacture (v1.2 only).
    pub(crate) delete_pre_loaded_test_profiles: bool,
    /// Delete the provisioning profiles (v1.2 only).
    pub(crate) delete_provisioning_profiles: bool,
    /// Remove the eIM configuration.
    pub(crate) reset_eim_config: bool,
    /// Reset the immediate (v1.0: automatic) profile enabling configuration.
    pub(crate) reset_immediate_enable_config: bool,
}

impl MemoryResetOptions {
    /// `(option, v1.2 bit, v1.0 bit)` for every option.
    fn bits(&self) -> [(bool, usize, Option<usize>); 7] {
        [
            (self.delete_operational_profiles, 0, Some(0)),
            (self.delete_field_loaded_test_profiles, 1, Some(1)),
            (self.reset_default_smdp_address, 2, Some(2)),
            (self.delete_pre_loaded_test_profiles, 3, None),
            (self.delete_provisioning_profiles, 4, None),
            (self.reset_eim_config, 5, Some(3)),
            (self.reset_immediate_enable_config, 6, Some(4)),
        ]
    }

    /// The v1.2 `resetOptions` (`BF64`).
    pub(crate) fn v1_2_bits(&self) -> BitString {
        let set: Vec<usize> = self
            .bits()
            .iter()
            .filter(|(on, ..)| *on)
            .map(|(_, bit, _)| *bit)
            .collect();
        BitString::from_bits(&set)
    }

    /// The `resetOptions` of a v1.0 eUICC (`BF34`); `None` when an option has no v1.0 bit.
    pub(crate) fn v1_0_bits(&self) -> Option<BitString> {
        let set: Option<Vec<usize>> = self
            .bits()
            .iter()
            .filter(|(on, ..)| *on)
            .map(|(_, _, bit)| *bit)
            .collect();
        set.map(|bits| BitString::from_bits(&bits))
    }

    /// True when an option deletes profiles (the enabled one may be among them).
    pub(crate) fn deletes_profiles(&self) -> bool {
        self.delete_operational_profiles
            || self.delete_field_loaded_test_profiles
            || self.delete_pre_loaded_test_profiles
            || self.delete_provisioning_profiles
    }

    /// True when no option is chosen.
    pub(crate) fn is_empty(&self) -> bool {
        self.bits().iter().all(|(on, ..)| !on)
    }
}

/// The eUICC's answer to a memory reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoryResetOutcome {
    /// The request went out as SGP.22's `BF34` (v1.0 eUICC, or `BF64` refused).
    pub(crate) sgp22_form: bool,
    /// `resetResult`: ok 0 or nothingToDelete 1 (others are errors).
    pub(crate) reset_result: i64,
    /// `resetEimResult` (v1.2).
    pub(crate) reset_eim_result: Option<i64>,
    /// `resetImmediateEnableConfigResult` (v1.2).
    pub(crate) reset_immediate_enable_config_result: Option<i64>,
}

impl<C: CardChannel> Euicc<C> {
    /// EuiccMemoryReset: `BF64` on a v1.2 eUICC, falling back to `BF34` when it answers that it does not
    /// know the command; `BF34` on a v1.0 eUICC.
    pub(crate) async fn memory_reset(
        &mut self,
        options: MemoryResetOptions,
    ) -> Result<MemoryResetOutcome, EuiccError> {
        if options.is_empty() {
            return Err(EuiccError::InvalidRequest {
                function: FUNCTION,
                reason: "choose at least one thing to reset",
            });
        }
        let outcome = match self.layout().await?.own_memory_reset() {
            true => {
                let request = EuiccMemoryResetRequest {
                    reset_options: options.v1_2_bits(),
                };
                match self
                    .call::<_, EuiccMemoryResetResponse>(FUNCTION, &request)
                    .await
                {
                    Ok(response) => MemoryResetOutcome {
                        sgp22_form: false,
                        reset_result: response.reset_result,
                        reset_eim_result: response.reset_eim_result,
                        reset_immediate_enable_config_result: response
                            .reset_immediate_enable_config_result,
                    },
                    Err(error) if error.is_not_supported() => {
                        tracing::debug!("the eUICC refused BF64; retrying as SGP.22 BF34");
                        self.sgp22_memory_reset(options).await?
                    }
                    Err(error) => return Err(error),
                }
            }
            false => self.sgp22_memory_reset(options).await?,
        };
        match outcome.reset_result {
            0 | 1 => {
                // Deleting the enabled profile resets the card (REFRESH), closing the channel.
                self.switched(options.deletes_profiles());
                Ok(outcome)
            }
            code => {
                let table = if outcome.sgp22_form {
                    codes::EUICC_MEMORY_RESET_RESULT
                } else {
                    RESET_RESULT
                };
                Err(EuiccError::refused(FUNCTION, table, code))
            }
        }
    }

    async fn sgp22_memory_reset(
        &mut self,
        options: MemoryResetOptions,
    ) -> Result<MemoryResetOutcome, EuiccError> {
        let reset_options = options.v1_0_bits().ok_or(EuiccError::InvalidRequest {
            function: FUNCTION,
            reason: "this eUICC's memory reset (BF34) cannot delete pre-loaded test or provisioning profiles",
        })?;
        let response: Sgp22EuiccMemoryResetResponse = self
            .call(FUNCTION, &Sgp22EuiccMemoryResetRequest { reset_options })
            .await?;
        Ok(MemoryResetOutcome {
            sgp22_form: true,
            reset_result: response.reset_result,
            reset_eim_result: None,
            reset_immediate_enable_config_result: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_map_to_each_layout() {
        let options = MemoryResetOptions {
            delete_operational_profiles: true,
            reset_eim_config: true,
            ..Default::default()
        };
        assert_eq!(options.v1_2_bits().set_bits(), vec![0, 5]);
        assert_eq!(options.v1_0_bits().map(|b| b.set_bits()), Some(vec![0, 3]));
        let v1_2_only = MemoryResetOptions {
            delete_provisioning_profiles: true,
            ..Default::default()
        };
        assert_eq!(v1_2_only.v1_0_bits(), None);
        assert!(MemoryResetOptions::default().is_empty());
    }
}
