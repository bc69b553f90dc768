//! ISO 7816-4 command APDUs (short form), and the logical channel bits of CLA.

use super::Error as ApduError;

/// Largest command data field of a short APDU.
pub const MAX_SHORT_DATA: usize = 255;
/// Largest Le of a short APDU (encoded as `00`).
pub const MAX_SHORT_LE: u16 = 256;
/// Highest logical channel number (ISO 7816-4: basic 0, interindustry 1–3, further 4–19).
pub const MAX_CHANNEL: u8 = 19;

/// The four ISO 7816-3 APDU cases: whether a command carries data and whether it expects data back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// No data, no response data (`CLA INS P1 P2`).
    One,
    /// No data, response data expected (`… Le`).
    Two,
    /// Data, no response data (`… Lc data`).
    Three,
    /// Data and response data (`… Lc data Le`).
    Four,
}

/// A command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte (carries the logical channel number).
    pub cla: u8,
    /// Instruction.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (empty for cases 1 and 2).
    pub data: Vec<u8>,
    /// Expected response length, 1–256 (`None` for cases 1 and 3).
    pub le: Option<u16>,
}

impl Command {
    /// A case 1 command (header only).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// The same command carrying `data`.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// The same command expecting `le` bytes back (0 or 256 both mean "up to 256").
    pub fn with_le(mut self, le: u16) -> Self {
        self.le = Some(if le == 0 { MAX_SHORT_LE } else { le });
        self
    }

    /// The ISO case of this command.
    pub fn case(&self) -> Case {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => Case::One,
            (true, true) => Case::Two,
            (false, false) => Case::Three,
            (false, true) => Case::Four,
        }
    }

    /// The short-form encoding.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > MAX_SHORT_DATA {
            return Err(ApduError::InvalidCommand(
                "command data longer than 255 bytes",
            ));
        }
        let le = match self.le {
            None => None,
            // 256 is encoded as 00; `as u8` keeps the low byte on purpose.
            Some(le @ 1..=MAX_SHORT_LE) => Some((le % 256) as u8),
            Some(_) => return Err(ApduError::InvalidCommand("Le must be 1 to 256")),
        };
        let mut bytes = Vec::with_capacity(6 + self.data.len());
        bytes.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            bytes.push(self.data.len() as u8);
            bytes.extend_from_slice(&self.data);
        }
        bytes.extend(le);
        Ok(bytes)
    }

    /// Parses a short-form command APDU (the card side of the link).
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let Some((&[cla, ins, p1, p2], body)) = bytes.split_first_chunk::<4>() else {
            return Err(ApduError::InvalidCommand(
                "a command APDU has at least four header bytes",
            ));
        };
        let command = Self::new(cla, ins, p1, p2);
        match body {
            [] => Ok(command),
            [le] => Ok(command.with_le(u16::from(*le))),
            [0, ..] => Err(ApduError::InvalidCommand(
                "extended length APDUs are not supported",
            )),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len().checked_sub(lc) {
                    Some(0) => Ok(command.with_data(rest)),
                    Some(1) => Ok(command.with_data(&rest[..lc]).with_le(u16::from(rest[lc]))),
                    _ => Err(ApduError::InvalidCommand(
                        "Lc does not match the length of the APDU",
                    )),
                }
            }
        }
    }
}

/// `cla` with its logical channel bits set to `channel`, keeping the proprietary bit (b8).
///
/// Channels 0–3 use the first interindustry encoding (`0x00|n`), 4–19 the further one (`0x40|(n-4)`).
/// Secure-messaging bits are cleared: the IPA does not use secure messaging.
pub fn cla_for_channel(cla: u8, channel: u8) -> Result<u8, ApduError> {
    let proprietary = cla & 0x80;
    match channel {
        0..=3 => Ok(proprietary | channel),
        4..=MAX_CHANNEL => Ok(proprietary | 0x40 | (channel - 4)),
        _ => Err(ApduError::InvalidCommand(
            "logical channel numbers go up to 19",
        )),
    }
}

/// The logical channel a CLA byte addresses.
pub fn channel_of_cla(cla: u8) -> u8 {
    if cla & 0x40 == 0 {
        cla & 0x03
    } else {
        4 + (cla & 0x0F)
    }
}

/// `apdu` with its CLA re-addressed to `channel` (the first byte is replaced; an empty APDU is refused).
pub fn on_channel(apdu: &[u8], channel: u8) -> Result<Vec<u8>, ApduError> {
    let (&cla, rest) = apdu
        .split_first()
        .ok_or(ApduError::InvalidCommand("empty APDU"))?;
    let mut out = Vec::with_capacity(apdu.len());
    out.push(cla_for_channel(cla, channel)?);
    out.extend_from_slice(rest);
    Ok(out)
}

/// `apdu` for a modem's session `id` (AT+CGLA, MBIM): a modem owns the channel bits and passes CLA on as it is,
/// so they are filled in when `id` is a channel number; an id above [`MAX_CHANNEL`] is the modem's own
/// handle, and the APDU goes unchanged.
pub fn for_session(apdu: &[u8], id: u8) -> Result<Vec<u8>, ApduError> {
    if id <= MAX_CHANNEL {
        on_channel(apdu, id)
    } else {
        Ok(apdu.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_id_that_is_no_channel_number_leaves_the_apdu_as_it_is() {
        assert_eq!(for_session(&[0x80, 0xE2], 1).unwrap(), [0x81, 0xE2]);
        assert_eq!(for_session(&[0x80, 0xE2], 0x20).unwrap(), [0x80, 0xE2]);
        assert!(for_session(&[], 1).is_err());
    }

    #[test]
    fn the_four_cases_encode_and_parse_back() {
        let cases = [
            (Command::new(0x00, 0x70, 0x80, 0x01), Case::One, "00708001"),
            (
                Command::new(0x00, 0x70, 0x00, 0x00).with_le(1),
                Case::Two,
                "0070000001",
            ),
            (
                Command::new(0x81, 0xE2, 0x91, 0x00).with_data([0xBF, 0x2E, 0x00]),
                Case::Three,
                "81E2910003BF2E00",
            ),
            (
                Command::new(0x01, 0xA4, 0x04, 0x00)
                    .with_data([0xA0, 0x00])
                    .with_le(256),
                Case::Four,
                "01A4040002A00000",
            ),
        ];
        for (command, case, hex) in cases {
            assert_eq!(command.case(), case);
            let bytes = command.to_bytes().expect("encodes");
            assert_eq!(hex::encode_upper(&bytes), hex);
            assert_eq!(Command::parse(&bytes).expect("parses"), command);
        }
    }

    #[test]
    fn bad_commands_are_refused() {
        assert!(
            Command::new(0, 0, 0, 0)
                .with_data(vec![0; 256])
                .to_bytes()
                .is_err()
        );
        assert!(Command::new(0, 0, 0, 0).with_le(257).to_bytes().is_err());
        for bad in [
            &b""[..],
            b"\x00\xA4\x04",
            b"\x00\xA4\x04\x00\x00\x01\x02",
            b"\x00\xA4\x04\x00\x03\x01",
            b"\x00\xA4\x04\x00\x01\x01\x02\x03",
        ] {
            assert!(Command::parse(bad).is_err(), "{bad:02X?}");
        }
    }

    #[test]
    fn channel_bits() {
        assert_eq!(cla_for_channel(0x80, 1).ok(), Some(0x81));
        assert_eq!(cla_for_channel(0x03, 0).ok(), Some(0x00));
        assert_eq!(cla_for_channel(0x00, 4).ok(), Some(0x40));
        assert_eq!(cla_for_channel(0x80, 19).ok(), Some(0xCF));
        assert!(cla_for_channel(0x00, 20).is_err());
        for channel in 0..=MAX_CHANNEL {
            for base in [0x00, 0x80] {
                assert_eq!(
                    channel_of_cla(cla_for_channel(base, channel).expect("valid")),
                    channel
                );
            }
        }
        assert_eq!(
            on_channel(&[0x80, 0xE2, 0x91, 0x00], 2).expect("valid"),
            [0x82, 0xE2, 0x91, 0x00]
        );
        assert!(on_channel(&[], 1).is_err());
    }
}
