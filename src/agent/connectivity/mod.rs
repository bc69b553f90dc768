//! The connectivity observer: what the modem says about the network, turned into a [`NetworkState`] and
//! [`ConnectivityEvent`]s (attach accepted / rejected / failed, data session started / updated / ended /
//! failed) for the rollback and fallback supervisors and for upstream reporting.
//!
//! - [`at`]: sans-IO parsers of the 3GPP TS 27.007 network lines.
//! - [`observer`]: the sans-IO state machine (lines, counters and time in; state, events and queries out).
//! - [`event`]: the event model, serialized as the data of upstream CloudEvents.
//! - [`counters`]: the network interface's byte counters.
//! - [`mcc`]: the country of a mobile country code.
//! - [`task`]: the observer running over the modem engine.

pub mod at;
pub mod counters;
pub mod event;
pub mod mcc;
pub mod observer;
pub mod task;

pub use at::{Domain, Form, Rat, RegStatus, Registration, RejectCause, Signal};
pub use counters::InterfaceCounters;
pub use event::{ConnectivityEvent, DeviceIdentity, EventKind, NetworkSnapshot};
pub use observer::{DataSession, NetworkState, Observer, ObserverConfig, Query, Step};
pub use task::{ConnectivityHandle, ObserverSettings, spawn};
