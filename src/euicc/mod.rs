//! The ES10 client: one typed async method per eUICC function, over an [`IsdrSession`].
//!
//! Requests are built with the `euicc_asn1` types and sent as DER; responses are decoded with the same types.
//! Result codes other than ok become [`EuiccError::Refused`] with the code's ASN.1 name. Signed objects the
//! IPA relays (notifications, eUICC Package Results, CancelSession responses) are returned as
//! [`Signed`](euicc_asn1::Signed) values or raw bytes, exactly as the eUICC produced them.
//!
//! Where SGP.32 v1.0 and v1.2 encode a function differently, [`Euicc::layout`] decides from EuiccInfo2's
//! `iotVersion`; EuiccInfo2 is read once per [`Euicc`] and cached.

mod download;
mod eim;
mod error;
mod notifications;
mod package;
mod profiles;
mod reset;
#[cfg(test)]
mod tests;

pub(crate) use download::authenticate_refusal;
pub use eim::{EimConfig, EimKey};
pub use error::EuiccError;
pub use notifications::RetrievedNotifications;
#[cfg(feature = "sim")]
pub(crate) use profiles::enabled_iccid;
pub(crate) use reset::{MemoryResetOptions, MemoryResetOutcome};

use crate::apdu::{CardChannel, IsdrSession};
use euicc_asn1::types::sgp22::{
    CancelSessionRequest, CancelSessionResponse, EUICCInfo1, EUICCInfo2,
    EuiccConfiguredAddressesRequest, EuiccConfiguredAddressesResponse, GetEuiccChallengeRequest,
    GetEuiccChallengeResponse, GetEuiccDataRequest, GetEuiccDataResponse, GetEuiccInfo1Request,
    GetEuiccInfo2Request, codes,
};
use euicc_asn1::{Asn1, Eid, Layout, Octets, from_ber, to_der};

/// A typed client of the eUICC's ISD-R. See the module documentation.
#[derive(Debug)]
pub struct Euicc<C: CardChannel> {
    session: IsdrSession<C>,
    info2: Option<EUICCInfo2>,
    /// The layout to speak whatever EUICCInfo2 says (configuration).
    layout_override: Option<Layout>,
    /// A profile switch with REFRESH succeeded: the card reset and closed the logical channel.
    card_reset: bool,
}

impl<C: CardChannel> Euicc<C> {
    /// A client over `session`; nothing is sent until the first call.
    pub fn new(session: IsdrSession<C>) -> Self {
        Self {
            session,
            info2: None,
            layout_override: None,
            card_reset: false,
        }
    }

    /// Speaks the `layout` whatever EUICCInfo2 announces: for a card that announces its IoT version
    /// wrongly, or none although it speaks v1.0.
    pub(crate) fn with_layout(mut self, layout: Layout) -> Self {
        self.layout_override = Some(layout);
        self
    }

    /// The APDU session underneath (counters, transport name, raw APDUs).
    pub(crate) fn session(&mut self) -> &mut IsdrSession<C> {
        &mut self.session
    }

    /// Closes the logical channel; the client reopens it on the next call. After a profile switch with
    /// REFRESH the card reset has closed it already, and a failure to close it again is expected.
    pub(crate) async fn close(&mut self) -> Result<(), EuiccError> {
        let closed = self.session.close().await;
        if std::mem::take(&mut self.card_reset) {
            if let Err(error) = closed {
                tracing::debug!("channel already gone after REFRESH: {error}");
            }
            return Ok(());
        }
        closed.map_err(|source| EuiccError::Transport {
            function: "MANAGE CHANNEL",
            source,
        })
    }

    /// Notes that a successful profile switch asked for REFRESH, which resets the card.
    fn switched(&mut self, refresh: bool) {
        self.card_reset |= refresh;
    }

    /// Sends `request` and returns the response bytes as the eUICC sent them.
    async fn exchange(
        &mut self,
        function: &'static str,
        request: &[u8],
    ) -> Result<Vec<u8>, EuiccError> {
        self.session
            .es10(request)
            .await
            .map_err(|source| EuiccError::Transport { function, source })
    }

    /// Sends `request` and decodes the response as `R`.
    async fn call<Q: Asn1, R: Asn1>(
        &mut self,
        function: &'static str,
        request: &Q,
    ) -> Result<R, EuiccError> {
        let answer = self.exchange(function, &to_der(request)).await?;
        decode(function, &answer)
    }

    /// ES10c.GetEID.
    pub(crate) async fn eid(&mut self) -> Result<Eid, EuiccError> {
        let response: GetEuiccDataResponse =
            self.call("GetEID", &GetEuiccDataRequest::eid()).await?;
        Ok(response.eid_value)
    }

    /// ES10b.GetEUICCInfo (EUICCInfo1): the SGP.22 version and the CI keys.
    pub(crate) async fn euicc_info1(&mut self) -> Result<EUICCInfo1, EuiccError> {
        self.call("GetEUICCInfo1", &GetEuiccInfo1Request {}).await
    }

    /// ES10b.GetEUICCInfo (EUICCInfo2): versions, capabilities, free memory. Read once, then cached.
    pub(crate) async fn euicc_info2(&mut self) -> Result<&EUICCInfo2, EuiccError> {
        let info = match self.info2.take() {
            Some(info) => info,
            None => self.call("GetEUICCInfo2", &GetEuiccInfo2Request {}).await?,
        };
        Ok(self.info2.insert(info))
    }

    /// The SGP.32 layout of this eUICC: the one set by [`Euicc::with_layout`], else from EuiccInfo2 (read on
    /// first use).
    pub(crate) async fn layout(&mut self) -> Result<Layout, EuiccError> {
        if let Some(layout) = self.layout_override {
            return Ok(layout);
        }
        Ok(Layout::from_info2(self.euicc_info2().await?))
    }

    /// ES10b.GetEUICCChallenge: 16 fresh random bytes for mutual authentication.
    pub(crate) async fn challenge(&mut self) -> Result<Octets, EuiccError> {
        let response: GetEuiccChallengeResponse = self
            .call("GetEUICCChallenge", &GetEuiccChallengeRequest {})
            .await?;
        Ok(response.euicc_challenge)
    }

    /// ES10a.GetEuiccConfiguredAddresses: the default SM-DP+ and root SM-DS addresses.
    pub(crate) async fn configured_addresses(
        &mut self,
    ) -> Result<EuiccConfiguredAddressesResponse, EuiccError> {
        self.call(
            "GetEuiccConfiguredAddresses",
            &EuiccConfiguredAddressesRequest {},
        )
        .await
    }

    /// ES10b.CancelSession: ends a download session. Returns the response (a signed
    /// `CancelSessionResponse`) as the eUICC sent it, to be relayed to the SM-DP+ or the eIM unchanged.
    pub(crate) async fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        reason: i64,
    ) -> Result<Vec<u8>, EuiccError> {
        const FUNCTION: &str = "CancelSession";
        let request = CancelSessionRequest {
            transaction_id: Octets(transaction_id.to_vec()),
            reason,
        };
        let answer = self.exchange(FUNCTION, &to_der(&request)).await?;
        match decode(FUNCTION, &answer)? {
            CancelSessionResponse::CancelSessionResponseError(code) => Err(EuiccError::refused(
                FUNCTION,
                codes::CANCEL_SESSION_ERROR,
                code,
            )),
            _ => Ok(answer),
        }
    }
}

/// Decodes `answer` as the response of `function`.
fn decode<R: Asn1>(function: &'static str, answer: &[u8]) -> Result<R, EuiccError> {
    from_ber(answer).map_err(|source| EuiccError::Undecodable { function, source })
}
