//! The Profile Installation Result the eUICC signs at the end of a download (ES10b.LoadBoundProfilePackage).

use super::notifications::NotificationMetadata;
use crate::{Asn1, Octets, Oid, Signed};

/// The signed outcome of a profile installation, sent to the SM-DP+ (and through the eIM) unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 55)]
pub struct ProfileInstallationResult {
    /// The signed result.
    pub profile_installation_result_data: Signed<ProfileInstallationResultData>,
    /// The eUICC's signature over `profile_installation_result_data`.
    #[asn1(application = 55, name = "euiccSignPIR")]
    pub euicc_sign_pir: Octets,
}

/// The signed part of [`ProfileInstallationResult`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 39)]
pub struct ProfileInstallationResultData {
    /// The download session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The notification this result is delivered as.
    pub notification_metadata: NotificationMetadata,
    /// The SM-DP+ that ran the download.
    pub smdp_oid: Oid,
    /// Success, or where and why the installation failed.
    #[asn1(context = 2)]
    pub final_result: FinalResult,
}

/// The `finalResult` of [`ProfileInstallationResultData`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum FinalResult {
    /// The profile is installed.
    #[asn1(context = 0)]
    SuccessResult(SuccessResult),
    /// The installation failed.
    #[asn1(context = 1)]
    ErrorResult(ErrorResult),
}

/// A successful installation: the new ISD-P and the profile's response.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct SuccessResult {
    /// The AID of the new ISD-P.
    #[asn1(application = 15)]
    pub aid: Octets,
    /// The EUICCResponse of the profile package (SIMalliance).
    pub sima_response: Octets,
}

/// A failed installation ([`codes::BPP_COMMAND_ID`](super::codes::BPP_COMMAND_ID),
/// [`codes::INSTALL_ERROR_REASON`](super::codes::INSTALL_ERROR_REASON)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ErrorResult {
    /// The BPP command that failed (initialiseSecureChannel 0 … loadProfileElements 5).
    #[asn1(context = 0)]
    pub bpp_command_id: i64,
    /// Why it failed.
    #[asn1(context = 1)]
    pub error_reason: i64,
    /// The profile's EUICCResponse, when there is one.
    #[asn1(context = 2)]
    pub sima_response: Option<Octets>,
}

/// SGP.32 compact form of [`ProfileInstallationResult`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactProfileInstallationResult {
    /// The signed result.
    pub compact_profile_installation_result_data:
        Signed<TaggedCompactProfileInstallationResultData>,
    /// The eUICC's signature over the result.
    #[asn1(application = 55, name = "euiccSignPIR")]
    pub euicc_sign_pir: Octets,
}

/// The signed part of [`CompactProfileInstallationResult`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactProfileInstallationResultData {
    /// The download session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The notification's sequence number.
    pub seq_number: i64,
    /// Whether the ICCID is known to the receiver (TRUE when absent).
    pub iccid_present: Option<bool>,
    /// Success, or where and why the installation failed.
    #[asn1(context = 2)]
    pub compact_final_result: CompactFinalResult,
}

/// The `compactFinalResult` of [`CompactProfileInstallationResultData`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum CompactFinalResult {
    /// The profile is installed.
    #[asn1(context = 0)]
    CompactSuccessResult(CompactSuccessResult),
    /// The installation failed.
    #[asn1(context = 1)]
    ErrorResult(ErrorResult),
}

/// [`CompactProfileInstallationResultData`] under its `[0]` tag: the signed bytes as they appear in
/// [`CompactProfileInstallationResult`], also when the value is built locally.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 0, name = "CompactProfileInstallationResultData")]
pub struct TaggedCompactProfileInstallationResultData(pub CompactProfileInstallationResultData);

/// A successful installation, compact form.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactSuccessResult {
    /// The last two bytes of the ISD-P AID.
    #[asn1(application = 15)]
    pub compact_aid: Octets,
    /// The profile's EUICCResponse.
    pub sima_response: Option<Octets>,
}
