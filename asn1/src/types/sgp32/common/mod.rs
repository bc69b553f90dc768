//! SGP.32 types whose encoding is the same in v1.0 and v1.2. Both version modules re-export them.

mod download_trigger;
mod eim_config;
mod es10b;
mod esipa;
mod ipa_data;
mod package;
mod pkix;
mod result;

pub use download_trigger::*;
pub use eim_config::*;
pub use es10b::*;
pub use esipa::*;
pub use ipa_data::*;
pub use package::*;
pub use pkix::*;
pub use result::*;
