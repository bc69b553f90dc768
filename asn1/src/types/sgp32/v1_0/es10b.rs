//! SGP.32 ES10b commands of v1.0: rollback and automatic profile enabling.

use super::EuiccPackageResult;
use crate::Asn1;
use crate::types::sgp22::codes::CodeTable;

profile_rollback_response!();

configure_enabling!(
    ConfigureAutoProfileEnablingRequest {
        auto_enable_flag,
        smdp_oid,
        smdp_address
    },
    ConfigureAutoProfileEnablingResponse {
        config_auto_enable_result: CONFIG_AUTO_ENABLE_RESULT
    }
);

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
