//! The simulated QMI modem: a Qualcomm-style control device (`/dev/cdc-wdm*`) with the control service and
//! the UIM service in front of the simulated card, served on a PTY by `euiccd sim serve --speak qmi`.
//!
//! Written from libqmi's description of the protocol (its `qmi-service-ctl.json` and `qmi-service-uim.json`
//! data files) and checked by `qmicli`, never by the IPA's own QMI code: [`wire`] is this side's framing,
//! [`device`] the sans-IO device (bytes in, frames out), [`server`] the PTY.

pub mod device;
pub mod server;
pub mod wire;

pub use device::{CardSlot, OtherSlots, QmiDevice, QmiFaults};
pub use server::{QmiServerConfig, serve};
