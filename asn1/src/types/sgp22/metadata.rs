//! Profile metadata (StoreMetadataRequest) and the small types it shares with ProfileInfo.

use crate::{Asn1, BitString, Iccid, Octets, Oid, Raw};

/// The profile metadata the SM-DP+ sends before the profile (in the BPP and in AuthenticateClient); the IPA
/// may check it against its policy before it accepts the download.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 37)]
pub struct StoreMetadataRequest {
    /// The profile's ICCID.
    pub iccid: Iccid,
    /// Name of the operator.
    #[asn1(context = 17, size(0..=32))]
    pub service_provider_name: String,
    /// Name of the profile.
    #[asn1(context = 18, size(0..=64))]
    pub profile_name: String,
    /// jpg 0, png 1.
    #[asn1(context = 19)]
    pub icon_type: Option<i64>,
    /// The icon (up to 1024 bytes).
    #[asn1(context = 20, size(0..=1024))]
    pub icon: Option<Octets>,
    /// test 0, provisioning 1, operational 2: the DEFAULT, which DER leaves out.
    #[asn1(context = 21, default = 2)]
    pub profile_class: i64,
    /// Where to send notifications for which operations.
    #[asn1(context = 22)]
    pub notification_configuration_info: Option<Vec<NotificationConfigurationInformation>>,
    /// The operator owning the profile.
    #[asn1(context = 23)]
    pub profile_owner: Option<OperatorId>,
    /// PprIds set on the profile (pprUpdateControl 0, ppr1 1, ppr2 2).
    #[asn1(context = 25)]
    pub profile_policy_rules: Option<BitString>,
    /// Service-specific data the eUICC stores with the profile.
    #[asn1(context = 34)]
    pub service_specific_data_stored_in_euicc: Option<Vec<VendorSpecificData>>,
    /// Service-specific data for the LPA/IPA only.
    #[asn1(context = 35)]
    pub service_specific_data_not_stored_in_euicc: Option<Vec<VendorSpecificData>>,
    /// SGP.32: the profile is an emergency-call (eCall) profile.
    #[asn1(context = 123)]
    pub ecall_indication: Option<bool>,
    /// SGP.32: the profile may be given the fallback attribute.
    #[asn1(context = 103)]
    pub fallback_allowed: Option<bool>,
}

/// Where the notifications of some profile operations go (in profile metadata).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct NotificationConfigurationInformation {
    /// NotificationEvent bits (install 0, enable 1, disable 2, delete 3).
    #[asn1(context = 0)]
    pub profile_management_operation: BitString,
    /// The receiver's FQDN.
    #[asn1(context = 1)]
    pub notification_address: String,
}

/// An operator: MCC/MNC and optionally the GID1/GID2 of its SIMs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct OperatorId {
    /// MCC and MNC, 3 bytes of swapped BCD.
    #[asn1(context = 0)]
    pub mcc_mnc: Octets,
    /// Group identifier 1.
    #[asn1(context = 1)]
    pub gid1: Option<Octets>,
    /// Group identifier 2.
    #[asn1(context = 2)]
    pub gid2: Option<Octets>,
}

/// SM-DP+ proprietary data kept with a profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct DpProprietaryData {
    /// The SM-DP+ OID the data belongs to.
    #[asn1(context = 0)]
    pub dp_oid: Oid,
}

/// One element of a VendorSpecificExtension: data defined by the owner of an OID.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct VendorSpecificData {
    /// The vendor's OID.
    #[asn1(context = 0)]
    pub vendor_oid: Oid,
    /// The data (an open type, kept as the TLV inside the `[1]` tag).
    #[asn1(context = 1, explicit)]
    pub vendor_specific_data: Raw,
}
