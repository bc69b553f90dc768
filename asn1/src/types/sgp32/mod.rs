//! SGP.32 (SGP32Definitions) types, in the v1.0 and the v1.2 layouts.

// Message CHOICEs hold their alternatives inline: the codec has no `Asn1` for `Box<T>`, and a message is
// decoded once and handed on, so the size of the larger alternatives costs nothing that matters.
#![allow(clippy::large_enum_variant)]

#[macro_use]
mod twins;

pub mod common;
pub mod v1_0;
pub mod v1_2;
pub mod view;
