//! The eIM's profile download trigger, the same in v1.0 and v1.2.

use crate::{Asn1, Octets};

/// ProfileDownloadTriggerRequest (`BF54`): the eIM asks the IPA to download a profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 84)]
pub struct ProfileDownloadTriggerRequest {
    /// Where to download from; absent: the IPA's own default.
    #[asn1(context = 0)]
    pub profile_download_data: Option<ProfileDownloadData>,
    /// The eIM's correlation identifier, echoed in the result.
    #[asn1(context = 2, size(1..=16))]
    pub eim_transaction_id: Option<Octets>,
}

/// The source of a profile download.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum ProfileDownloadData {
    /// An SGP.22 activation code (`1$smdp$matchingId…`).
    #[asn1(context = 0)]
    ActivationCode(String),
    /// Use the eUICC's default SM-DP+ address.
    #[asn1(context = 1)]
    ContactDefaultSmdp,
    /// Ask an SM-DS.
    #[asn1(context = 2)]
    ContactSmds(ContactSmds),
}

/// The SM-DS to ask for a download.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ContactSmds {
    /// Absent: the eUICC's root SM-DS.
    #[asn1(context = 0)]
    pub smds_address: Option<String>,
}
