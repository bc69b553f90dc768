//! Secrets (matching IDs, activation and confirmation codes, tokens) in a type that keeps them out of logs.
//!
//! `Debug` and `Display` print `<redacted>`, so a secret that ends up in a `tracing` field, an error message
//! or a JSON document by mistake does not leak; the value is wiped from memory when dropped.

use std::fmt;
use zeroize::Zeroize;

/// A secret string. Only [`Secret::expose`] gives the value, for the one place that needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the protocol field, a comparison or a hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("04386-AGYFT-A74Y8-3F815");
        assert_eq!(format!("{s} {s:?}"), "<redacted> Secret(<redacted>)");
        assert_eq!(s.expose(), "04386-AGYFT-A74Y8-3F815");
    }
}
