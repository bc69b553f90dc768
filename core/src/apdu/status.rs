//! ISO 7816-4 status words (SW1 SW2) and what they mean to an IPA.

use std::fmt;

/// A status word, the two bytes that end every response APDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

/// How the session must react to a status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwClass {
    /// `90 00`: done.
    Ok,
    /// `91 xx`: done, and the card has a proactive command (e.g. REFRESH after a profile switch) of `xx`
    /// bytes pending for the modem to fetch. Success for the IPA.
    OkProactivePending(u8),
    /// `61 xx`: done, `xx` more bytes (0 = 256) wait for a GET RESPONSE.
    MoreData(u8),
    /// `6C xx`: wrong Le; resend the same command with Le = `xx` (0 = 256).
    WrongLe(u8),
    /// Anything else: the command failed.
    Error,
}

impl StatusWord {
    /// `90 00`.
    pub const OK: Self = Self(0x9000);
    /// `68 81`: logical channel not supported, also what a card answers on a channel that is not open
    /// (for example after a REFRESH reset closed it).
    pub const CHANNEL_NOT_SUPPORTED: Self = Self(0x6881);
    /// `6A 82`: file or application not found (SELECT of an AID the card does not have).
    pub const NOT_FOUND: Self = Self(0x6A82);
    /// `6E 00`: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);

    /// Builds a status word from SW1 and SW2.
    pub fn new(sw1: u8, sw2: u8) -> Self {
        Self(u16::from_be_bytes([sw1, sw2]))
    }

    /// The first byte.
    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    /// The second byte.
    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    /// The two bytes, as they end a response.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// How the session must react.
    pub fn class(self) -> SwClass {
        match (self.sw1(), self.sw2()) {
            (0x90, 0x00) => SwClass::Ok,
            (0x91, n) => SwClass::OkProactivePending(n),
            (0x61, n) => SwClass::MoreData(n),
            (0x6C, n) => SwClass::WrongLe(n),
            _ => SwClass::Error,
        }
    }

    /// True when the command was executed (`90 00`, `91 xx`).
    pub fn is_success(self) -> bool {
        matches!(self.class(), SwClass::Ok | SwClass::OkProactivePending(_))
    }

    /// The ISO 7816-4 meaning, for messages and logs.
    pub fn name(self) -> &'static str {
        match (self.sw1(), self.sw2()) {
            (0x90, 0x00) => "success",
            (0x91, _) => "success, proactive command pending",
            (0x61, _) => "success, more response data available",
            (0x62, 0x83) => "selected file or application deactivated",
            (0x62, _) | (0x63, _) => "warning",
            (0x64, _) => "execution error, state unchanged",
            (0x65, _) => "execution error, memory changed",
            (0x66, 0x01) => "security error (checksum)",
            (0x66, _) => "security error",
            (0x67, 0x00) => "wrong length",
            (0x68, 0x81) => "logical channel not supported or not open",
            (0x68, 0x82) => "secure messaging not supported",
            (0x68, _) => "function in CLA not supported",
            (0x69, 0x82) => "security status not satisfied",
            (0x69, 0x85) => "conditions of use not satisfied",
            (0x69, 0x86) => "command not allowed (no current EF)",
            (0x69, _) => "command not allowed",
            (0x6A, 0x80) => "incorrect data",
            (0x6A, 0x81) => "function not supported (no free channel)",
            (0x6A, 0x82) => "file or application not found",
            (0x6A, 0x84) => "not enough memory",
            (0x6A, 0x86) => "incorrect P1 P2",
            (0x6A, 0x88) => "referenced data not found",
            (0x6A, _) => "wrong parameters",
            (0x6B, 0x00) => "wrong P1 P2",
            (0x6C, _) => "wrong Le",
            (0x6D, 0x00) => "instruction not supported",
            (0x6E, 0x00) => "class not supported",
            (0x6F, _) => "no precise diagnosis",
            _ => "unknown status",
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.0, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(StatusWord::OK.class(), SwClass::Ok);
        assert_eq!(
            StatusWord(0x9110).class(),
            SwClass::OkProactivePending(0x10)
        );
        assert_eq!(StatusWord(0x6112).class(), SwClass::MoreData(0x12));
        assert_eq!(StatusWord(0x6C20).class(), SwClass::WrongLe(0x20));
        assert_eq!(StatusWord(0x6A82).class(), SwClass::Error);
        assert!(StatusWord(0x9110).is_success());
        assert!(!StatusWord(0x6112).is_success());
    }

    #[test]
    fn bytes_and_names() {
        let sw = StatusWord::new(0x6A, 0x82);
        assert_eq!((sw.sw1(), sw.sw2()), (0x6A, 0x82));
        assert_eq!(sw.to_bytes(), [0x6A, 0x82]);
        assert_eq!(sw.to_string(), "6A82 (file or application not found)");
        assert_eq!(StatusWord(0x1234).name(), "unknown status");
    }
}
