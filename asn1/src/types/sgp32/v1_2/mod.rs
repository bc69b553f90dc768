//! SGP.32 v1.2 types: the version-specific ones defined here, the common ones re-exported.

mod download_trigger;
mod eim_config;
mod eim_package;
mod es10b;
mod esipa;
mod fallback;
mod ipa_data;
mod notifications;
mod package;
mod result;

pub use super::common::*;
pub use download_trigger::*;
pub use eim_config::*;
pub use eim_package::*;
pub use es10b::*;
pub use esipa::*;
pub use fallback::*;
pub use ipa_data::*;
pub use notifications::*;
pub use package::*;
pub use result::*;

use crate::registry::{TypeEntry, entry};

/// Every top-level SGP.32 v1.2 message type, for look-up by name.
pub(crate) const TYPES: &[TypeEntry] = &[
    // eIM packages and their results
    entry::<EuiccPackageRequest>(),
    entry::<EuiccPackageSigned>(),
    entry::<EuiccPackageResult>(),
    entry::<EuiccPackageResultDataSigned>(),
    entry::<EuiccPackageErrorDataSigned>(),
    entry::<IpaEuiccDataRequest>(),
    entry::<IpaEuiccDataResponse>(),
    entry::<ProfileDownloadTriggerRequest>(),
    entry::<ProfileDownloadTriggerResult>(),
    entry::<EimAcknowledgements>(),
    entry::<EimConfigurationData>(),
    // ES10b
    entry::<AddInitialEimRequest>(),
    entry::<AddInitialEimResponse>(),
    entry::<GetEimConfigurationDataRequest>(),
    entry::<GetEimConfigurationDataResponse>(),
    entry::<GetCertsRequest>(),
    entry::<GetCertsResponse>(),
    entry::<ProfileRollbackRequest>(),
    entry::<ProfileRollbackResponse>(),
    entry::<ConfigureImmediateProfileEnablingRequest>(),
    entry::<ConfigureImmediateProfileEnablingResponse>(),
    entry::<ImmediateEnableRequest>(),
    entry::<ImmediateEnableResponse>(),
    entry::<EnableEmergencyProfileRequest>(),
    entry::<EnableEmergencyProfileResponse>(),
    entry::<DisableEmergencyProfileRequest>(),
    entry::<DisableEmergencyProfileResponse>(),
    entry::<ExecuteFallbackMechanismRequest>(),
    entry::<ExecuteFallbackMechanismResponse>(),
    entry::<ReturnFromFallbackRequest>(),
    entry::<ReturnFromFallbackResponse>(),
    entry::<GetConnectivityParametersRequest>(),
    entry::<GetConnectivityParametersResponse>(),
    entry::<SetDefaultDpAddressRequest>(),
    entry::<SetDefaultDpAddressResponse>(),
    entry::<EuiccMemoryResetRequest>(),
    entry::<EuiccMemoryResetResponse>(),
    entry::<RetrieveNotificationsListResponse>(),
    // ESipa
    entry::<EsipaMessageFromIpaToEim>(),
    entry::<EsipaMessageFromEimToIpa>(),
    entry::<InitiateAuthenticationRequestEsipa>(),
    entry::<InitiateAuthenticationResponseEsipa>(),
    entry::<AuthenticateClientRequestEsipa>(),
    entry::<AuthenticateClientResponseEsipa>(),
    entry::<GetBoundProfilePackageRequestEsipa>(),
    entry::<GetBoundProfilePackageResponseEsipa>(),
    entry::<HandleNotificationEsipa>(),
    entry::<CancelSessionRequestEsipa>(),
    entry::<CancelSessionResponseEsipa>(),
    entry::<GetEimPackageRequest>(),
    entry::<GetEimPackageResponse>(),
    entry::<ProvideEimPackageResult>(),
    entry::<ProvideEimPackageResultResponse>(),
    entry::<TransferEimPackageRequest>(),
    entry::<TransferEimPackageResponse>(),
];
