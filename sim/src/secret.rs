//! Matching IDs and confirmation codes of the simulated SM-DP+'s orders, kept out of logs.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string: `Debug` prints `<redacted>`, and the value is wiped when dropped. Only [`Secret::expose`]
/// gives it, for the comparison or the hash that needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
