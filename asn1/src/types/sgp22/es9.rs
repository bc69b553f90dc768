//! The ES9+ messages between the IPA and the SM-DP+ (SGP.22 ASN.1 binding), for the direct download path.

use super::auth::{AuthenticateServerResponse, ServerSigned1};
use super::cancel::CancelSessionResponse;
use super::cert::Certificate;
use super::download::{BoundProfilePackage, PrepareDownloadResponse, SmdpSigned2};
use super::info::EUICCInfo1;
use super::metadata::StoreMetadataRequest;
use super::notifications::PendingNotification;
use crate::{Asn1, Octets, Signed};

/// ES9+.InitiateAuthentication: opens a session with the SM-DP+.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 57)]
pub struct InitiateAuthenticationRequest {
    /// From GetEuiccChallenge.
    #[asn1(context = 1)]
    pub euicc_challenge: Octets,
    /// The SM-DP+'s FQDN.
    #[asn1(context = 3)]
    pub smdp_address: String,
    /// From GetEuiccInfo1.
    pub euicc_info1: EUICCInfo1,
}

/// The SM-DP+'s answer to [`InitiateAuthenticationRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 57)]
pub enum InitiateAuthenticationResponse {
    /// The SM-DP+'s signed challenge answer.
    #[asn1(context = 0)]
    InitiateAuthenticationOk(InitiateAuthenticationOkEs9),
    /// Why the SM-DP+ refused ([`codes::INITIATE_AUTHENTICATION_ERROR`](super::codes::INITIATE_AUTHENTICATION_ERROR)).
    #[asn1(context = 1)]
    InitiateAuthenticationError(i64),
}

/// The SM-DP+'s signed challenge answer; its parts go into [`AuthenticateServerRequest`](super::AuthenticateServerRequest).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct InitiateAuthenticationOkEs9 {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Signed by the SM-DP+.
    pub server_signed1: Signed<ServerSigned1>,
    /// The SM-DP+'s signature over `server_signed1`.
    #[asn1(application = 55)]
    pub server_signature1: Octets,
    /// Subject key identifier of the CI the eUICC is to use.
    #[asn1(name = "euiccCiPKIdToBeUsed")]
    pub euicc_ci_pk_id_to_be_used: Octets,
    /// The SM-DP+ authentication certificate.
    pub server_certificate: Certificate,
}

/// ES9+.AuthenticateClient: passes the eUICC's authentication answer to the SM-DP+.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 59)]
pub struct AuthenticateClientRequest {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// From AuthenticateServer.
    pub authenticate_server_response: AuthenticateServerResponse,
}

/// The SM-DP+'s answer to [`AuthenticateClientRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 59)]
pub enum AuthenticateClientResponseEs9 {
    /// The profile metadata and the signed download order.
    #[asn1(context = 0)]
    AuthenticateClientOk(AuthenticateClientOk),
    /// Why the SM-DP+ refused ([`codes::AUTHENTICATE_CLIENT_ERROR`](super::codes::AUTHENTICATE_CLIENT_ERROR)).
    #[asn1(context = 1)]
    AuthenticateClientError(i64),
}

/// The profile metadata and the signed download order; its parts go into [`PrepareDownloadRequest`](super::PrepareDownloadRequest).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct AuthenticateClientOk {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The profile's metadata, for the IPA's checks.
    pub profile_meta_data: StoreMetadataRequest,
    /// Signed by the SM-DP+.
    pub smdp_signed2: Signed<SmdpSigned2>,
    /// The SM-DP+'s signature over `smdp_signed2`.
    #[asn1(application = 55)]
    pub smdp_signature2: Octets,
    /// The SM-DP+ profile binding certificate.
    pub smdp_certificate: Certificate,
}

/// ES9+.GetBoundProfilePackage: passes the eUICC's PrepareDownload answer and asks for the package.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 58)]
pub struct GetBoundProfilePackageRequest {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// From PrepareDownload.
    pub prepare_download_response: PrepareDownloadResponse,
}

/// The SM-DP+'s answer to [`GetBoundProfilePackageRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 58)]
pub enum GetBoundProfilePackageResponse {
    /// The package.
    #[asn1(context = 0)]
    GetBoundProfilePackageOk(GetBoundProfilePackageOk),
    /// Why the SM-DP+ refused ([`codes::GET_BPP_ERROR`](super::codes::GET_BPP_ERROR)).
    #[asn1(context = 1)]
    GetBoundProfilePackageError(i64),
}

/// The Bound Profile Package of a session.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct GetBoundProfilePackageOk {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The package.
    pub bound_profile_package: BoundProfilePackage,
}

/// ES9+.HandleNotification: delivers a signed notification to the SM-DP+.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 61)]
pub struct HandleNotification {
    /// The notification, as the eUICC gave it.
    #[asn1(context = 0, explicit)]
    pub pending_notification: PendingNotification,
}

/// ES9+.CancelSession: passes the eUICC's signed cancellation to the SM-DP+.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 65)]
pub struct CancelSessionRequestEs9 {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// From CancelSession.
    #[asn1(context = 1, explicit)]
    pub cancel_session_response: CancelSessionResponse,
}

/// The SM-DP+'s answer to [`CancelSessionRequestEs9`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 65)]
pub enum CancelSessionResponseEs9 {
    /// Accepted.
    #[asn1(context = 0)]
    CancelSessionOk(CancelSessionOk),
    /// Why the SM-DP+ refused ([`codes::CANCEL_SESSION_ES9_ERROR`](super::codes::CANCEL_SESSION_ES9_ERROR)).
    #[asn1(context = 1)]
    CancelSessionError(i64),
}

/// The SM-DP+'s acceptance of a cancellation (empty).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
pub struct CancelSessionOk {}
