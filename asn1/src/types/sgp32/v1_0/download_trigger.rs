//! ProfileDownloadTriggerResult (`BF54`): how a download the eIM triggered ended, v1.0 layout.

use crate::{Asn1, Octets};

profile_download_trigger_result!();

/// A download that failed before installation.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ProfileDownloadError {
    /// The error answer received from the SM-DP+ or the eUICC.
    #[asn1(context = 0)]
    pub error_response: Option<Octets>,
}
