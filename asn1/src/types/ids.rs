//! ICCID and EID: the two identifiers every log line, CLI table and eIM message carries.

use crate::error::{DecodeError, DecodeErrorKind};
use crate::jer::{Jer, JerError};
use crate::reader::{Ctx, Tlv};
use crate::writer::Writer;
use crate::{Asn1, Tag};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// Why an identifier string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not made of decimal digits, or of the wrong length.
    #[error("{what} must be {expected} decimal digits")]
    Format {
        /// ICCID or EID.
        what: &'static str,
        /// The allowed lengths, in words.
        expected: &'static str,
    },
    /// The check digit(s) do not match.
    #[error("{0} check digits do not match")]
    CheckDigits(&'static str),
}

/// An ICCID: up to 20 digits, stored as on the card (EF.ICCID: nibble-swapped BCD, padded with `F`).
///
/// `Display` gives the digits as printed on the card; the `Asn1` form is `[APPLICATION 26]` (`5A`) with the
/// ten stored bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iccid([u8; 10]);

impl Iccid {
    /// The ten stored bytes.
    pub fn as_bytes(&self) -> &[u8; 10] {
        &self.0
    }

    /// An ICCID from its stored bytes; fails unless they are swapped BCD digits with trailing `F` padding.
    pub fn from_bytes(bytes: [u8; 10]) -> Result<Self, IdError> {
        let id = Iccid(bytes);
        let digits = id.nibbles();
        let len = digits.iter().position(|n| *n == 0xF).unwrap_or(20);
        if len < 18
            || digits[..len].iter().any(|n| *n > 9)
            || digits[len..].iter().any(|n| *n != 0xF)
        {
            return Err(IdError::Format {
                what: "ICCID",
                expected: "18 to 20",
            });
        }
        Ok(id)
    }

    fn nibbles(&self) -> [u8; 20] {
        let mut out = [0u8; 20];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = b & 0x0F;
            out[2 * i + 1] = b >> 4;
        }
        out
    }

    /// The digits, padding removed.
    pub fn digits(&self) -> String {
        self.nibbles()
            .iter()
            .take_while(|n| **n <= 9)
            .map(|n| char::from(b'0' + n))
            .collect()
    }

    /// True when the last digit is the Luhn check digit of the others (ITU-T E.118 ICCIDs carry one).
    pub fn luhn_valid(&self) -> bool {
        luhn_valid(&self.digits())
    }

    /// A shortened form for logs (`8949…1234`), so that full identifiers stay out of them.
    pub fn redacted(&self) -> String {
        let d = self.digits();
        format!("{}…{}", &d[..4], &d[d.len() - 4..])
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

impl FromStr for Iccid {
    type Err = IdError;

    /// Parses 18 to 20 digits and checks the Luhn digit.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !(18..=20).contains(&s.len()) || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(IdError::Format {
                what: "ICCID",
                expected: "18 to 20",
            });
        }
        if !luhn_valid(s) {
            return Err(IdError::CheckDigits("ICCID"));
        }
        let mut nibbles = [0xFu8; 20];
        for (n, c) in nibbles.iter_mut().zip(s.bytes()) {
            *n = c - b'0';
        }
        let mut bytes = [0u8; 10];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = nibbles[2 * i] | (nibbles[2 * i + 1] << 4);
        }
        Ok(Iccid(bytes))
    }
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits())
    }
}

impl fmt::Debug for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iccid({})", self.digits())
    }
}

/// An EID: 32 decimal digits stored as 16 bytes of plain BCD, the last two digits an ISO 7064 mod 97-10 check.
///
/// SGP.32 tags it `[APPLICATION 26]` (`5A`) where it appears; the type's own tag is OCTET STRING.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Eid([u8; 16]);

impl Eid {
    /// The sixteen stored bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// An EID from its stored bytes; fails unless they are 32 BCD digits. The check digits are not enforced
    /// here (a card's answer is what it is); see [`Eid::check_digits_valid`].
    pub fn from_bytes(bytes: [u8; 16]) -> Result<Self, IdError> {
        if bytes.iter().any(|b| b >> 4 > 9 || b & 0x0F > 9) {
            return Err(IdError::Format {
                what: "EID",
                expected: "32",
            });
        }
        Ok(Eid(bytes))
    }

    /// The 32 digits.
    pub fn digits(&self) -> String {
        hex::encode_upper(self.0)
    }

    /// True when the digits satisfy the ISO 7064 mod 97-10 check (the number mod 97 is 1).
    pub fn check_digits_valid(&self) -> bool {
        self.digits()
            .bytes()
            .fold(0u32, |acc, c| (acc * 10 + u32::from(c - b'0')) % 97)
            == 1
    }

    /// A shortened form for logs (`8904…5678`).
    pub fn redacted(&self) -> String {
        let d = self.digits();
        format!("{}…{}", &d[..4], &d[28..])
    }
}

impl FromStr for Eid {
    type Err = IdError;

    /// Parses 32 digits and checks the two check digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 32 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(IdError::Format {
                what: "EID",
                expected: "32",
            });
        }
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| IdError::Format {
            what: "EID",
            expected: "32",
        })?;
        let eid = Eid(bytes);
        if !eid.check_digits_valid() {
            return Err(IdError::CheckDigits("EID"));
        }
        Ok(eid)
    }
}

impl fmt::Display for Eid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits())
    }
}

impl fmt::Debug for Eid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Eid({})", self.digits())
    }
}

/// The `Asn1` and `Jer` forms shared by the identifier types: the stored bytes as content octets (checked by the
/// type's `from_bytes`), and their hex as JSON.
macro_rules! stored_bytes_codec {
    ($ty:ident, $len:literal, $name:literal, $tag:expr, $what:literal) => {
        impl Asn1 for $ty {
            const NAME: &'static str = $name;
            const TAG: Option<Tag> = Some($tag);
            fn encode_content(&self, w: &mut Writer) {
                w.raw(&self.0)
            }
            fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
                let bytes: [u8; $len] = tlv.content.try_into().map_err(|_| {
                    tlv.error(DecodeErrorKind::InvalidValue(concat!(
                        $what,
                        " must be ",
                        $len,
                        " bytes"
                    )))
                })?;
                $ty::from_bytes(bytes).map_err(|_| {
                    tlv.error(DecodeErrorKind::InvalidValue(concat!(
                        $what,
                        " is not BCD digits"
                    )))
                })
            }
        }

        impl Jer for $ty {
            fn to_jer(&self) -> Value {
                Value::String(hex::encode(self.0))
            }
            fn from_jer(value: &Value) -> Result<Self, JerError> {
                let s = value
                    .as_str()
                    .ok_or_else(|| JerError::expected("a hex string", value))?;
                let bytes: [u8; $len] = hex::decode(s)
                    .ok()
                    .and_then(|v| v.try_into().ok())
                    .ok_or_else(|| {
                        JerError::new(concat!($what, " must be ", $len, " hex bytes"))
                    })?;
                $ty::from_bytes(bytes).map_err(|e| JerError::new(e.to_string()))
            }
        }
    };
}

stored_bytes_codec!(Iccid, 10, "Iccid", Tag(0x5A), "ICCID");
stored_bytes_codec!(Eid, 16, "Octet16", Tag::OCTET_STRING, "EID");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{from_ber, to_der};

    /// `base` followed by its Luhn check digit.
    fn with_luhn(base: &str) -> String {
        let check = (0..10).find(|d| luhn_valid(&format!("{base}{d}"))).unwrap();
        format!("{base}{check}")
    }

    #[test]
    fn iccid_is_nibble_swapped_with_luhn() {
        let s = with_luhn("8901234567890123456");
        let iccid: Iccid = s.parse().unwrap();
        assert_eq!(iccid.as_bytes()[0], 0x98);
        assert!(iccid.luhn_valid());
        let der = to_der(&iccid);
        assert_eq!(der[..2], [0x5A, 0x0A]);
        assert_eq!(from_ber::<Iccid>(&der).unwrap(), iccid);
        assert_eq!(iccid.to_string(), s);
    }

    #[test]
    fn iccid_19_digits_is_padded_and_checked() {
        let s = with_luhn("894400000000000001");
        let iccid: Iccid = s.parse().unwrap();
        assert_eq!(iccid.as_bytes()[9] >> 4, 0xF);
        assert_eq!(iccid.to_string(), s);
        let last = s.as_bytes()[18] - b'0';
        let wrong = format!("{}{}", &s[..18], (last + 1) % 10);
        assert_eq!(
            wrong.parse::<Iccid>().unwrap_err(),
            IdError::CheckDigits("ICCID")
        );
        assert!("12ab".parse::<Iccid>().is_err());
        assert!(Iccid::from_bytes([0xAA; 10]).is_err());
    }

    #[test]
    fn eid_check_digits() {
        let eid: Eid = "89049032123451234512345678901235".parse().unwrap();
        assert_eq!(eid.as_bytes()[0], 0x89);
        assert!("89049032123451234512345678901234".parse::<Eid>().is_err());
        assert_eq!(eid.redacted(), "8904…1235");
        assert!(from_ber::<Eid>(&[0x04, 0x02, 0x89, 0x04]).is_err());
    }
}
