//! SGP.32 ES10b commands of v1.0: rollback and automatic profile enabling.

use super::EuiccPackageResult;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Null, Oid, Signed};

/// The answer to ProfileRollback (`BF58`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 88)]
pub struct ProfileRollbackResponse {
    /// Names: `PROFILE_ROLLBACK_RESULT`.
    pub cmd_result: i64,
    /// The result of the rolled-back package, owed to the eIM; relayed as the eUICC signed it.
    #[asn1(name = "eUICCPackageResult")]
    pub e_uicc_package_result: Option<Signed<EuiccPackageResult>>,
}

/// ConfigureAutoProfileEnabling (`BF59`); also the parameters of the `configureAutoEnable` PSMO.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 89)]
pub struct ConfigureAutoProfileEnablingRequest {
    /// Present: a downloaded profile may be enabled at once, without an eIM package.
    #[asn1(context = 0)]
    pub auto_enable_flag: Option<Null>,
    /// The SM-DP+ whose profiles may be enabled automatically.
    #[asn1(context = 1)]
    pub smdp_oid: Option<Oid>,
    /// The SM-DP+ address to download from.
    #[asn1(context = 2)]
    pub smdp_address: Option<String>,
}

/// The answer to ConfigureAutoProfileEnabling.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 89)]
pub struct ConfigureAutoProfileEnablingResponse {
    /// Names: [`CONFIG_AUTO_ENABLE_RESULT`].
    #[asn1(context = 0)]
    pub config_auto_enable_result: i64,
}

/// `configAutoEnableResult`.
pub const CONFIG_AUTO_ENABLE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "insufficientMemory"),
    (2, "unsignedAutoEnableConfigDisallowed"),
    (127, "undefinedError"),
];

/// EnableUsingDD (`BF5A`): enable the profile just downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 90)]
pub struct EnableUsingDDRequest {}

/// The answer to EnableUsingDD.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 90)]
pub struct EnableUsingDDResponse {
    /// Names: [`ENABLE_USING_DD_RESULT`].
    #[asn1(context = 0, name = "enableUsingDDResult")]
    pub enable_using_dd_result: i64,
}

/// `enableUsingDDResult`.
pub const ENABLE_USING_DD_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "autoEnableNotAvailable"),
    (4, "noSessionContext"),
    (127, "undefinedError"),
];
