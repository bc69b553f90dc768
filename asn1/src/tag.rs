//! BER tags, kept in their encoded form.
//!
//! SGP.22 and SGP.32 texts and traces write tags as their encoded bytes (`BF51`, `5F37`, `9F70`), so a tag is
//! stored exactly that way: the one to four identifier octets packed big-endian into a `u32`. Comparing,
//! printing and writing a tag then need no class/number arithmetic. Declarations, on the other hand, write a
//! tag as the specification's modules do, as a class and a number (`[APPLICATION 26]`, `[81]`), and
//! [`Tag::new`] computes the octets, taking the constructed bit from the tagged type; the derive does that in
//! constant expressions, so a hand-written `A3` where `83` was due cannot happen.

use std::fmt;

/// The class of a tag (X.690 §8.1.2.2): bits 8 and 7 of the first identifier octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// The types X.680 itself defines (`INTEGER` is universal 2).
    Universal,
    /// `[APPLICATION n]`.
    Application,
    /// `[n]`, the class of nearly every component tag in SGP.22 and SGP.32.
    Context,
    /// `[PRIVATE n]`.
    Private,
}

impl Class {
    /// The class bits of the first identifier octet.
    const fn bits(self) -> u8 {
        match self {
            Class::Universal => 0x00,
            Class::Application => 0x40,
            Class::Context => 0x80,
            Class::Private => 0xC0,
        }
    }
}

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

    /// The largest tag number that fits: the first octet and three subsequent ones carry 21 bits.
    pub const MAX_NUMBER: u32 = (1 << 21) - 1;

    /// The identifier of a tag of `class` and `number` (X.690 §8.1.2), constructed or primitive.
    ///
    /// Numbers from 31 on take the high-tag-number form: `Tag::new(Class::Context, 32, true)` is `BF20`,
    /// `Tag::new(Class::Application, 73, false)` is `5F49`. A `const fn`, so that a number over
    /// [`Tag::MAX_NUMBER`] in a declaration is a compile error:
    ///
    /// ```compile_fail
    /// use euicc_asn1::{Class, Tag};
    /// const TOO_LARGE: Tag = Tag::new(Class::Context, 1 << 21, false);
    /// ```
    pub const fn new(class: Class, number: u32, constructed: bool) -> Tag {
        let first = (class.bits() | if constructed { 0x20 } else { 0 }) as u32;
        if number < 31 {
            return Tag(first | number);
        }
        if number > Self::MAX_NUMBER {
            panic!("tag number too large: more than four identifier octets");
        }
        // Base 128, most significant group first, bit 8 set on all but the last subsequent octet.
        let mut subsequent = number & 0x7F;
        let mut len = 1;
        let mut rest = number >> 7;
        while rest != 0 {
            subsequent |= ((rest & 0x7F) | 0x80) << (8 * len);
            rest >>= 7;
            len += 1;
        }
        Tag(((first | 0x1F) << (8 * len)) | subsequent)
    }

    /// The identifier octets, most significant first.
    pub fn bytes(self) -> impl Iterator<Item = u8> {
        let n = self.len();
        (0..n).rev().map(move |i| (self.0 >> (8 * i)) as u8)
    }

    /// How many identifier octets the tag has.
    pub const fn len(self) -> usize {
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
    const fn first(self) -> u8 {
        (self.0 >> (8 * (self.len() - 1))) as u8
    }

    /// True for a constructed encoding (bit 6 of the first octet).
    pub const fn is_constructed(self) -> bool {
        self.first() & 0x20 != 0
    }
}

/// The tags that can start a value of a type where it appears untagged: its own tag, or for an untagged
/// CHOICE the tags of its alternatives, or any tag at all for an opaque TLV.
///
/// `const`, so that the derive can check at compile time that the alternatives of a CHOICE, and the
/// components of a SEQUENCE a decoder could confuse, have distinct tags (X.680 clauses 25 and 29).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagSet {
    own: Option<Tag>,
    alternatives: &'static [Tag],
    any: bool,
}

impl TagSet {
    /// Every tag: an opaque TLV, or a CHOICE that keeps unknown alternatives.
    pub const ANY: TagSet = TagSet {
        own: None,
        alternatives: &[],
        any: true,
    };

    /// The one tag of a tagged type, or no tag.
    pub const fn of(tag: Option<Tag>) -> TagSet {
        TagSet {
            own: tag,
            alternatives: &[],
            any: false,
        }
    }

    /// The tags of an untagged CHOICE's alternatives ([`TagSet::flatten`] of their sets), and every tag
    /// when one of them is [`TagSet::ANY`].
    pub const fn choice(alternatives: &'static [Tag], parts: &[TagSet]) -> TagSet {
        let mut any = false;
        let mut i = 0;
        while i < parts.len() {
            any |= parts[i].any;
            i += 1;
        }
        TagSet {
            own: None,
            alternatives,
            any,
        }
    }

    /// True when a TLV with `tag` starts a value.
    pub const fn contains(self, tag: Tag) -> bool {
        if self.any {
            return true;
        }
        if let Some(own) = self.own {
            if own.0 == tag.0 {
                return true;
            }
        }
        let mut i = 0;
        while i < self.alternatives.len() {
            if self.alternatives[i].0 == tag.0 {
                return true;
            }
            i += 1;
        }
        false
    }

    /// True when a TLV could start a value of either set: a decoder could not tell them apart.
    pub const fn overlaps(self, other: TagSet) -> bool {
        if self.any || other.any {
            return true;
        }
        if let Some(own) = self.own {
            if other.contains(own) {
                return true;
            }
        }
        let mut i = 0;
        while i < self.alternatives.len() {
            if other.contains(self.alternatives[i]) {
                return true;
            }
            i += 1;
        }
        false
    }

    /// True when a set of `a` overlaps a set of `b`: the tags (with the decode-only aliases) of two
    /// components.
    pub const fn any_overlap(a: &[TagSet], b: &[TagSet]) -> bool {
        let mut i = 0;
        while i < a.len() {
            let mut j = 0;
            while j < b.len() {
                if a[i].overlaps(b[j]) {
                    return true;
                }
                j += 1;
            }
            i += 1;
        }
        false
    }

    /// How many tags `parts` name (the length [`TagSet::flatten`] needs).
    pub const fn count(parts: &[TagSet]) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < parts.len() {
            n += parts[i].alternatives.len() + if parts[i].own.is_some() { 1 } else { 0 };
            i += 1;
        }
        n
    }

    /// The tags `parts` name, in one array of [`TagSet::count`] entries.
    pub const fn flatten<const N: usize>(parts: &[TagSet]) -> [Tag; N] {
        let mut out = [Tag(0); N];
        let mut n = 0;
        let mut i = 0;
        while i < parts.len() {
            if let Some(own) = parts[i].own {
                out[n] = own;
                n += 1;
            }
            let mut j = 0;
            while j < parts[i].alternatives.len() {
                out[n] = parts[i].alternatives[j];
                n += 1;
                j += 1;
            }
            i += 1;
        }
        out
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

    #[test]
    fn class_and_number_give_the_identifier_octets() {
        assert_eq!(Tag::new(Class::Context, 3, true), Tag(0xA3));
        assert_eq!(Tag::new(Class::Context, 3, false), Tag(0x83));
        assert_eq!(Tag::new(Class::Context, 30, false), Tag(0x9E));
        assert_eq!(Tag::new(Class::Context, 31, false), Tag(0x9F1F));
        assert_eq!(Tag::new(Class::Context, 32, true), Tag(0xBF20));
        assert_eq!(Tag::new(Class::Context, 127, false), Tag(0x9F7F));
        assert_eq!(Tag::new(Class::Context, 128, false), Tag(0x9F8100));
        assert_eq!(Tag::new(Class::Application, 73, false), Tag(0x5F49));
        assert_eq!(Tag::new(Class::Application, 26, false), Tag(0x5A));
        assert_eq!(Tag::new(Class::Private, 3, true), Tag(0xE3));
        assert_eq!(Tag::new(Class::Universal, 16, true), Tag::SEQUENCE);
        assert_eq!(
            Tag::new(Class::Private, Tag::MAX_NUMBER, true),
            Tag(0xFFFF_FF7F)
        );
        // Every number round-trips through the reader.
        for number in [0, 30, 31, 100, 127, 128, 16_383, 16_384, Tag::MAX_NUMBER] {
            let tag = Tag::new(Class::Context, number, false);
            let mut der: Vec<u8> = tag.bytes().collect();
            der.push(0);
            let mut cx = crate::Ctx::new(crate::Limits::default());
            let (tlv, _) = crate::Tlv::parse(&der, 0, &mut cx).unwrap();
            assert_eq!(tlv.tag, tag, "number {number}");
        }
    }

    #[test]
    fn tag_sets_overlap_where_a_decoder_could_not_tell() {
        const PARTS: &[TagSet] = &[TagSet::of(Some(Tag(0x80))), TagSet::of(Some(Tag(0xA1)))];
        const FLAT: [Tag; TagSet::count(PARTS)] = TagSet::flatten(PARTS);
        const CHOICE: TagSet = TagSet::choice(&FLAT, PARTS);
        assert!(CHOICE.contains(Tag(0xA1)));
        assert!(!CHOICE.contains(Tag(0x81)));
        assert!(CHOICE.overlaps(TagSet::of(Some(Tag(0x80)))));
        assert!(!CHOICE.overlaps(TagSet::of(Some(Tag(0x81)))));
        assert!(TagSet::ANY.overlaps(TagSet::of(Some(Tag(0x81)))));
        assert!(TagSet::choice(&FLAT, &[TagSet::ANY]).contains(Tag(0x04)));
    }
}
