//! ISO 7816-4 response APDUs: data followed by the status word.

use super::Error as ApduError;
use super::status::StatusWord;

/// A response APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The response data (may be empty).
    pub data: Vec<u8>,
    /// The status word.
    pub sw: StatusWord,
}

impl Response {
    /// Splits raw response bytes into data and status word; fewer than two bytes is an error.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let Some((data, &[sw1, sw2])) = bytes.split_last_chunk::<2>() else {
            return Err(ApduError::ShortResponse(bytes.len()));
        };
        Ok(Self {
            data: data.to_vec(),
            sw: StatusWord::new(sw1, sw2),
        })
    }

    /// A response with only a status word.
    pub fn status(sw: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            sw,
        }
    }

    /// The raw bytes: data then SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.data.len() + 2);
        bytes.extend_from_slice(&self.data);
        bytes.extend_from_slice(&self.sw.to_bytes());
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_back() {
        let r = Response::parse(&[0x01, 0x90, 0x00]).expect("valid");
        assert_eq!(r.data, [0x01]);
        assert_eq!(r.sw, StatusWord::OK);
        assert_eq!(r.to_bytes(), [0x01, 0x90, 0x00]);
        assert_eq!(
            Response::parse(&[0x61, 0x10]).expect("valid"),
            Response::status(StatusWord(0x6110))
        );
        assert!(matches!(
            Response::parse(&[0x90]),
            Err(ApduError::ShortResponse(1))
        ));
        assert!(matches!(
            Response::parse(&[]),
            Err(ApduError::ShortResponse(0))
        ));
    }
}
