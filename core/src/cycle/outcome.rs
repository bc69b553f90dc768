//! What a poll cycle reports, and the removal rule it applies to a delivery.

/// Delivered entries one delivery may leave on the eUICC before the cycle warns that results pile up.
pub const PILE_UP_BOUND: usize = 4;

/// A local change of the eUICC's state (a rollback, a fallback, an immediate enable, a reset …) the eIM is
/// to hear of with the next poll (SGP.32 v1.2 section 3.4.1.1, GetEimPackage): `notifyStateChange`, with
/// the cause and the registered network. The cycle clears it once the eIM answered that poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// `StateChangeCause` (names: `v1_2::STATE_CHANGE_CAUSE`; fallback 1, local 3, immediateEnableProfile 5 …).
    /// SGP.32 v1.0 has no cause: a v1.0 eIM hears only that the state changed.
    pub cause: i64,
    /// The registered PLMN (MCC and MNC, 3 bytes as in 3GPP TS 24.008), when known.
    pub r_plmn: Option<[u8; 3]>,
}

/// What one poll cycle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The eIM has nothing to do (noEimPackageAvailable).
    NoPackage,
    /// The eIM answered another `eimPackageError` (e.g. eidNotFound 2).
    EimRefused {
        /// The error code.
        code: i64,
    },
    /// The package was carried out (an eUICC package loaded, or a data request answered), its result
    /// delivered, and what the eIM took removed from the eUICC.
    Executed(Removal),
    /// The package was not carried out; the eIM was sent this `eimPackageResultErrorCode`.
    Rejected {
        /// [`INVALID_PACKAGE_FORMAT`](super::INVALID_PACKAGE_FORMAT).
        code: i64,
    },
}

/// What one delivery removes from the eUICC, and what it leaves there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Removal {
    /// The sequence numbers removed from the eUICC.
    pub removed: Vec<i64>,
    /// The sequence numbers delivered but left on the eUICC (the eIM did not take them).
    pub kept: Vec<i64>,
}

impl Removal {
    /// Of the sequence numbers a ProvideEimPackageResult `carried`: those the eIM `acknowledged` (never a
    /// number it did not carry: an eIM may acknowledge its own order numbers), or, when the eIM acknowledged
    /// nothing, all of them if `removes_unacknowledged`, else none.
    pub fn decide(carried: &[i64], acknowledged: &[i64], removes_unacknowledged: bool) -> Self {
        let taken = |n: &i64| match acknowledged.is_empty() {
            true => removes_unacknowledged,
            false => acknowledged.contains(n),
        };
        let (removed, kept) = carried.iter().partition(|n| taken(n));
        Self { removed, kept }
    }

    /// The acknowledged numbers that were not `carried`.
    pub fn foreign(carried: &[i64], acknowledged: &[i64]) -> Vec<i64> {
        acknowledged
            .iter()
            .copied()
            .filter(|n| !carried.contains(n))
            .collect()
    }

    /// Whether this delivery leaves more than [`PILE_UP_BOUND`] entries on the eUICC.
    pub fn piles_up(&self) -> bool {
        self.kept.len() > PILE_UP_BOUND
    }
}
