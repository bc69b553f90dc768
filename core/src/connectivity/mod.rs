//! The connectivity observer, sans-IO: what the modem says about the network, turned into a
//! [`observer::NetworkState`] and [`event::ConnectivityEvent`]s (attach accepted / rejected / failed, data
//! session started / updated / ended / failed) for the rollback and fallback supervisors and for upstream
//! reporting. The daemon's observer task runs it over the modem driver.
//!
//! - [`observer`]: the state machine (lines, counters and time in; state, events and queries out).
//! - [`event`]: the event model, serialized as the data of upstream CloudEvents.
//! - [`mcc`]: the country of a mobile country code.

pub mod event;
pub mod mcc;
pub mod observer;
