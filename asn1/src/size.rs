//! SIZE constraints (X.680 §51.5) on OCTET STRING, UTF8String, BIT STRING and SEQUENCE OF components.
//!
//! The SGP.22 and SGP.32 modules bound most strings (`TransactionId ::= OCTET STRING (SIZE(1..16))`,
//! `eimId UTF8String (SIZE(1..128))`). The decoder checks those bounds where the declaration names them
//! (`#[asn1(size(1..=16))]`), so that an out-of-range value is a typed error at its offset rather than
//! something a layer above has to remember to check.

use std::fmt;

/// A value whose SIZE a constraint bounds.
pub trait HasSize {
    /// The size as X.680 counts it: octets of an OCTET STRING, characters of a UTF8String, bits of a
    /// BIT STRING, elements of a SEQUENCE OF.
    fn size(&self) -> usize;
}

impl HasSize for crate::Octets {
    fn size(&self) -> usize {
        self.0.len()
    }
}

impl HasSize for String {
    fn size(&self) -> usize {
        self.chars().count()
    }
}

impl HasSize for crate::BitString {
    fn size(&self) -> usize {
        self.len()
    }
}

impl<T> HasSize for Vec<T> {
    fn size(&self) -> usize {
        self.len()
    }
}

/// The bounds of a SIZE constraint, both inclusive; `max` is `None` for `SIZE(n..MAX)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRange {
    /// The smallest size allowed.
    pub min: usize,
    /// The largest size allowed, if bounded.
    pub max: Option<usize>,
}

impl SizeRange {
    /// True when `size` is within the bounds.
    pub fn contains(&self, size: usize) -> bool {
        size >= self.min && self.max.is_none_or(|max| size <= max)
    }

    /// The size of `value`, or the error that it is out of range.
    pub fn check<T: HasSize>(&self, value: &T) -> Result<(), crate::DecodeErrorKind> {
        let size = value.size();
        if self.contains(size) {
            Ok(())
        } else {
            Err(crate::DecodeErrorKind::SizeOutOfRange { size, range: *self })
        }
    }
}

impl fmt::Display for SizeRange {
    /// As the modules write it: `SIZE(1..16)`, `SIZE(10)`, `SIZE(1..MAX)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "SIZE({max})"),
            Some(max) => write!(f, "SIZE({}..{max})", self.min),
            None => write!(f, "SIZE({}..MAX)", self.min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Octets;

    #[test]
    fn bounds_are_inclusive_and_strings_count_characters() {
        let range = SizeRange {
            min: 1,
            max: Some(2),
        };
        assert!(range.check(&Octets(vec![])).is_err());
        assert!(range.check(&Octets(vec![1, 2])).is_ok());
        assert_eq!(
            range.check(&Octets(vec![1, 2, 3])),
            Err(crate::DecodeErrorKind::SizeOutOfRange { size: 3, range })
        );
        // Two characters, four octets.
        assert!(range.check(&"€é".to_owned()).is_ok());
        let open = SizeRange { min: 1, max: None };
        assert!(open.check(&vec![0u8; 5000]).is_ok());
        assert_eq!(range.to_string(), "SIZE(1..2)");
        assert_eq!(open.to_string(), "SIZE(1..MAX)");
        assert_eq!(
            SizeRange {
                min: 3,
                max: Some(3)
            }
            .to_string(),
            "SIZE(3)"
        );
    }
}
