//! SGP.32 v1.0 types: the version-specific ones defined here, the common ones re-exported.

mod download_trigger;
mod eim_config;
mod eim_package;
mod es10b;
mod esipa;
mod ipa_data;
mod notifications;
mod package;
mod result;

pub use super::common::*;
pub use download_trigger::*;
pub use eim_config::*;
pub use eim_package::*;
pub use es10b::*;
pub use esipa::*;
pub use ipa_data::*;
pub use notifications::*;
pub use package::*;
pub use result::*;

/// The SGP.32 v1.0 layout, as a type: what [`super::view::Sgp32`] says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Types;

layout_types!(
    ConfigureAutoProfileEnablingRequest,
    ConfigureAutoProfileEnablingResponse,
    EnableUsingDDRequest,
    EnableUsingDDResponse,
);
