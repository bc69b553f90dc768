//! Look-up of message types by ASN.1 name, for `euiccd asn1 decode` and the golden-vector tests.

use crate::{Asn1, DecodeError, Jer, JerError, from_ber, to_der};
use serde_json::Value;

/// Which SGP.32 module layout a name refers to (SGP.22 types are the same under both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sgp32Version {
    /// SGP.32 v1.0, spoken by early eIMs in the field, as v1.0.1 corrected it (its EimConfigurationData tags).
    V1_0,
    /// SGP.32 v1.2, the version of accredited eUICCs.
    V1_2,
}

impl std::str::FromStr for Sgp32Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v1.0" | "1.0" | "v1.0.1" | "1.0.1" => Ok(Self::V1_0),
            "v1.2" | "1.2" => Ok(Self::V1_2),
            other => Err(format!(
                "unknown SGP.32 version {other:?} (use v1.0 or v1.2)"
            )),
        }
    }
}

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

/// Every type known for a version: its SGP.32 types, then the SGP.22 ones.
pub fn entries(version: Sgp32Version) -> impl Iterator<Item = &'static TypeEntry> {
    let sgp32: &'static [TypeEntry] = match version {
        Sgp32Version::V1_0 => crate::types::sgp32::v1_0::TYPES,
        Sgp32Version::V1_2 => crate::types::sgp32::v1_2::TYPES,
    };
    sgp32.iter().chain(crate::types::sgp22::TYPES)
}

/// Finds a type by ASN.1 name; a version's own SGP.32 type wins over an SGP.22 type of the same name.
pub fn lookup(name: &str, version: Sgp32Version) -> Option<TypeEntry> {
    entries(version).find(|e| e.name == name).copied()
}

/// All type names known for a version, sorted (for error messages and listings).
pub fn names(version: Sgp32Version) -> Vec<&'static str> {
    let mut names: Vec<_> = entries(version).map(|e| e.name).collect();
    names.sort_unstable();
    names.dedup();
    names
}
