//! SGP.22 (RSPDefinitions) types used by the IPA, in the form SGP.32 v1.2 uses them.
//!
//! Where SGP32Definitions v1.2 redefines an SGP.22 type (EUICCInfo2, ProfileInfo, StoreMetadataRequest,
//! PendingNotification, the responses with compact alternatives…), the type here is the v1.2 definition under
//! the SGP.22 name. Two SGP.22 messages that SGP.32 v1.2 replaces by a message of the same name under another
//! tag are kept here with an `Sgp22` prefix: [`Sgp22EuiccMemoryResetRequest`] (`BF34`, SGP.32: `BF64`) and
//! [`Sgp22SetDefaultDpAddressRequest`] (`BF3F`, SGP.32: `BF65`).
//!
//! Signed parts (`EuiccSigned1`, `ServerSigned1`, `SmdpSigned2`, `EUICCSigned2`,
//! `ProfileInstallationResultData`, `EuiccCancelSessionSigned`, signed `NotificationMetadata`) are held as
//! [`Signed`](crate::Signed) in their parents so that they are relayed byte for byte. Result codes are plain
//! integers; [`codes`] gives their names.

// A message is decoded once per exchange, so the size of its largest CHOICE alternative does not matter, and
// boxing one would need `Asn1 for Box<T>`.
#![allow(clippy::large_enum_variant)]

pub mod activation_code;
mod auth;
mod cancel;
mod cert;
pub mod codes;
mod config;
mod download;
mod es9;
mod info;
mod install;
mod metadata;
mod notifications;
mod profiles;

pub use activation_code::{ActivationCode, ActivationCodeError};
pub use auth::*;
pub use cancel::*;
pub use cert::Certificate;
pub use config::*;
pub use download::*;
pub use es9::*;
pub use info::*;
pub use install::*;
pub use metadata::*;
pub use notifications::*;
pub use profiles::*;

use crate::registry::{TypeEntry, entry};

/// Every top-level SGP.22 message type and signed part, for look-up by name.
pub(crate) const TYPES: &[TypeEntry] = &[
    // eUICC information
    entry::<GetEuiccInfo1Request>(),
    entry::<EUICCInfo1>(),
    entry::<GetEuiccInfo2Request>(),
    entry::<EUICCInfo2>(),
    entry::<GetEuiccChallengeRequest>(),
    entry::<GetEuiccChallengeResponse>(),
    entry::<GetEuiccDataRequest>(),
    entry::<GetEuiccDataResponse>(),
    // configuration
    entry::<EuiccConfiguredAddressesRequest>(),
    entry::<EuiccConfiguredAddressesResponse>(),
    entry::<Sgp22SetDefaultDpAddressRequest>(),
    entry::<Sgp22SetDefaultDpAddressResponse>(),
    entry::<Sgp22EuiccMemoryResetRequest>(),
    entry::<Sgp22EuiccMemoryResetResponse>(),
    entry::<GetRatRequest>(),
    entry::<GetRatResponse>(),
    // mutual authentication
    entry::<AuthenticateServerRequest>(),
    entry::<ServerSigned1>(),
    entry::<AuthenticateServerResponse>(),
    entry::<EuiccSigned1>(),
    entry::<CompactEuiccSigned1>(),
    // download and installation
    entry::<PrepareDownloadRequest>(),
    entry::<SmdpSigned2>(),
    entry::<PrepareDownloadResponse>(),
    entry::<EUICCSigned2>(),
    entry::<CompactEuiccSigned2>(),
    entry::<BoundProfilePackage>(),
    entry::<InitialiseSecureChannelRequest>(),
    entry::<StoreMetadataRequest>(),
    entry::<ProfileInstallationResult>(),
    entry::<ProfileInstallationResultData>(),
    entry::<CompactProfileInstallationResultData>(),
    entry::<CancelSessionRequest>(),
    entry::<CancelSessionResponse>(),
    entry::<EuiccCancelSessionSigned>(),
    entry::<CompactEuiccCancelSessionSigned>(),
    // local profile management
    entry::<ProfileInfoListRequest>(),
    entry::<ProfileInfoListResponse>(),
    entry::<ProfileInfo>(),
    entry::<EnableProfileRequest>(),
    entry::<EnableProfileResponse>(),
    entry::<DisableProfileRequest>(),
    entry::<DisableProfileResponse>(),
    entry::<DeleteProfileRequest>(),
    entry::<DeleteProfileResponse>(),
    entry::<SetNicknameRequest>(),
    entry::<SetNicknameResponse>(),
    // notifications
    entry::<ListNotificationRequest>(),
    entry::<ListNotificationResponse>(),
    entry::<NotificationMetadata>(),
    entry::<RetrieveNotificationsListRequest>(),
    entry::<PendingNotification>(),
    entry::<OtherSignedNotification>(),
    entry::<NotificationSentRequest>(),
    entry::<NotificationSentResponse>(),
    // ES9+ messages relayed by the IPA
    entry::<InitiateAuthenticationRequest>(),
    entry::<InitiateAuthenticationResponse>(),
    entry::<AuthenticateClientRequest>(),
    entry::<AuthenticateClientResponseEs9>(),
    entry::<GetBoundProfilePackageRequest>(),
    entry::<GetBoundProfilePackageResponse>(),
    entry::<HandleNotification>(),
    entry::<CancelSessionRequestEs9>(),
    entry::<CancelSessionResponseEs9>(),
];
