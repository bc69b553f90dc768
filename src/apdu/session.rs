//! The ISD-R session: one logical channel with the ISD-R selected, and ES10 commands carried over it.
//!
//! The chaining of an ES10 command into STORE DATA blocks, GET RESPONSE on `61xx` and the resend on `6Cxx`
//! are the sans-IO machine `euiccd_core::apdu::chaining::StoreData`; the session drives it over a
//! [`CardChannel`]. When the card was reset behind our back (every logical channel is
//! gone after a REFRESH) the channel is reopened and the command sent again: the card never executes a
//! command whose blocks did not all arrive, so resending from the first block is safe. A modem port that
//! vanishes mid-exchange counts as a card reset too; there the last block may have been executed before the
//! modem went away, so callers that change the eUICC journal first (ARCHITECTURE.md, "Durable before acting").

use super::ApduError;
use super::channel::CardChannel;
use crate::apdu::CardError;
use crate::modem::ModemError;
use euiccd_core::apdu::chaining::{MAX_BLOCK_SIZE, MIN_BLOCK_SIZE, Next, StoreData, Wait};
use euiccd_core::apdu::response::Response;
use std::time::Duration;
use tracing::debug;

/// The ISD-R application identifier (SGP.22), selected on the session's logical channel.
pub(crate) const ISDR_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];

/// Settings of an [`IsdrSession`].
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// STORE DATA block size, 6–255. Smaller blocks help removable eUICCs that answer `66 01` on big ones
    /// and modems that fail on long AT lines.
    pub block_size: usize,
    /// Timeout of channel management, GET RESPONSE and non-final STORE DATA blocks.
    pub control_timeout: Duration,
    /// Default timeout of the final block of an ES10 command (the card executes the command then).
    pub es10_timeout: Duration,
    /// Largest accepted ES10 response.
    pub max_response: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            block_size: MAX_BLOCK_SIZE,
            control_timeout: Duration::from_secs(5),
            es10_timeout: Duration::from_secs(60),
            max_response: 256 * 1024,
        }
    }
}

/// What the session has sent so far (for benchmarks and diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct SessionCounters {
    /// APDUs handed to the transport.
    pub(crate) apdus: u64,
    /// ES10 commands sent.
    pub(crate) es10_commands: u64,
    /// Logical channels opened (1 plus one per reopen after a card reset).
    pub(crate) channel_opens: u64,
}

/// A session with the ISD-R over some [`CardChannel`]. See the module documentation.
#[derive(Debug)]
pub struct IsdrSession<C: CardChannel> {
    card: C,
    config: SessionConfig,
    channel: Option<u8>,
    /// CLA of GET RESPONSE: `00` first, `80` after a card answered `6E 00` to it.
    get_response_cla: u8,
    counters: SessionCounters,
}

impl<C: CardChannel> IsdrSession<C> {
    /// A session over `card`; nothing is sent until the first command.
    pub fn new(card: C, config: SessionConfig) -> Result<Self, ApduError> {
        if !(MIN_BLOCK_SIZE..=MAX_BLOCK_SIZE).contains(&config.block_size) {
            return Err(ApduError::InvalidConfig(
                "the STORE DATA block size must be 6 to 255",
            ));
        }
        Ok(Self {
            card,
            config,
            channel: None,
            get_response_cla: 0x00,
            counters: SessionCounters::default(),
        })
    }

    /// The transport underneath.
    pub(crate) fn card(&self) -> &C {
        &self.card
    }

    /// What the session has sent so far.
    pub(crate) fn counters(&self) -> SessionCounters {
        self.counters
    }

    /// Opens the logical channel and selects the ISD-R, unless that is already done; returns the channel.
    pub(crate) async fn open(&mut self) -> Result<u8, ApduError> {
        if let Some(channel) = self.channel {
            return Ok(channel);
        }
        let channel = self
            .card
            .open_channel(&ISDR_AID, self.config.control_timeout)
            .await
            .map_err(port_loss_is_channel_loss)?;
        debug!(channel, transport = self.card.name(), "ISD-R selected");
        self.counters.channel_opens += 1;
        self.channel = Some(channel);
        Ok(channel)
    }

    /// Sends one ES10 command (its DER encoding) and returns the eUICC's DER response, with the default
    /// timeout for the final block.
    pub async fn es10(&mut self, request_der: &[u8]) -> Result<Vec<u8>, ApduError> {
        self.es10_with_timeout(request_der, self.config.es10_timeout)
            .await
    }

    /// Like [`IsdrSession::es10`], with the final block's timeout chosen by the caller (BPP segments,
    /// enable with REFRESH and memory reset can take tens of seconds).
    pub(crate) async fn es10_with_timeout(
        &mut self,
        request_der: &[u8],
        timeout: Duration,
    ) -> Result<Vec<u8>, ApduError> {
        if request_der.is_empty() {
            return Err(ApduError::Card(CardError::InvalidCommand(
                "an ES10 command is never empty",
            )));
        }
        self.counters.es10_commands += 1;
        match self.store_data(request_der, timeout).await {
            Err(ApduError::Card(CardError::ChannelLost)) => {
                debug!("logical channel lost; reopening and sending the command again");
                if let Some(old) = self.channel.take() {
                    // A modem may still hold the session (AT+CCHO); free it. It is usually gone already.
                    let _ = self
                        .card
                        .close_channel(old, self.config.control_timeout)
                        .await;
                }
                self.store_data(request_der, timeout).await
            }
            other => other,
        }
    }

    /// Sends one APDU as it is on the ISD-R channel and returns the card's response untouched (no GET
    /// RESPONSE): the `apdu` debug command.
    pub(crate) async fn transmit_raw(&mut self, apdu: &[u8]) -> Result<Response, ApduError> {
        let channel = self.open().await?;
        self.counters.apdus += 1;
        self.card
            .transmit(channel, apdu, self.config.control_timeout)
            .await
    }

    /// Closes the logical channel (on shutdown). The session can be used again afterwards; it reopens.
    pub async fn close(&mut self) -> Result<(), ApduError> {
        match self.channel.take() {
            Some(channel) => {
                self.card
                    .close_channel(channel, self.config.control_timeout)
                    .await
            }
            None => Ok(()),
        }
    }

    /// Sends one ES10 command through the chaining machine.
    async fn store_data(
        &mut self,
        request: &[u8],
        timeout: Duration,
    ) -> Result<Vec<u8>, ApduError> {
        let channel = self.open().await?;
        let (mut chaining, mut transmit) = StoreData::start(
            request,
            self.config.block_size,
            self.config.max_response,
            self.get_response_cla,
        )?;
        loop {
            let wait = match transmit.wait {
                Wait::Execute => timeout,
                Wait::Control => self.config.control_timeout,
            };
            self.counters.apdus += 1;
            let response = self
                .card
                .transmit(channel, &transmit.apdu, wait)
                .await
                .map_err(port_loss_is_channel_loss)?;
            let next = chaining.handle_response(response);
            self.get_response_cla = chaining.get_response_cla();
            match next? {
                Next::Transmit(again) => transmit = again,
                Next::Done(data) => return Ok(data),
            }
        }
    }
}

/// A modem port that went away in the middle of an exchange means the modem restarted (USB modems
/// re-enumerate when they reset), and the card with it: the logical channel is gone.
fn port_loss_is_channel_loss(error: ApduError) -> ApduError {
    match error {
        ApduError::Modem(ModemError::PortLost(reason)) => {
            debug!(reason, "modem port lost mid-exchange");
            ApduError::Card(CardError::ChannelLost)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
