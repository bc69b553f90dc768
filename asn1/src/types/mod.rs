//! The message types, by specification.
//!
//! `sgp22` holds the SGP.22 (RSPDefinitions) types the IPA exchanges with the eUICC and the SM-DP+, in the
//! form SGP.32 v1.2 imports them; `sgp32::v1_0` and `sgp32::v1_2` hold the SGP32Definitions types of each
//! version. A type that is the same in both versions is defined once in `sgp32::common` and re-exported by
//! both version modules; a declaration both versions share but whose components are version-specific types is
//! written once as a macro (`sgp32/twins.rs`) that each version module invokes.

mod ids;
pub mod sgp22;
pub mod sgp32;

pub use ids::{Eid, Iccid, IdError};
