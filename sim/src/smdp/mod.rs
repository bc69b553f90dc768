//! The simulated SM-DP+: binds profile packages for the simulated eUICC and serves ES9+ (JSON binding) over
//! HTTPS on loopback.
//!
//! - [`logic`]: the sans-IO server, one method per ES9+ function, typed messages of the codec crate.
//! - `bind` (private): the Bound Profile Package (ECKA, KDF, BSP segments, smdpSign).
//! - [`json`]: the ES9+ JSON binding (field names, base64 and hex forms, status header), sans-IO.
//! - [`server`]: the HTTPS listener (hyper 1, rustls with ring) with switchable faults.
//! - [`order`]: download orders, redacted secrets and synthetic profile packages.
//! - [`status`]: ES9+ subject and reason codes.

mod bind;
pub mod json;
pub mod logic;
pub mod order;
pub mod server;
pub mod status;

#[cfg(test)]
mod e2e_tests;
#[cfg(test)]
mod tests;

pub use logic::{SetupError, SmdpEvent, SmdpIdentity, SmdpServer};
pub use order::{
    ProfileClass, ProfileMetadata, ProfileOrder, Secret, package_iccid, synthetic_profile_package,
};
pub use status::{SmdpError, StatusCode};
