//! What the eUICC says about itself: EUICCInfo1/2, the EID and the authentication challenge (ES10b/ES10c).

use crate::{Asn1, BitString, Eid, Null, Octets};

/// ES10b.GetEUICCInfo, first form: asks for [`EUICCInfo1`] (`BF20 00`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 32)]
pub struct GetEuiccInfo1Request {}

/// The eUICC's specification version and the CIs it trusts; sent to the SM-DP+ in InitiateAuthentication.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 32)]
pub struct EUICCInfo1 {
    /// SGP.22 version implemented (3 bytes, e.g. `02 03 00`).
    #[asn1(context = 2)]
    pub svn: Octets,
    /// Subject key identifiers of the CI keys the eUICC verifies server certificates with.
    #[asn1(context = 9, name = "euiccCiPKIdListForVerification")]
    pub euicc_ci_pk_id_list_for_verification: Vec<Octets>,
    /// Subject key identifiers of the CI keys that certified the eUICC's own signing keys.
    #[asn1(context = 10, name = "euiccCiPKIdListForSigning")]
    pub euicc_ci_pk_id_list_for_signing: Vec<Octets>,
}

/// ES10b.GetEUICCInfo, second form: asks for [`EUICCInfo2`] (`BF22 00`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 34)]
pub struct GetEuiccInfo2Request {}

/// The eUICC's capabilities and versions, in the SGP.32 v1.2 form (with `ipaMode` and `iotSpecificInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 34)]
pub struct EUICCInfo2 {
    /// Highest SIMalliance profile package version supported.
    #[asn1(context = 1)]
    pub profile_version: Octets,
    /// SGP.22 version implemented.
    #[asn1(context = 2)]
    pub svn: Octets,
    /// The eUICC firmware version.
    #[asn1(context = 3)]
    pub euicc_firmware_ver: Octets,
    /// Free memory and installed applications (ETSI TS 102 226 tags).
    #[asn1(context = 4)]
    pub ext_card_resource: Octets,
    /// UICCCapability named bits (`usimSupport(1)`, …).
    #[asn1(context = 5)]
    pub uicc_capability: BitString,
    /// ETSI TS 102 241 version.
    #[asn1(context = 6)]
    pub ts102241_version: Option<Octets>,
    /// GlobalPlatform version.
    #[asn1(context = 7)]
    pub globalplatform_version: Option<Octets>,
    /// RspCapability named bits (`additionalProfile(0)`, `crlSupport(1)`, …).
    #[asn1(context = 8)]
    pub rsp_capability: BitString,
    /// CI key identifiers for verification, as in [`EUICCInfo1`].
    #[asn1(context = 9, name = "euiccCiPKIdListForVerification")]
    pub euicc_ci_pk_id_list_for_verification: Vec<Octets>,
    /// CI key identifiers for signing, as in [`EUICCInfo1`].
    #[asn1(context = 10, name = "euiccCiPKIdListForSigning")]
    pub euicc_ci_pk_id_list_for_signing: Vec<Octets>,
    /// other 0, basicEuicc 1, mediumEuicc 2, contactlessEuicc 3.
    #[asn1(context = 11)]
    pub euicc_category: Option<i64>,
    /// PprIds the eUICC refuses.
    #[asn1(context = 25)]
    pub forbidden_profile_policy_rules: Option<BitString>,
    /// Protection profile version.
    pub pp_version: Octets,
    /// SAS accreditation number of the production site.
    #[asn1(name = "sasAcreditationNumber", size(0..=64))]
    pub sas_accreditation_number: String,
    /// Where the eUICC's certification data can be found.
    #[asn1(context = 12)]
    pub certification_data_object: Option<CertificationDataObject>,
    /// Tamper-resistant element: isDiscrete 0, isIntegrated 1, usesRemoteMemory 2.
    #[asn1(context = 13)]
    pub tre_properties: Option<BitString>,
    /// Tamper-resistant element product reference.
    #[asn1(context = 14)]
    pub tre_product_reference: Option<String>,
    /// Further profile package versions supported.
    #[asn1(context = 15)]
    pub additional_euicc_profile_package_versions: Option<Vec<Octets>>,
    /// SGP.32: ipad 0 (the IPA runs in the device, us), ipae 1 (in the eUICC).
    #[asn1(context = 16)]
    pub ipa_mode: Option<i64>,
    /// CI key identifiers for signing with SGP.22 v3 certificates.
    #[asn1(context = 17, name = "euiccCiPKIdListForSigningV3")]
    pub euicc_ci_pk_id_list_for_signing_v3: Option<Vec<Octets>>,
    /// Manufacturer-specific information (up to 32 bytes).
    #[asn1(context = 18)]
    pub additional_euicc_info: Option<Octets>,
    /// Highest SGP.22 version supported.
    #[asn1(context = 19)]
    pub highest_svn: Option<Octets>,
    /// SGP.32: the IoT versions and features; its presence marks an IoT eUICC.
    #[asn1(context = 20)]
    pub iot_specific_info: Option<IoTSpecificInfo>,
}

/// SGP.32 part of [`EUICCInfo2`]: which SGP.32 versions and optional features the eUICC supports.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct IoTSpecificInfo {
    /// SGP.32 versions supported (3 bytes each, `01 02 00` = v1.2.0).
    #[asn1(context = 0)]
    pub iot_version: Vec<Octets>,
    /// Present when emergency-call profiles are supported.
    #[asn1(context = 1)]
    pub ecall_supported: Option<Null>,
    /// Present when the fallback mechanism is supported.
    #[asn1(context = 2)]
    pub fallback_supported: Option<Null>,
}

/// Where the certification data of the eUICC is published (in [`EUICCInfo2`]).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CertificationDataObject {
    /// Label of the discovery platform.
    #[asn1(context = 0)]
    pub platform_label: String,
    /// Base URL of the discovery service.
    #[asn1(context = 1, name = "discoveryBaseURL")]
    pub discovery_base_url: String,
}

/// ES10b.GetEUICCChallenge: asks for a fresh challenge before authentication (`BF2E 00`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 46)]
pub struct GetEuiccChallengeRequest {}

/// The 16-byte eUICC challenge that InitiateAuthentication carries to the SM-DP+.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 46)]
pub struct GetEuiccChallengeResponse {
    /// 16 random bytes.
    #[asn1(context = 0)]
    pub euicc_challenge: Octets,
}

/// ES10c.GetEID: asks for the data objects in `tag_list` (`BF3E 03 5C 01 5A` asks for the EID).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 62)]
pub struct GetEuiccDataRequest {
    /// Tags of the requested objects; `5A` is the EID.
    #[asn1(application = 28)]
    pub tag_list: Octets,
}

impl GetEuiccDataRequest {
    /// The request for the EID.
    pub fn eid() -> Self {
        Self {
            tag_list: Octets(vec![0x5A]),
        }
    }
}

/// The answer to [`GetEuiccDataRequest`]: the EID.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 62)]
pub struct GetEuiccDataResponse {
    /// The EID.
    #[asn1(application = 26)]
    pub eid_value: Eid,
}
