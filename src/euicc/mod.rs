//! The ES10 client: one typed async method per eUICC function, over an [`IsdrSession`].
//!
//! What each function sends and what its answer means are the sans-IO pairs of `euiccd_core::es10`; this
//! client moves their bytes over the session and keeps what belongs to the link: the card reset after a
//! REFRESH, the status words with which an eUICC says it does not know a command (local management refused,
//! the SGP.22 memory reset as a second try). Signed objects the IPA relays (notifications, eUICC Package
//! Results, CancelSession responses) come back as [`Signed`](euicc_asn1::Signed) values or raw bytes, exactly
//! as the eUICC produced them.
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

pub use error::EuiccError;
#[cfg(feature = "sim")]
pub(crate) use euiccd_core::es10::enabled_iccid;
pub use euiccd_core::es10::{EimConfig, EimKey, RetrievedNotifications};
pub(crate) use euiccd_core::es10::{
    MemoryResetOptions, MemoryResetOutcome, RollbackOutcome, authenticate_refusal,
};

use crate::apdu::{CardChannel, IsdrSession};
use euicc_asn1::types::sgp22::{EUICCInfo1, EUICCInfo2, EuiccConfiguredAddressesResponse};
use euicc_asn1::{Eid, Layout, Octets};
use euiccd_core::es10::{
    CancelSession, Es10Function, GetEid, GetEuiccChallenge, GetEuiccConfiguredAddresses,
    GetEuiccInfo1, GetEuiccInfo2,
};

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

    /// Runs one ES10 function: builds its request, exchanges it, reads the answer.
    async fn run<F: Es10Function>(&mut self, function: F) -> Result<F::Output, EuiccError> {
        let request = function.request()?;
        let answer = self.exchange(F::NAME, &request).await?;
        Ok(function.read(answer)?)
    }

    /// ES10c.GetEID.
    pub(crate) async fn eid(&mut self) -> Result<Eid, EuiccError> {
        self.run(GetEid).await
    }

    /// ES10b.GetEUICCInfo (EUICCInfo1): the SGP.22 version and the CI keys.
    pub(crate) async fn euicc_info1(&mut self) -> Result<EUICCInfo1, EuiccError> {
        self.run(GetEuiccInfo1).await
    }

    /// ES10b.GetEUICCInfo (EUICCInfo2): versions, capabilities, free memory. Read once, then cached.
    pub(crate) async fn euicc_info2(&mut self) -> Result<&EUICCInfo2, EuiccError> {
        let info = match self.info2.take() {
            Some(info) => info,
            None => self.run(GetEuiccInfo2).await?,
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
        self.run(GetEuiccChallenge).await
    }

    /// ES10a.GetEuiccConfiguredAddresses: the default SM-DP+ and root SM-DS addresses.
    pub(crate) async fn configured_addresses(
        &mut self,
    ) -> Result<EuiccConfiguredAddressesResponse, EuiccError> {
        self.run(GetEuiccConfiguredAddresses).await
    }

    /// ES10b.CancelSession: ends a download session. Returns the response (a signed
    /// `CancelSessionResponse`) as the eUICC sent it, to be relayed to the SM-DP+ or the eIM unchanged.
    pub(crate) async fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        reason: i64,
    ) -> Result<Vec<u8>, EuiccError> {
        self.run(CancelSession {
            transaction_id: transaction_id.to_vec(),
            reason,
        })
        .await
    }
}
