//! The AT side shared by AT+CSIM and AT+CGLA: APDUs as upper-case hex with a length in hex characters, and
//! answers of the form `<length>,"<hex>"` (prefixed or bare; some firmware drops the quotes).

use super::Error as ApduError;
use super::response::Response;
use crate::at::Response as AtResponse;

/// How much of an unparseable answer goes into an error message: enough to recognise it, never a payload.
const EXCERPT: usize = 32;

/// `<length>,"<HEX>"` for `apdu`: the length counts hex characters (27.007 §8.17), the hex is upper case
/// (Qualcomm firmware refuses lower case).
pub fn hex_argument(apdu: &[u8]) -> String {
    let hex = hex::encode_upper(apdu);
    format!("{},\"{hex}\"", hex.len())
}

/// The card's response from the answer lines of `command` (whose information lines carry `prefix`).
pub fn parse_hex_answer(
    command: &'static str,
    answer: &AtResponse,
    prefix: &str,
) -> Result<Response, ApduError> {
    let payloads = answer.payload(prefix);
    match payloads.iter().find_map(|payload| parse_payload(payload)) {
        Some(bytes) => Response::parse(&bytes),
        None => Err(bad_answer(command, payloads.first().copied().unwrap_or(""))),
    }
}

/// The error for an answer that does not have the expected form, quoting only its start.
pub fn bad_answer(command: &'static str, answer: &str) -> ApduError {
    ApduError::BadAnswer {
        command,
        answer: answer.chars().take(EXCERPT).collect(),
    }
}

fn parse_payload(payload: &str) -> Option<Vec<u8>> {
    let (length, hex) = payload.split_once(',')?;
    let length: usize = length.trim().parse().ok()?;
    let hex = hex.trim();
    let hex = hex
        .strip_prefix('"')
        .and_then(|h| h.strip_suffix('"'))
        .unwrap_or(hex);
    (hex.len() == length)
        .then(|| hex::decode(hex).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_counts_hex_characters_in_upper_case() {
        assert_eq!(
            hex_argument(&[0x00, 0x70, 0x00, 0x00, 0x01]),
            "10,\"0070000001\""
        );
        assert_eq!(hex_argument(&[0xbf, 0x2e]), "4,\"BF2E\"");
    }

    #[test]
    fn payload_forms() {
        assert_eq!(parse_payload("6,\"019000\""), Some(vec![0x01, 0x90, 0x00]));
        assert_eq!(parse_payload("6,019000"), Some(vec![0x01, 0x90, 0x00]));
        assert_eq!(parse_payload(" 4 , \"9000\""), Some(vec![0x90, 0x00]));
        assert_eq!(parse_payload("4,\"6a82\""), Some(vec![0x6A, 0x82]));
        for bad in [
            "",
            "9000",
            "5,\"9000\"",
            "x,\"9000\"",
            "4,\"9G00\"",
            "3,\"900\"",
            "4,\"9000",
        ] {
            assert_eq!(parse_payload(bad), None, "{bad:?}");
        }
    }
}
