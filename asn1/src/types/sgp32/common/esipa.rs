//! ESipa messages that are the same in v1.0 and v1.2: the indirect profile download relayed through the eIM,
//! and the eIM's acknowledgements.

use super::ProfileDownloadTriggerRequest;
use crate::types::sgp22::codes::CodeTable;
use crate::types::sgp22::{
    AuthenticateServerResponse, BoundProfilePackage, CancelSessionOk, CancelSessionResponse,
    Certificate, PrepareDownloadResponse, SmdpSigned2, StoreMetadataRequest,
};
use crate::{Asn1, Octets, Signed};

/// The sequence number of a notification or eUICC Package Result the eIM acknowledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Asn1)]
#[asn1(context = 0)]
pub struct SequenceNumber(pub i64);

/// EimAcknowledgements (`BF53`): what the eIM has stored; the IPA removes exactly these from the eUICC.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 83)]
pub struct EimAcknowledgements(pub Vec<SequenceNumber>);

/// AuthenticateClient through the eIM (`BF3B`): the eUICC's AuthenticateServer answer.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 59)]
pub struct AuthenticateClientRequestEsipa {
    /// The RSP session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Relayed as the eUICC signed it.
    pub authenticate_server_response: Signed<AuthenticateServerResponse>,
}

/// The eIM's answer to AuthenticateClientRequestEsipa.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 59)]
pub enum AuthenticateClientResponseEsipa {
    /// The SM-DP+ accepted: the input of PrepareDownload.
    #[asn1(context = 0, name = "authenticateClientOkDPEsipa")]
    AuthenticateClientOkDpEsipa(AuthenticateClientOkDPEsipa),
    /// The SM-DS accepted: an optional download trigger.
    #[asn1(context = 1, name = "authenticateClientOkDSEsipa")]
    AuthenticateClientOkDsEsipa(AuthenticateClientOkDSEsipa),
    /// Names: [`AUTHENTICATE_CLIENT_ERROR`].
    #[asn1(context = 2)]
    AuthenticateClientErrorEsipa(i64),
}

/// The SM-DP+ part of a successful AuthenticateClient, passed to the eUICC in PrepareDownload.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct AuthenticateClientOkDPEsipa {
    /// The RSP session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Option<Octets>,
    /// The profile's metadata, for the IPA's checks.
    pub profile_meta_data: Option<StoreMetadataRequest>,
    /// Relayed as the SM-DP+ signed it.
    pub smdp_signed2: Signed<SmdpSigned2>,
    /// The SM-DP+ signature over `smdpSigned2`.
    #[asn1(application = 55)]
    pub smdp_signature2: Octets,
    /// The SM-DP+ signing certificate.
    pub smdp_certificate: Certificate,
    /// The hash of the confirmation code, when the eIM computed it.
    pub hash_cc: Option<Octets>,
}

/// The SM-DS part of a successful AuthenticateClient.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct AuthenticateClientOkDSEsipa {
    /// The RSP session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The download the SM-DS points to.
    pub profile_download_trigger: Option<ProfileDownloadTriggerRequest>,
}

/// `authenticateClientErrorEsipa`.
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
    (50, "pprNotAllowed"),
    (56, "eventIdUnknown"),
    (127, "undefinedError"),
];

/// GetBoundProfilePackage through the eIM (`BF3A`): the eUICC's PrepareDownload answer.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 58)]
pub struct GetBoundProfilePackageRequestEsipa {
    /// The RSP session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Relayed as the eUICC signed it.
    pub prepare_download_response: Signed<PrepareDownloadResponse>,
}

/// The eIM's answer to GetBoundProfilePackageRequestEsipa.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 58)]
pub enum GetBoundProfilePackageResponseEsipa {
    /// The bound profile package.
    #[asn1(context = 0)]
    GetBoundProfilePackageOkEsipa(GetBoundProfilePackageOkEsipa),
    /// Names: [`GET_BOUND_PROFILE_PACKAGE_ERROR`].
    #[asn1(context = 1)]
    GetBoundProfilePackageErrorEsipa(i64),
}

/// A bound profile package for the eUICC.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct GetBoundProfilePackageOkEsipa {
    /// The RSP session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Option<Octets>,
    /// Loaded into the eUICC segment by segment, as received.
    pub bound_profile_package: Signed<BoundProfilePackage>,
}

/// `getBoundProfilePackageErrorEsipa` (v1.0 names 50 `profileMetadataMismatch`).
pub const GET_BOUND_PROFILE_PACKAGE_ERROR: CodeTable = &[
    (1, "euiccSignatureInvalid"),
    (2, "confirmationCodeMissing"),
    (3, "confirmationCodeRefused"),
    (4, "confirmationCodeRetriesExceeded"),
    (5, "bppRebindingRefused"),
    (6, "downloadOrderExpired"),
    (50, "metadataMismatch"),
    (95, "invalidTransactionId"),
    (127, "undefinedError"),
];

/// CancelSession through the eIM (`BF41`): the eUICC's CancelSession answer.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 65)]
pub struct CancelSessionRequestEsipa {
    /// The RSP session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Relayed as the eUICC signed it.
    #[asn1(context = 1, explicit)]
    pub cancel_session_response: Signed<CancelSessionResponse>,
}

/// The eIM's answer to CancelSessionRequestEsipa.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 65)]
pub enum CancelSessionResponseEsipa {
    /// The session is cancelled.
    #[asn1(context = 0)]
    CancelSessionOk(CancelSessionOk),
    /// Names: `sgp22::codes::CANCEL_SESSION_ES9_ERROR` (the same list).
    #[asn1(context = 1)]
    CancelSessionError(i64),
}

/// `EimPackageResultErrorCode`, and the IPA's `eimPackageError` in v1.0 results and TransferEimPackageResponse.
pub const EIM_PACKAGE_RESULT_ERROR: CodeTable = &[
    (1, "invalidPackageFormat"),
    (2, "unknownPackage"),
    (127, "undefinedError"),
];
