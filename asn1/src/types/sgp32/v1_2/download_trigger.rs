//! ProfileDownloadTriggerResult (`BF54`): how a download the eIM triggered ended, v1.2 layout.

use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Octets};

profile_download_trigger_result!();

/// A download that failed before installation.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ProfileDownloadError {
    /// Names: [`PROFILE_DOWNLOAD_ERROR_REASON`].
    #[asn1(context = 0)]
    pub profile_download_error_reason: i64,
    /// The error answer received from the SM-DP+ or the eUICC.
    pub error_response: Option<Octets>,
}

/// `profileDownloadErrorReason`.
pub const PROFILE_DOWNLOAD_ERROR_REASON: CodeTable =
    &[(104, "ecallActive"), (127, "undefinedError")];
