//! The simulated card plugged straight into the session, without a modem (unit tests and `--sim`).

use super::ApduError;
use super::channel::CardChannel;
use super::command::on_channel;
use super::response::Response;
use crate::sim::card::{IsdrApplet, SimCard};
use std::fmt;
use std::time::Duration;

/// A [`SimCard`] as a [`CardChannel`].
pub struct InProcessChannel {
    /// Boxed: a card with its twenty channel states is large next to the other transports.
    card: Box<SimCard<Box<dyn IsdrApplet + Send>>>,
}

impl InProcessChannel {
    /// Wraps a simulated card.
    pub fn new(card: SimCard<Box<dyn IsdrApplet + Send>>) -> Self {
        Self {
            card: Box::new(card),
        }
    }

    /// The card, for tests that inspect or reset it.
    pub fn card_mut(&mut self) -> &mut SimCard<Box<dyn IsdrApplet + Send>> {
        &mut self.card
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
