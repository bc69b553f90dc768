//! Decoding errors that say where: the field path and the byte offset.

use crate::Tag;
use std::fmt;

/// One step of the path from the top-level type down to the failing value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A type, at the top of the path.
    Type(&'static str),
    /// A SEQUENCE component or CHOICE alternative, by its ASN.1 name.
    Field(&'static str),
    /// An element of a SEQUENCE OF.
    Index(usize),
}

/// What was wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The input ends inside a tag, a length or a value.
    #[error("truncated: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes the encoding claims.
        needed: usize,
        /// Bytes that are there.
        available: usize,
    },
    /// A length that does not fit the decoder's limits (over four length octets, or reserved `FF`).
    #[error("unsupported length encoding")]
    BadLength,
    /// A tag of more than four identifier octets.
    #[error("tag too long")]
    BadTag,
    /// The message is larger than the configured maximum.
    #[error("message of {size} bytes exceeds the maximum of {max}")]
    TooLarge {
        /// The message size.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Constructed values nest deeper than the configured maximum.
    #[error("nesting deeper than {max} levels")]
    TooDeep {
        /// The configured maximum depth.
        max: usize,
    },
    /// A tag that the type does not allow at this place.
    #[error("unexpected tag {found}{}", expected.map(|t| format!(", expected {t}")).unwrap_or_default())]
    UnexpectedTag {
        /// The tag found.
        found: Tag,
        /// The tag expected, when there is exactly one.
        expected: Option<Tag>,
    },
    /// A mandatory component is absent.
    #[error("missing mandatory field {0}")]
    MissingField(&'static str),
    /// A component this model does not know, followed by one it knows: not at the extension point, so most
    /// likely a component under a tag the model does not expect.
    #[error("unknown component {found} before {before}")]
    UnknownComponent {
        /// The tag of the unknown component.
        found: Tag,
        /// The known component that follows it.
        before: &'static str,
    },
    /// A component appears twice or out of order.
    #[error("duplicate or out-of-order field {0}")]
    DuplicateField(&'static str),
    /// Bytes follow the value where none may.
    #[error("{0} trailing bytes after the value")]
    TrailingData(usize),
    /// The content octets are not a valid value of the type.
    #[error("invalid value: {0}")]
    InvalidValue(&'static str),
    /// A value outside the SIZE constraint of its component.
    #[error("size {size} outside {range}")]
    SizeOutOfRange {
        /// The value's size (octets, characters, bits or elements).
        size: usize,
        /// The constraint.
        range: crate::SizeRange,
    },
}

/// A decoding failure: what, at which byte of the input, and on which field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// Offset of the offending TLV (or byte) from the start of the input.
    pub offset: usize,
    /// From the top-level type down to the failing component.
    pub path: Vec<PathSegment>,
}

impl DecodeError {
    /// An error at `offset`, with an empty path (filled in on the way up).
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset,
            path: Vec::new(),
        }
    }

    /// Prefixes the path with a component name; called as the error leaves that component.
    pub fn in_field(mut self, name: &'static str) -> Self {
        self.path.insert(0, PathSegment::Field(name));
        self
    }

    /// Prefixes the path with a SEQUENCE OF index.
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.insert(0, PathSegment::Index(index));
        self
    }

    /// Prefixes the path with the top-level type name.
    pub fn in_type(mut self, name: &'static str) -> Self {
        self.path.insert(0, PathSegment::Type(name));
        self
    }

    /// The path written as `Type.field[2].field`.
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                PathSegment::Type(t) => out.push_str(t),
                PathSegment::Field(f) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(f)
                }
                PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} at byte {}", self.kind, self.offset)
        } else {
            write!(
                f,
                "{} at byte {} in {}",
                self.kind,
                self.offset,
                self.path_string()
            )
        }
    }
}

impl std::error::Error for DecodeError {}
