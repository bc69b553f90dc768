//! Walking a SEQUENCE's components, a CHOICE's alternatives and a SEQUENCE OF's elements, once for all
//! types.
//!
//! `#[derive(Asn1)]` describes a type's components in a constant table ([`Component`], [`Alternative`]):
//! names, the tags that start them, which are mandatory. The walking (the child cursor, matching tags in
//! declaration order, the unknown, duplicate and missing checks, the depth limit, the error paths) is here,
//! compiled once, and what the derive emits per type only decodes a value of each component's type. A
//! SEQUENCE OF is walked the same way, only its element decode being generic. Generated per type, the walk
//! was most of this crate's machine code.

use crate::Asn1;
use crate::codec::{FieldTag, expect_tag};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::{ChildCursor, Ctx, Tlv};
use crate::size::{HasSize, SizeRange};
use crate::tag::{Tag, TagSet};

/// One tag a component or alternative is decoded under, with the tags that start it there.
#[derive(Debug, Clone, Copy)]
pub struct Tagging {
    /// How the component is tagged.
    pub field_tag: FieldTag,
    /// The tags that start the component tagged so: the tag of `field_tag`, or, untagged, every tag that
    /// starts its type ([`Asn1::TAGS`]).
    pub starts: TagSet,
}

impl Tagging {
    /// A component of type `T` tagged as `field_tag`.
    pub const fn new<T: Asn1>(field_tag: FieldTag) -> Self {
        Self {
            field_tag,
            starts: field_tag.tag_set::<T>(),
        }
    }
}

/// How a TLV with `tag` is tagged when it starts a component that `taggings` describe, if it does.
fn tagging_of(taggings: &[Tagging], tag: Tag) -> Option<FieldTag> {
    taggings
        .iter()
        .find(|t| t.starts.contains(tag))
        .map(|t| t.field_tag)
}

/// A SEQUENCE component, as [`sequence`] matches it.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    /// The ASN.1 name, for errors and their paths.
    pub name: &'static str,
    /// Its tag, then the decode-only aliases.
    pub taggings: &'static [Tagging],
    /// Neither OPTIONAL nor DEFAULT: absent is [`DecodeErrorKind::MissingField`].
    pub mandatory: bool,
}

/// Where [`sequence`] puts the value of one component: the code the derive generates holds an `Option`
/// per component, decoded as the component's type.
pub trait Slot {
    /// Decodes the component from `child`, which starts it tagged as `field_tag`.
    fn decode(
        &mut self,
        field_tag: FieldTag,
        child: &Tlv<'_>,
        cx: &mut Ctx,
    ) -> Result<(), DecodeError>;

    /// True once a value has been decoded.
    fn is_filled(&self) -> bool;
}

impl<T: Asn1> Slot for Option<T> {
    fn decode(
        &mut self,
        field_tag: FieldTag,
        child: &Tlv<'_>,
        cx: &mut Ctx,
    ) -> Result<(), DecodeError> {
        *self = Some(field_tag.decode::<T>(child, cx)?);
        Ok(())
    }

    fn is_filled(&self) -> bool {
        self.is_some()
    }
}

/// The slot of a component a SIZE constraint bounds: a value out of range is
/// [`DecodeErrorKind::SizeOutOfRange`] at the component's offset.
#[derive(Debug)]
pub struct Bounded<'s, T>(pub &'s mut Option<T>, pub SizeRange);

impl<T: Asn1 + HasSize> Slot for Bounded<'_, T> {
    fn decode(
        &mut self,
        field_tag: FieldTag,
        child: &Tlv<'_>,
        cx: &mut Ctx,
    ) -> Result<(), DecodeError> {
        let value = field_tag.decode::<T>(child, cx)?;
        self.1.check(&value).map_err(|kind| child.error(kind))?;
        *self.0 = Some(value);
        Ok(())
    }

    fn is_filled(&self) -> bool {
        self.0.is_some()
    }
}

/// Decodes the content of SEQUENCE `tlv` into `slots`, one per entry of `components`.
///
/// Components are matched in declaration order, so that several may share a tag. A child that matches
/// none of the components still to come is a [`DecodeErrorKind::DuplicateField`] when it matches one
/// already read (the nearest such); otherwise it is one this model does not know, skipped as an extension
/// if no known component follows it and a [`DecodeErrorKind::UnknownComponent`] before the first that
/// does. A mandatory component left empty is a [`DecodeErrorKind::MissingField`]. Errors inside a
/// component get its name on their path.
pub fn sequence(
    tlv: &Tlv<'_>,
    cx: &mut Ctx,
    components: &[Component],
    slots: &mut [&mut dyn Slot],
) -> Result<(), DecodeError> {
    debug_assert_eq!(components.len(), slots.len());
    cx.descend(tlv.offset)?;
    // The first component that may come next.
    let mut next = 0;
    // The first child not known here (offset, tag).
    let mut unknown: Option<(usize, Tag)> = None;
    let mut children = ChildCursor::new(tlv);
    while let Some(child) = children.next(cx)? {
        let found = components[next..]
            .iter()
            .zip(next..)
            .find_map(|(c, index)| Some((c, index, tagging_of(c.taggings, child.tag)?)));
        if let Some((component, index, field_tag)) = found {
            if let Some((offset, found)) = unknown {
                let before = component.name;
                let kind = DecodeErrorKind::UnknownComponent { found, before };
                return Err(DecodeError::new(kind, offset));
            }
            slots[index]
                .decode(field_tag, &child, cx)
                .map_err(|e| e.in_field(component.name))?;
            next = index + 1;
        } else if let Some(read) = components[..next]
            .iter()
            .rev()
            .find(|c| tagging_of(c.taggings, child.tag).is_some())
        {
            return Err(child.error(DecodeErrorKind::DuplicateField(read.name)));
        } else if unknown.is_none() {
            unknown = Some((child.offset, child.tag));
        }
    }
    cx.ascend();
    match components
        .iter()
        .zip(slots.iter())
        .find(|(c, slot)| c.mandatory && !slot.is_filled())
    {
        Some((missing, _)) => Err(tlv.error(DecodeErrorKind::MissingField(missing.name))),
        None => Ok(()),
    }
}

/// A CHOICE alternative, as [`choice`] finds it.
#[derive(Debug, Clone, Copy)]
pub struct Alternative {
    /// The ASN.1 name, for error paths.
    pub name: &'static str,
    /// Its tag, then the decode-only aliases.
    pub taggings: &'static [Tagging],
}

/// The alternative a CHOICE value holds, as [`choice`] found it.
#[derive(Debug, Clone, Copy)]
pub struct Chosen<'a> {
    /// The alternative's TLV: the value's own for an untagged CHOICE, the one inside its tag otherwise.
    pub tlv: Tlv<'a>,
    /// Which of the known alternatives it is (its index), and how it is tagged; `None` for one this model
    /// does not know.
    pub known: Option<(usize, FieldTag)>,
}

/// Finds the alternative of the CHOICE in `tlv` among `alternatives`. A tagged CHOICE (`tagged`) holds it
/// as its only child (X.680 §31.2.7).
pub fn choice<'a>(
    tlv: &Tlv<'a>,
    cx: &mut Ctx,
    tagged: bool,
    alternatives: &[Alternative],
) -> Result<Chosen<'a>, DecodeError> {
    let alt = if tagged { tlv.single_child(cx)? } else { *tlv };
    let known = alternatives
        .iter()
        .zip(0..)
        .find_map(|(a, index)| Some((index, tagging_of(a.taggings, alt.tag)?)));
    Ok(Chosen { tlv: alt, known })
}

impl Chosen<'_> {
    /// The error for an alternative this model does not know, in a type that does not keep unknown
    /// alternatives.
    pub fn unknown(&self) -> DecodeError {
        self.tlv.error(DecodeErrorKind::UnexpectedTag {
            found: self.tlv.tag,
            expected: None,
        })
    }
}

/// Decodes the elements of SEQUENCE OF `tlv` with `element`, after checking that each starts with one of
/// the element type's tags (`starts`; `expected` is the one an error names). Errors get the element's
/// index on their path.
pub fn sequence_of(
    tlv: &Tlv<'_>,
    cx: &mut Ctx,
    starts: TagSet,
    expected: Option<Tag>,
    element: &mut dyn FnMut(&Tlv<'_>, &mut Ctx) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    cx.descend(tlv.offset)?;
    let mut children = ChildCursor::new(tlv);
    let mut index = 0;
    while let Some(child) = children.next(cx).map_err(|e| e.at_index(index))? {
        expect_tag(&child, starts, expected)
            .and_then(|()| element(&child, cx))
            .map_err(|e| e.at_index(index))?;
        index += 1;
    }
    cx.ascend();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PathSegment;
    use crate::{Limits, Octets};

    /// Where the test SEQUENCEs start in their message, so that an error's offset says which TLV it is about.
    const AT: usize = 10;

    const fn implicit<T: Asn1>(tag: u32) -> Tagging {
        Tagging::new::<T>(FieldTag::Implicit(Tag(tag)))
    }

    /// `a [0] INTEGER, b [1] OCTET STRING OPTIONAL (also read under [5]), c [2] INTEGER`.
    const ABC: &[Component] = &[
        Component {
            name: "a",
            taggings: &[implicit::<i64>(0x80)],
            mandatory: true,
        },
        Component {
            name: "b",
            taggings: &[implicit::<Octets>(0x81), implicit::<Octets>(0x85)],
            mandatory: false,
        },
        Component {
            name: "c",
            taggings: &[implicit::<i64>(0x82)],
            mandatory: true,
        },
    ];

    #[derive(Debug, Default, PartialEq)]
    struct Abc {
        a: Option<i64>,
        b: Option<Octets>,
        c: Option<i64>,
    }

    /// Walks `30 <content>` against [`ABC`], `b` bounded by `b_size` if given.
    fn abc(
        content: &[u8],
        b_size: Option<SizeRange>,
        cx: &mut Ctx,
    ) -> (Abc, Result<(), DecodeError>) {
        let mut der = vec![0x30, content.len() as u8];
        der.extend_from_slice(content);
        let (tlv, _) = Tlv::parse(&der, AT, cx).unwrap();
        let mut out = Abc::default();
        let result = match b_size {
            Some(range) => sequence(
                &tlv,
                cx,
                ABC,
                &mut [&mut out.a, &mut Bounded(&mut out.b, range), &mut out.c],
            ),
            None => sequence(&tlv, cx, ABC, &mut [&mut out.a, &mut out.b, &mut out.c]),
        };
        (out, result)
    }

    fn cx() -> Ctx {
        Ctx::new(Limits::default())
    }

    fn error(kind: DecodeErrorKind, offset: usize, path: &[PathSegment]) -> DecodeError {
        DecodeError {
            kind,
            offset,
            path: path.to_vec(),
        }
    }

    #[test]
    fn components_in_order_aliases_and_an_extension_at_the_end() {
        let mut cx = Ctx::new(Limits {
            max_depth: 1,
            ..Limits::default()
        });
        let (out, result) = abc(&hex("800101 8501AA 820103 9F7F00 3000"), None, &mut cx);
        result.unwrap();
        let expected = Abc {
            a: Some(1),
            b: Some(Octets(vec![0xAA])),
            c: Some(3),
        };
        assert_eq!(out, expected);
        // Left at the depth it was entered at, so that one level is enough for the next.
        assert!(abc(&hex("800101 820103"), None, &mut cx).1.is_ok());
        let (_, deeper) = abc(
            &[],
            None,
            &mut Ctx::new(Limits {
                max_depth: 0,
                ..Limits::default()
            }),
        );
        assert_eq!(
            deeper,
            Err(error(DecodeErrorKind::TooDeep { max: 0 }, AT, &[]))
        );
    }

    #[test]
    fn a_component_out_of_order_is_a_duplicate_of_the_one_read() {
        // `b` after `c`: matched against what may still come (nothing), then against what was read.
        let (_, result) = abc(&hex("800101 820103 8101AA"), None, &mut cx());
        let at = AT + 2 + 6;
        assert_eq!(
            result,
            Err(error(DecodeErrorKind::DuplicateField("b"), at, &[]))
        );
        let (_, result) = abc(&hex("800101 800102"), None, &mut cx());
        assert_eq!(
            result,
            Err(error(DecodeErrorKind::DuplicateField("a"), AT + 5, &[]))
        );
    }

    #[test]
    fn components_sharing_a_tag_are_read_in_order_and_a_third_is_the_nearest_duplicate() {
        const TWINS: &[Component] = &[
            Component {
                name: "first",
                taggings: &[implicit::<i64>(0x80)],
                mandatory: true,
            },
            Component {
                name: "second",
                taggings: &[implicit::<i64>(0x80)],
                mandatory: true,
            },
        ];
        let der = hex("3009 800101 800102 800103");
        let mut cx = cx();
        let (tlv, _) = Tlv::parse(&der, 0, &mut cx).unwrap();
        let (mut first, mut second) = (None::<i64>, None::<i64>);
        let result = sequence(&tlv, &mut cx, TWINS, &mut [&mut first, &mut second]);
        assert_eq!(
            result,
            Err(error(DecodeErrorKind::DuplicateField("second"), 8, &[]))
        );
        assert_eq!((first, second), (Some(1), Some(2)));
    }

    #[test]
    fn an_unknown_component_before_a_known_one_is_an_error_at_the_unknown_one() {
        let (out, result) = abc(&hex("800101 9F7F00 3000 820103"), None, &mut cx());
        let kind = DecodeErrorKind::UnknownComponent {
            found: Tag(0x9F7F),
            before: "c",
        };
        assert_eq!(result, Err(error(kind, AT + 5, &[])));
        // Found before `c` was decoded.
        assert_eq!(out.c, None);
        // Even when what follows is a repeat, the repeat is the error.
        let (_, result) = abc(&hex("800101 9F7F00 800101"), None, &mut cx());
        assert_eq!(
            result,
            Err(error(DecodeErrorKind::DuplicateField("a"), AT + 8, &[]))
        );
    }

    #[test]
    fn a_missing_mandatory_component_is_named_at_the_sequence() {
        let (_, result) = abc(&hex("8101AA 820103"), None, &mut cx());
        assert_eq!(
            result,
            Err(error(DecodeErrorKind::MissingField("a"), AT, &[]))
        );
        // The first missing one in declaration order, the optional one not.
        let (_, result) = abc(&[], None, &mut cx());
        assert_eq!(
            result,
            Err(error(DecodeErrorKind::MissingField("a"), AT, &[]))
        );
        let (_, result) = abc(&hex("800101"), None, &mut cx());
        assert_eq!(
            result,
            Err(error(DecodeErrorKind::MissingField("c"), AT, &[]))
        );
    }

    #[test]
    fn errors_inside_a_component_carry_its_name() {
        let (_, result) = abc(&hex("8000"), None, &mut cx());
        let kind = DecodeErrorKind::InvalidValue("empty INTEGER");
        assert_eq!(result, Err(error(kind, AT + 2, &[PathSegment::Field("a")])));
        let range = SizeRange {
            min: 1,
            max: Some(1),
        };
        let (out, result) = abc(&hex("800101 8102AABB 820103"), Some(range), &mut cx());
        let kind = DecodeErrorKind::SizeOutOfRange { size: 2, range };
        assert_eq!(result, Err(error(kind, AT + 5, &[PathSegment::Field("b")])));
        assert_eq!(out.b, None);
    }

    #[test]
    fn a_choice_finds_its_alternative_inside_its_tag_or_as_itself() {
        const ALTERNATIVES: &[Alternative] = &[
            Alternative {
                name: "number",
                taggings: &[implicit::<i64>(0x80)],
            },
            Alternative {
                name: "bytes",
                taggings: &[implicit::<Octets>(0x81), implicit::<Octets>(0x85)],
            },
        ];
        let mut cx = cx();
        let der = hex("8501AA");
        let (tlv, _) = Tlv::parse(&der, AT, &mut cx).unwrap();
        let chosen = choice(&tlv, &mut cx, false, ALTERNATIVES).unwrap();
        assert_eq!(chosen.known, Some((1, FieldTag::Implicit(Tag(0x85)))));
        assert_eq!(chosen.tlv.offset, AT);
        let der = hex("A003 800107");
        let (tlv, _) = Tlv::parse(&der, AT, &mut cx).unwrap();
        let chosen = choice(&tlv, &mut cx, true, ALTERNATIVES).unwrap();
        assert_eq!(chosen.known, Some((0, FieldTag::Implicit(Tag(0x80)))));
        assert_eq!(chosen.tlv.offset, AT + 2);
        let der = hex("820100");
        let (tlv, _) = Tlv::parse(&der, AT, &mut cx).unwrap();
        let chosen = choice(&tlv, &mut cx, false, ALTERNATIVES).unwrap();
        assert_eq!(chosen.known, None);
        let kind = DecodeErrorKind::UnexpectedTag {
            found: Tag(0x82),
            expected: None,
        };
        assert_eq!(chosen.unknown(), error(kind, AT, &[]));
    }

    #[test]
    fn sequence_of_checks_each_element_tag_and_indexes_its_errors() {
        let der = hex("3009 020101 020102 0401AA");
        let mut cx = cx();
        let (tlv, _) = Tlv::parse(&der, AT, &mut cx).unwrap();
        let mut items = Vec::new();
        let result = sequence_of(&tlv, &mut cx, i64::TAGS, i64::TAG, &mut |child, cx| {
            items.push(i64::decode(child, cx)?);
            Ok(())
        });
        let kind = DecodeErrorKind::UnexpectedTag {
            found: Tag::OCTET_STRING,
            expected: Some(Tag::INTEGER),
        };
        assert_eq!(result, Err(error(kind, AT + 8, &[PathSegment::Index(2)])));
        assert_eq!(items, [1, 2]);
    }

    fn hex(text: &str) -> Vec<u8> {
        hex::decode(text.replace(' ', "")).unwrap()
    }
}
