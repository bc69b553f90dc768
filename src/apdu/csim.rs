//! AT+CSIM (3GPP TS 27.007 §8.17): raw APDUs to the card; the IPA manages logical channels itself with
//! MANAGE CHANNEL and puts the channel number into CLA.

use super::ApduError;
use super::channel::CardChannel;
use crate::modem::Modem;
use euiccd_core::apdu::at_answer::{hex_argument, parse_hex_answer};
use euiccd_core::apdu::command::on_channel;
use euiccd_core::apdu::response::Response;
use std::time::Duration;

/// APDUs over AT+CSIM.
#[derive(Debug, Clone)]
pub struct CsimChannel {
    modem: Modem,
}

impl CsimChannel {
    /// A CSIM transport over `modem`.
    pub(crate) fn new(modem: Modem) -> Self {
        Self { modem }
    }
}

impl CardChannel for CsimChannel {
    fn name(&self) -> &'static str {
        "csim"
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        timeout: Duration,
    ) -> Result<Response, ApduError> {
        let apdu = on_channel(apdu, channel)?;
        let answer = self
            .modem
            .command(&format!("AT+CSIM={}", hex_argument(&apdu)), timeout)
            .await?;
        Ok(parse_hex_answer("AT+CSIM", &answer, "+CSIM")?)
    }
}
