//! JSON values in the shape of the ASN.1 JSON Encoding Rules (X.697).
//!
//! JER is the standard JSON form of ASN.1 values, and the independent implementation our golden vectors come
//! from (pycrate, through asn1play) speaks it: SEQUENCEs are objects keyed by component name, CHOICEs are
//! one-key objects, OCTET STRINGs are hex, BIT STRINGs are `{"length", "value"}`, NULL is `null`. Using it
//! for `euiccd asn1 decode` output means what we print can be checked against any JER tool.

use serde_json::Value;
use std::fmt;

/// A type with a JER form.
pub trait Jer: Sized {
    /// The value as JSON.
    fn to_jer(&self) -> Value;
    /// Reads a value from its JSON form.
    fn from_jer(value: &Value) -> Result<Self, JerError>;
}

/// A JSON value that does not fit the type, with the path to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JerError {
    /// What is wrong.
    pub message: String,
    /// Component names from the top down.
    pub path: Vec<String>,
}

impl JerError {
    /// An error with an empty path.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: Vec::new(),
        }
    }

    /// An error for a value of the wrong JSON kind.
    pub fn expected(what: &str, found: &Value) -> Self {
        Self::new(format!("expected {what}, found {found}"))
    }

    /// Prefixes the path with a component name.
    pub fn in_field(mut self, name: &str) -> Self {
        self.path.insert(0, name.to_owned());
        self
    }
}

impl fmt::Display for JerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.path.join("."))
    }
}

impl std::error::Error for JerError {}

/// The object behind a JER SEQUENCE, or an error.
pub fn object(value: &Value) -> Result<&serde_json::Map<String, Value>, JerError> {
    value
        .as_object()
        .ok_or_else(|| JerError::expected("an object", value))
}

/// The one `(alternative, value)` pair of a JER CHOICE, or an error.
pub fn choice(value: &Value) -> Result<(&str, &Value), JerError> {
    let map = object(value)?;
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        _ => Err(JerError::new("a CHOICE needs exactly one alternative")),
    }
}

/// Fails on object keys that are not components of the type.
pub fn deny_unknown(map: &serde_json::Map<String, Value>, known: &[&str]) -> Result<(), JerError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(JerError::new(format!("unknown component {k}"))),
        None => Ok(()),
    }
}
