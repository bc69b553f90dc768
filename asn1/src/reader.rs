//! A bounded BER TLV reader.
//!
//! Cards may answer in BER (indefinite lengths, non-minimal length octets), so reading is lenient about the
//! form and strict about bounds: no length is trusted before it is checked against the bytes at hand, nesting
//! is limited, and nothing is allocated from a length field.

use crate::Tag;
use crate::error::{DecodeError, DecodeErrorKind};

/// Limits applied while decoding untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted message, in bytes.
    pub max_size: usize,
    /// Deepest accepted nesting of constructed values.
    pub max_depth: usize,
}

impl Default for Limits {
    /// 2 MiB covers the largest Bound Profile Package seen in practice; 32 levels is twice what SGP.32 needs.
    fn default() -> Self {
        Self {
            max_size: 2 * 1024 * 1024,
            max_depth: 32,
        }
    }
}

/// Decoding state threaded through the type decoders: the limits and the current depth.
#[derive(Debug)]
pub struct Ctx {
    limits: Limits,
    depth: usize,
}

impl Ctx {
    /// A context with the given limits, at depth zero.
    pub fn new(limits: Limits) -> Self {
        Self { limits, depth: 0 }
    }

    /// Enters a constructed value; fails when that goes deeper than the limit.
    pub fn descend(&mut self, offset: usize) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(DecodeError::new(
                DecodeErrorKind::TooDeep {
                    max: self.limits.max_depth,
                },
                offset,
            ));
        }
        Ok(())
    }

    /// Leaves a constructed value entered with [`Ctx::descend`].
    pub fn ascend(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

/// One parsed TLV, borrowing the input.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: Tag,
    /// The content octets (for an indefinite length: up to, not including, the end-of-contents octets).
    pub content: &'a [u8],
    /// The whole TLV exactly as received, tag and length included.
    pub raw: &'a [u8],
    /// Offset of the first identifier octet from the start of the message.
    pub offset: usize,
    /// Offset of the first content octet from the start of the message.
    pub content_offset: usize,
}

impl<'a> Tlv<'a> {
    /// Parses the one TLV at the start of `input`, which starts at `offset` in the message.
    /// Returns it and the bytes after it.
    pub fn parse(
        input: &'a [u8],
        offset: usize,
        cx: &mut Ctx,
    ) -> Result<(Tlv<'a>, &'a [u8]), DecodeError> {
        let truncated = |needed, available, at| {
            DecodeError::new(DecodeErrorKind::Truncated { needed, available }, at)
        };
        let first = *input.first().ok_or_else(|| truncated(1, 0, offset))?;
        let mut pos = 1;
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            loop {
                let b = *input
                    .get(pos)
                    .ok_or_else(|| truncated(pos + 1, input.len(), offset))?;
                pos += 1;
                if pos > 4 {
                    return Err(DecodeError::new(DecodeErrorKind::BadTag, offset));
                }
                tag = (tag << 8) | u32::from(b);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let tag = Tag(tag);
        let len_byte = *input
            .get(pos)
            .ok_or_else(|| truncated(pos + 1, input.len(), offset))?;
        pos += 1;
        let header = pos;
        let (content_len, indefinite) = match len_byte {
            0x00..=0x7F => (usize::from(len_byte), false),
            0x80 => {
                if !tag.is_constructed() {
                    return Err(DecodeError::new(DecodeErrorKind::BadLength, offset));
                }
                (0, true)
            }
            0x81..=0x84 => {
                let n = usize::from(len_byte & 0x7F);
                let bytes = input
                    .get(pos..pos + n)
                    .ok_or_else(|| truncated(pos + n, input.len(), offset))?;
                pos += n;
                (
                    bytes
                        .iter()
                        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
                    false,
                )
            }
            _ => return Err(DecodeError::new(DecodeErrorKind::BadLength, offset)),
        };
        let header = if indefinite { header } else { pos };
        if indefinite {
            // Walk the nested TLVs up to the end-of-contents octets.
            cx.descend(offset)?;
            let mut at = header;
            loop {
                match input.get(at..at + 2) {
                    Some([0, 0]) => break,
                    Some(_) => {
                        let (_, rest) = Tlv::parse(&input[at..], offset + at, cx)?;
                        at = input.len() - rest.len();
                    }
                    None => return Err(truncated(at + 2, input.len(), offset)),
                }
            }
            cx.ascend();
            let tlv = Tlv {
                tag,
                content: &input[header..at],
                raw: &input[..at + 2],
                offset,
                content_offset: offset + header,
            };
            return Ok((tlv, &input[at + 2..]));
        }
        let end = header
            .checked_add(content_len)
            .filter(|end| *end <= input.len())
            .ok_or_else(|| truncated(header.saturating_add(content_len), input.len(), offset))?;
        let tlv = Tlv {
            tag,
            content: &input[header..end],
            raw: &input[..end],
            offset,
            content_offset: offset + header,
        };
        Ok((tlv, &input[end..]))
    }

    /// Parses a complete message: exactly one TLV, within the size limit.
    pub fn parse_message(input: &'a [u8], cx: &mut Ctx) -> Result<Tlv<'a>, DecodeError> {
        let max = cx.limits().max_size;
        if input.len() > max {
            return Err(DecodeError::new(
                DecodeErrorKind::TooLarge {
                    size: input.len(),
                    max,
                },
                0,
            ));
        }
        let (tlv, rest) = Tlv::parse(input, 0, cx)?;
        if !rest.is_empty() {
            return Err(DecodeError::new(
                DecodeErrorKind::TrailingData(rest.len()),
                input.len() - rest.len(),
            ));
        }
        Ok(tlv)
    }

    /// The single TLV inside an explicitly tagged value (or a tagged CHOICE).
    pub fn single_child(&self, cx: &mut Ctx) -> Result<Tlv<'a>, DecodeError> {
        let (inner, rest) = Tlv::parse(self.content, self.content_offset, cx)?;
        if !rest.is_empty() {
            let at = self.content_offset + self.content.len() - rest.len();
            return Err(DecodeError::new(
                DecodeErrorKind::TrailingData(rest.len()),
                at,
            ));
        }
        Ok(inner)
    }

    /// An error about this TLV.
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.offset)
    }
}

/// A cursor over the TLVs of a constructed value that does not hold the decoding context, so that each child
/// can be decoded with it between two steps.
#[derive(Debug)]
pub struct ChildCursor<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> ChildCursor<'a> {
    /// A cursor at the first TLV of `parent`'s content.
    pub fn new(parent: &Tlv<'a>) -> Self {
        Self {
            rest: parent.content,
            offset: parent.content_offset,
        }
    }

    /// The next TLV, `None` at the end of the content.
    pub fn next(&mut self, cx: &mut Ctx) -> Result<Option<Tlv<'a>>, DecodeError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (tlv, rest) = Tlv::parse(self.rest, self.offset, cx)?;
        self.offset += self.rest.len() - rest.len();
        self.rest = rest;
        Ok(Some(tlv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Ctx {
        Ctx::new(Limits::default())
    }

    #[test]
    fn short_long_and_multibyte_tags() {
        let (t, rest) = Tlv::parse(&[0xBF, 0x51, 0x01, 0xAA, 0xFF], 0, &mut cx()).unwrap();
        assert_eq!(t.tag, Tag(0xBF51));
        assert_eq!(t.content, &[0xAA]);
        assert_eq!(rest, &[0xFF]);
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7, 256));
        let (t, _) = Tlv::parse(&long, 0, &mut cx()).unwrap();
        assert_eq!(t.content.len(), 256);
        assert_eq!(t.content_offset, 4);
    }

    #[test]
    fn indefinite_length_is_read() {
        let input = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        ];
        let (t, rest) = Tlv::parse(&input, 0, &mut cx()).unwrap();
        assert_eq!(t.content, &input[2..11]);
        assert_eq!(rest, &[0x01]);
    }

    #[test]
    fn lengths_beyond_input_are_errors_not_allocations() {
        let err = Tlv::parse(&[0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], 0, &mut cx()).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::Truncated { .. }));
        assert!(Tlv::parse(&[0x04, 0x85, 1, 1, 1, 1, 1], 0, &mut cx()).is_err());
        assert!(Tlv::parse(&[0x9F], 0, &mut cx()).is_err());
        assert!(Tlv::parse(&[0x9F, 0xFF, 0xFF, 0xFF, 0x01, 0x00], 0, &mut cx()).is_err());
        assert!(Tlv::parse(&[0x04, 0x80, 0x00, 0x00], 0, &mut cx()).is_err());
    }

    #[test]
    fn deep_indefinite_nesting_is_bounded() {
        let mut input = Vec::new();
        for _ in 0..100 {
            input.extend([0x30, 0x80]);
        }
        let err = Tlv::parse(&input, 0, &mut cx()).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooDeep { .. }));
    }

    #[test]
    fn message_size_limit() {
        let mut c = Ctx::new(Limits {
            max_size: 3,
            max_depth: 4,
        });
        let err = Tlv::parse_message(&[0x04, 0x02, 0, 0], &mut c).unwrap_err();
        assert!(matches!(
            err.kind,
            DecodeErrorKind::TooLarge { size: 4, max: 3 }
        ));
        let err = Tlv::parse_message(&[0x04, 0x00, 0], &mut cx()).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TrailingData(1));
    }
}
