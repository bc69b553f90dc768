//! The seam between the session and the card: transmit one APDU, open and close logical channels.

use super::ApduError;
use crate::apdu::CardError;
use euiccd_core::apdu::command::Command;
use euiccd_core::apdu::response::Response;
use euiccd_core::apdu::status::{StatusWord, SwClass};
use std::future::Future;
use std::time::Duration;

/// One way to reach the card (AT+CSIM, AT+CGLA, PC/SC, in-process).
///
/// Channel numbers are opaque handles returned by [`CardChannel::open_channel`]; each transport puts them
/// where its link needs them (the CLA byte for raw transports, the session id for AT+CGLA). APDUs are passed
/// with the channel bits of CLA clear. Transports return the card's status word as it is; retries, GET
/// RESPONSE and chaining belong to the session.
pub trait CardChannel: Send {
    /// A short name for logs and JSON output (`csim`, `cgla`, `pcsc`, `sim`).
    fn name(&self) -> &'static str;

    /// Opens a logical channel with the application `aid` selected, and returns its handle. By default
    /// with MANAGE CHANNEL and SELECT as raw APDUs ([`open_with_manage_channel`]).
    fn open_channel(
        &mut self,
        aid: &[u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<u8, ApduError>> + Send
    where
        Self: Sized,
    {
        open_with_manage_channel(self, aid, timeout)
    }

    /// Sends one APDU on `channel` and returns the card's response. A transport that knows the channel is
    /// gone (the modem refuses the session id) returns [`CardError::ChannelLost`].
    fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        timeout: Duration,
    ) -> impl Future<Output = Result<Response, ApduError>> + Send;

    /// Closes a logical channel. By default with MANAGE CHANNEL close ([`close_with_manage_channel`]).
    fn close_channel(
        &mut self,
        channel: u8,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), ApduError>> + Send
    where
        Self: Sized,
    {
        close_with_manage_channel(self, channel, timeout)
    }
}

/// MANAGE CHANNEL open (`00 70 00 00 01`): the card picks the channel number.
const MANAGE_CHANNEL_OPEN: [u8; 5] = [0x00, 0x70, 0x00, 0x00, 0x01];

/// Opens a logical channel with MANAGE CHANNEL on the basic channel and SELECTs `aid` on it, for transports
/// that send raw APDUs (AT+CSIM, PC/SC, in-process). Closes the channel again if the SELECT fails.
pub(crate) async fn open_with_manage_channel<C: CardChannel>(
    card: &mut C,
    aid: &[u8],
    timeout: Duration,
) -> Result<u8, ApduError> {
    let opened = card.transmit(0, &MANAGE_CHANNEL_OPEN, timeout).await?;
    let channel = match (opened.sw.class(), opened.data.as_slice()) {
        (SwClass::Ok, &[channel @ 1..=euiccd_core::apdu::command::MAX_CHANNEL]) => channel,
        (SwClass::Ok, _) => {
            return Err(ApduError::Card(CardError::Status {
                what: "MANAGE CHANNEL open (bad channel number)",
                sw: opened.sw,
            }));
        }
        _ => {
            return Err(ApduError::Card(CardError::Status {
                what: "MANAGE CHANNEL open",
                sw: opened.sw,
            }));
        }
    };
    // SELECT by DF name, first occurrence, FCI; case 4 without Le as on T=0.
    let select = Command::new(0x00, 0xA4, 0x04, 0x00)
        .with_data(aid)
        .to_bytes()?;
    let selected = card.transmit(channel, &select, timeout).await;
    match selected {
        Ok(response)
            if response.sw.is_success() || matches!(response.sw.class(), SwClass::MoreData(_)) =>
        {
            Ok(channel)
        }
        other => {
            // Best effort: the SELECT already failed, and that is the error to report.
            let _ = close_with_manage_channel(card, channel, timeout).await;
            match other {
                Ok(response) => Err(ApduError::Card(CardError::Status {
                    what: "SELECT ISD-R",
                    sw: response.sw,
                })),
                Err(error) => Err(error),
            }
        }
    }
}

/// Closes a logical channel with MANAGE CHANNEL close (`00 70 80 <ch> 00`).
pub(crate) async fn close_with_manage_channel<C: CardChannel>(
    card: &mut C,
    channel: u8,
    timeout: Duration,
) -> Result<(), ApduError> {
    let close = [0x00, 0x70, 0x80, channel, 0x00];
    let response = card.transmit(0, &close, timeout).await?;
    match response.sw {
        StatusWord::OK => Ok(()),
        sw => Err(ApduError::Card(CardError::Status {
            what: "MANAGE CHANNEL close",
            sw,
        })),
    }
}
