//! PC/SC: a USB smart-card reader with a test eUICC on the bench (feature `pcsc`, links libpcsclite).
//!
//! The reader gives raw APDU access, so channels are managed with MANAGE CHANNEL as over AT+CSIM. PC/SC
//! calls block, so they run on tokio's blocking pool.

use super::ApduError;
use super::channel::CardChannel;
use euiccd_core::apdu::command::on_channel;
use euiccd_core::apdu::response::Response;
use pcsc::{Card, Context, Protocols, Scope, ShareMode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// APDUs through a PC/SC reader.
#[derive(Clone)]
pub struct PcscChannel {
    card: Arc<Mutex<Card>>,
}

impl std::fmt::Debug for PcscChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PcscChannel")
    }
}

impl PcscChannel {
    /// Connects to the first reader whose name contains `reader` (or the first reader) in shared mode.
    pub(crate) fn connect(reader: Option<&str>) -> Result<Self, ApduError> {
        let context = Context::establish(Scope::User).map_err(pcsc_error)?;
        let readers = context.list_readers_owned().map_err(pcsc_error)?;
        let wanted = readers
            .iter()
            .find(|name| reader.is_none_or(|part| name.to_string_lossy().contains(part)))
            .ok_or_else(|| ApduError::Pcsc(format!("no reader matches {reader:?}")))?;
        let card = context
            .connect(wanted, ShareMode::Shared, Protocols::ANY)
            .map_err(pcsc_error)?;
        Ok(Self {
            card: Arc::new(Mutex::new(card)),
        })
    }
}

fn pcsc_error(error: pcsc::Error) -> ApduError {
    ApduError::Pcsc(error.to_string())
}

impl CardChannel for PcscChannel {
    fn name(&self) -> &'static str {
        "pcsc"
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        _timeout: Duration,
    ) -> Result<Response, ApduError> {
        let apdu = on_channel(apdu, channel)?;
        let card = Arc::clone(&self.card);
        let answer = tokio::task::spawn_blocking(move || {
            let card = card
                .lock()
                .map_err(|_| ApduError::Pcsc("reader lock poisoned".into()))?;
            let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
            card.transmit(&apdu, &mut buf)
                .map(<[u8]>::to_vec)
                .map_err(pcsc_error)
        })
        .await
        .map_err(|e| ApduError::Pcsc(e.to_string()))??;
        Response::parse(&answer)
    }
}
