//! eUICC configuration: the configured SM-DP+/SM-DS addresses, the SGP.22 memory reset and the Rules
//! Authorisation Table (ES10a/ES10b/ES10c).

use super::metadata::OperatorId;
use crate::{Asn1, BitString};

/// ES10a.GetEuiccConfiguredAddresses: asks for the default SM-DP+ and root SM-DS addresses (`BF3C 00`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 60)]
pub struct EuiccConfiguredAddressesRequest {}

/// The addresses configured in the eUICC; the default SM-DP+ serves downloads without an activation code.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 60)]
pub struct EuiccConfiguredAddressesResponse {
    /// Default SM-DP+ FQDN, when one is set.
    #[asn1(context = 0)]
    pub default_dp_address: Option<String>,
    /// Root SM-DS FQDN.
    #[asn1(context = 1)]
    pub root_ds_address: String,
}

/// SGP.22 ES10a.SetDefaultDpAddress (`BF3F`); SGP.32 v1.2 defines its own `SetDefaultDpAddressRequest` (`BF65`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 63, name = "SetDefaultDpAddressRequest")]
pub struct Sgp22SetDefaultDpAddressRequest {
    /// The new default SM-DP+ FQDN; empty to remove it.
    #[asn1(context = 0)]
    pub default_dp_address: String,
}

/// The result of [`Sgp22SetDefaultDpAddressRequest`] ([`codes::SET_DEFAULT_DP_ADDRESS_RESULT`](super::codes::SET_DEFAULT_DP_ADDRESS_RESULT)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 63, name = "SetDefaultDpAddressResponse")]
pub struct Sgp22SetDefaultDpAddressResponse {
    /// ok 0, undefinedError 127.
    #[asn1(context = 0)]
    pub set_default_dp_address_result: i64,
}

/// SGP.22 ES10c.eUICCMemoryReset (`BF34`), for SGP.32 v1.0 eUICCs; SGP.32 v1.2 uses `EuiccMemoryResetRequest` `BF64`.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 52, name = "EuiccMemoryResetRequest")]
pub struct Sgp22EuiccMemoryResetRequest {
    /// deleteOperationalProfiles 0, deleteFieldLoadedTestProfiles 1, resetDefaultSmdpAddress 2.
    #[asn1(context = 2)]
    pub reset_options: BitString,
}

/// The result of [`Sgp22EuiccMemoryResetRequest`] ([`codes::EUICC_MEMORY_RESET_RESULT`](super::codes::EUICC_MEMORY_RESET_RESULT)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 52, name = "EuiccMemoryResetResponse")]
pub struct Sgp22EuiccMemoryResetResponse {
    /// ok 0, nothingToDelete 1, catBusy 5, undefinedError 127.
    #[asn1(context = 0)]
    pub reset_result: i64,
}

/// ES10b.GetRAT: asks for the Rules Authorisation Table (`BF43 00`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 67)]
pub struct GetRatRequest {}

/// The Rules Authorisation Table: which operators may set which Profile Policy Rules.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 67)]
pub struct GetRatResponse {
    /// The RulesAuthorisationTable.
    #[asn1(context = 0)]
    pub rat: Vec<ProfilePolicyAuthorisationRule>,
}

/// One entry of the Rules Authorisation Table.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ProfilePolicyAuthorisationRule {
    /// The PPRs the rule is about (pprUpdateControl 0, ppr1 1, ppr2 2).
    #[asn1(context = 0)]
    pub ppr_ids: BitString,
    /// The operators allowed to set them.
    #[asn1(context = 1)]
    pub allowed_operators: Vec<OperatorId>,
    /// consentRequired 0.
    #[asn1(context = 2)]
    pub ppr_flags: BitString,
}
