//! PSMO and eCO parameters that are the same in v1.0 and v1.2.

use crate::{Asn1, Iccid, Null};

/// The parameters of the `enable` PSMO.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EnableParams {
    /// The profile to enable.
    pub iccid: Iccid,
    /// Present: the eUICC rolls back to the previous profile unless the eIM is reached on the new one.
    pub rollback_flag: Option<Null>,
}

/// The parameters of a PSMO naming one profile: `disable`, `delete`, v1.2 `setFallbackAttribute`.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ProfileIccid {
    /// The profile the operation applies to.
    pub iccid: Iccid,
}

/// An empty SEQUENCE: the parameters of `getRAT`, `listEim` and `unsetFallbackAttribute`, and empty answers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
pub struct Empty {}

/// The parameters of the `deleteEim` eCO.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct DeleteEim {
    /// The eIM whose configuration is removed.
    #[asn1(context = 0)]
    pub eim_id: String,
}
