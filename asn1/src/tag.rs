//! BER tags, kept in their encoded form.
//!
//! SGP.22 and SGP.32 texts and traces write tags as their encoded bytes (`BF51`, `5F37`, `9F70`), so a tag is
//! stored exactly that way: the one to four identifier octets packed big-endian into a `u32`. Comparing,
//! printing and writing a tag then need no class/number arithmetic.

use std::fmt;

/// An encoded BER identifier (one to four octets), e.g. `Tag(0xBF51)` for `[81]` constructed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    /// `BOOLEAN`.
    pub const BOOLEAN: Tag = Tag(0x01);
    /// `INTEGER`.
    pub const INTEGER: Tag = Tag(0x02);
    /// `BIT STRING`.
    pub const BIT_STRING: Tag = Tag(0x03);
    /// `OCTET STRING`.
    pub const OCTET_STRING: Tag = Tag(0x04);
    /// `NULL`.
    pub const NULL: Tag = Tag(0x05);
    /// `OBJECT IDENTIFIER`.
    pub const OID: Tag = Tag(0x06);
    /// `UTF8String`.
    pub const UTF8_STRING: Tag = Tag(0x0C);
    /// `SEQUENCE` / `SEQUENCE OF`.
    pub const SEQUENCE: Tag = Tag(0x30);

    /// The identifier octets, most significant first.
    pub fn bytes(self) -> impl Iterator<Item = u8> {
        let n = self.len();
        (0..n).rev().map(move |i| (self.0 >> (8 * i)) as u8)
    }

    /// How many identifier octets the tag has.
    pub fn len(self) -> usize {
        match self.0 {
            0..=0xFF => 1,
            0x100..=0xFFFF => 2,
            0x1_0000..=0xFF_FFFF => 3,
            _ => 4,
        }
    }

    /// Always false: a tag has at least one octet. Present because `len` is.
    pub fn is_empty(self) -> bool {
        false
    }

    /// The first identifier octet, which carries the class and the constructed bit.
    fn first(self) -> u8 {
        (self.0 >> (8 * (self.len() - 1))) as u8
    }

    /// True for a constructed encoding (bit 6 of the first octet).
    pub fn is_constructed(self) -> bool {
        self.first() & 0x20 != 0
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:0width$X}", self.0, width = self.len() * 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_display() {
        assert_eq!(Tag(0x30).len(), 1);
        assert_eq!(Tag(0x5F37).len(), 2);
        assert_eq!(Tag(0xBF51).to_string(), "BF51");
        assert_eq!(Tag(0x02).to_string(), "02");
        assert!(Tag(0xBF51).is_constructed());
        assert!(!Tag(0x9F70).is_constructed());
        assert_eq!(Tag(0x5F37).bytes().collect::<Vec<_>>(), vec![0x5F, 0x37]);
    }
}
