//! `--transport auto`: find out which AT transport this modem supports by using it.
//!
//! AT+CCHO/CGLA is tried first (the modem keeps the channel in step with its own card traffic), then AT+CSIM
//! with our own MANAGE CHANNEL. The probe is the real channel open, so it costs nothing once it works; the
//! [`Transport`] then stays on the transport that worked.

use super::ApduError;
use super::cgla::CglaChannel;
use super::channel::CardChannel;
use super::csim::CsimChannel;
use super::transport::Transport;
use crate::modem::Modem;
use std::time::Duration;
use tracing::{debug, info};

/// Opens a channel to `aid` with the first transport that works, and returns that transport and channel.
pub(crate) async fn probe(
    modem: &Modem,
    aid: &[u8],
    timeout: Duration,
) -> Result<(Transport, u8), ApduError> {
    let mut cgla = CglaChannel::new(modem.clone());
    let cgla_error = match cgla.open_channel(aid, timeout).await {
        Ok(channel) => return Ok(chosen(Transport::Cgla(cgla), channel)),
        Err(error) => error,
    };
    debug!(error = %cgla_error, "AT+CCHO does not work here; trying AT+CSIM");
    let mut csim = CsimChannel::new(modem.clone());
    match csim.open_channel(aid, timeout).await {
        Ok(channel) => Ok(chosen(Transport::Csim(csim), channel)),
        Err(csim_error) => Err(ApduError::NoTransport {
            cgla: Box::new(cgla_error),
            csim: Box::new(csim_error),
        }),
    }
}

fn chosen(transport: Transport, channel: u8) -> (Transport, u8) {
    info!(transport = transport.name(), "APDU transport chosen");
    (transport, channel)
}
