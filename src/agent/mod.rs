//! The IPA logic above the eUICC client and the remote clients.
//!
//! - [`bpp`]: the sans-IO split of a Bound Profile Package into LoadBoundProfilePackage segments.
//! - [`download`]: a profile download (SGP.22 flow), generic over the eUICC channel and the ES9+ carrier.

pub mod bpp;
pub mod download;

#[cfg(all(test, feature = "sim"))]
mod tests;
