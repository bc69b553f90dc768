//! Cancelling a download session (ES10b.CancelSession).

use crate::{Asn1, Octets, Oid, Signed};

/// ES10b.CancelSession: ends a download session, e.g. when the user or the IPA's policy refuses the profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 65)]
pub struct CancelSessionRequest {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Why ([`codes::CANCEL_SESSION_REASON`](super::codes::CANCEL_SESSION_REASON)).
    #[asn1(context = 1)]
    pub reason: i64,
}

/// The eUICC's answer to [`CancelSessionRequest`], relayed to the SM-DP+.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 65)]
pub enum CancelSessionResponse {
    /// The signed cancellation.
    #[asn1(context = 0)]
    CancelSessionResponseOk(CancelSessionResponseOk),
    /// invalidTransactionId 5, undefinedError 127.
    #[asn1(context = 1)]
    CancelSessionResponseError(i64),
    /// SGP.32: the compact form of the signed cancellation.
    #[asn1(context = 2)]
    CompactCancelSessionResponseOk(CompactCancelSessionResponseOk),
}

/// The eUICC's signed cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CancelSessionResponseOk {
    /// Signed by the eUICC.
    pub euicc_cancel_session_signed: Signed<EuiccCancelSessionSigned>,
    /// The eUICC's signature over `euicc_cancel_session_signed`.
    #[asn1(application = 55)]
    pub euicc_cancel_session_signature: Octets,
}

/// The part of the cancellation the eUICC signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccCancelSessionSigned {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The SM-DP+ of the session.
    #[asn1(context = 1)]
    pub smdp_oid: Oid,
    /// The reason given in the request.
    #[asn1(context = 2)]
    pub reason: i64,
}

/// SGP.32 compact form of [`CancelSessionResponseOk`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactCancelSessionResponseOk {
    /// Signed by the eUICC.
    pub compact_euicc_cancel_session_signed: Signed<CompactEuiccCancelSessionSigned>,
    /// The eUICC's signature over `compact_euicc_cancel_session_signed`.
    #[asn1(application = 55)]
    pub euicc_cancel_session_signature: Octets,
}

/// The compact signed part of a cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
pub struct CompactEuiccCancelSessionSigned {
    /// The reason given in the request.
    #[asn1(context = 0)]
    pub reason: Option<i64>,
}
