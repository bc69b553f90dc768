//! AT+CCHO / AT+CGLA / AT+CCHC (3GPP TS 27.007 §8.45, §8.43, §8.46): the modem opens the logical channel,
//! selects the application and owns the channel bits of CLA; the IPA addresses the channel by session id.
//!
//! Answers come prefixed (`+CCHO: 1`, `+CGLA: 6,"…"`) or bare (`1`, as the spec writes it and Fibocom
//! FM350-GL sends it); both are read.

use super::ApduError;
use super::channel::CardChannel;
use crate::apdu::CardError;
use crate::modem::{Modem, ModemError};
use euiccd_core::apdu::at_answer::{bad_answer, hex_argument, parse_hex_answer};
use euiccd_core::apdu::command::for_session;
use euiccd_core::apdu::response::Response;
use std::time::Duration;
use tracing::debug;

/// APDUs over AT+CGLA on a channel opened with AT+CCHO.
#[derive(Debug, Clone)]
pub struct CglaChannel {
    modem: Modem,
}

impl CglaChannel {
    /// A CCHO/CGLA transport over `modem`.
    pub(crate) fn new(modem: Modem) -> Self {
        Self { modem }
    }
}

impl CardChannel for CglaChannel {
    fn name(&self) -> &'static str {
        "cgla"
    }

    async fn open_channel(&mut self, aid: &[u8], timeout: Duration) -> Result<u8, ApduError> {
        let answer = self
            .modem
            .command(&format!("AT+CCHO=\"{}\"", hex::encode_upper(aid)), timeout)
            .await?;
        let payloads = answer.payload("+CCHO");
        payloads
            .iter()
            .find_map(|line| line.trim().trim_matches('"').parse::<u8>().ok())
            .ok_or_else(|| bad_answer("AT+CCHO", payloads.first().copied().unwrap_or("")).into())
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        timeout: Duration,
    ) -> Result<Response, ApduError> {
        let apdu = for_session(apdu, channel)?;
        let command = format!("AT+CGLA={channel},{}", hex_argument(&apdu));
        match self.modem.command(&command, timeout).await {
            Ok(answer) => Ok(parse_hex_answer("AT+CGLA", &answer, "+CGLA")?),
            // A refused CGLA means the modem no longer knows the session (card reset, REFRESH, modem
            // restart); the session reopens the channel and resends from the first block.
            Err(ModemError::Rejected { result, .. }) => {
                debug!(%result, channel, "AT+CGLA refused; taking the channel as lost");
                Err(ApduError::Card(CardError::ChannelLost))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn close_channel(&mut self, channel: u8, timeout: Duration) -> Result<(), ApduError> {
        self.modem
            .command(&format!("AT+CCHC={channel}"), timeout)
            .await?;
        Ok(())
    }
}
