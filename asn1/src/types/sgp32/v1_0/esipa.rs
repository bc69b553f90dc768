//! The ESipa messages between the IPA and the eIM, v1.0 layout: the two top-level CHOICEs, InitiateAuthentication
//! and HandleNotification.

use super::ProvideEimPackageResult;
use crate::types::sgp22::PendingNotification;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, Octets, Signed};

esipa_messages!();

initiate_authentication_esipa! {
    request_adds {
    }
    ci_key {
            /// The CI key the eUICC is to use.
            #[asn1(name = "euiccCiPKIdToBeUsed")]
            pub euicc_ci_pk_id_to_be_used: Octets,
    }
}

/// `initiateAuthenticationErrorEsipa`.
pub const INITIATE_AUTHENTICATION_ERROR: CodeTable = &[
    (1, "invalidDpAddress"),
    (2, "euiccVersionNotSupportedByDp"),
    (3, "ciPKIdNotSupported"),
    (50, "smdpAddressMismatch"),
    (51, "smdpOidMismatch"),
];

/// HandleNotification through the eIM (`BF3D`): a notification, or a package result sent as one.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 61)]
pub enum HandleNotificationEsipa {
    /// A notification, relayed as the eUICC signed it.
    #[asn1(context = 0, explicit)]
    PendingNotification(Signed<PendingNotification>),
    /// A package result.
    #[asn1(context = 1, explicit)]
    ProvideEimPackageResult(ProvideEimPackageResult),
}
