//! ProfileDownloadTriggerResult (`BF54`): how a download the eIM triggered ended, v1.0 layout.

use crate::types::sgp22::ProfileInstallationResult;
use crate::{Asn1, Octets, Signed};

/// ProfileDownloadTriggerResult (`BF54`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 84)]
pub struct ProfileDownloadTriggerResult {
    /// The trigger's transaction identifier, echoed.
    #[asn1(context = 2, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
    /// The installation result, or why the download failed.
    pub profile_download_trigger_result_data: ProfileDownloadTriggerResultData,
}

/// The outcome of a triggered download.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum ProfileDownloadTriggerResultData {
    /// The eUICC's installation result, relayed as signed.
    ProfileInstallationResult(Signed<ProfileInstallationResult>),
    /// The download failed before the eUICC produced a result.
    ProfileDownloadError(ProfileDownloadError),
}

/// A download that failed before installation.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ProfileDownloadError {
    /// The error answer received from the SM-DP+ or the eUICC.
    #[asn1(context = 0)]
    pub error_response: Option<Octets>,
}
