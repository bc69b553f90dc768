//! Profile download: PrepareDownload (ES10b) and the Bound Profile Package.

use super::cert::Certificate;
use crate::{Asn1, Octets, Signed};

/// ES10b.PrepareDownload (`BF21`): the SM-DP+'s signed download order, and the confirmation code hash.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 33)]
pub struct PrepareDownloadRequest {
    /// Signed by the SM-DP+; relayed from AuthenticateClient unchanged.
    pub smdp_signed2: Signed<SmdpSigned2>,
    /// The SM-DP+'s signature over `smdp_signed2`.
    #[asn1(application = 55)]
    pub smdp_signature2: Octets,
    /// SHA-256(SHA-256(confirmation code) ‖ transaction ID), when a confirmation code is required.
    pub hash_cc: Option<Octets>,
    /// The SM-DP+ profile binding certificate.
    pub smdp_certificate: Certificate,
}

/// The part of the SM-DP+'s download order that it signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct SmdpSigned2 {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Whether the user must enter a confirmation code.
    pub cc_required_flag: bool,
    /// The eUICC one-time key of an earlier attempt, to re-use a bound package.
    #[asn1(application = 73)]
    pub bpp_euicc_otpk: Option<Octets>,
}

/// The eUICC's answer to [`PrepareDownloadRequest`], relayed to the SM-DP+ in GetBoundProfilePackage.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 33)]
pub enum PrepareDownloadResponse {
    /// The eUICC's one-time key, signed.
    #[asn1(context = 0)]
    DownloadResponseOk(PrepareDownloadResponseOk),
    /// The eUICC refused.
    #[asn1(context = 1)]
    DownloadResponseError(PrepareDownloadResponseError),
    /// SGP.32: the compact form of the success answer.
    #[asn1(context = 2)]
    CompactDownloadResponseOk(CompactPrepareDownloadResponseOk),
}

/// The eUICC's signed answer to PrepareDownload.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct PrepareDownloadResponseOk {
    /// Signed by the eUICC.
    pub euicc_signed2: Signed<EUICCSigned2>,
    /// The eUICC's signature over `euicc_signed2`.
    #[asn1(application = 55)]
    pub euicc_signature2: Octets,
}

/// The part of the PrepareDownload answer the eUICC signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EUICCSigned2 {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The eUICC's one-time public key.
    #[asn1(application = 73)]
    pub euicc_otpk: Octets,
    /// The confirmation code hash, echoed.
    pub hash_cc: Option<Octets>,
}

/// The eUICC's refusal of PrepareDownload ([`codes::DOWNLOAD_ERROR`](super::codes::DOWNLOAD_ERROR)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct PrepareDownloadResponseError {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Why the eUICC refused.
    pub download_error_code: i64,
}

/// SGP.32 compact form of [`PrepareDownloadResponseOk`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactPrepareDownloadResponseOk {
    /// Signed by the eUICC.
    pub compact_euicc_signed2: Signed<CompactEuiccSigned2>,
    /// The eUICC's signature over `compact_euicc_signed2`.
    #[asn1(application = 55)]
    pub euicc_signature2: Octets,
}

/// The compact signed part of the PrepareDownload answer.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactEuiccSigned2 {
    /// The eUICC's one-time public key.
    #[asn1(application = 73)]
    pub euicc_otpk: Option<Octets>,
    /// The confirmation code hash, echoed.
    pub hash_cc: Option<Octets>,
}

/// The Bound Profile Package: the profile encrypted for this eUICC, loaded with ES10b.LoadBoundProfilePackage
/// in segments (the BF23 TLV, then each `A0`…`A3` header and element).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 54)]
pub struct BoundProfilePackage {
    /// The key agreement, signed by the SM-DP+.
    pub initialise_secure_channel_request: Signed<InitialiseSecureChannelRequest>,
    /// ConfigureISDP, protected.
    #[asn1(context = 0)]
    pub first_sequence_of87: Vec<Tlv87>,
    /// StoreMetadata, protected.
    #[asn1(context = 1)]
    pub sequence_of88: Vec<Tlv88>,
    /// ReplaceSessionKeys, protected, when profile protection keys are used.
    #[asn1(context = 2)]
    pub second_sequence_of87: Option<Vec<Tlv87>>,
    /// The profile elements, protected.
    #[asn1(context = 3)]
    pub sequence_of86: Vec<Tlv86>,
}

/// A `[7]` (`87`) segment of a [`BoundProfilePackage`]: a command protected with the session keys.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 7)]
pub struct Tlv87(pub Octets);

/// A `[8]` (`88`) segment of a [`BoundProfilePackage`]: protected profile metadata.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 8)]
pub struct Tlv88(pub Octets);

/// A `[6]` (`86`) segment of a [`BoundProfilePackage`]: a protected part of the profile package.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 6)]
pub struct Tlv86(pub Octets);

/// The start of a Bound Profile Package: the SM-DP+'s one-time key and the session key parameters.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 35)]
pub struct InitialiseSecureChannelRequest {
    /// installBoundProfilePackage 1.
    pub remote_op_id: RemoteOpId,
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The session key parameters.
    #[asn1(context = 6)]
    pub control_ref_template: ControlRefTemplate,
    /// The SM-DP+'s one-time public key.
    #[asn1(application = 73)]
    pub smdp_otpk: Octets,
    /// The SM-DP+'s signature.
    #[asn1(application = 55)]
    pub smdp_sign: Octets,
}

/// The remote operation of an [`InitialiseSecureChannelRequest`] (`[2] INTEGER`, installBoundProfilePackage 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Asn1)]
#[asn1(context = 2)]
pub struct RemoteOpId(pub i64);

/// The session key parameters (GlobalPlatform CRT) of an [`InitialiseSecureChannelRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ControlRefTemplate {
    /// Key type (`88` = AES).
    #[asn1(context = 0)]
    pub key_type: Octets,
    /// Key length in bytes (`10` = 16).
    #[asn1(context = 1)]
    pub key_len: Octets,
    /// The host (SM-DP+) identifier.
    #[asn1(context = 4)]
    pub host_id: Octets,
}
