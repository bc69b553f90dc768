//! Local profile management (ES10c): listing, enabling, disabling, deleting and naming profiles.

use super::metadata::{
    DpProprietaryData, NotificationConfigurationInformation, OperatorId, VendorSpecificData,
};
use crate::{Asn1, BitString, Iccid, Octets};

/// ES10c.GetProfilesInfo: lists the profiles, all or those matching `search_criteria`, with the fields in
/// `tag_list` (`BF2D 00` lists all with the default fields).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 45)]
pub struct ProfileInfoListRequest {
    /// Which profiles to list.
    #[asn1(context = 0)]
    pub search_criteria: Option<ProfileSearchCriteria>,
    /// Tags of the ProfileInfo fields wanted (e.g. `5A 4F 9F70 90`).
    #[asn1(application = 28)]
    pub tag_list: Option<Octets>,
}

/// The `searchCriteria` of [`ProfileInfoListRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum ProfileSearchCriteria {
    /// The profile with this ISD-P AID.
    #[asn1(application = 15)]
    IsdpAid(Octets),
    /// The profile with this ICCID.
    Iccid(Iccid),
    /// The profiles of this class (test 0, provisioning 1, operational 2).
    #[asn1(context = 21)]
    ProfileClass(i64),
}

/// The answer to [`ProfileInfoListRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 45)]
pub enum ProfileInfoListResponse {
    /// The matching profiles.
    #[asn1(context = 0)]
    ProfileInfoListOk(Vec<ProfileInfo>),
    /// incorrectInputValues 1, profileChangeOngoing 11, undefinedError 127.
    #[asn1(context = 1)]
    ProfileInfoListError(i64),
}

/// One installed profile, in the SGP.32 v1.2 form (with the eCall and fallback fields). Every field is
/// optional because the request's tag list selects them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(private = 3)]
pub struct ProfileInfo {
    /// The profile's ICCID.
    pub iccid: Option<Iccid>,
    /// The AID of the profile's ISD-P.
    #[asn1(application = 15)]
    pub isdp_aid: Option<Octets>,
    /// disabled 0, enabled 1.
    #[asn1(context = 112)]
    pub profile_state: Option<i64>,
    /// The nickname the user gave the profile.
    #[asn1(context = 16, size(0..=64))]
    pub profile_nickname: Option<String>,
    /// Name of the operator.
    #[asn1(context = 17, size(0..=32))]
    pub service_provider_name: Option<String>,
    /// Name of the profile.
    #[asn1(context = 18, size(0..=64))]
    pub profile_name: Option<String>,
    /// jpg 0, png 1.
    #[asn1(context = 19)]
    pub icon_type: Option<i64>,
    /// The icon (up to 1024 bytes).
    #[asn1(context = 20, size(0..=1024))]
    pub icon: Option<Octets>,
    /// test 0, provisioning 1, operational 2.
    #[asn1(context = 21)]
    pub profile_class: Option<i64>,
    /// Where to send notifications for which operations.
    #[asn1(context = 22)]
    pub notification_configuration_info: Option<Vec<NotificationConfigurationInformation>>,
    /// The operator owning the profile.
    #[asn1(context = 23)]
    pub profile_owner: Option<OperatorId>,
    /// SM-DP+ proprietary data.
    #[asn1(context = 24)]
    pub dp_proprietary_data: Option<DpProprietaryData>,
    /// PprIds set on the profile (pprUpdateControl 0, ppr1 1, ppr2 2).
    #[asn1(context = 25)]
    pub profile_policy_rules: Option<BitString>,
    /// Service-specific data stored with the profile.
    #[asn1(context = 34)]
    pub service_specific_data_stored_in_euicc: Option<Vec<VendorSpecificData>>,
    /// SGP.32: the profile is an emergency-call (eCall) profile.
    #[asn1(context = 123)]
    pub ecall_indication: Option<bool>,
    /// SGP.32: the profile is the fallback profile. DEFAULT FALSE: absent (also when the request's tag
    /// list left it out) reads as false, and DER leaves false out.
    #[asn1(context = 38, default = false)]
    pub fallback_attribute: bool,
    /// SGP.32: the profile may be given the fallback attribute.
    #[asn1(context = 103)]
    pub fallback_allowed: Option<bool>,
}

/// A profile named by its ISD-P AID or its ICCID (Enable/DisableProfile, DeleteProfile).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum ProfileIdentifier {
    /// The AID of the profile's ISD-P.
    #[asn1(application = 15)]
    IsdpAid(Octets),
    /// The profile's ICCID.
    Iccid(Iccid),
}

/// ES10c.EnableProfile: enables a profile (and disables the enabled one).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 49)]
pub struct EnableProfileRequest {
    /// The profile.
    #[asn1(context = 0, explicit)]
    pub profile_identifier: ProfileIdentifier,
    /// Whether the eUICC sends REFRESH to the device.
    #[asn1(context = 1)]
    pub refresh_flag: bool,
}

/// The result of [`EnableProfileRequest`] ([`codes::ENABLE_RESULT`](super::codes::ENABLE_RESULT)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 49)]
pub struct EnableProfileResponse {
    /// ok 0, iccidOrAidNotFound 1, profileNotInDisabledState 2, disallowedByPolicy 3, wrongProfileReenabling 4,
    /// catBusy 5, undefinedError 127.
    #[asn1(context = 0)]
    pub enable_result: i64,
}

/// ES10c.DisableProfile: disables the enabled profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 50)]
pub struct DisableProfileRequest {
    /// The profile.
    #[asn1(context = 0, explicit)]
    pub profile_identifier: ProfileIdentifier,
    /// Whether the eUICC sends REFRESH to the device.
    #[asn1(context = 1)]
    pub refresh_flag: bool,
}

/// The result of [`DisableProfileRequest`] ([`codes::DISABLE_RESULT`](super::codes::DISABLE_RESULT)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 50)]
pub struct DisableProfileResponse {
    /// ok 0, iccidOrAidNotFound 1, profileNotInEnabledState 2, disallowedByPolicy 3, catBusy 5, undefinedError 127.
    #[asn1(context = 0)]
    pub disable_result: i64,
}

/// ES10c.DeleteProfile: deletes a disabled profile (`BF33 {5A iccid}`).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 51)]
pub struct DeleteProfileRequest(pub ProfileIdentifier);

/// The result of [`DeleteProfileRequest`] ([`codes::DELETE_RESULT`](super::codes::DELETE_RESULT)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 51)]
pub struct DeleteProfileResponse {
    /// ok 0, iccidOrAidNotFound 1, profileNotInDisabledState 2, disallowedByPolicy 3, undefinedError 127.
    #[asn1(context = 0)]
    pub delete_result: i64,
}

/// ES10c.SetNickname: sets the nickname of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 41)]
pub struct SetNicknameRequest {
    /// The profile.
    pub iccid: Iccid,
    /// The new nickname (up to 64 characters).
    #[asn1(context = 16, size(0..=64))]
    pub profile_nickname: String,
}

/// The result of [`SetNicknameRequest`] ([`codes::SET_NICKNAME_RESULT`](super::codes::SET_NICKNAME_RESULT)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 41)]
pub struct SetNicknameResponse {
    /// ok 0, iccidNotFound 1, undefinedError 127.
    #[asn1(context = 0)]
    pub set_nickname_result: i64,
}
