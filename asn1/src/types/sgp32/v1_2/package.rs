//! The eIM's eUICC Package (`BF51`): PSMOs and eCOs, v1.2 layout.

use super::{
    ConfigureImmediateProfileEnablingRequest, EimConfigurationData, Empty, ProfileIccid,
    SetDefaultDpAddressRequest,
};

euicc_package!(transaction_id: eim_transaction_id);

psmo! {
/// Configure immediate profile enabling.
#[asn1(context = 7)]
ConfigureImmediateEnable(ConfigureImmediateProfileEnablingRequest),
/// Mark a profile as the fallback profile.
#[asn1(context = 8)]
SetFallbackAttribute(ProfileIccid),
/// Remove the fallback mark.
#[asn1(context = 9)]
UnsetFallbackAttribute(Empty),
/// Set the default SM-DP+ address.
#[asn1(context = 101)]
SetDefaultDpAddress(SetDefaultDpAddressRequest),
}
