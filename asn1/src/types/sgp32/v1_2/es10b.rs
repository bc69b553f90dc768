//! SGP.32 ES10b commands of v1.2: rollback, immediate enable, default SM-DP+ address, memory reset.

use super::{EuiccPackageResult, RefreshFlag};
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, BitString};

profile_rollback_response!();

configure_enabling!(
    ConfigureImmediateProfileEnablingRequest {
        immediate_enable_flag,
        default_smdp_oid,
        default_smdp_address
    },
    ConfigureImmediateProfileEnablingResponse {
        config_immediate_enable_result: CONFIG_IMMEDIATE_ENABLE_RESULT
    }
);

/// `configImmediateEnableResult`.
pub const CONFIG_IMMEDIATE_ENABLE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "insufficientMemory"),
    (2, "associatedEimAlreadyExists"),
    (127, "undefinedError"),
];

/// ImmediateEnable (`BF5A`): enable the profile just downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 90)]
pub struct ImmediateEnableRequest(pub RefreshFlag);

/// The answer to ImmediateEnable.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 90)]
pub struct ImmediateEnableResponse {
    /// Names: [`IMMEDIATE_ENABLE_RESULT`].
    #[asn1(context = 0)]
    pub immediate_enable_result: i64,
}

/// `immediateEnableResult`.
pub const IMMEDIATE_ENABLE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "immediateEnableNotAvailable"),
    (4, "noSessionContext"),
    (5, "catBusy"),
    (127, "undefinedError"),
];

/// SetDefaultDpAddress (`BF65`, SGP.32's own tag); also the parameters of the `setDefaultDpAddress` PSMO.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 101)]
pub struct SetDefaultDpAddressRequest {
    /// The new default SM-DP+ address; empty removes it.
    #[asn1(context = 0)]
    pub default_dp_address: String,
}

/// The answer to SetDefaultDpAddress; also the `setDefaultDpAddressResult` of a package result.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 101)]
pub struct SetDefaultDpAddressResponse {
    /// Names: `sgp22::codes::SET_DEFAULT_DP_ADDRESS_RESULT` (the same list).
    #[asn1(context = 0)]
    pub set_default_dp_address_result: i64,
}

/// EuiccMemoryReset (`BF64`, SGP.32 v1.2's own tag; v1.0 cards use SGP.22's `BF34`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 100)]
pub struct EuiccMemoryResetRequest {
    /// Bits: deleteOperationalProfiles 0, deleteFieldLoadedTestProfiles 1, resetDefaultSmdpAddress 2,
    /// deletePreLoadedTestProfiles 3, deleteProvisioningProfiles 4, resetEimConfigData 5,
    /// resetImmediateEnableConfig 6.
    #[asn1(context = 2)]
    pub reset_options: BitString,
}

/// The answer to EuiccMemoryReset.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 100)]
pub struct EuiccMemoryResetResponse {
    /// Names: [`RESET_RESULT`].
    #[asn1(context = 0)]
    pub reset_result: i64,
    /// Names: [`RESET_EIM_RESULT`].
    #[asn1(context = 1)]
    pub reset_eim_result: Option<i64>,
    /// Names: [`RESET_IMMEDIATE_ENABLE_CONFIG_RESULT`].
    #[asn1(context = 2)]
    pub reset_immediate_enable_config_result: Option<i64>,
}

/// `resetResult`.
pub const RESET_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "nothingToDelete"),
    (5, "catBusy"),
    (104, "ecallActive"),
    (127, "undefinedError"),
];

/// `resetEimResult`.
pub const RESET_EIM_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "nothingToDelete"),
    (2, "eimResetNotSupported"),
    (127, "undefinedError"),
];

/// `resetImmediateEnableConfigResult`.
pub const RESET_IMMEDIATE_ENABLE_CONFIG_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "resetIECNotSupported"),
    (127, "undefinedError"),
];
