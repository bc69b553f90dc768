//! The simulated modem's SMS storage: a network change delivers a message (`{"sms":{…}}`), the modem
//! stores it, announces it with `+CMTI` (once the host asked with `AT+CNMI=2,1`), shows it with `AT+CMGR`
//! in text or PDU mode (`AT+CMGF`) and deletes it on `AT+CMGD`. A long text can arrive split in
//! concatenated parts (`"parts": N`); a raw PDU (`"pdu": "…"`) is stored as given and only shown in PDU
//! mode. The SMS-DELIVER encoder here is the simulator's own (GSM 7-bit when the text fits the default
//! alphabet, UCS2 otherwise), so the IPA's decoder is checked against an independent writer.

use super::gsm7;
use serde::Deserialize;

/// Message slots of the storage.
const SLOTS: usize = 20;
/// The time stamp the simulator puts on messages: 2026-11-24 10:00:00 +01:00 (PDU semi-octets).
const SCTS: [u8; 7] = [0x62, 0x11, 0x42, 0x01, 0x00, 0x00, 0x40];
/// The same time stamp as text mode shows it.
const SCTS_TEXT: &str = "26/11/24,10:00:00+04";

/// An incoming message in a network change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsChange {
    /// The sender (`+4917…`).
    pub from: Option<String>,
    /// The text.
    pub text: Option<String>,
    /// Deliver the text in this many concatenated parts (PDU mode shows them; 1 by default).
    pub parts: Option<u8>,
    /// A raw SMS-DELIVER (hex, SMSC address first) instead of `from` and `text`.
    pub pdu: Option<String>,
}

impl SmsChange {
    /// Checks the change (called when a scenario or control line is parsed).
    pub fn validate(&self) -> Result<(), String> {
        match (&self.pdu, &self.from, &self.text) {
            (Some(pdu), None, None) => {
                let ok = pdu.len() <= 352 && hex::decode(pdu).is_ok();
                ok.then_some(())
                    .ok_or_else(|| "sms.pdu must be hex of at most 176 bytes".into())
            }
            (None, Some(from), Some(text)) => {
                let digits = from.strip_prefix('+').unwrap_or(from);
                if digits.is_empty()
                    || digits.len() > 20
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(
                        "sms.from must be up to 20 digits, + in front for international".into(),
                    );
                }
                let parts = self.parts.unwrap_or(1);
                if !(1..=16).contains(&parts) || text.chars().count() > 67 * usize::from(parts) {
                    return Err(
                        "sms.parts must be 1 to 16 and fit the text (67 characters each)".into(),
                    );
                }
                Ok(())
            }
            _ => Err("sms needs either pdu, or from and text".into()),
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stored {
    /// Sender and text (shown in both modes; PDU mode encodes it).
    Text { from: String, text: String },
    /// A part of a concatenated message, or a raw PDU: PDU mode only.
    Pdu(Vec<u8>),
}

/// The storage and the host's message settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmsStore {
    slots: Vec<Option<Stored>>,
    /// `AT+CMGF=1`.
    text_mode: bool,
    /// `AT+CNMI=…,1`: announce stored messages with `+CMTI`.
    notify: bool,
    /// The next concatenation reference.
    next_reference: u8,
}

impl SmsStore {
    /// The modem restarted: settings back to their defaults (messages stay stored).
    pub fn reset_settings(&mut self) {
        self.text_mode = false;
        self.notify = false;
    }

    /// Stores an incoming message and returns the `+CMTI` URCs (a full storage drops the message, as a
    /// full SIM does: the network retries later).
    pub fn deliver(&mut self, change: &SmsChange) -> Vec<String> {
        let messages = match (&change.pdu, &change.from, &change.text) {
            (Some(pdu), _, _) => vec![Stored::Pdu(hex::decode(pdu).unwrap_or_default())],
            (None, Some(from), Some(text)) => match change.parts.unwrap_or(1) {
                0 | 1 => vec![Stored::Text {
                    from: from.clone(),
                    text: text.clone(),
                }],
                parts => {
                    self.next_reference = self.next_reference.wrapping_add(1);
                    split(text, parts)
                        .iter()
                        .enumerate()
                        .map(|(i, chunk)| {
                            let concat = (self.next_reference, parts, i as u8 + 1);
                            Stored::Pdu(encode_deliver(from, chunk, Some(concat)))
                        })
                        .collect()
                }
            },
            _ => Vec::new(),
        };
        let mut urcs = Vec::new();
        for message in messages {
            let index = match self.slots.iter().position(Option::is_none) {
                Some(index) => index,
                None if self.slots.len() < SLOTS => {
                    self.slots.push(None);
                    self.slots.len() - 1
                }
                None => break,
            };
            self.slots[index] = Some(message);
            if self.notify {
                urcs.push(format!("+CMTI: \"SM\",{index}"));
            }
        }
        urcs
    }

    /// The answer to a message command, `None` if `name` is not one; `Err` carries the `+CMS ERROR` code.
    pub fn answer(&mut self, name: &str, args: &str) -> Option<Result<Vec<String>, u16>> {
        let value = args.strip_prefix('=').map(str::trim);
        Some(match (name, value) {
            ("AT+CMGF", Some("0" | "1")) => {
                self.text_mode = value == Some("1");
                Ok(Vec::new())
            }
            ("AT+CMGF", None) if args == "?" => {
                Ok(vec![format!("+CMGF: {}", u8::from(self.text_mode))])
            }
            ("AT+CNMI", Some(v)) => {
                self.notify = v.split(',').nth(1).map(str::trim) == Some("1");
                Ok(Vec::new())
            }
            ("AT+CMGR", Some(index)) => self.read(index),
            ("AT+CMGL", Some(_)) => Ok(self.list()),
            ("AT+CMGD", Some(index)) => match self.slot(index) {
                Some(i) => {
                    self.slots[i] = None;
                    Ok(Vec::new())
                }
                None => Err(321),
            },
            ("AT+CMGF" | "AT+CNMI" | "AT+CMGR" | "AT+CMGL" | "AT+CMGD", _) => Err(302),
            _ => return None,
        })
    }

    /// Every stored message the current mode can show, as `AT+CMGL` lists them.
    fn list(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for index in 0..self.slots.len() {
            if let Ok(mut message) = self.read(&index.to_string()) {
                message[0] = message[0].replacen("+CMGR: ", &format!("+CMGL: {index},"), 1);
                lines.extend(message);
            }
        }
        lines
    }

    fn slot(&self, index: &str) -> Option<usize> {
        let index: usize = index.parse().ok()?;
        self.slots.get(index)?.as_ref().map(|_| index)
    }

    fn read(&self, index: &str) -> Result<Vec<String>, u16> {
        let i = self.slot(index).ok_or(321u16)?;
        let stored = self.slots[i].as_ref().ok_or(321u16)?;
        match (stored, self.text_mode) {
            (Stored::Text { from, text }, true) => Ok(vec![
                format!("+CMGR: \"REC UNREAD\",\"{from}\",,\"{SCTS_TEXT}\""),
                text.clone(),
            ]),
            (Stored::Pdu(_), true) => Err(302),
            (Stored::Text { from, text }, false) => {
                Ok(pdu_answer(&encode_deliver(from, text, None)))
            }
            (Stored::Pdu(pdu), false) => Ok(pdu_answer(pdu)),
        }
    }
}

/// `+CMGR: 0,,<TPDU length>` and the hex (the SMSC address is not counted).
fn pdu_answer(pdu: &[u8]) -> Vec<String> {
    let smsc = usize::from(pdu.first().copied().unwrap_or(0)) + 1;
    vec![
        format!("+CMGR: 0,,{}", pdu.len().saturating_sub(smsc)),
        hex::encode_upper(pdu),
    ]
}

/// `text` in `parts` nearly equal pieces (by character).
fn split(text: &str, parts: u8) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(usize::from(parts)).max(1);
    let mut pieces: Vec<String> = chars.chunks(size).map(|c| c.iter().collect()).collect();
    pieces.resize(usize::from(parts), String::new());
    pieces
}

/// An SMS-DELIVER from `from` with `text`, without SMSC address, with a concatenation header
/// `(reference, total, seq)` if given.
pub fn encode_deliver(from: &str, text: &str, concat: Option<(u8, u8, u8)>) -> Vec<u8> {
    let international = from.starts_with('+');
    let digits: Vec<u8> = from
        .trim_start_matches('+')
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let mut pdu = vec![0x00, if concat.is_some() { 0x44 } else { 0x04 }];
    pdu.push(digits.len() as u8);
    pdu.push(if international { 0x91 } else { 0x81 });
    for pair in digits.chunks(2) {
        pdu.push(pair[0] | (pair.get(1).copied().unwrap_or(0x0F) << 4));
    }
    pdu.push(0x00);
    let header: Vec<u8> = concat
        .map(|(reference, total, seq)| vec![0x05, 0x00, 0x03, reference, total, seq])
        .unwrap_or_default();
    let septets: Option<Vec<u8>> = text
        .chars()
        .map(gsm7::septets)
        .collect::<Option<Vec<_>>>()
        .map(|v| v.concat());
    match septets {
        Some(septets) => {
            pdu.push(0x00);
            pdu.extend_from_slice(&SCTS);
            // The header takes whole septets; the text starts at the next septet boundary.
            let header_septets = (header.len() * 8).div_ceil(7);
            pdu.push((header_septets + septets.len()) as u8);
            let mut all = vec![0u8; header_septets];
            all.extend_from_slice(&septets);
            let mut packed = pack(&all);
            packed[..header.len()].copy_from_slice(&header);
            pdu.extend_from_slice(&packed);
        }
        None => {
            pdu.push(0x08);
            pdu.extend_from_slice(&SCTS);
            let body: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            pdu.push((header.len() + body.len()) as u8);
            pdu.extend_from_slice(&header);
            pdu.extend_from_slice(&body);
        }
    }
    pdu
}

/// Packs septets LSB first.
fn pack(septets: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; (septets.len() * 7).div_ceil(8)];
    for (i, &s) in septets.iter().enumerate() {
        let bit = i * 7;
        let value = u16::from(s & 0x7F) << (bit % 8);
        out[bit / 8] |= value as u8;
        if let Some(next) = out.get_mut(bit / 8 + 1) {
            *next |= (value >> 8) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_notify_read_delete() {
        let mut store = SmsStore::default();
        let message = SmsChange {
            from: Some("+491701234567".into()),
            text: Some("hello".into()),
            ..SmsChange::default()
        };
        assert!(
            store.deliver(&message).is_empty(),
            "no +CMTI before AT+CNMI"
        );
        store.answer("AT+CNMI", "=2,1,0,0,0").unwrap().unwrap();
        assert_eq!(store.deliver(&message), ["+CMTI: \"SM\",1"]);
        store.answer("AT+CMGF", "=1").unwrap().unwrap();
        let text = store.answer("AT+CMGR", "=1").unwrap().unwrap();
        assert_eq!(text[1], "hello");
        store.answer("AT+CMGF", "=0").unwrap().unwrap();
        let pdu = store.answer("AT+CMGR", "=1").unwrap().unwrap();
        assert!(pdu[0].starts_with("+CMGR: 0,,"));
        let listed = store.answer("AT+CMGL", "=4").unwrap().unwrap();
        assert_eq!(listed.len(), 4, "both messages, header and PDU each");
        assert!(listed[2].starts_with("+CMGL: 1,0,,"));
        store.answer("AT+CMGD", "=1").unwrap().unwrap();
        assert_eq!(store.answer("AT+CMGR", "=1").unwrap(), Err(321));
        let split = SmsChange {
            parts: Some(3),
            ..message.clone()
        };
        assert_eq!(store.deliver(&split).len(), 3);
        store.answer("AT+CMGF", "=1").unwrap().unwrap();
        assert_eq!(
            store.answer("AT+CMGR", "=1").unwrap(),
            Err(302),
            "parts need PDU mode"
        );
        assert!(
            SmsChange {
                parts: Some(0),
                ..message.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            SmsChange {
                from: Some("abc".into()),
                ..message
            }
            .validate()
            .is_err()
        );
    }
}
