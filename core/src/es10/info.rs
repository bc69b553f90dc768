//! ES10a/b/c functions that read what the eUICC is, and CancelSession.

use super::{Es10Error, Es10Function, decode};
use euicc_asn1::types::sgp22::{
    CancelSessionRequest, CancelSessionResponse, EUICCInfo1, EUICCInfo2,
    EuiccConfiguredAddressesRequest, EuiccConfiguredAddressesResponse, GetEuiccChallengeRequest,
    GetEuiccChallengeResponse, GetEuiccDataRequest, GetEuiccDataResponse, GetEuiccInfo1Request,
    GetEuiccInfo2Request, codes,
};
use euicc_asn1::{Eid, Octets, to_der};

/// A function with a fixed request whose answer is one type, read as it is.
macro_rules! plain_function {
    ($(#[$doc:meta])* $name:ident $function:literal, $request:expr => $response:ty, $output:ty, $take:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Es10Function for $name {
            const NAME: &'static str = $function;
            type Output = $output;

            fn request(&self) -> Result<Vec<u8>, Es10Error> {
                Ok(to_der(&$request))
            }

            fn read(self, answer: Vec<u8>) -> Result<$output, Es10Error> {
                let response: $response = decode(Self::NAME, &answer)?;
                Ok($take(response))
            }
        }
    };
}

plain_function!(
    /// ES10c.GetEID: the eUICC's identifier.
    GetEid "GetEID", GetEuiccDataRequest::eid() => GetEuiccDataResponse, Eid, |r: GetEuiccDataResponse| r.eid_value
);
plain_function!(
    /// ES10b.GetEUICCInfo (EUICCInfo1): the SGP.22 version and the CI keys.
    GetEuiccInfo1 "GetEUICCInfo1", GetEuiccInfo1Request {} => EUICCInfo1, EUICCInfo1, |r| r
);
plain_function!(
    /// ES10b.GetEUICCInfo (EUICCInfo2): versions, capabilities, free memory.
    GetEuiccInfo2 "GetEUICCInfo2", GetEuiccInfo2Request {} => EUICCInfo2, EUICCInfo2, |r| r
);
plain_function!(
    /// ES10b.GetEUICCChallenge: 16 fresh random bytes for mutual authentication.
    GetEuiccChallenge "GetEUICCChallenge", GetEuiccChallengeRequest {} => GetEuiccChallengeResponse, Octets,
    |r: GetEuiccChallengeResponse| r.euicc_challenge
);
plain_function!(
    /// ES10a.GetEuiccConfiguredAddresses: the default SM-DP+ and root SM-DS addresses.
    GetEuiccConfiguredAddresses "GetEuiccConfiguredAddresses", EuiccConfiguredAddressesRequest {} => EuiccConfiguredAddressesResponse,
    EuiccConfiguredAddressesResponse, |r| r
);

/// ES10b.CancelSession: ends a download session. The answer (a signed `CancelSessionResponse`) comes back as
/// the eUICC sent it, to be relayed to the SM-DP+ or the eIM unchanged.
#[derive(Debug, Clone)]
pub struct CancelSession {
    /// The session's transaction ID.
    pub transaction_id: Vec<u8>,
    /// `CancelSessionReason`.
    pub reason: i64,
}

impl Es10Function for CancelSession {
    const NAME: &'static str = "CancelSession";
    type Output = Vec<u8>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&CancelSessionRequest {
            transaction_id: Octets(self.transaction_id.clone()),
            reason: self.reason,
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<Vec<u8>, Es10Error> {
        match decode(Self::NAME, &answer)? {
            CancelSessionResponse::CancelSessionResponseError(code) => Err(Es10Error::refused(
                Self::NAME,
                codes::CANCEL_SESSION_ERROR,
                code,
            )),
            _ => Ok(answer),
        }
    }
}
