//! Look-up of message types by ASN.1 name, for `euiccd asn1 decode` and the golden-vector tests.

use crate::{Asn1, DecodeError, Jer, JerError, Layout, from_ber, to_der};
use serde_json::Value;

/// One message type: its name and its conversions between DER and JER.
#[derive(Debug, Clone, Copy)]
pub struct TypeEntry {
    /// The ASN.1 type name.
    pub name: &'static str,
    /// Decodes BER/DER bytes to the JER value.
    pub decode: fn(&[u8]) -> Result<Value, DecodeError>,
    /// Encodes a JER value to DER.
    pub encode: fn(&Value) -> Result<Vec<u8>, JerError>,
    /// Generates a random value from a seed and checks that it survives DER and JER round trips.
    #[cfg(feature = "testgen")]
    pub round_trip: fn(u64) -> Result<(), String>,
}

fn decode_jer<T: Asn1 + Jer>(bytes: &[u8]) -> Result<Value, DecodeError> {
    from_ber::<T>(bytes).map(|v| v.to_jer())
}

fn encode_jer<T: Asn1 + Jer>(value: &Value) -> Result<Vec<u8>, JerError> {
    T::from_jer(value).map(|v| to_der(&v))
}

#[cfg(feature = "testgen")]
fn round_trip<T>(seed: u64) -> Result<(), String>
where
    T: Asn1 + Jer + crate::testgen::Generate + PartialEq + std::fmt::Debug,
{
    let value = T::generate(&mut crate::testgen::Gen::new(seed));
    let der = to_der(&value);
    let back = from_ber::<T>(&der).map_err(|e| {
        format!(
            "{value:?} encoded as {} does not decode: {e}",
            hex::encode(&der)
        )
    })?;
    if back != value {
        return Err(format!("DER round trip changed {value:?} into {back:?}"));
    }
    let jer = value.to_jer();
    let back =
        T::from_jer(&jer).map_err(|e| format!("{value:?} as JER {jer} does not read back: {e}"))?;
    if back != value {
        return Err(format!("JER round trip changed {value:?} into {back:?}"));
    }
    Ok(())
}

/// The registry entry of `T`.
#[cfg(not(feature = "testgen"))]
pub const fn entry<T: Asn1 + Jer>() -> TypeEntry {
    TypeEntry {
        name: T::NAME,
        decode: decode_jer::<T>,
        encode: encode_jer::<T>,
    }
}

/// The registry entry of `T`.
#[cfg(feature = "testgen")]
pub const fn entry<T>() -> TypeEntry
where
    T: Asn1 + Jer + crate::testgen::Generate + PartialEq + std::fmt::Debug,
{
    TypeEntry {
        name: T::NAME,
        decode: decode_jer::<T>,
        encode: encode_jer::<T>,
        round_trip: round_trip::<T>,
    }
}

/// Every type known for a layout: its SGP.32 types, then the SGP.22 ones.
pub fn entries(layout: Layout) -> impl Iterator<Item = &'static TypeEntry> {
    let sgp32: &'static [TypeEntry] = crate::for_layout!(layout, l => l::TYPES);
    sgp32.iter().chain(crate::types::sgp22::TYPES)
}

/// Finds a type by ASN.1 name; a layout's own SGP.32 type wins over an SGP.22 type of the same name.
pub fn lookup(name: &str, layout: Layout) -> Option<TypeEntry> {
    entries(layout).find(|e| e.name == name).copied()
}

/// All type names known for a layout, sorted (for error messages and listings).
pub fn names(layout: Layout) -> Vec<&'static str> {
    let mut names: Vec<_> = entries(layout).map(|e| e.name).collect();
    names.sort_unstable();
    names.dedup();
    names
}
