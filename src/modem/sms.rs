//! The SMS dialogues of 3GPP TS 27.005 over the engine: the message format and new-message notices, the
//! listing of stored messages, reading and deleting one, with the answers parsed by `euiccd_core::sms`.

use super::{FinalResult, Modem, ModemError, Response, Urc};
use euiccd_core::at::ErrorCode;
use euiccd_core::sms::{
    DirectDelivery, Listed, Read, SmsError, SmsMode, Undecodable, parse_cmgl, parse_cmgr,
    parse_cmti,
};
use std::time::Duration;
use tracing::warn;

/// `+CMS ERROR: 321`: no message at that index.
const INVALID_INDEX: u16 = 321;

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
    /// `None`: the index is empty (the message was deleted meanwhile): an `OK` without lines, or `+CMS
    /// ERROR: 321` (invalid memory index, 3GPP TS 27.005 section 3.2.5).
    pub async fn read(&self, index: u16) -> Result<Option<Result<Read, Undecodable>>, ModemError> {
        let answer = match self.ask(&format!("AT+CMGR={index}")).await {
            Err(ModemError::Rejected {
                result: FinalResult::CmsError(ErrorCode::Numeric(INVALID_INDEX)),
                ..
            }) => return Ok(None),
            answer => answer?,
        };
        if answer.lines().is_empty() {
            return Ok(None);
        }
        let read = parse_cmgr(answer.lines(), self.mode);
        Ok(Some(read.map_err(|e| Undecodable::new(answer.lines(), &e))))
    }

    /// Deletes the message at `index` (`AT+CMGD`).
    pub async fn delete(&self, index: u16) -> Result<(), ModemError> {
        self.ask(&format!("AT+CMGD={index}")).await.map(drop)
    }

    async fn ask(&self, command: &str) -> Result<Response, ModemError> {
        self.modem.command(command, self.timeout).await
    }
}

/// What an unsolicited line says about messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `+CMTI`: a message was stored at this index.
    Stored(u16),
    /// `+CMT` and its body line: a message delivered straight to the host, not stored (one that does not
    /// decode comes as the modem showed it).
    Delivered(Result<Read, Undecodable>),
    /// A `+CMTI` that does not parse.
    Malformed(SmsError),
}

/// Reads the SMS notices out of the modem's URCs; it keeps the header of a `+CMT` until its body line.
#[derive(Debug)]
pub struct Notices {
    mode: SmsMode,
    direct: DirectDelivery,
}

impl Notices {
    /// Notices of a modem showing messages in `mode`.
    pub fn new(mode: SmsMode) -> Self {
        Self {
            mode,
            direct: DirectDelivery::default(),
        }
    }

    /// What `urc` says about messages, if anything.
    pub fn feed(&mut self, urc: &Urc) -> Option<Notice> {
        if let Some(read) = self.direct.feed(urc.line(), self.mode) {
            let read = read.map_err(|e| Undecodable::new(&[urc.line().to_owned()], &e));
            return Some(Notice::Delivered(read));
        }
        if urc.name() != "+CMTI" {
            return None;
        }
        Some(match parse_cmti(urc.params()) {
            Ok((_, index)) => Notice::Stored(index),
            Err(e) => Notice::Malformed(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use euiccd_core::at::{AtParser, Event};

    /// `line` as the engine hands it out between commands.
    fn urc(line: &str) -> Urc {
        let mut parser = AtParser::default();
        parser.feed(format!("\r\n{line}\r\n").as_bytes());
        match parser.poll_event() {
            Some(Event::Urc(urc)) => urc,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn notices_of_stored_and_delivered_messages() {
        let mut notices = Notices::new(SmsMode::Pdu);
        assert_eq!(
            notices.feed(&urc("+CMTI: \"SM\",7")),
            Some(Notice::Stored(7))
        );
        assert!(matches!(
            notices.feed(&urc("+CMTI: \"SM\",x")),
            Some(Notice::Malformed(_))
        ));
        assert_eq!(notices.feed(&urc("+CEREG: 1")), None);
        // `+CMT` is a header; the message comes with its body line.
        assert_eq!(notices.feed(&urc("+CMT: ,24")), None);
        let body = "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07";
        let Some(Notice::Delivered(Ok(Read::Pdu(deliver)))) = notices.feed(&urc(body)) else {
            panic!("a delivered message");
        };
        assert_eq!(deliver.text, "How are you?");
        // A body that does not decode is kept as the modem showed it.
        assert_eq!(notices.feed(&urc("+CMT: ,3")), None);
        let Some(Notice::Delivered(Err(undecodable))) = notices.feed(&urc("ZZ")) else {
            panic!("an undecodable message");
        };
        assert_eq!(undecodable.raw, "ZZ");
    }
}
