//! A card that answers in this process, plugged straight into the session without a modem (the simulator
//! behind `--sim`, unit tests). The APDU layer sees only "command APDU in, response APDU out" ([`LocalCard`]),
//! so it never depends on what answers; `crate::simulated` plugs in the simulated card.

use super::ApduError;
use super::channel::CardChannel;
use euiccd_core::apdu::command::on_channel;
use euiccd_core::apdu::response::Response;
use std::fmt;
use std::time::Duration;

/// A card in this process: answers one command APDU (with its channel in the class byte) with the response
/// APDU's bytes, data and status word.
pub trait LocalCard: Send {
    /// Processes one command APDU.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
}

/// A [`LocalCard`] as a [`CardChannel`].
pub struct InProcessChannel {
    /// Boxed: a simulated card with its twenty channel states is large next to the other transports.
    card: Box<dyn LocalCard>,
}

impl InProcessChannel {
    /// Wraps a card.
    pub fn new(card: impl LocalCard + 'static) -> Self {
        Self {
            card: Box::new(card),
        }
    }
}

impl fmt::Debug for InProcessChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InProcessChannel")
    }
}

impl CardChannel for InProcessChannel {
    fn name(&self) -> &'static str {
        "sim"
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        _timeout: Duration,
    ) -> Result<Response, ApduError> {
        Ok(Response::parse(
            &self.card.process(&on_channel(apdu, channel)?),
        )?)
    }
}
