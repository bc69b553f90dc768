//! The `Asn1` trait every message type implements, and the tagging rules of X.680 applied to fields.

use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::{Ctx, Limits, Tlv};
use crate::tag::{Tag, TagSet};
use crate::writer::Writer;

/// A type with a BER/DER encoding.
///
/// A type either has a tag of its own (`TAG` is `Some`: primitives, SEQUENCEs, tagged CHOICEs) and then
/// `encode_content`/`decode_content` deal with its content octets; or it is an untagged CHOICE or an opaque
/// relayed TLV (`TAG` is `None`) and then they deal with the whole TLV of the alternative.
pub trait Asn1: Sized {
    /// The ASN.1 type name, used in error paths and by the CLI.
    const NAME: &'static str;
    /// The type's own tag, or `None` for an untagged CHOICE or an opaque TLV.
    const TAG: Option<Tag>;

    /// True when the type's encoding is constructed, so that an implicit tag in its place is too (X.690
    /// §8.1.2.5). An untagged CHOICE or opaque TLV under an implicit tag is wrapped (X.680 §31.2.7), so
    /// always constructed. The derive builds every tag from this, never from a hand-written bit.
    const CONSTRUCTED: bool = match Self::TAG {
        Some(tag) => tag.is_constructed(),
        None => true,
    };

    /// The tags that can start a value where the type appears untagged: [`Asn1::TAG`] when there is one.
    const TAGS: TagSet = TagSet::of(Self::TAG);

    /// Writes the content octets (or, for `TAG == None`, the complete TLV).
    fn encode_content(&self, w: &mut Writer);

    /// Reads a value from `tlv`'s content (or, for `TAG == None`, from `tlv` itself).
    fn decode_content(tlv: &Tlv<'_>, cx: &mut Ctx) -> Result<Self, DecodeError>;

    /// Writes the complete encoding under the type's own tag.
    fn encode(&self, w: &mut Writer) {
        match Self::TAG {
            Some(tag) => w.tlv(tag, |w| self.encode_content(w)),
            None => self.encode_content(w),
        }
    }

    /// Reads a value from a TLV whose tag is one of [`Asn1::TAGS`].
    fn decode(tlv: &Tlv<'_>, cx: &mut Ctx) -> Result<Self, DecodeError> {
        Self::decode_content(tlv, cx)
    }

    /// Writes the value under an implicit context tag. For an untagged CHOICE the tag is explicit, as
    /// X.680 §31.2.7 requires.
    fn encode_implicit(&self, tag: Tag, w: &mut Writer) {
        w.tlv(tag, |w| self.encode_content(w))
    }

    /// Reads a value written by [`Asn1::encode_implicit`].
    fn decode_implicit(tlv: &Tlv<'_>, cx: &mut Ctx) -> Result<Self, DecodeError> {
        if Self::TAG.is_some() {
            Self::decode_content(tlv, cx)
        } else {
            let inner = tlv.single_child(cx)?;
            expect_accepted::<Self>(&inner)?;
            Self::decode_content(&inner, cx)
        }
    }
}

/// Fails unless the TLV's tag starts a value of `T` ([`Asn1::TAGS`]).
pub fn expect_accepted<T: Asn1>(tlv: &Tlv<'_>) -> Result<(), DecodeError> {
    expect_tag(tlv, T::TAGS, T::TAG)
}

/// Fails unless the TLV's tag is one of `starts`; the error names `expected`.
pub(crate) fn expect_tag(
    tlv: &Tlv<'_>,
    starts: TagSet,
    expected: Option<Tag>,
) -> Result<(), DecodeError> {
    if starts.contains(tlv.tag) {
        Ok(())
    } else {
        Err(tlv.error(DecodeErrorKind::UnexpectedTag {
            found: tlv.tag,
            expected,
        }))
    }
}

/// How a SEQUENCE component or CHOICE alternative is tagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldTag {
    /// Untagged: the component type's own tag (or its alternatives' tags).
    Own,
    /// `[n]` or `[n] IMPLICIT`: the given tag replaces the type's tag.
    Implicit(Tag),
    /// `[n] EXPLICIT`: the given tag wraps the type's complete encoding.
    Explicit(Tag),
}

impl FieldTag {
    /// The tags that can start the component: what the decoder matches, and what the derive's
    /// compile-time check of distinct tags compares.
    pub const fn tag_set<T: Asn1>(self) -> TagSet {
        match self {
            FieldTag::Own => T::TAGS,
            FieldTag::Implicit(t) | FieldTag::Explicit(t) => TagSet::of(Some(t)),
        }
    }

    /// The single tag that identifies the component, where there is one.
    pub fn expected<T: Asn1>(self) -> Option<Tag> {
        match self {
            FieldTag::Own => T::TAG,
            FieldTag::Implicit(t) | FieldTag::Explicit(t) => Some(t),
        }
    }

    /// Writes the component.
    pub fn encode<T: Asn1>(self, value: &T, w: &mut Writer) {
        match self {
            FieldTag::Own => value.encode(w),
            FieldTag::Implicit(t) => value.encode_implicit(t, w),
            FieldTag::Explicit(t) => w.tlv(t, |w| value.encode(w)),
        }
    }

    /// Reads the component from a TLV that starts with one of its [`FieldTag::tag_set`].
    pub fn decode<T: Asn1>(self, tlv: &Tlv<'_>, cx: &mut Ctx) -> Result<T, DecodeError> {
        match self {
            FieldTag::Own => T::decode(tlv, cx),
            FieldTag::Implicit(_) => T::decode_implicit(tlv, cx),
            FieldTag::Explicit(_) => {
                let inner = tlv.single_child(cx)?;
                expect_accepted::<T>(&inner)?;
                T::decode(&inner, cx)
            }
        }
    }
}

/// Encodes a value as DER.
pub fn to_der<T: Asn1>(value: &T) -> Vec<u8> {
    let mut w = Writer::new();
    value.encode(&mut w);
    w.into_bytes()
}

/// Decodes one complete message (BER or DER) with the default [`Limits`].
pub fn from_ber<T: Asn1>(input: &[u8]) -> Result<T, DecodeError> {
    from_ber_with(input, Limits::default())
}

/// Decodes one complete message (BER or DER) with the given limits. Bytes after the message are an error.
pub fn from_ber_with<T: Asn1>(input: &[u8], limits: Limits) -> Result<T, DecodeError> {
    let mut cx = Ctx::new(limits);
    let decode = |cx: &mut Ctx| {
        let tlv = Tlv::parse_message(input, cx)?;
        expect_accepted::<T>(&tlv)?;
        T::decode(&tlv, cx)
    };
    decode(&mut cx).map_err(|e| e.in_type(T::NAME))
}
