//! The ESipa messages between the IPA and the eIM, v1.2 layout: the two top-level CHOICEs, InitiateAuthentication
//! and HandleNotification.

use super::{
    AuthenticateClientRequestEsipa, AuthenticateClientResponseEsipa, CancelSessionRequestEsipa,
    CancelSessionResponseEsipa, GetBoundProfilePackageRequestEsipa,
    GetBoundProfilePackageResponseEsipa, GetEimPackageRequest, GetEimPackageResponse,
    ProvideEimPackageResult, ProvideEimPackageResultResponse, TransferEimPackageRequest,
    TransferEimPackageResponse,
};
use crate::types::sgp22::codes::CodeTable;
use crate::types::sgp22::{
    Certificate, CtxParams1, EUICCInfo1, PendingNotification, ServerSigned1,
};
use crate::{Asn1, Octets, Signed};

/// Every message the IPA sends to the eIM.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EsipaMessageFromIpaToEim {
    /// `BF39`.
    InitiateAuthenticationRequestEsipa(InitiateAuthenticationRequestEsipa),
    /// `BF3B`.
    AuthenticateClientRequestEsipa(AuthenticateClientRequestEsipa),
    /// `BF3A`.
    GetBoundProfilePackageRequestEsipa(GetBoundProfilePackageRequestEsipa),
    /// `BF41`.
    CancelSessionRequestEsipa(CancelSessionRequestEsipa),
    /// `BF3D`.
    HandleNotificationEsipa(HandleNotificationEsipa),
    /// `BF4E`.
    TransferEimPackageResponse(TransferEimPackageResponse),
    /// `BF4F`.
    GetEimPackageRequest(GetEimPackageRequest),
    /// `BF50`.
    ProvideEimPackageResult(ProvideEimPackageResult),
}

/// Every message the eIM sends to the IPA.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EsipaMessageFromEimToIpa {
    /// `BF39`.
    InitiateAuthenticationResponseEsipa(InitiateAuthenticationResponseEsipa),
    /// `BF3B`.
    AuthenticateClientResponseEsipa(AuthenticateClientResponseEsipa),
    /// `BF3A`.
    GetBoundProfilePackageResponseEsipa(GetBoundProfilePackageResponseEsipa),
    /// `BF41`.
    CancelSessionResponseEsipa(CancelSessionResponseEsipa),
    /// `BF4E`.
    TransferEimPackageRequest(TransferEimPackageRequest),
    /// `BF4F`.
    GetEimPackageResponse(GetEimPackageResponse),
    /// `BF50`.
    ProvideEimPackageResultResponse(ProvideEimPackageResultResponse),
}

/// InitiateAuthentication through the eIM (`BF39`): start an RSP session with the SM-DP+.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 57)]
pub struct InitiateAuthenticationRequestEsipa {
    /// From GetEuiccChallenge.
    #[asn1(context = 1)]
    pub euicc_challenge: Octets,
    /// The SM-DP+ to contact; absent: the eIM's choice.
    #[asn1(context = 3)]
    pub smdp_address: Option<String>,
    /// From GetEuiccInfo1.
    pub euicc_info1: Option<EUICCInfo1>,
    /// The eIM's correlation identifier of the download trigger.
    #[asn1(context = 2, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
}

/// The eIM's answer to InitiateAuthenticationRequestEsipa.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 57)]
pub enum InitiateAuthenticationResponseEsipa {
    /// The SM-DP+ authenticated itself: the input of AuthenticateServer.
    #[asn1(context = 0)]
    InitiateAuthenticationOkEsipa(InitiateAuthenticationOkEsipa),
    /// Names: [`INITIATE_AUTHENTICATION_ERROR`].
    #[asn1(context = 1)]
    InitiateAuthenticationErrorEsipa(i64),
}

/// The SM-DP+ part of a successful InitiateAuthentication, passed to the eUICC in AuthenticateServer.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct InitiateAuthenticationOkEsipa {
    /// The RSP session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Option<Octets>,
    /// Relayed as the SM-DP+ signed it.
    pub server_signed1: Signed<ServerSigned1>,
    /// The SM-DP+ signature over `serverSigned1`.
    #[asn1(application = 55)]
    pub server_signature1: Octets,
    /// The CI key the eUICC is to use.
    #[asn1(name = "euiccCiPKIdentifierToBeUsed")]
    pub euicc_ci_pk_identifier_to_be_used: Octets,
    /// The SM-DP+ authentication certificate.
    pub server_certificate: Certificate,
    /// The matching ID, when the eIM leaves ctxParams1 to the IPA.
    pub matching_id: Option<String>,
    /// The context parameters, when the eIM generates them.
    #[asn1(context = 2)]
    pub ctx_params1: Option<CtxParams1>,
}

/// `initiateAuthenticationErrorEsipa`.
pub const INITIATE_AUTHENTICATION_ERROR: CodeTable = &[
    (1, "invalidDpAddress"),
    (2, "euiccVersionNotSupportedByDp"),
    (3, "ciPKIdNotSupported"),
    (50, "smdpAddressMismatch"),
    (51, "smdpOidMismatch"),
    (52, "invalidEimTransactionId"),
    (127, "undefinedError"),
];

/// HandleNotification through the eIM (`BF3D`): a notification, or a package result sent as one.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 61)]
pub enum HandleNotificationEsipa {
    /// A notification, relayed as the eUICC signed it.
    #[asn1(context = 0, explicit)]
    PendingNotification(Signed<PendingNotification>),
    /// A package result.
    ProvideEimPackageResult(ProvideEimPackageResult),
}
