//! ES10 functions (SGP.22 §5.7, SGP.32 §5.9) as sans-IO pairs: each value says what to ask, builds the
//! request the ISD-R receives (the DER that STORE DATA carries, [`Es10Function::request`]) and reads the
//! eUICC's answer into a result or a typed refusal ([`Es10Function::read`]). The async client in the daemon
//! crate only moves the bytes and keeps what is the link's: the channel, a card reset after REFRESH, status
//! words that say "unknown command".
//!
//! Where SGP.32 v1.0 and v1.2 encode a function differently, the value carries the eUICC's [`Layout`]
//! (from its EUICCInfo2, read with [`GetEuiccInfo2`]).
//!
//! [`Layout`]: euicc_asn1::Layout

mod download;
mod eim;
mod error;
mod info;
mod notifications;
mod package;
mod profiles;
mod reset;
#[cfg(test)]
mod tests;

pub use download::{
    AuthenticateServer, LoadBoundProfilePackage, PrepareDownload, authenticate_refusal,
};
pub use eim::{AddInitialEim, EimConfig, EimKey, GetCerts, GetEimConfigurationData};
pub use error::Es10Error;
pub use info::{
    CancelSession, GetEid, GetEuiccChallenge, GetEuiccConfiguredAddresses, GetEuiccInfo1,
    GetEuiccInfo2,
};
pub use notifications::{
    ListNotification, RemoveNotificationFromList, RetrieveNotificationsList, RetrievedNotifications,
};
pub use package::{
    ExecuteFallbackMechanism, LoadEuiccPackage, ProfileRollback, ReturnFromFallback,
    RollbackOutcome,
};
pub use profiles::{
    DeleteProfile, DisableProfile, EnableProfile, GetProfilesInfo, MAX_NICKNAME, SetNickname,
    enabled_iccid,
};
pub use reset::{EuiccMemoryReset, MemoryResetOptions, MemoryResetOutcome};

use euicc_asn1::{Asn1, from_ber};

/// One call of an ES10 function: the request it sends and how it reads the answer.
pub trait Es10Function {
    /// The function's name in SGP.22/SGP.32 (`EnableProfile`), for errors and logs.
    const NAME: &'static str;
    /// What a successful answer gives.
    type Output;

    /// The request's bytes, or why the function cannot express it.
    fn request(&self) -> Result<Vec<u8>, Es10Error>;

    /// Reads the eUICC's answer (the whole ES10 response, after STORE DATA and GET RESPONSE).
    fn read(self, answer: Vec<u8>) -> Result<Self::Output, Es10Error>;
}

/// Decodes `answer` as the response of `function`.
fn decode<R: Asn1>(function: &'static str, answer: &[u8]) -> Result<R, Es10Error> {
    from_ber(answer).map_err(|source| Es10Error::Undecodable { function, source })
}
