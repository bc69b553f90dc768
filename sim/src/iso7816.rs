//! The simulators' own reading of ISO/IEC 7816-4: command APDU cases, the logical channel bits of CLA and
//! the status words a card answers with.
//!
//! The card client has its own code for the same clauses (the `apdu` module of `euiccd`); the simulated card
//! and modem deliberately do not use it, so that a misreading on either side shows up as a failing test
//! instead of being shared by both ends of the link.

/// The ISD-R application identifier (SGP.22 section 2.2.3): `A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00`.
pub const ISDR_AID: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];

/// Highest logical channel number: 0 is the basic channel, 1-3 use the first interindustry CLA coding and
/// 4-19 the further one (ISO/IEC 7816-4 section 5.4.1).
pub const LAST_CHANNEL: u8 = 19;

/// A status word as the card sends it (SW1 in the high byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `90 00`: normal processing.
    pub const OK: Self = Self(0x9000);
    /// `67 00`: wrong length (the APDU's Lc does not match its body).
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// `68 81`: logical channel not supported (or not open).
    pub const CHANNEL_NOT_SUPPORTED: Self = Self(0x6881);
    /// `69 85`: conditions of use not satisfied (command out of sequence).
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// `6A 80`: incorrect parameters in the command data field.
    pub const WRONG_DATA: Self = Self(0x6A80);
    /// `6A 81`: function not supported (no free logical channel).
    pub const FUNCTION_NOT_SUPPORTED: Self = Self(0x6A81);
    /// `6A 82`: file or application not found.
    pub const NOT_FOUND: Self = Self(0x6A82);
    /// `6A 84`: not enough memory space in the file.
    pub const NOT_ENOUGH_MEMORY: Self = Self(0x6A84);
    /// `6A 86`: incorrect parameters P1-P2.
    pub const WRONG_P1_P2: Self = Self(0x6A86);
    /// `6D 00`: instruction code not supported.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// `6E 00`: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);
    /// `6F 00`: no precise diagnosis.
    pub const NO_PRECISE_DIAGNOSIS: Self = Self(0x6F00);

    /// `61 xx`: `available` bytes of response data wait for GET RESPONSE (`61 00`: 256 or more).
    pub fn more_data(available: usize) -> Self {
        Self(0x6100 | (available.min(256) % 256) as u16)
    }

    /// `6C xx`: wrong Le, `exact` bytes are available.
    pub fn wrong_le(exact: usize) -> Self {
        Self(0x6C00 | (exact.min(255)) as u16)
    }

    /// The two bytes, SW1 first.
    pub fn bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

/// Why a byte string is not a short command APDU this card accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApduFormatError {
    /// Fewer than the four header bytes.
    #[error("shorter than the CLA INS P1 P2 header")]
    NoHeader,
    /// An extended length field (`00` followed by a two-byte length); the simulated card is short-only.
    #[error("extended length fields are not supported")]
    Extended,
    /// Lc does not match the number of bytes that follow it.
    #[error("Lc does not match the body")]
    LengthMismatch,
}

/// A command APDU in short form, as the card receives it (ISO/IEC 7816-3 section 12.1.3, cases 1 to 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandApdu {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// The command data field (empty in cases 1 and 2).
    pub data: Vec<u8>,
    /// The expected response length, `Le` = `00` read as 256; `None` in cases 1 and 3.
    pub le: Option<u16>,
}

impl CommandApdu {
    /// Reads `bytes` by the four cases: header only; header + Le; header + Lc + data; header + Lc + data + Le.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduFormatError> {
        if bytes.len() < 4 {
            return Err(ApduFormatError::NoHeader);
        }
        let (header, body) = bytes.split_at(4);
        let mut command = Self {
            cla: header[0],
            ins: header[1],
            p1: header[2],
            p2: header[3],
            data: Vec::new(),
            le: None,
        };
        let short_le = |byte: u8| if byte == 0 { 256 } else { u16::from(byte) };
        match body.len() {
            // Case 1.
            0 => {}
            // Case 2.
            1 => command.le = Some(short_le(body[0])),
            _ if body[0] == 0 => return Err(ApduFormatError::Extended),
            n => {
                let lc = usize::from(body[0]);
                if n == 1 + lc {
                    // Case 3.
                    command.data = body[1..].to_vec();
                } else if n == 2 + lc {
                    // Case 4.
                    command.data = body[1..=lc].to_vec();
                    command.le = Some(short_le(body[n - 1]));
                } else {
                    return Err(ApduFormatError::LengthMismatch);
                }
            }
        }
        Ok(command)
    }
}

/// The logical channel that `cla` addresses, or `None` for a class byte that is not interindustry-coded
/// (`FF` is invalid, `20`-`3F` are reserved for future use). Bit 8 (proprietary, as GlobalPlatform's `80`)
/// keeps the same channel bits.
pub fn channel_of_cla(cla: u8) -> Option<u8> {
    let interindustry = cla & 0x7F;
    match interindustry {
        _ if cla == 0xFF => None,
        // First interindustry values: 000x xxcc, channel in b2-b1.
        0x00..=0x1F => Some(interindustry & 0b11),
        // Further interindustry values: 01xx cccc, channel 4 + b4-b1.
        0x40..=0x7F => Some(4 + (interindustry & 0x0F)),
        _ => None,
    }
}

/// `cla` re-addressed to logical `channel` (at most [`LAST_CHANNEL`]), keeping the proprietary bit and
/// clearing secure-messaging and chaining bits, as a modem does for AT+CGLA.
pub fn cla_on_channel(cla: u8, channel: u8) -> u8 {
    let proprietary = cla & 0x80;
    if channel < 4 {
        proprietary | channel
    } else {
        proprietary | 0x40 | (channel.min(LAST_CHANNEL) - 4)
    }
}

/// A response APDU: `data` followed by the status word.
pub fn response(data: &[u8], sw: StatusWord) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(data.len() + 2);
    bytes.extend_from_slice(data);
    bytes.extend_from_slice(&sw.bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_cases() {
        let case1 = CommandApdu::parse(&[0x00, 0x70, 0x80, 0x01]).expect("case 1");
        assert_eq!((case1.data.len(), case1.le), (0, None));
        let case2 = CommandApdu::parse(&[0x00, 0x70, 0x00, 0x00, 0x01]).expect("case 2");
        assert_eq!((case2.data.len(), case2.le), (0, Some(1)));
        let case2_256 = CommandApdu::parse(&[0x01, 0xC0, 0x00, 0x00, 0x00]).expect("Le 00");
        assert_eq!(case2_256.le, Some(256));
        let case3 =
            CommandApdu::parse(&[0x81, 0xE2, 0x91, 0x00, 0x02, 0xBF, 0x2D]).expect("case 3");
        assert_eq!((case3.data, case3.le), (vec![0xBF, 0x2D], None));
        let case4 =
            CommandApdu::parse(&[0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x00, 0x00]).expect("case 4");
        assert_eq!((case4.data, case4.le), (vec![0xA0, 0x00], Some(256)));
        assert_eq!((case4.cla, case4.ins, case4.p1, case4.p2), (0, 0xA4, 4, 0));
    }

    #[test]
    fn garbage_is_refused() {
        let cases: [(&[u8], ApduFormatError); 6] = [
            (&[], ApduFormatError::NoHeader),
            (&[0x00, 0xA4, 0x04], ApduFormatError::NoHeader),
            (
                &[0x00, 0xA4, 0x04, 0x00, 0x03, 0x01],
                ApduFormatError::LengthMismatch,
            ),
            (
                &[0x00, 0xA4, 0x04, 0x00, 0x01, 0x01, 0x02, 0x03],
                ApduFormatError::LengthMismatch,
            ),
            (
                &[0x00, 0xA4, 0x04, 0x00, 0x00, 0x01, 0x02],
                ApduFormatError::Extended,
            ),
            (
                &[0x00, 0xE2, 0x91, 0x00, 0xFF, 0x01],
                ApduFormatError::LengthMismatch,
            ),
        ];
        for (bytes, error) in cases {
            assert_eq!(CommandApdu::parse(bytes), Err(error), "{bytes:02X?}");
        }
        // Every byte string either parses into a command that accounts for all its bytes or is refused.
        let mut seed = 0x1234_5678_u32;
        for _ in 0..2000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = (seed >> 24) as usize % 12;
            let bytes: Vec<u8> = (0..len)
                .map(|i| (seed.rotate_left(i as u32 * 5) & 0xFF) as u8)
                .collect();
            if let Ok(command) = CommandApdu::parse(&bytes) {
                let lc = usize::from(!command.data.is_empty());
                let le = usize::from(command.le.is_some());
                assert_eq!(
                    4 + lc + command.data.len() + le,
                    bytes.len(),
                    "{bytes:02X?}"
                );
            }
        }
    }

    #[test]
    fn channel_bits_of_cla() {
        // First interindustry coding, with and without the proprietary bit.
        assert_eq!(channel_of_cla(0x00), Some(0));
        assert_eq!(channel_of_cla(0x03), Some(3));
        assert_eq!(channel_of_cla(0x81), Some(1));
        // Secure-messaging bits (b4-b3) do not change the channel.
        assert_eq!(channel_of_cla(0x0E), Some(2));
        // Further interindustry coding: channels 4 to 19.
        assert_eq!(channel_of_cla(0x40), Some(4));
        assert_eq!(channel_of_cla(0x4F), Some(19));
        assert_eq!(channel_of_cla(0xC5), Some(9));
        // Chaining bit (b5) in the first coding does not change the channel.
        assert_eq!(channel_of_cla(0x11), Some(1));
        assert_eq!(channel_of_cla(0xFF), None);
        assert_eq!(channel_of_cla(0x20), None);
        for channel in 0..=LAST_CHANNEL {
            for base in [0x00, 0x80, 0x0C] {
                assert_eq!(channel_of_cla(cla_on_channel(base, channel)), Some(channel));
            }
        }
        assert_eq!(cla_on_channel(0x80, 2), 0x82);
        assert_eq!(cla_on_channel(0x81, 4), 0xC0);
    }

    #[test]
    fn status_words() {
        assert_eq!(StatusWord::more_data(0x20), StatusWord(0x6120));
        assert_eq!(StatusWord::more_data(300), StatusWord(0x6100));
        assert_eq!(StatusWord::wrong_le(5), StatusWord(0x6C05));
        assert_eq!(response(&[1, 2], StatusWord::OK), [1, 2, 0x90, 0x00]);
    }
}
