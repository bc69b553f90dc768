//! The simulated MBIM modem: `euiccd sim serve --speak mbim`. A control function speaking USB MBIM 1.0 on a
//! PTY ([`server`]), with Microsoft's UICC low-level access service in front of the simulated eUICC
//! ([`device`]). Its framing ([`wire`]) is its own, never the IPA's.

pub mod device;
pub mod server;
pub mod wire;

pub use device::{MbimDevice, MbimFaults};
pub use server::serve;
