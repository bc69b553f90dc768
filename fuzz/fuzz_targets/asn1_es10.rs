//! Responses of the eUICC to ES10 commands.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: &[&str] = &[
    "EUICCInfo1",
    "EUICCInfo2",
    "GetEuiccChallengeResponse",
    "GetEuiccDataResponse",
    "EuiccConfiguredAddressesResponse",
    "AuthenticateServerResponse",
    "PrepareDownloadResponse",
    "ProfileInstallationResult",
    "CancelSessionResponse",
    "ProfileInfoListResponse",
    "EnableProfileResponse",
    "DisableProfileResponse",
    "DeleteProfileResponse",
    "SetNicknameResponse",
    "ListNotificationResponse",
    "RetrieveNotificationsListResponse",
    "NotificationSentResponse",
    "GetRatResponse",
    "EuiccMemoryResetResponse",
    "AddInitialEimResponse",
    "GetEimConfigurationDataResponse",
    "GetCertsResponse",
    "ProfileRollbackResponse",
    "ImmediateEnableResponse",
    "ConfigureImmediateProfileEnablingResponse",
    "ExecuteFallbackMechanismResponse",
    "ReturnFromFallbackResponse",
    "GetConnectivityParametersResponse",
    "EuiccPackageResult",
];

fuzz_target!(|data: &[u8]| euiccd_fuzz::decode_family(TYPES, data));
