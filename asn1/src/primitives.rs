//! Universal types: integers, BOOLEAN, NULL, OCTET STRING, BIT STRING, OBJECT IDENTIFIER, UTF8String,
//! SEQUENCE OF, and the two relay types `Raw` and `Signed`.

use crate::codec::Asn1;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::jer::{Jer, JerError};
use crate::reader::{Ctx, Tlv};
use crate::tag::{Tag, TagSet};
use crate::writer::Writer;
use serde_json::{Value, json};
use std::fmt;

fn invalid(tlv: &Tlv<'_>, why: &'static str) -> DecodeError {
    tlv.error(DecodeErrorKind::InvalidValue(why))
}

fn hex_from_jer(value: &Value) -> Result<Vec<u8>, JerError> {
    let s = value
        .as_str()
        .ok_or_else(|| JerError::expected("a hex string", value))?;
    hex::decode(s).map_err(|_| JerError::new(format!("invalid hex {s:?}")))
}

// ---- INTEGER ----

/// Minimal two's-complement content octets of `v`.
fn encode_integer(v: i128, w: &mut Writer) {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < bytes.len() - 1 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    w.raw(&bytes[start..]);
}

fn decode_integer(tlv: &Tlv<'_>) -> Result<i128, DecodeError> {
    let c = tlv.content;
    if c.is_empty() {
        return Err(invalid(tlv, "empty INTEGER"));
    }
    // Leading redundant octets are tolerated (BER from cards); the value must still fit.
    let significant = c
        .iter()
        .skip_while(|b| **b == c[0] && (c[0] == 0 || c[0] == 0xFF))
        .count();
    if significant > 15 {
        return Err(invalid(tlv, "INTEGER too large"));
    }
    let negative = c[0] & 0x80 != 0;
    Ok(c.iter().fold(if negative { -1i128 } else { 0 }, |acc, b| {
        (acc << 8) | i128::from(*b)
    }))
}

macro_rules! integer_impl {
    ($($t:ty),*) => {$(
        impl Asn1 for $t {
            const NAME: &'static str = "INTEGER";
            const TAG: Option<Tag> = Some(Tag::INTEGER);
            fn encode_content(&self, w: &mut Writer) {
                encode_integer(i128::from(*self), w)
            }
            fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
                <$t>::try_from(decode_integer(tlv)?).map_err(|_| invalid(tlv, "INTEGER out of range"))
            }
        }
        impl Jer for $t {
            fn to_jer(&self) -> Value {
                json!(*self)
            }
            fn from_jer(value: &Value) -> Result<Self, JerError> {
                value
                    .as_i64()
                    .and_then(|v| <$t>::try_from(v).ok())
                    .ok_or_else(|| JerError::expected(concat!("an integer fitting ", stringify!($t)), value))
            }
        }
    )*};
}
integer_impl!(i8, u8, i16, u16, i32, u32, i64);

// ---- BOOLEAN ----

impl Asn1 for bool {
    const NAME: &'static str = "BOOLEAN";
    const TAG: Option<Tag> = Some(Tag::BOOLEAN);
    fn encode_content(&self, w: &mut Writer) {
        w.raw(&[if *self { 0xFF } else { 0x00 }]);
    }
    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        match tlv.content {
            [b] => Ok(*b != 0),
            _ => Err(invalid(tlv, "BOOLEAN must be one octet")),
        }
    }
}

impl Jer for bool {
    fn to_jer(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        value
            .as_bool()
            .ok_or_else(|| JerError::expected("a boolean", value))
    }
}

// ---- NULL ----

/// ASN.1 `NULL`: present or absent is all it says (flags such as `rollbackFlag` are OPTIONAL NULLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Null;

impl Asn1 for Null {
    const NAME: &'static str = "NULL";
    const TAG: Option<Tag> = Some(Tag::NULL);
    fn encode_content(&self, _w: &mut Writer) {}
    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        if tlv.content.is_empty() {
            Ok(Null)
        } else {
            Err(invalid(tlv, "NULL must be empty"))
        }
    }
}

impl Jer for Null {
    fn to_jer(&self) -> Value {
        Value::Null
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        if value.is_null() {
            Ok(Null)
        } else {
            Err(JerError::expected("null", value))
        }
    }
}

// ---- OCTET STRING ----

/// ASN.1 `OCTET STRING`.
#[derive(Clone, PartialEq, Eq, Default, Hash)]
pub struct Octets(pub Vec<u8>);

impl Octets {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Octets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Octets({})", hex::encode_upper(&self.0))
    }
}

impl From<Vec<u8>> for Octets {
    fn from(v: Vec<u8>) -> Self {
        Octets(v)
    }
}

impl From<&[u8]> for Octets {
    fn from(v: &[u8]) -> Self {
        Octets(v.to_vec())
    }
}

impl Asn1 for Octets {
    const NAME: &'static str = "OCTET STRING";
    const TAG: Option<Tag> = Some(Tag::OCTET_STRING);
    fn encode_content(&self, w: &mut Writer) {
        w.raw(&self.0)
    }
    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        if tlv.tag.is_constructed() {
            return Err(invalid(tlv, "constructed OCTET STRING is not supported"));
        }
        Ok(Octets(tlv.content.to_vec()))
    }
}

impl Jer for Octets {
    fn to_jer(&self) -> Value {
        Value::String(hex::encode(&self.0))
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        hex_from_jer(value).map(Octets)
    }
}

// ---- UTF8String ----

impl Asn1 for String {
    const NAME: &'static str = "UTF8String";
    const TAG: Option<Tag> = Some(Tag::UTF8_STRING);
    fn encode_content(&self, w: &mut Writer) {
        w.raw(self.as_bytes())
    }
    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        String::from_utf8(tlv.content.to_vec())
            .map_err(|_| invalid(tlv, "UTF8String is not valid UTF-8"))
    }
}

impl Jer for String {
    fn to_jer(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| JerError::expected("a string", value))
    }
}

// ---- BIT STRING ----

/// ASN.1 `BIT STRING`, bit 0 being the most significant bit of the first octet (named bits in SGP texts).
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct BitString {
    bytes: Vec<u8>,
    len: usize,
}

impl BitString {
    /// A bit string of `len` bits taken from `bytes` (bits past `len` are cleared).
    pub fn new(mut bytes: Vec<u8>, len: usize) -> Self {
        bytes.resize(len.div_ceil(8), 0);
        if len % 8 != 0 {
            if let Some(last) = bytes.last_mut() {
                *last &= 0xFFu8 << (8 - len % 8);
            }
        }
        Self { bytes, len }
    }

    /// The DER form of a named-bit list: exactly the bits up to the highest set one (X.690 §11.2.2).
    pub fn from_bits(bits: &[usize]) -> Self {
        let len = bits.iter().map(|b| b + 1).max().unwrap_or(0);
        let mut bytes = vec![0u8; len.div_ceil(8)];
        for b in bits {
            bytes[b / 8] |= 0x80 >> (b % 8);
        }
        Self { bytes, len }
    }

    /// True when bit `n` is present and set.
    pub fn bit(&self, n: usize) -> bool {
        n < self.len && self.bytes[n / 8] & (0x80 >> (n % 8)) != 0
    }

    /// The numbers of the set bits, ascending.
    pub fn set_bits(&self) -> Vec<usize> {
        (0..self.len).filter(|n| self.bit(*n)).collect()
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for the empty bit string.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The octets, unused trailing bits zero.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl Asn1 for BitString {
    const NAME: &'static str = "BIT STRING";
    const TAG: Option<Tag> = Some(Tag::BIT_STRING);
    fn encode_content(&self, w: &mut Writer) {
        w.raw(&[((8 - self.len % 8) % 8) as u8]);
        w.raw(&self.bytes);
    }
    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        let (unused, bytes) = tlv
            .content
            .split_first()
            .ok_or_else(|| invalid(tlv, "empty BIT STRING"))?;
        if *unused > 7 || (bytes.is_empty() && *unused != 0) || tlv.tag.is_constructed() {
            return Err(invalid(tlv, "malformed BIT STRING"));
        }
        let len = bytes.len() * 8 - usize::from(*unused);
        Ok(BitString::new(bytes.to_vec(), len))
    }
}

impl Jer for BitString {
    fn to_jer(&self) -> Value {
        json!({ "length": self.len, "value": hex::encode(&self.bytes) })
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        let map = crate::jer::object(value)?;
        let len = map
            .get("length")
            .and_then(Value::as_u64)
            .ok_or_else(|| JerError::new("BIT STRING needs length"))?;
        let bytes = hex_from_jer(map.get("value").unwrap_or(&Value::Null))?;
        let len = usize::try_from(len).map_err(|_| JerError::new("BIT STRING length"))?;
        if len > bytes.len() * 8 {
            return Err(JerError::new("BIT STRING length exceeds its value"));
        }
        Ok(BitString::new(bytes, len))
    }
}

// ---- OBJECT IDENTIFIER ----

/// ASN.1 `OBJECT IDENTIFIER`, as its arcs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Oid(pub Vec<u64>);

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arcs: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&arcs.join("."))
    }
}

impl std::str::FromStr for Oid {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let arcs = s
            .split('.')
            .map(|a| a.parse::<u64>().map_err(|_| "invalid OID arc"))
            .collect::<Result<Vec<_>, _>>()?;
        match arcs.as_slice() {
            [first, second, ..] if *first <= 2 && (*first == 2 || *second < 40) => Ok(Oid(arcs)),
            _ => Err("an OID needs two valid leading arcs"),
        }
    }
}

impl Asn1 for Oid {
    const NAME: &'static str = "OBJECT IDENTIFIER";
    const TAG: Option<Tag> = Some(Tag::OID);
    fn encode_content(&self, w: &mut Writer) {
        let mut arcs = self.0.iter().copied();
        let first = arcs.next().unwrap_or(0) * 40 + arcs.next().unwrap_or(0);
        for arc in std::iter::once(first).chain(arcs) {
            let groups = (64 - arc.leading_zeros()).div_ceil(7).max(1);
            for g in (0..groups).rev() {
                let septet = ((arc >> (7 * g)) & 0x7F) as u8;
                w.raw(&[if g == 0 { septet } else { septet | 0x80 }]);
            }
        }
    }
    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        let mut values = Vec::new();
        let mut acc: u64 = 0;
        for (i, b) in tlv.content.iter().enumerate() {
            if acc > (u64::MAX >> 7) {
                return Err(invalid(tlv, "OID arc too large"));
            }
            acc = (acc << 7) | u64::from(b & 0x7F);
            if b & 0x80 == 0 {
                values.push(acc);
                acc = 0;
            } else if i + 1 == tlv.content.len() {
                return Err(invalid(tlv, "OID ends inside an arc"));
            }
        }
        let first = *values.first().ok_or_else(|| invalid(tlv, "empty OID"))?;
        let (a, b) = if first < 80 {
            (first / 40, first % 40)
        } else {
            (2, first - 80)
        };
        Ok(Oid(std::iter::once(a)
            .chain(std::iter::once(b))
            .chain(values.into_iter().skip(1))
            .collect()))
    }
}

impl Jer for Oid {
    fn to_jer(&self) -> Value {
        Value::String(self.to_string())
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        let s = value
            .as_str()
            .ok_or_else(|| JerError::expected("an OID string", value))?;
        s.parse().map_err(JerError::new)
    }
}

// ---- SEQUENCE OF ----

impl<T: Asn1> Asn1 for Vec<T> {
    const NAME: &'static str = "SEQUENCE OF";
    const TAG: Option<Tag> = Some(Tag::SEQUENCE);
    fn encode_content(&self, w: &mut Writer) {
        for item in self {
            item.encode(w);
        }
    }
    fn decode_content(tlv: &Tlv<'_>, cx: &mut Ctx) -> Result<Self, DecodeError> {
        let mut items = Vec::new();
        crate::walk::sequence_of(tlv, cx, T::TAGS, T::TAG, &mut |child, cx| {
            items.push(T::decode(child, cx)?);
            Ok(())
        })?;
        Ok(items)
    }
}

impl<T: Jer> Jer for Vec<T> {
    fn to_jer(&self) -> Value {
        Value::Array(self.iter().map(Jer::to_jer).collect())
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        let items = value
            .as_array()
            .ok_or_else(|| JerError::expected("an array", value))?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| T::from_jer(v).map_err(|e| e.in_field(&format!("[{i}]"))))
            .collect()
    }
}

// ---- Relay types ----

/// Any one TLV, kept as the exact bytes received (certificates, opaque or unknown values).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Raw(pub Vec<u8>);

impl Raw {
    /// The complete TLV.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Raw({})", hex::encode_upper(&self.0))
    }
}

impl Asn1 for Raw {
    const NAME: &'static str = "ANY";
    const TAG: Option<Tag> = None;
    const TAGS: TagSet = TagSet::ANY;
    fn encode_content(&self, w: &mut Writer) {
        w.raw(&self.0)
    }
    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        Ok(Raw(tlv.raw.to_vec()))
    }
}

impl Jer for Raw {
    fn to_jer(&self) -> Value {
        Value::String(hex::encode(&self.0))
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        let bytes = hex_from_jer(value)?;
        let mut cx = Ctx::new(crate::Limits::default());
        Tlv::parse_message(&bytes, &mut cx)
            .map_err(|e| JerError::new(format!("not one TLV: {e}")))?;
        Ok(Raw(bytes))
    }
}

/// A decoded value together with the exact bytes it was decoded from.
///
/// Signed objects (eIM packages, eUICC results, notifications) must be relayed byte for byte: re-encoding a
/// BER value the card sent, or a value with fields we do not model, would break its signature. Encoding a
/// `Signed` writes the original bytes; a `Signed` built from a value holds its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<T> {
    raw: Vec<u8>,
    value: T,
}

impl<T: Asn1> Signed<T> {
    /// Wraps a value built locally; its bytes are its DER encoding.
    pub fn new(value: T) -> Self {
        Self {
            raw: crate::to_der(&value),
            value,
        }
    }

    /// Wraps a value built locally under an implicit tag (the form it takes inside its parent).
    pub fn new_implicit(value: T, tag: Tag) -> Self {
        let mut w = Writer::new();
        value.encode_implicit(tag, &mut w);
        Self {
            raw: w.into_bytes(),
            value,
        }
    }

    /// The parsed view.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The exact bytes, tag and length included.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The parsed view, dropping the bytes.
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T: Asn1> Asn1 for Signed<T> {
    const NAME: &'static str = T::NAME;
    const TAG: Option<Tag> = T::TAG;
    const TAGS: TagSet = T::TAGS;
    fn encode_content(&self, w: &mut Writer) {
        w.raw(&self.raw)
    }
    fn decode_content(tlv: &Tlv<'_>, cx: &mut Ctx) -> Result<Self, DecodeError> {
        Ok(Self {
            raw: tlv.raw.to_vec(),
            value: T::decode(tlv, cx)?,
        })
    }
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.raw)
    }
    fn encode_implicit(&self, _tag: Tag, w: &mut Writer) {
        w.raw(&self.raw)
    }
    fn decode_implicit(tlv: &Tlv<'_>, cx: &mut Ctx) -> Result<Self, DecodeError> {
        Ok(Self {
            raw: tlv.raw.to_vec(),
            value: T::decode_implicit(tlv, cx)?,
        })
    }
}

impl<T: Asn1 + Jer> Jer for Signed<T> {
    fn to_jer(&self) -> Value {
        self.value.to_jer()
    }
    fn from_jer(value: &Value) -> Result<Self, JerError> {
        T::from_jer(value).map(Signed::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{from_ber, to_der};

    #[test]
    fn integers_are_minimal_and_round_trip() {
        assert_eq!(to_der(&200i64), vec![0x02, 0x02, 0x00, 0xC8]);
        assert_eq!(to_der(&0i64), vec![0x02, 0x01, 0x00]);
        assert_eq!(to_der(&-1i64), vec![0x02, 0x01, 0xFF]);
        assert_eq!(to_der(&127u8), vec![0x02, 0x01, 0x7F]);
        assert_eq!(to_der(&128u8), vec![0x02, 0x02, 0x00, 0x80]);
        for v in [i64::MIN, -129, -128, 0, 255, 256, i64::MAX] {
            assert_eq!(from_ber::<i64>(&to_der(&v)).unwrap(), v);
        }
        assert!(from_ber::<u8>(&[0x02, 0x02, 0x01, 0x00]).is_err());
        assert!(from_ber::<u8>(&[0x02, 0x01, 0xFF]).is_err());
        assert!(from_ber::<i64>(&[0x02, 0x00]).is_err());
        assert_eq!(from_ber::<u8>(&[0x02, 0x03, 0x00, 0x00, 0x05]).unwrap(), 5);
    }

    #[test]
    fn bit_strings_follow_named_bit_rules() {
        assert_eq!(
            to_der(&BitString::from_bits(&[0])),
            vec![0x03, 0x02, 0x07, 0x80]
        );
        assert_eq!(
            to_der(&BitString::from_bits(&[3])),
            vec![0x03, 0x02, 0x04, 0x10]
        );
        assert_eq!(to_der(&BitString::from_bits(&[])), vec![0x03, 0x01, 0x00]);
        let b: BitString = from_ber(&[0x03, 0x02, 0x05, 0x20]).unwrap();
        assert_eq!(b.set_bits(), vec![2]);
        assert!(from_ber::<BitString>(&[0x03, 0x01, 0x03]).is_err());
    }

    #[test]
    fn oids_round_trip() {
        let oid: Oid = "2.23.146.1.2.1.3".parse().unwrap();
        let der = to_der(&oid);
        assert_eq!(
            der,
            vec![0x06, 0x07, 0x67, 0x81, 0x12, 0x01, 0x02, 0x01, 0x03]
        );
        assert_eq!(from_ber::<Oid>(&der).unwrap(), oid);
        assert!(from_ber::<Oid>(&[0x06, 0x01, 0x81]).is_err());
    }

    #[test]
    fn signed_keeps_ber_bytes() {
        // A non-minimal length: re-encoding would change the bytes, relaying must not.
        let ber = [0x04, 0x81, 0x02, 0xAA, 0xBB];
        let s: Signed<Octets> = from_ber(&ber).unwrap();
        assert_eq!(s.value().as_slice(), &[0xAA, 0xBB]);
        assert_eq!(to_der(&s), ber.to_vec());
    }
}
