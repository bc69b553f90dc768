//! The eUICC Package Result (`BF51`): what the eUICC reports for a package, v1.0 layout.

use super::EimIdInfo;
use crate::types::sgp22::codes::CodeTable;

euicc_package_result!(transaction_id: transaction_id);

euicc_result_data! {
    configure_enable {
    /// Names: `CONFIGURE_ENABLE_RESULT`.
    #[asn1(context = 7)]
    ConfigureAutoEnableResult(i64),
    }
    after_rollback {
    }
    after_terminated {
    }
}

euicc_package_error_unsigned!();

/// `EnableProfileResult`.
pub const ENABLE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (127, "undefinedError"),
];

/// `DisableProfileResult`.
pub const DISABLE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInEnabledState"),
    (127, "undefinedError"),
];

/// `DeleteProfileResult`.
pub const DELETE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (127, "undefinedError"),
];

/// `addEimResultCode`.
pub const ADD_EIM_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "insufficientMemory"),
    (3, "ciPKUnknown"),
    (5, "invalidAssociationToken"),
    (6, "counterValueOutOfRange"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// `listEimError`.
pub const LIST_EIM_ERROR: CodeTable = &[(7, "commandError"), (127, "undefinedError")];

/// `EuiccPackageErrorCode`.
pub const EUICC_PACKAGE_ERROR_CODE: CodeTable = &[
    (3, "invalidEid"),
    (4, "replayError"),
    (6, "counterValueOutOfRange"),
    (15, "sizeOverflow"),
    (127, "undefinedError"),
];
