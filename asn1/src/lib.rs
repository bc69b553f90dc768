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
//!
//! # Declaring a type
//!
//! Tags are written as the modules write them, as a class and a number; the derive computes the identifier
//! octets, the constructed bit taken from the tagged type ([`Asn1::CONSTRUCTED`]). DEFAULT and SIZE are
//! attributes too. From SGP.32's `EuiccPackageSigned`, shortened:
//!
//! ```
//! use euicc_asn1::{Asn1, Octets, Tag, to_der};
//!
//! #[derive(Debug, PartialEq, Asn1)]
//! struct Package {
//!     #[asn1(context = 0, size(1..=128))]   // eimId [0] UTF8String (SIZE(1..128)): 80
//!     eim_id: String,
//!     #[asn1(context = 2, size(1..=16))]    // eimTransactionId [2] TransactionId OPTIONAL: 82
//!     eim_transaction_id: Option<Octets>,
//!     #[asn1(context = 3, default = 0)]     // a DEFAULT component, left out when it holds the default
//!     retries: i64,
//!     #[asn1(context = 4)]                  // [4] on a SEQUENCE: constructed, A4
//!     inner: Inner,
//! }
//!
//! #[derive(Debug, PartialEq, Asn1)]
//! #[asn1(context = 32)]                     // [32] on a SEQUENCE: BF20
//! struct Inner {
//!     #[asn1(application = 73)]             // [APPLICATION 73] on an OCTET STRING: 5F49
//!     key: Octets,
//! }
//!
//! assert_eq!(Inner::TAG, Some(Tag(0xBF20)));
//! let value = Package {
//!     eim_id: "eim".into(),
//!     eim_transaction_id: None,
//!     retries: 0,
//!     inner: Inner { key: Octets(vec![7]) },
//! };
//! assert_eq!(hex::encode(to_der(&value)), "300b800365696da4045f490107");
//! assert_eq!(hex::encode(to_der(&value.inner)), "bf20045f490107");
//! ```
//!
//! What a decoder could not tell apart is a compile error (X.680 clauses 25 and 29). Two alternatives of a
//! CHOICE with one tag:
//!
//! ```compile_fail,E0080
//! use euicc_asn1::Asn1;
//!
//! #[derive(Asn1)]
//! enum Psmo {
//!     #[asn1(context = 3)]
//!     Enable(i64),
//!     #[asn1(context = 3)]
//!     Disable(i64),
//! }
//! ```
//!
//! also when one alternative is an untagged CHOICE holding that tag:
//!
//! ```compile_fail,E0080
//! use euicc_asn1::Asn1;
//!
//! #[derive(Asn1)]
//! enum Inner {
//!     #[asn1(context = 3)]
//!     Enable(i64),
//!     #[asn1(context = 4)]
//!     Disable(i64),
//! }
//!
//! #[derive(Asn1)]
//! enum Outer {
//!     Psmo(Inner),
//!     #[asn1(context = 4)]
//!     Delete(i64),
//! }
//! ```
//!
//! An OPTIONAL (or DEFAULT) component with the tag of a component after it, up to the next mandatory one:
//!
//! ```compile_fail,E0080
//! use euicc_asn1::{Asn1, Octets};
//!
//! #[derive(Asn1)]
//! struct Request {
//!     #[asn1(context = 1)]
//!     transaction_id: Option<Octets>,
//!     #[asn1(context = 1)]
//!     counter: i64,
//! }
//! ```
//!
//! ```compile_fail,E0080
//! use euicc_asn1::{Asn1, Octets};
//!
//! #[derive(Asn1)]
//! struct Request {
//!     #[asn1(context = 1, default = 0)]
//!     retries: i64,
//!     #[asn1(context = 2)]
//!     note: Option<Octets>,
//!     #[asn1(context = 1)]
//!     counter: Option<i64>,
//! }
//! ```
//!
//! while mandatory components may share a tag, since they are read in order (`SameTags` in the derive's
//! tests), and a component may share one with an OPTIONAL component before it that a mandatory one
//! separates:
//!
//! ```
//! use euicc_asn1::{Asn1, Octets};
//!
//! #[derive(Asn1)]
//! struct Request {
//!     #[asn1(context = 1)]
//!     transaction_id: Option<Octets>,
//!     #[asn1(context = 2)]
//!     counter: i64,
//!     #[asn1(context = 1)]
//!     note: Option<Octets>,
//! }
//! ```
//!
//! A tag is written one way: the encoded octets the derive once took are an error that names the
//! replacement (here ``write `context = 3` ``):
//!
//! ```compile_fail
//! use euicc_asn1::Asn1;
//!
//! #[derive(Asn1)]
//! struct Request {
//!     #[asn1(tag = 0xA3)]
//!     counter: i64,
//! }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate self as euicc_asn1;

mod codec;
mod error;
pub mod jer;
mod layout;
mod primitives;
mod reader;
pub mod registry;
mod size;
mod tag;
#[cfg(feature = "testgen")]
pub mod testgen;
pub mod types;
pub mod walk;
mod writer;

pub use codec::{Asn1, FieldTag, expect_accepted, from_ber, from_ber_with, to_der};
pub use error::{DecodeError, DecodeErrorKind, PathSegment};
pub use euicc_asn1_derive::Asn1;
pub use jer::{Jer, JerError};
pub use layout::Layout;
pub use primitives::{BitString, Null, Octets, Oid, Raw, Signed};
pub use reader::{ChildCursor, Ctx, Limits, Tlv};
pub use serde_json;
pub use size::{HasSize, SizeRange};
pub use tag::{Class, Tag, TagSet};
pub use types::{Eid, Iccid};
pub use writer::Writer;
