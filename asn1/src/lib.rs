//! SGP.22 / SGP.32 message types with an exact DER encoder and a bounded, lenient BER decoder.
//!
//! # Why a codec of our own
//!
//! The types are declared once with `#[derive(Asn1)]` (tags, component names, optionality), and a small
//! hand-written BER/DER core does the rest. We tried the crates first:
//! `rasn` encodes SGP structures exactly but fails on components it does not know, while SGP.32 modules
//! are `EXTENSIBILITY IMPLIED` and a newer eUICC or eIM may add any; `der` is DER-only and cards may answer
//! in BER. Neither reports the field path and byte offset of a decoding error, nor keeps the exact bytes of
//! a signed object beside its parsed view. The core here does all four in about a thousand lines:
//!
//! - unknown SEQUENCE components are skipped at the extension point (after the last known component) and
//!   are errors anywhere else; unknown CHOICE alternatives are errors unless the type keeps them
//!   (`#[asn1(other)]`);
//! - decoding is bounded: no length is trusted before it is checked against the input, nesting depth and
//!   message size have limits ([`Limits`]), and errors name the path (`EuiccPackageRequest.euiccPackageSigned
//!   .counterValue`) and the offset;
//! - [`Signed<T>`] keeps the received bytes of a signed object so it is relayed unchanged;
//! - every type also has a JSON form in the shape of X.697 JER ([`Jer`]), which is what the golden vectors
//!   from the independent implementation are checked against and what `euiccd asn1 decode` prints.

extern crate self as euicc_asn1;

mod codec;
mod error;
pub mod jer;
mod primitives;
mod reader;
pub mod registry;
mod tag;
#[cfg(feature = "testgen")]
pub mod testgen;
pub mod types;
mod writer;

pub use codec::{Asn1, FieldTag, expect_accepted, from_ber, from_ber_with, to_der};
pub use error::{DecodeError, DecodeErrorKind, PathSegment};
pub use euicc_asn1_derive::Asn1;
pub use jer::{Jer, JerError};
pub use primitives::{BitString, Null, Octets, Oid, Raw, Signed};
pub use reader::{ChildCursor, Ctx, Limits, Tlv};
pub use serde_json;
pub use tag::Tag;
pub use types::{Eid, Iccid};
pub use writer::Writer;
