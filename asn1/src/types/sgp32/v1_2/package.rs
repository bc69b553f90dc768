//! The eIM's eUICC Package (`BF51`): PSMOs and eCOs, v1.2 layout.

use super::{
    ConfigureImmediateProfileEnablingRequest, EimConfigurationData, Empty, ProfileIccid,
    SetDefaultDpAddressRequest,
};

euicc_package!(transaction_id: eim_transaction_id);

psmo! {
/// Configure immediate profile enabling.
#[asn1(tag = 0xA7)]
ConfigureImmediateEnable(ConfigureImmediateProfileEnablingRequest),
/// Mark a profile as the fallback profile.
#[asn1(tag = 0xA8)]
SetFallbackAttribute(ProfileIccid),
/// Remove the fallback mark.
#[asn1(tag = 0xA9)]
UnsetFallbackAttribute(Empty),
/// Set the default SM-DP+ address.
#[asn1(tag = 0xBF65)]
SetDefaultDpAddress(SetDefaultDpAddressRequest),
}
