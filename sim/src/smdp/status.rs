//! Why the simulated SM-DP+ refuses a request, as the ES9+ `statusCodeData` of the JSON binding.
//!
//! The subject and reason codes are SGP.22 §5.6 ones as lpac and pySim's `osmo-smdpp.py` use them. The two marked
//! **\[UNVERIFIED\]** below come from no public source we read; a client treats every `Failed` status the same way, so
//! only the text of the report depends on them.

/// An ES9+ `subjectCode` / `reasonCode` pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusCode {
    /// `subjectCode`, e.g. `8.10.1` (TransactionId).
    pub subject: &'static str,
    /// `reasonCode`, e.g. `3.9` (Unknown).
    pub reason: &'static str,
}

const fn code(subject: &'static str, reason: &'static str) -> StatusCode {
    StatusCode { subject, reason }
}

/// A refused ES9+ request. Nothing here carries a matching ID or a confirmation code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmdpError {
    /// The request is malformed (bad encoding, wrong length, missing field). **\[UNVERIFIED\]** code `1.2/2.1`.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// `smdpAddress` is not this SM-DP+ (`8.8.1/3.8`).
    #[error("SM-DP+ address refused")]
    AddressRefused,
    /// The eUICC trusts none of the CIs that certified this SM-DP+, or was certified by none it accepts
    /// (`8.8.2/3.1`).
    #[error("none of the eUICC's CI public key identifiers is supported")]
    CiNotSupported,
    /// The transaction ID names no live session (`8.10.1/3.9`); also after the session expired.
    #[error("unknown or expired transaction ID")]
    UnknownTransaction,
    /// The eUICC certificate chain does not verify (`8.1.3/6.1`).
    #[error("eUICC certificate chain invalid: {0}")]
    EuiccCertificateInvalid(String),
    /// The eUICC or EUM certificate is outside its validity period (`8.1.3/6.3`).
    #[error("eUICC certificate chain expired")]
    EuiccCertificateExpired,
    /// The eUICC chain ends at a CI this SM-DP+ does not know (`8.11.1/3.9`).
    #[error("eUICC certificate issued under an unknown CI")]
    CiUnknown,
    /// An eUICC signature or the echoed challenge does not verify (`8.1/6.1`).
    #[error("eUICC signature or challenge invalid")]
    EuiccSignatureInvalid,
    /// No order for this matching ID, or it was already used (`8.2.6/3.8`).
    #[error("matching ID refused")]
    MatchingIdRefused,
    /// The order is for another eUICC (`8.1.1/3.8`).
    #[error("EID mismatch")]
    EidMismatch,
    /// The order needs a confirmation code and no hashCc came (`8.2.7/2.2`).
    #[error("confirmation code missing")]
    ConfirmationCodeMissing,
    /// The hashCc does not match (`8.2.7/3.8`).
    #[error("confirmation code refused")]
    ConfirmationCodeRefused,
    /// Too many wrong confirmation codes: the order is blocked (`8.2.7/6.4`).
    #[error("confirmation code retries exceeded")]
    ConfirmationCodeRetriesExceeded,
    /// The order expired (`8.8.5/4.1`).
    #[error("download order expired")]
    OrderExpired,
    /// The package of this session was already bound once (`8.2/3.7`).
    #[error("bound profile package not available for rebinding")]
    BppRebindingRefused,
    /// The SM-DP+ OID in a signed cancellation is not this SM-DP+'s (`8.8/3.10`).
    #[error("SM-DP+ OID invalid")]
    SmdpOidInvalid,
    /// The eUICC refused AuthenticateServer (its `authenticateErrorCode`); the session is over.
    /// **\[UNVERIFIED\]** code `8.1/3.8` (subject eUICC, reason refused).
    #[error("the eUICC refused the authentication (authenticateErrorCode {0})")]
    EuiccRefusedAuthentication(i64),
    /// The request came in the wrong step of the session (e.g. GetBoundProfilePackage before
    /// AuthenticateClient). **\[UNVERIFIED\]** code `8.10.1/3.9`, as for an unknown transaction.
    #[error("request out of sequence for this session")]
    OutOfSequence,
}

impl SmdpError {
    /// The ES9+ status code reported for this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_) => code("1.2", "2.1"),
            Self::AddressRefused => code("8.8.1", "3.8"),
            Self::CiNotSupported => code("8.8.2", "3.1"),
            Self::UnknownTransaction | Self::OutOfSequence => code("8.10.1", "3.9"),
            Self::EuiccCertificateInvalid(_) => code("8.1.3", "6.1"),
            Self::EuiccCertificateExpired => code("8.1.3", "6.3"),
            Self::CiUnknown => code("8.11.1", "3.9"),
            Self::EuiccSignatureInvalid => code("8.1", "6.1"),
            Self::EuiccRefusedAuthentication(_) => code("8.1", "3.8"),
            Self::MatchingIdRefused => code("8.2.6", "3.8"),
            Self::EidMismatch => code("8.1.1", "3.8"),
            Self::ConfirmationCodeMissing => code("8.2.7", "2.2"),
            Self::ConfirmationCodeRefused => code("8.2.7", "3.8"),
            Self::ConfirmationCodeRetriesExceeded => code("8.2.7", "6.4"),
            Self::OrderExpired => code("8.8.5", "4.1"),
            Self::BppRebindingRefused => code("8.2", "3.7"),
            Self::SmdpOidInvalid => code("8.8", "3.10"),
        }
    }

    pub(super) fn invalid(what: impl Into<String>) -> Self {
        Self::InvalidRequest(what.into())
    }
}
