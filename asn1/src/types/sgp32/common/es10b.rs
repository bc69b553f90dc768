//! SGP.32 ES10b commands that are the same in v1.0 and v1.2.

use crate::types::sgp22::Certificate;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Octets};

/// `{ refreshFlag [0] BOOLEAN }`: the content of the ES10b requests that change the enabled profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct RefreshFlag {
    /// True: the eUICC sends a REFRESH proactive command after the change.
    #[asn1(context = 0)]
    pub refresh_flag: bool,
}

/// ProfileRollback (`BF58`): return to the profile that was enabled before the last `enable` PSMO.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 88)]
pub struct ProfileRollbackRequest(pub RefreshFlag);

/// `cmdResult` of ProfileRollbackResponse.
pub const PROFILE_ROLLBACK_RESULT: CodeTable = &[
    (0, "ok"),
    (1, "rollbackNotAllowed"),
    (5, "catBusy"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// GetCerts (`BF56`): the EUM and eUICC certificates for a CI key.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 86)]
pub struct GetCertsRequest {
    /// The CI key the certificate chain must lead to; absent: the eUICC's choice.
    #[asn1(context = 0, name = "euiccCiPKId")]
    pub euicc_ci_pk_id: Option<Octets>,
}

/// The answer to GetCerts.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 86)]
pub enum GetCertsResponse {
    /// The two certificates.
    #[asn1(context = 0)]
    Certs(Certs),
    /// Names: [`GET_CERTS_ERROR`].
    #[asn1(context = 1)]
    GetCertsError(i64),
}

/// The certificates returned by GetCerts.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct Certs {
    /// The EUM certificate.
    #[asn1(context = 5)]
    pub eum_certificate: Certificate,
    /// The eUICC certificate.
    #[asn1(context = 6)]
    pub euicc_certificate: Certificate,
}

/// `getCertsError` (the module spells the last name `undfinedError`).
pub const GET_CERTS_ERROR: CodeTable = &[(1, "invalidCiPKId"), (127, "undefinedError")];
