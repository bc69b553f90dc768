//! The ESipa messages between the IPA and the eIM, v1.2 layout: the two top-level CHOICEs, InitiateAuthentication
//! and HandleNotification.

use super::ProvideEimPackageResult;
use crate::types::sgp22::PendingNotification;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Octets, Signed};

esipa_messages!();

initiate_authentication_esipa! {
    request_adds {
            /// The eIM's correlation identifier of the download trigger.
            #[asn1(context = 2, size(1..=16))]
            pub eim_transaction_id: Option<Octets>,
    }
    ci_key {
            /// The CI key the eUICC is to use.
            #[asn1(name = "euiccCiPKIdentifierToBeUsed")]
            pub euicc_ci_pk_identifier_to_be_used: Octets,
    }
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
