//! The connectivity observer running over the modem: the sans-IO state machine
//! (`euiccd_core::connectivity`) fed by the modem driver's network reports, and the interface counters.
//!
//! - [`counters`]: the network interface's byte counters.
//! - [`task`]: the observer running over the modem engine.

pub(crate) mod counters;
pub(crate) mod task;

pub use counters::InterfaceCounters;
pub use task::{ConnectivityHandle, ObserverSettings, spawn};
