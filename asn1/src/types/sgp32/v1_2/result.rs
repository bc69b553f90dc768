//! The eUICC Package Result (`BF51`): what the eUICC reports for a package, v1.2 layout.

use super::{EimIdInfo, SetDefaultDpAddressResponse};
use crate::Octets;
use crate::types::sgp22::codes::CodeTable;

euicc_package_result!(transaction_id: eim_transaction_id);

euicc_result_data! {
    configure_enable {
    /// Names: `CONFIGURE_ENABLE_RESULT`.
    #[asn1(context = 7)]
    ConfigureImmediateEnableResult(i64),
    }
    after_rollback {
    /// Names: [`SET_FALLBACK_ATTRIBUTE_RESULT`].
    #[asn1(context = 13)]
    SetFallbackAttributeResult(i64),
    /// Names: [`UNSET_FALLBACK_ATTRIBUTE_RESULT`].
    #[asn1(context = 14)]
    UnsetFallbackAttributeResult(i64),
    }
    after_terminated {
    /// The result of `setDefaultDpAddress`.
    #[asn1(context = 101)]
    SetDefaultDpAddressResult(SetDefaultDpAddressResponse),
    }
}

euicc_package_error_unsigned! {
    /// The package's transaction identifier, echoed.
    #[asn1(context = 2, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
}

/// `EnableProfileResult`.
pub const ENABLE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (3, "disallowedByPolicy"),
    (5, "catBusy"),
    (20, "rollbackNotAvailable"),
    (127, "undefinedError"),
];

/// `DisableProfileResult`.
pub const DISABLE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInEnabledState"),
    (3, "disallowedByPolicy"),
    (5, "catBusy"),
    (127, "undefinedError"),
];

/// `DeleteProfileResult`.
pub const DELETE_PROFILE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (3, "disallowedByPolicy"),
    (20, "rollbackNotAvailable"),
    (21, "returnFallbackProfile"),
    (127, "undefinedError"),
];

/// `SetFallbackAttributeResult`.
pub const SET_FALLBACK_ATTRIBUTE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "fallbackNotAllowed"),
    (3, "fallbackProfileEnabled"),
    (127, "undefinedError"),
];

/// `UnsetFallbackAttributeResult`.
pub const UNSET_FALLBACK_ATTRIBUTE_RESULT: CodeTable = &[
    (0, "ok"),
    (2, "noFallbackAttribute"),
    (3, "fallbackProfileEnabled"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// `addEimResultCode`.
pub const ADD_EIM_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "insufficientMemory"),
    (2, "associatedEimAlreadyExists"),
    (3, "ciPKUnknown"),
    (5, "invalidAssociationToken"),
    (6, "counterValueOutOfRange"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// `listEimError`.
pub const LIST_EIM_ERROR: CodeTable = &[(127, "undefinedError")];

/// `EuiccPackageErrorCode`.
pub const EUICC_PACKAGE_ERROR_CODE: CodeTable = &[
    (3, "invalidEid"),
    (4, "replayError"),
    (6, "counterValueOutOfRange"),
    (15, "sizeOverflow"),
    (104, "ecallActive"),
    (127, "undefinedError"),
];
