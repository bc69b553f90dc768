//! Names of the SGP.22 result codes and reasons (INTEGERs with named numbers), for logs and the CLI.
//!
//! The message types keep codes as plain integers, so that a value a newer eUICC adds still decodes. Each
//! list here is one table; [`name`] looks a code up:
//!
//! ```
//! use euicc_asn1::types::sgp22::codes;
//! assert_eq!(codes::name(codes::ENABLE_RESULT, 2), Some("profileNotInDisabledState"));
//! ```

/// One code list: `(value, ASN.1 name)` pairs.
pub type CodeTable = &'static [(i64, &'static str)];

/// The ASN.1 name of `code` in `table`, or `None` for a value the list does not define.
pub fn name(table: CodeTable, code: i64) -> Option<&'static str> {
    table
        .iter()
        .find(|(value, _)| *value == code)
        .map(|(_, name)| *name)
}

/// `EnableProfileResponse.enableResult`.
pub const ENABLE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (3, "disallowedByPolicy"),
    (4, "wrongProfileReenabling"),
    (5, "catBusy"),
    (127, "undefinedError"),
];

/// `DisableProfileResponse.disableResult`.
pub const DISABLE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInEnabledState"),
    (3, "disallowedByPolicy"),
    (5, "catBusy"),
    (127, "undefinedError"),
];

/// `DeleteProfileResponse.deleteResult`.
pub const DELETE_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "iccidOrAidNotFound"),
    (2, "profileNotInDisabledState"),
    (3, "disallowedByPolicy"),
    (127, "undefinedError"),
];

/// `SetNicknameResponse.setNicknameResult`.
pub const SET_NICKNAME_RESULT: CodeTable =
    &[(0, "ok"), (1, "iccidNotFound"), (127, "undefinedError")];

/// `ProfileInfoListResponse.profileInfoListError` (SGP.32 v1.2 list).
pub const PROFILE_INFO_LIST_ERROR: CodeTable = &[
    (1, "incorrectInputValues"),
    (11, "profileChangeOngoing"),
    (127, "undefinedError"),
];

/// `ProfileInfo.profileState`.
pub const PROFILE_STATE: CodeTable = &[(0, "disabled"), (1, "enabled")];

/// `ProfileInfo.profileClass` and `StoreMetadataRequest.profileClass`.
pub const PROFILE_CLASS: CodeTable = &[(0, "test"), (1, "provisioning"), (2, "operational")];

/// `ProfileInfo.iconType`.
pub const ICON_TYPE: CodeTable = &[(0, "jpg"), (1, "png")];

/// `EUICCInfo2.ipaMode`.
pub const IPA_MODE: CodeTable = &[(0, "ipad"), (1, "ipae")];

/// `NotificationSentResponse.deleteNotificationStatus`.
pub const DELETE_NOTIFICATION_STATUS: CodeTable =
    &[(0, "ok"), (1, "nothingToDelete"), (127, "undefinedError")];

/// SGP.22 `EuiccMemoryResetResponse.resetResult` (`BF34`).
pub const EUICC_MEMORY_RESET_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "nothingToDelete"),
    (5, "catBusy"),
    (127, "undefinedError"),
];

/// SGP.22 `SetDefaultDpAddressResponse.setDefaultDpAddressResult` (`BF3F`).
pub const SET_DEFAULT_DP_ADDRESS_RESULT: CodeTable = &[(0, "ok"), (127, "undefinedError")];

/// `AuthenticateResponseError.authenticateErrorCode`.
pub const AUTHENTICATE_ERROR: CodeTable = &[
    (1, "invalidCertificate"),
    (2, "invalidSignature"),
    (3, "unsupportedCurve"),
    (4, "noSessionContext"),
    (5, "invalidOid"),
    (6, "euiccChallengeMismatch"),
    (7, "ciPKUnknown"),
    (127, "undefinedError"),
];

/// `PrepareDownloadResponseError.downloadErrorCode`.
pub const DOWNLOAD_ERROR: CodeTable = &[
    (1, "invalidCertificate"),
    (2, "invalidSignature"),
    (3, "unsupportedCurve"),
    (4, "noSessionContext"),
    (5, "invalidTransactionId"),
    (127, "undefinedError"),
];

/// `CancelSessionRequest.reason` (CancelSessionReason).
pub const CANCEL_SESSION_REASON: CodeTable = &[
    (0, "endUserRejection"),
    (1, "postponed"),
    (2, "timeout"),
    (3, "pprNotAllowed"),
    (4, "metadataMismatch"),
    (5, "loadBppExecutionError"),
    (127, "undefinedReason"),
];

/// `CancelSessionResponse.cancelSessionResponseError`.
pub const CANCEL_SESSION_ERROR: CodeTable = &[(5, "invalidTransactionId"), (127, "undefinedError")];

/// `ErrorResult.bppCommandId`: the BPP command that failed.
pub const BPP_COMMAND_ID: CodeTable = &[
    (0, "initialiseSecureChannel"),
    (1, "configureISDP"),
    (2, "storeMetadata"),
    (3, "storeMetadata2"),
    (4, "replaceSessionKeys"),
    (5, "loadProfileElements"),
];

/// `ErrorResult.errorReason`: why a profile installation failed.
pub const INSTALL_ERROR_REASON: CodeTable = &[
    (1, "incorrectInputValues"),
    (2, "invalidSignature"),
    (3, "invalidTransactionId"),
    (4, "unsupportedCrtValues"),
    (5, "unsupportedRemoteOperationType"),
    (6, "unsupportedProfileClass"),
    (7, "scp03tStructureError"),
    (8, "scp03tSecurityError"),
    (9, "installFailedDueToIccidAlreadyExistsOnEuicc"),
    (10, "installFailedDueToInsufficientMemoryForProfile"),
    (11, "installFailedDueToInterruption"),
    (12, "installFailedDueToPEProcessingError"),
    (13, "installFailedDueToDataMismatch"),
    (14, "testProfileInstallFailedDueToInvalidNaaKey"),
    (15, "pprNotAllowed"),
    (127, "installFailedDueToUnknownError"),
];

/// `ListNotificationResponse.listNotificationsResultError` and
/// `RetrieveNotificationsListResponse.notificationsListResultError`.
pub const NOTIFICATIONS_LIST_ERROR: CodeTable = &[(127, "undefinedError")];

/// `InitiateAuthenticationResponse.initiateAuthenticationError` (ES9+).
pub const INITIATE_AUTHENTICATION_ERROR: CodeTable = &[
    (1, "invalidDpAddress"),
    (2, "euiccVersionNotSupportedByDp"),
    (3, "ciPKNotSupported"),
];

/// `AuthenticateClientResponseEs9.authenticateClientError` (ES9+).
pub const AUTHENTICATE_CLIENT_ERROR: CodeTable = &[
    (1, "eumCertificateInvalid"),
    (2, "eumCertificateExpired"),
    (3, "euiccCertificateInvalid"),
    (4, "euiccCertificateExpired"),
    (5, "euiccSignatureInvalid"),
    (6, "matchingIdRefused"),
    (7, "eidMismatch"),
    (8, "noEligibleProfile"),
    (9, "ciPKUnknown"),
    (10, "invalidTransactionId"),
    (11, "insufficientMemory"),
    (127, "undefinedError"),
];

/// `GetBoundProfilePackageResponse.getBoundProfilePackageError` (ES9+).
pub const GET_BPP_ERROR: CodeTable = &[
    (1, "euiccSignatureInvalid"),
    (2, "confirmationCodeMissing"),
    (3, "confirmationCodeRefused"),
    (4, "confirmationCodeRetriesExceeded"),
    (5, "bppRebindingRefused"),
    (6, "downloadOrderExpired"),
    (95, "invalidTransactionId"),
    (127, "undefinedError"),
];

/// `CancelSessionResponseEs9.cancelSessionError` (ES9+).
pub const CANCEL_SESSION_ES9_ERROR: CodeTable = &[
    (1, "invalidTransactionId"),
    (2, "euiccSignatureInvalid"),
    (127, "undefinedError"),
];

/// The bits of a NotificationEvent BIT STRING, by bit number.
pub const NOTIFICATION_EVENT: CodeTable = &[
    (0, "notificationInstall"),
    (1, "notificationEnable"),
    (2, "notificationDisable"),
    (3, "notificationDelete"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_names_and_unknown_codes() {
        assert_eq!(name(DELETE_RESULT, 0), Some("ok"));
        assert_eq!(
            name(INSTALL_ERROR_REASON, 127),
            Some("installFailedDueToUnknownError")
        );
        assert_eq!(name(ENABLE_RESULT, 99), None);
    }
}
