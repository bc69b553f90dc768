//! eUICC memory reset (SGP.32 §5.9.20, SGP.22 §5.7.19): SGP.32 v1.2's `BF64`, or SGP.22's `BF34` on v1.0
//! eUICCs and on v1.2 eUICCs that do not know `BF64` (the driver sends the second when the eUICC refuses the
//! first as an unknown command).

use super::{Es10Error, Es10Function, decode};
use euicc_asn1::types::sgp22::{
    Sgp22EuiccMemoryResetRequest, Sgp22EuiccMemoryResetResponse, codes,
};
use euicc_asn1::types::sgp32::v1_2::{
    EuiccMemoryResetRequest, EuiccMemoryResetResponse, RESET_RESULT,
};
use euicc_asn1::{BitString, to_der};

/// What to reset. Each option maps to a bit of `resetOptions` in the layout the eUICC speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoryResetOptions {
    /// Delete the operational profiles.
    pub delete_operational_profiles: bool,
    /// Delete the test profiles loaded in the field.
    pub delete_field_loaded_test_profiles: bool,
    /// Remove the default SM-DP+ address.
    pub reset_default_smdp_address: bool,
    /// Delete the test profiles loaded at manufacture (v1.2 only).
    pub delete_pre_loaded_test_profiles: bool,
    /// Delete the provisioning profiles (v1.2 only).
    pub delete_provisioning_profiles: bool,
    /// Remove the eIM configuration.
    pub reset_eim_config: bool,
    /// Reset the immediate (v1.0: automatic) profile enabling configuration.
    pub reset_immediate_enable_config: bool,
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
    pub fn v1_2_bits(&self) -> BitString {
        let set: Vec<usize> = self
            .bits()
            .iter()
            .filter(|(on, ..)| *on)
            .map(|(_, bit, _)| *bit)
            .collect();
        BitString::from_bits(&set)
    }

    /// The `resetOptions` of a v1.0 eUICC (`BF34`); `None` when an option has no v1.0 bit.
    pub fn v1_0_bits(&self) -> Option<BitString> {
        let set: Option<Vec<usize>> = self
            .bits()
            .iter()
            .filter(|(on, ..)| *on)
            .map(|(_, _, bit)| *bit)
            .collect();
        set.map(|bits| BitString::from_bits(&bits))
    }

    /// True when an option deletes profiles (the enabled one may be among them).
    pub fn deletes_profiles(&self) -> bool {
        self.delete_operational_profiles
            || self.delete_field_loaded_test_profiles
            || self.delete_pre_loaded_test_profiles
            || self.delete_provisioning_profiles
    }

    /// True when no option is chosen.
    pub fn is_empty(&self) -> bool {
        self.bits().iter().all(|(on, ..)| !on)
    }
}

/// The eUICC's answer to a memory reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryResetOutcome {
    /// The request went out as SGP.22's `BF34` (v1.0 eUICC, or `BF64` refused).
    pub sgp22_form: bool,
    /// `resetResult`: ok 0 or nothingToDelete 1 (others are errors).
    pub reset_result: i64,
    /// `resetEimResult` (v1.2).
    pub reset_eim_result: Option<i64>,
    /// `resetImmediateEnableConfigResult` (v1.2).
    pub reset_immediate_enable_config_result: Option<i64>,
}

/// EuiccMemoryReset, in SGP.32 v1.2's form (`BF64`) or, with `sgp22_form`, SGP.22's (`BF34`, whose
/// `resetOptions` cannot name pre-loaded test or provisioning profiles).
#[derive(Debug, Clone, Copy)]
pub struct EuiccMemoryReset {
    /// What to reset.
    pub options: MemoryResetOptions,
    /// Send SGP.22's `BF34`.
    pub sgp22_form: bool,
}

impl Es10Function for EuiccMemoryReset {
    const NAME: &'static str = "EuiccMemoryReset";
    type Output = MemoryResetOutcome;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        if self.options.is_empty() {
            return Err(Es10Error::InvalidRequest {
                function: Self::NAME,
                reason: "choose at least one thing to reset",
            });
        }
        if !self.sgp22_form {
            return Ok(to_der(&EuiccMemoryResetRequest {
                reset_options: self.options.v1_2_bits(),
            }));
        }
        let reset_options = self.options.v1_0_bits().ok_or(Es10Error::InvalidRequest {
            function: Self::NAME,
            reason: "this eUICC's memory reset (BF34) cannot delete pre-loaded test or provisioning profiles",
        })?;
        Ok(to_der(&Sgp22EuiccMemoryResetRequest { reset_options }))
    }

    fn read(self, answer: Vec<u8>) -> Result<MemoryResetOutcome, Es10Error> {
        let (outcome, table) = if self.sgp22_form {
            let response: Sgp22EuiccMemoryResetResponse = decode(Self::NAME, &answer)?;
            let outcome = MemoryResetOutcome {
                sgp22_form: true,
                reset_result: response.reset_result,
                reset_eim_result: None,
                reset_immediate_enable_config_result: None,
            };
            (outcome, codes::EUICC_MEMORY_RESET_RESULT)
        } else {
            let response: EuiccMemoryResetResponse = decode(Self::NAME, &answer)?;
            let outcome = MemoryResetOutcome {
                sgp22_form: false,
                reset_result: response.reset_result,
                reset_eim_result: response.reset_eim_result,
                reset_immediate_enable_config_result: response.reset_immediate_enable_config_result,
            };
            (outcome, RESET_RESULT)
        };
        match outcome.reset_result {
            // ok, nothingToDelete
            0 | 1 => Ok(outcome),
            code => Err(Es10Error::refused(Self::NAME, table, code)),
        }
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
