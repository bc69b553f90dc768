//! SGP.32 v1.2 ES10b commands for emergency profiles, the fallback mechanism and connectivity parameters.

use super::RefreshFlag;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Octets};

/// EnableEmergencyProfile (`BF5B`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 91)]
pub struct EnableEmergencyProfileRequest(pub RefreshFlag);

/// The answer to EnableEmergencyProfile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 91)]
pub struct EnableEmergencyProfileResponse {
    /// Names: [`ENABLE_EMERGENCY_PROFILE_RESULT`].
    #[asn1(context = 0)]
    pub enable_emergency_profile_result: i64,
}

/// `enableEmergencyProfileResult`.
pub const ENABLE_EMERGENCY_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (2, "profileNotInDisabledState"),
    (5, "catBusy"),
    (8, "ecallNotAvailable"),
    (127, "undefinedError"),
];

/// DisableEmergencyProfile (`BF5C`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 92)]
pub struct DisableEmergencyProfileRequest(pub RefreshFlag);

/// The answer to DisableEmergencyProfile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 92)]
pub struct DisableEmergencyProfileResponse {
    /// Names: [`DISABLE_EMERGENCY_PROFILE_RESULT`].
    #[asn1(context = 0)]
    pub disable_emergency_profile_result: i64,
}

/// `disableEmergencyProfileResult`.
pub const DISABLE_EMERGENCY_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (2, "profileNotInEnabledState"),
    (5, "catBusy"),
    (127, "undefinedError"),
];

/// ExecuteFallbackMechanism (`BF5D`): enable the profile marked as fallback.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 93)]
pub struct ExecuteFallbackMechanismRequest(pub RefreshFlag);

/// The answer to ExecuteFallbackMechanism.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 93)]
pub struct ExecuteFallbackMechanismResponse {
    /// Names: [`EXECUTE_FALLBACK_MECHANISM_RESULT`].
    #[asn1(context = 0)]
    pub execute_fallback_mechanism_result: i64,
}

/// `executeFallbackMechanismResult`.
pub const EXECUTE_FALLBACK_MECHANISM_RESULT: CodeTable = &[
    (0, "ok"),
    (2, "profileNotInDisabledState"),
    (5, "catBusy"),
    (6, "fallbackNotAvailable"),
    (7, "commandError"),
    (104, "ecallActive"),
    (127, "undefinedError"),
];

/// ReturnFromFallback (`BF5E`): re-enable the profile that was enabled before the fallback.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 94)]
pub struct ReturnFromFallbackRequest(pub RefreshFlag);

/// The answer to ReturnFromFallback.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 94)]
pub struct ReturnFromFallbackResponse {
    /// Names: [`RETURN_FROM_FALLBACK_RESULT`].
    #[asn1(context = 0)]
    pub return_from_fallback_result: i64,
}

/// `returnFromFallbackResult`.
pub const RETURN_FROM_FALLBACK_RESULT: CodeTable = &[
    (0, "ok"),
    (5, "catBusy"),
    (6, "fallbackNotAvailable"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// GetConnectivityParameters (`BF5F`): connection settings stored in the enabled profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 95)]
pub struct GetConnectivityParametersRequest {}

/// The answer to GetConnectivityParameters.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 95)]
pub enum GetConnectivityParametersResponse {
    /// The parameters.
    #[asn1(context = 0)]
    ConnectivityParameters(ConnectivityParameters),
    /// Names: [`CONNECTIVITY_PARAMETERS_ERROR`].
    #[asn1(context = 1)]
    ConnectivityParametersError(i64),
}

/// Connection settings of the enabled profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ConnectivityParameters {
    /// HTTP connection parameters (format not specified further by SGP.32).
    #[asn1(context = 1)]
    pub http_params: Option<Octets>,
}

/// `ConnectivityParametersError`.
pub const CONNECTIVITY_PARAMETERS_ERROR: CodeTable =
    &[(1, "parametersNotAvailable"), (127, "undefinedError")];
