//! The UIM service (QMUX service `0B`): card status, logical channels and APDUs on them
//! (`qmi-service-uim.json`). The modem opens the logical channel and SELECTs the application itself
//! (ETSI TS 102 221 §11.1.17 MANAGE CHANNEL, §11.1.1 SELECT), and owns the channel bits of CLA.

use super::frame::{Message, Reader};
use super::{Error, SERVICE_UIM};

/// Get Card Status: the answer's TLV `10` lists the cards and their applications.
pub const GET_CARD_STATUS: u16 = 0x002F;
/// Send APDU: slot (`01`), APDU (`02`, 16-bit length prefix), channel id (`10`); the answer's TLV `10` is the
/// response APDU (16-bit length prefix).
pub const SEND_APDU: u16 = 0x003B;
/// Logical Channel: with slot (`01`) and channel id (`11`) it closes that channel.
pub const LOGICAL_CHANNEL: u16 = 0x003F;
/// Open Logical Channel: slot (`01`) and AID (`10`, 8-bit length prefix); the answer's TLV `10` is the
/// channel id, TLV `11` the card's SW1 SW2, TLV `12` the SELECT response.
pub const OPEN_LOGICAL_CHANNEL: u16 = 0x0042;

const TLV_SLOT: u8 = 0x01;
const TLV_APDU: u8 = 0x02;
const TLV_AID: u8 = 0x10;
const TLV_APDU_CHANNEL: u8 = 0x10;
const TLV_CLOSE_CHANNEL: u8 = 0x11;
const TLV_ANSWER: u8 = 0x10;
const TLV_CARD_RESULT: u8 = 0x11;

/// Get Card Status from client `client`.
pub fn get_card_status(client: u8, transaction: u16) -> Message {
    Message::request(SERVICE_UIM, client, transaction, GET_CARD_STATUS)
}

/// Open a logical channel on the card in `slot` (1 is the first) with `aid` selected.
pub fn open_logical_channel(
    client: u8,
    transaction: u16,
    slot: u8,
    aid: &[u8],
) -> Result<Message, Error> {
    let len = u8::try_from(aid.len()).map_err(|_| Error::TooLarge(aid.len()))?;
    let mut value = vec![len];
    value.extend_from_slice(aid);
    Ok(
        Message::request(SERVICE_UIM, client, transaction, OPEN_LOGICAL_CHANNEL)
            .with_tlv(TLV_SLOT, [slot])
            .with_tlv(TLV_AID, value),
    )
}

/// Send `apdu` on logical channel `channel` of the card in `slot`.
pub fn send_apdu(
    client: u8,
    transaction: u16,
    slot: u8,
    channel: u8,
    apdu: &[u8],
) -> Result<Message, Error> {
    let len = u16::try_from(apdu.len()).map_err(|_| Error::TooLarge(apdu.len()))?;
    let mut value = len.to_le_bytes().to_vec();
    value.extend_from_slice(apdu);
    Ok(
        Message::request(SERVICE_UIM, client, transaction, SEND_APDU)
            .with_tlv(TLV_SLOT, [slot])
            .with_tlv(TLV_APDU, value)
            .with_tlv(TLV_APDU_CHANNEL, [channel]),
    )
}

/// Close logical channel `channel` of the card in `slot`.
pub fn close_logical_channel(client: u8, transaction: u16, slot: u8, channel: u8) -> Message {
    Message::request(SERVICE_UIM, client, transaction, LOGICAL_CHANNEL)
        .with_tlv(TLV_SLOT, [slot])
        .with_tlv(TLV_CLOSE_CHANNEL, [channel])
}

/// The channel id an Open Logical Channel answer grants.
pub fn opened_channel(response: &Message) -> Result<u8, Error> {
    response.result()?;
    match response.tlv(TLV_ANSWER) {
        Some(&[channel]) => Ok(channel),
        _ => Err(bad(response, TLV_ANSWER)),
    }
}

/// The card's SW1 SW2 an Open Logical Channel answer carries (also on failure: why the SELECT failed).
pub fn card_result(response: &Message) -> Option<[u8; 2]> {
    match response.tlv(TLV_CARD_RESULT) {
        Some(&[sw1, sw2]) => Some([sw1, sw2]),
        _ => None,
    }
}

/// The response APDU (data and status word) of a Send APDU answer.
pub fn apdu_response(response: &Message) -> Result<&[u8], Error> {
    response.result()?;
    let value = response
        .tlv(TLV_ANSWER)
        .ok_or_else(|| bad(response, TLV_ANSWER))?;
    let mut r = Reader(value);
    let len = r
        .u16("APDU length")
        .map_err(|_| bad(response, TLV_ANSWER))?;
    match r.0.len() == usize::from(len) && len >= 2 {
        true => Ok(r.0),
        false => Err(bad(response, TLV_ANSWER)),
    }
}

/// The state of a card in a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState {
    /// No card.
    Absent,
    /// A card answered.
    Present,
    /// The modem gave up on the card, with its error code.
    Error(u8),
}

/// The cards a Get Card Status answer lists, in slot order.
pub fn card_states(response: &Message) -> Result<Vec<CardState>, Error> {
    response.result()?;
    let value = response
        .tlv(TLV_ANSWER)
        .ok_or_else(|| bad(response, TLV_ANSWER))?;
    read_cards(value).map_err(|_| bad(response, TLV_ANSWER))
}

fn read_cards(value: &[u8]) -> Result<Vec<CardState>, Error> {
    let mut r = Reader(value);
    r.take(8, "primary and secondary indexes")?;
    let count = r.u8("card count")?;
    let mut cards = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let state = r.u8("card state")?;
        r.take(3, "UPIN state and retries")?;
        let error = r.u8("card error")?;
        cards.push(match state {
            0 => CardState::Absent,
            1 => CardState::Present,
            _ => CardState::Error(error),
        });
        let applications = r.u8("application count")?;
        for _ in 0..applications {
            r.take(6, "application state")?;
            let aid = r.u8("AID length")?;
            r.take(usize::from(aid), "AID")?;
            r.take(7, "PIN states")?;
        }
    }
    if !r.0.is_empty() {
        return Err(Error::Truncated("bytes after the card list"));
    }
    Ok(cards)
}

fn bad(response: &Message, tlv: u8) -> Error {
    Error::BadTlv {
        message: response.id,
        tlv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qmi::{MessageKind, ProtocolError, TLV_RESULT};

    fn answer(id: u16) -> Message {
        Message {
            kind: MessageKind::Response,
            ..Message::request(SERVICE_UIM, 2, 9, id)
        }
    }

    #[test]
    fn card_status_as_qmicli_exchanges_it() {
        // qmicli 1.32.2 --verbose-full --uim-get-card-status: its request, and the answer it accepted
        // ("Card state: 'present'").
        assert_eq!(
            hex::encode(get_card_status(1, 1).to_bytes().unwrap()),
            "010c00000b010001002f000000"
        );
        let answer = Message::parse(
            &hex::decode(
                "012500800b010201002f00190002040000000000100f00ffffffffffffffff01010000000000",
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(answer.kind, MessageKind::Response);
        assert_eq!(card_states(&answer), Ok(vec![CardState::Present]));
    }

    #[test]
    fn builds_channel_and_apdu_requests() {
        let isdr = hex::decode("A0000005591010FFFFFFFF8900000100").unwrap();
        let open = open_logical_channel(2, 1, 1, &isdr).unwrap();
        assert_eq!(
            hex::encode(open.to_bytes().unwrap()),
            "012400000b020001004200180001010001\
             10110010a0000005591010ffffffff8900000100"
        );
        let apdu = send_apdu(
            2,
            2,
            1,
            3,
            &[0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x3E, 0x00],
        )
        .unwrap();
        assert_eq!(
            apdu.tlv(0x02),
            Some(&[8, 0, 0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x3E, 0x00][..])
        );
        assert_eq!(apdu.tlv(0x10), Some(&[3][..]));
        let close = close_logical_channel(2, 3, 1, 3);
        assert_eq!(close.tlv(0x11), Some(&[3][..]));
    }

    #[test]
    fn reads_answers() {
        let opened = answer(OPEN_LOGICAL_CHANNEL)
            .with_tlv(TLV_RESULT, [0, 0, 0, 0])
            .with_tlv(0x10, [2])
            .with_tlv(0x11, [0x90, 0x00]);
        assert_eq!(opened_channel(&opened), Ok(2));
        let refused = answer(OPEN_LOGICAL_CHANNEL).with_tlv(TLV_RESULT, [1, 0, 82, 0]);
        assert_eq!(
            opened_channel(&refused),
            Err(Error::Failed {
                message: OPEN_LOGICAL_CHANNEL,
                error: ProtocolError::AccessDenied
            })
        );
        let apdu = answer(SEND_APDU)
            .with_tlv(TLV_RESULT, [0, 0, 0, 0])
            .with_tlv(0x10, [3, 0, 0xAB, 0x90, 0x00]);
        assert_eq!(apdu_response(&apdu), Ok(&[0xAB, 0x90, 0x00][..]));
        let short = answer(SEND_APDU)
            .with_tlv(TLV_RESULT, [0, 0, 0, 0])
            .with_tlv(0x10, [4, 0, 0x90, 0x00]);
        assert!(matches!(apdu_response(&short), Err(Error::BadTlv { .. })));
    }

    #[test]
    fn reads_card_status() {
        // One present card with one application (USIM, AID of 7 bytes).
        let mut value = vec![
            0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 0, 0, 0, 0, 1,
        ];
        value.extend_from_slice(&[2, 7, 0, 0, 0, 0, 7, 0xA0, 0, 0, 0, 0x87, 0x10, 0x02]);
        value.extend_from_slice(&[0, 1, 3, 10, 0, 0, 0]);
        let status = answer(GET_CARD_STATUS)
            .with_tlv(TLV_RESULT, [0, 0, 0, 0])
            .with_tlv(0x10, value.clone());
        assert_eq!(card_states(&status), Ok(vec![CardState::Present]));
        value.pop();
        let cut = answer(GET_CARD_STATUS)
            .with_tlv(TLV_RESULT, [0, 0, 0, 0])
            .with_tlv(0x10, value);
        assert!(card_states(&cut).is_err());
    }
}
