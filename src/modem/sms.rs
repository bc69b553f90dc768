//! The SMS dialogues of 3GPP TS 27.005 over the engine: the message format and new-message notices, the
//! listing of stored messages, reading and deleting one, with the answers parsed by `euiccd_core::sms`.

use super::{Modem, ModemError, Response};
use euiccd_core::sms::{Listed, Read, SmsError, SmsMode, Undecodable, parse_cmgl, parse_cmgr};
use std::time::Duration;
use tracing::warn;

/// The SMS side of a [`Modem`], each command with the same timeout.
#[derive(Debug, Clone)]
pub struct SmsStorage {
    modem: Modem,
    mode: SmsMode,
    timeout: Duration,
}

impl SmsStorage {
    /// The SMS dialogues on `modem` in `mode`, each command allowed `timeout`.
    pub fn new(modem: Modem, mode: SmsMode, timeout: Duration) -> Self {
        Self {
            modem,
            mode,
            timeout,
        }
    }

    /// Sets the message format (`AT+CMGF`) and asks for `+CMTI` notices (`AT+CNMI=2,1,0,0,0`); a refusal
    /// is logged, the other command is sent anyway.
    pub async fn set_up(&self) {
        let format = match self.mode {
            SmsMode::Text => "AT+CMGF=1",
            SmsMode::Pdu => "AT+CMGF=0",
        };
        for command in [format, "AT+CNMI=2,1,0,0,0"] {
            if let Err(e) = self.ask(command).await {
                warn!(command, error = %e, "SMS set-up refused");
            }
        }
    }

    /// The messages stored on the modem (`AT+CMGL`, all of them), each with its index; the outer error
    /// is the modem's, the inner one an answer that does not parse.
    pub async fn list(&self) -> Result<Result<Vec<Listed>, SmsError>, ModemError> {
        let command = match self.mode {
            SmsMode::Text => "AT+CMGL=\"ALL\"",
            SmsMode::Pdu => "AT+CMGL=4",
        };
        let answer = self.ask(command).await?;
        Ok(parse_cmgl(answer.lines(), self.mode))
    }

    /// Reads the message at `index` (`AT+CMGR`); one that does not decode comes back as the modem showed it.
    pub async fn read(&self, index: u16) -> Result<Result<Read, Undecodable>, ModemError> {
        let answer = self.ask(&format!("AT+CMGR={index}")).await?;
        Ok(parse_cmgr(answer.lines(), self.mode).map_err(|e| Undecodable::new(answer.lines(), &e)))
    }

    /// Deletes the message at `index` (`AT+CMGD`).
    pub async fn delete(&self, index: u16) -> Result<(), ModemError> {
        self.ask(&format!("AT+CMGD={index}")).await.map(drop)
    }

    async fn ask(&self, command: &str) -> Result<Response, ModemError> {
        self.modem.command(command, self.timeout).await
    }
}
