//! The rollback and fallback supervisors' decisions (SGP.32 v1.2: profile rollback and the fallback mechanism),
//! sans-IO: each takes the time (Unix seconds) and a [`Connectivity`] snapshot and says what to do. The
//! daemon's supervisor journals each step before the action it announces and carries it out on the eUICC.
//!
//! - [`rollback`]: the rollback watch of one switch.
//! - [`fallback`]: the outage clock and the fallback steps.
//! - [`record`]: the journaled record of both and the decisions taken on it.

pub mod fallback;
pub mod record;
pub mod rollback;

/// The network registration as the modem reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Registration {
    /// Not known yet (nothing observed).
    #[default]
    Unknown,
    /// Not registered, searching or idle.
    Searching,
    /// Registered, home or roaming.
    Registered,
    /// The network rejected the registration.
    Denied,
}

/// What the supervisors need to know of the connectivity at one moment. Attach and data session carry
/// the time they began, so that a state left over from the previous profile (the modem's view before it
/// re-registered after the REFRESH) is no evidence for the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Connectivity {
    /// The registration.
    pub registration: Registration,
    /// While registered: since when (Unix seconds).
    pub attached_since: Option<u64>,
    /// While a data session (a PDP/PDN context) is up: since when (Unix seconds).
    pub data_since: Option<u64>,
    /// When an ESipa exchange with an eIM last succeeded (Unix seconds).
    pub last_eim_success: Option<u64>,
    /// When one last failed (Unix seconds).
    pub last_eim_failure: Option<u64>,
}

impl Connectivity {
    /// Whether a data session is up.
    pub fn data_session(&self) -> bool {
        self.data_since.is_some()
    }

    /// Whether the latest eIM exchange failed.
    pub fn eim_failing(&self) -> bool {
        match (self.last_eim_failure, self.last_eim_success) {
            (Some(failure), Some(success)) => failure > success,
            (failure, _) => failure.is_some(),
        }
    }
}

/// Where the supervisors get the connectivity from (the connectivity observer in the daemon, a script
/// in tests).
pub trait ConnectivityView {
    /// The connectivity now.
    fn connectivity(&self) -> Connectivity;
}
