//! Profiles: listing (with tag lists and filters), enable/disable/delete (ES10c and the PSMO cores),
//! nicknames, memory reset, immediate enable, emergency profile, fallback and connectivity parameters.
//!
//! Every change of the enabled profile goes through [`SimEuicc::switch_to`], which signs the disable and
//! enable notifications and forgets the rollback, fallback and emergency return pointers; the callers that
//! need one set it afterwards. A switch asked with refreshFlag resets the card after the answer.

use euicc_asn1::types::sgp22::{
    DeleteProfileRequest, DeleteProfileResponse, DisableProfileRequest, DisableProfileResponse,
    EnableProfileRequest, EnableProfileResponse, ProfileIdentifier, ProfileInfo,
    ProfileInfoListRequest, ProfileInfoListResponse, ProfileSearchCriteria, SetNicknameRequest,
    SetNicknameResponse, Sgp22EuiccMemoryResetRequest, Sgp22EuiccMemoryResetResponse,
};
use euicc_asn1::types::sgp32::v1_2::{
    ConfigureImmediateProfileEnablingRequest, ConfigureImmediateProfileEnablingResponse,
    ConnectivityParameters, DisableEmergencyProfileRequest, DisableEmergencyProfileResponse,
    EnableEmergencyProfileRequest, EnableEmergencyProfileResponse, EuiccMemoryResetRequest,
    EuiccMemoryResetResponse, ExecuteFallbackMechanismRequest, ExecuteFallbackMechanismResponse,
    GetConnectivityParametersRequest, GetConnectivityParametersResponse, ImmediateEnableRequest,
    ImmediateEnableResponse, ReturnFromFallbackRequest, ReturnFromFallbackResponse,
};
use euicc_asn1::{BitString, Iccid, Octets, from_ber};

use super::state::{NotificationKind, Profile};
use super::{CommandError, SimEuicc, answer, respond};
use crate::card::AppletOutcome;

/// Result codes shared by the enable, disable and delete families (ES10c, PSMOs, SGP.32 commands).
pub(super) mod code {
    pub const OK: i64 = 0;
    pub const NOT_FOUND: i64 = 1;
    /// profileNotInDisabledState / profileNotInEnabledState / wrong state.
    pub const WRONG_STATE: i64 = 2;
    pub const DISALLOWED_BY_POLICY: i64 = 3;
    pub const NO_SESSION_CONTEXT: i64 = 4;
    pub const FALLBACK_NOT_AVAILABLE: i64 = 6;
    pub const COMMAND_ERROR: i64 = 7;
    pub const ECALL_NOT_AVAILABLE: i64 = 8;
    pub const RETURN_FALLBACK_PROFILE: i64 = 21;
    pub const UNDEFINED: i64 = 127;
}

/// ProfileInfoListError incorrectInputValues.
const INCORRECT_INPUT_VALUES: i64 = 1;
/// ImmediateEnable immediateEnableNotAvailable.
const IMMEDIATE_ENABLE_NOT_AVAILABLE: i64 = 1;
/// Connectivity parametersNotAvailable.
const PARAMETERS_NOT_AVAILABLE: i64 = 1;
/// setFallbackAttribute fallbackNotAllowed.
const FALLBACK_NOT_ALLOWED: i64 = 2;
/// unsetFallbackAttribute noFallbackAttribute.
const NO_FALLBACK_ATTRIBUTE: i64 = 2;
/// set/unsetFallbackAttribute fallbackProfileEnabled.
const FALLBACK_PROFILE_ENABLED: i64 = 3;
/// Memory reset nothingToDelete.
const NOTHING_TO_DELETE: i64 = 1;

impl SimEuicc {
    /// Makes `target` the enabled profile (`None`: none), signing the notifications. Returns whether
    /// anything changed.
    pub(super) fn switch_to(&mut self, target: Option<Iccid>) -> Result<bool, CommandError> {
        let current = self
            .state
            .enabled_profile()
            .map(|p| (p.iccid, p.notification_address.clone()));
        if current.as_ref().map(|(iccid, _)| *iccid) == target {
            return Ok(false);
        }
        if let Some((iccid, address)) = current {
            if let Some(p) = self.state.profile_mut(&iccid) {
                p.enabled = false;
            }
            self.notify(NotificationKind::Disable, iccid, &address)?;
        }
        if let Some(iccid) = target {
            let Some(p) = self.state.profile_mut(&iccid) else {
                return Err(CommandError::Internal("switch to a missing profile"));
            };
            p.enabled = true;
            let address = p.notification_address.clone();
            self.notify(NotificationKind::Enable, iccid, &address)?;
        }
        self.state.rollback = None;
        self.state.fallback_return = None;
        self.state.emergency_return = None;
        Ok(true)
    }

    /// Enables a disabled profile: ok, iccidOrAidNotFound or profileNotInDisabledState.
    pub(super) fn enable_profile(&mut self, iccid: &Iccid) -> Result<i64, CommandError> {
        match self.state.profile(iccid) {
            None => Ok(code::NOT_FOUND),
            Some(p) if p.enabled => Ok(code::WRONG_STATE),
            Some(_) => self.switch_to(Some(*iccid)).map(|_| code::OK),
        }
    }

    /// Disables the enabled profile: ok, iccidOrAidNotFound or profileNotInEnabledState.
    pub(super) fn disable_profile(&mut self, iccid: &Iccid) -> Result<i64, CommandError> {
        match self.state.profile(iccid) {
            None => Ok(code::NOT_FOUND),
            Some(p) if !p.enabled => Ok(code::WRONG_STATE),
            Some(_) => self.switch_to(None).map(|_| code::OK),
        }
    }

    /// Deletes a disabled profile: ok, iccidOrAidNotFound, profileNotInDisabledState or
    /// returnFallbackProfile (the profile to return to from fallback).
    pub(super) fn delete_profile(&mut self, iccid: &Iccid) -> Result<i64, CommandError> {
        let address = match self.state.profile(iccid) {
            None => return Ok(code::NOT_FOUND),
            Some(p) if p.enabled => return Ok(code::WRONG_STATE),
            Some(_) if self.state.fallback_return == Some(*iccid) => {
                return Ok(code::RETURN_FALLBACK_PROFILE);
            }
            Some(p) => p.notification_address.clone(),
        };
        self.state.profiles.retain(|p| p.iccid != *iccid);
        self.notify(NotificationKind::Delete, *iccid, &address)?;
        Ok(code::OK)
    }

    /// The ICCID of the profile `id` names, if it exists.
    fn resolve(&self, id: &ProfileIdentifier) -> Option<Iccid> {
        self.state
            .profiles
            .iter()
            .find(|p| match id {
                ProfileIdentifier::Iccid(iccid) => p.iccid == *iccid,
                ProfileIdentifier::IsdpAid(aid) => p.isdp_aid == aid.as_slice(),
            })
            .map(|p| p.iccid)
    }

    /// Runs an ES10c operation unless the policy forbids ES10c, mapping codes outside its list.
    fn es10c(
        &mut self,
        id: &ProfileIdentifier,
        operation: fn(&mut Self, &Iccid) -> Result<i64, CommandError>,
    ) -> Result<i64, CommandError> {
        if !self.config.es10c_allowed {
            return Ok(code::DISALLOWED_BY_POLICY);
        }
        let Some(iccid) = self.resolve(id) else {
            return Ok(code::NOT_FOUND);
        };
        Ok(match operation(self, &iccid)? {
            code::RETURN_FALLBACK_PROFILE => code::DISALLOWED_BY_POLICY,
            other => other,
        })
    }

    pub(super) fn es10c_enable(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<EnableProfileRequest>(command)?;
        let result = self.es10c(&request.profile_identifier, Self::enable_profile)?;
        let data = euicc_asn1::to_der(&EnableProfileResponse {
            enable_result: result,
        });
        Ok(answer(data, result == code::OK && request.refresh_flag))
    }

    pub(super) fn es10c_disable(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<DisableProfileRequest>(command)?;
        let result = self.es10c(&request.profile_identifier, Self::disable_profile)?;
        let data = euicc_asn1::to_der(&DisableProfileResponse {
            disable_result: result,
        });
        Ok(answer(data, result == code::OK && request.refresh_flag))
    }

    pub(super) fn es10c_delete(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<DeleteProfileRequest>(command)?;
        let result = self.es10c(&request.0, Self::delete_profile)?;
        respond(&DeleteProfileResponse {
            delete_result: result,
        })
    }

    pub(super) fn set_nickname(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<SetNicknameRequest>(command)?;
        let result = match self.state.profile_mut(&request.iccid) {
            Some(p) => {
                p.nickname =
                    (!request.profile_nickname.is_empty()).then_some(request.profile_nickname);
                code::OK
            }
            None => code::NOT_FOUND,
        };
        respond(&SetNicknameResponse {
            set_nickname_result: result,
        })
    }

    pub(super) fn get_profiles_info(&self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<ProfileInfoListRequest>(command)?;
        respond(&self.list_profiles(&request))
    }

    /// GetProfilesInfo (also the listProfileInfo PSMO).
    pub(super) fn list_profiles(
        &self,
        request: &ProfileInfoListRequest,
    ) -> ProfileInfoListResponse {
        let tags = match request
            .tag_list
            .as_ref()
            .map(|t| parse_tag_list(t.as_slice()))
        {
            Some(None) => {
                return ProfileInfoListResponse::ProfileInfoListError(INCORRECT_INPUT_VALUES);
            }
            Some(Some(tags)) => Some(tags),
            None => None,
        };
        let list = self
            .state
            .profiles
            .iter()
            .filter(|p| match &request.search_criteria {
                None => true,
                Some(ProfileSearchCriteria::Iccid(iccid)) => p.iccid == *iccid,
                Some(ProfileSearchCriteria::IsdpAid(aid)) => p.isdp_aid == aid.as_slice(),
                Some(ProfileSearchCriteria::ProfileClass(class)) => p.class == *class,
            })
            .map(|p| profile_info(p, tags.as_deref()))
            .collect();
        ProfileInfoListResponse::ProfileInfoListOk(list)
    }

    pub(super) fn memory_reset(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        if command.starts_with(&[0xBF, 0x34]) {
            let request = from_ber::<Sgp22EuiccMemoryResetRequest>(command)?;
            let (result, _, _, reset) = self.reset_memory(&request.reset_options);
            let data = euicc_asn1::to_der(&Sgp22EuiccMemoryResetResponse {
                reset_result: result,
            });
            return Ok(answer(data, reset));
        }
        let request = from_ber::<EuiccMemoryResetRequest>(command)?;
        let (result, eim, iec, reset) = self.reset_memory(&request.reset_options);
        let data = euicc_asn1::to_der(&EuiccMemoryResetResponse {
            reset_result: result,
            reset_eim_result: eim,
            reset_immediate_enable_config_result: iec,
        });
        Ok(answer(data, reset))
    }

    /// Applies the reset options (SGP.32 v1.2 bits; SGP.22 uses the first three). Returns resetResult,
    /// resetEimResult, resetImmediateEnableConfigResult and whether the enabled profile went away.
    fn reset_memory(&mut self, options: &BitString) -> (i64, Option<i64>, Option<i64>, bool) {
        let doomed = |p: &Profile| match p.class {
            0 => options.bit(1) || options.bit(3),
            1 => options.bit(4),
            _ => options.bit(0),
        };
        let before = self.state.profiles.len();
        let enabled_goes = self.state.enabled_profile().is_some_and(doomed);
        self.state.profiles.retain(|p| !doomed(p));
        let mut changed = self.state.profiles.len() < before;
        if changed {
            self.state.rollback = None;
            self.state.fallback_return = None;
            self.state.emergency_return = None;
        }
        if options.bit(2) && self.state.default_smdp_address.take().is_some() {
            changed = true;
        }
        let eim = options.bit(5).then(|| {
            if self.state.eims.is_empty() {
                NOTHING_TO_DELETE
            } else {
                self.state.eims.clear();
                code::OK
            }
        });
        let iec = options.bit(6).then(|| {
            self.state.immediate_enable = Default::default();
            code::OK
        });
        let result = if changed { code::OK } else { NOTHING_TO_DELETE };
        (result, eim, iec, enabled_goes)
    }

    pub(super) fn configure_immediate_enable(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<ConfigureImmediateProfileEnablingRequest>(command)?;
        respond(&ConfigureImmediateProfileEnablingResponse {
            config_immediate_enable_result: self.configure_immediate(request),
        })
    }

    /// Stores the immediate-enable configuration (also the configureImmediateEnable PSMO).
    pub(super) fn configure_immediate(
        &mut self,
        request: ConfigureImmediateProfileEnablingRequest,
    ) -> i64 {
        self.state.immediate_enable.enabled = request.immediate_enable_flag.is_some();
        self.state.immediate_enable.smdp_address = request.default_smdp_address;
        code::OK
    }

    pub(super) fn immediate_enable(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<ImmediateEnableRequest>(command)?;
        let (result, changed) = if !self.state.immediate_enable.enabled {
            (IMMEDIATE_ENABLE_NOT_AVAILABLE, false)
        } else if let Some(iccid) = self.volatile.installed.take() {
            match self.enable_profile(&iccid)? {
                code::OK => (code::OK, true),
                _ => (code::UNDEFINED, false),
            }
        } else {
            (code::NO_SESSION_CONTEXT, false)
        };
        let data = euicc_asn1::to_der(&ImmediateEnableResponse {
            immediate_enable_result: result,
        });
        Ok(answer(data, changed && request.0.refresh_flag))
    }

    pub(super) fn enable_emergency_profile(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<EnableEmergencyProfileRequest>(command)?;
        let emergency = self
            .state
            .profiles
            .iter()
            .find(|p| p.ecall)
            .map(|p| (p.iccid, p.enabled));
        let result = match emergency {
            None => code::ECALL_NOT_AVAILABLE,
            Some((_, true)) => code::WRONG_STATE,
            Some((iccid, false)) => {
                let previous = self.state.enabled_profile().map(|p| p.iccid);
                self.switch_to(Some(iccid))?;
                self.state.emergency_return = previous;
                code::OK
            }
        };
        let data = euicc_asn1::to_der(&EnableEmergencyProfileResponse {
            enable_emergency_profile_result: result,
        });
        Ok(answer(data, result == code::OK && request.0.refresh_flag))
    }

    pub(super) fn disable_emergency_profile(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<DisableEmergencyProfileRequest>(command)?;
        let result = if self.state.enabled_profile().is_some_and(|p| p.ecall) {
            let back = self.state.emergency_return;
            self.switch_to(back)?;
            code::OK
        } else {
            code::WRONG_STATE
        };
        let data = euicc_asn1::to_der(&DisableEmergencyProfileResponse {
            disable_emergency_profile_result: result,
        });
        Ok(answer(data, result == code::OK && request.0.refresh_flag))
    }

    pub(super) fn execute_fallback(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<ExecuteFallbackMechanismRequest>(command)?;
        let fallback = self
            .state
            .profiles
            .iter()
            .find(|p| p.fallback_attribute)
            .map(|p| (p.iccid, p.enabled));
        let result = match fallback {
            None => code::FALLBACK_NOT_AVAILABLE,
            Some((_, true)) => code::WRONG_STATE,
            Some((iccid, false)) => {
                let previous = self.state.enabled_profile().map(|p| p.iccid);
                self.switch_to(Some(iccid))?;
                self.state.fallback_return = previous;
                code::OK
            }
        };
        let data = euicc_asn1::to_der(&ExecuteFallbackMechanismResponse {
            execute_fallback_mechanism_result: result,
        });
        Ok(answer(data, result == code::OK && request.0.refresh_flag))
    }

    pub(super) fn return_from_fallback(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<ReturnFromFallbackRequest>(command)?;
        let in_fallback = self.in_fallback();
        let result = match self.state.fallback_return {
            _ if !self.state.profiles.iter().any(|p| p.fallback_attribute) => {
                code::FALLBACK_NOT_AVAILABLE
            }
            Some(back) if in_fallback => {
                self.switch_to(Some(back))?;
                code::OK
            }
            _ => code::COMMAND_ERROR,
        };
        let data = euicc_asn1::to_der(&ReturnFromFallbackResponse {
            return_from_fallback_result: result,
        });
        Ok(answer(data, result == code::OK && request.0.refresh_flag))
    }

    /// Gives `iccid` the fallback attribute (setFallbackAttribute PSMO): ok, iccidOrAidNotFound,
    /// fallbackNotAllowed, or fallbackProfileEnabled while the card runs on the fallback profile.
    pub(super) fn set_fallback(&mut self, iccid: &Iccid) -> i64 {
        match self.state.profile(iccid) {
            None => return code::NOT_FOUND,
            Some(p) if !p.fallback_allowed => return FALLBACK_NOT_ALLOWED,
            Some(_) if self.in_fallback() => return FALLBACK_PROFILE_ENABLED,
            Some(_) => {}
        }
        for p in &mut self.state.profiles {
            p.fallback_attribute = p.iccid == *iccid;
        }
        code::OK
    }

    /// Removes the fallback attribute (unsetFallbackAttribute PSMO): ok, noFallbackAttribute or
    /// fallbackProfileEnabled.
    pub(super) fn unset_fallback(&mut self) -> i64 {
        if !self.state.profiles.iter().any(|p| p.fallback_attribute) {
            return NO_FALLBACK_ATTRIBUTE;
        }
        if self.in_fallback() {
            return FALLBACK_PROFILE_ENABLED;
        }
        for p in &mut self.state.profiles {
            p.fallback_attribute = false;
        }
        code::OK
    }

    /// True while the fallback profile is enabled.
    fn in_fallback(&self) -> bool {
        self.state
            .enabled_profile()
            .is_some_and(|p| p.fallback_attribute)
    }

    pub(super) fn get_connectivity_parameters(
        &self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        from_ber::<GetConnectivityParametersRequest>(command)?;
        respond(&match self.state.enabled_profile() {
            Some(_) => {
                GetConnectivityParametersResponse::ConnectivityParameters(ConnectivityParameters {
                    http_params: None,
                })
            }
            None => GetConnectivityParametersResponse::ConnectivityParametersError(
                PARAMETERS_NOT_AVAILABLE,
            ),
        })
    }
}

/// The tags of a tag list (one to three bytes each), or `None` if it is malformed.
fn parse_tag_list(bytes: &[u8]) -> Option<Vec<u32>> {
    let mut tags = Vec::new();
    let mut rest = bytes;
    while let Some(&first) = rest.first() {
        let mut tag = u32::from(first);
        let mut len = 1;
        if first & 0x1F == 0x1F {
            loop {
                let b = *rest.get(len)?;
                tag = (tag << 8) | u32::from(b);
                len += 1;
                if b & 0x80 == 0 {
                    break;
                }
                if len >= 3 {
                    return None;
                }
            }
        }
        tags.push(tag);
        rest = &rest[len..];
    }
    Some(tags)
}

/// The ProfileInfo of `p` with the fields in `tags` (all when `None`). The OPTIONAL BOOLEANs are left out
/// when false, as cards do; fallbackAttribute is DEFAULT FALSE, which the encoder leaves out.
fn profile_info(p: &Profile, tags: Option<&[u32]>) -> ProfileInfo {
    let want = |tag: u32| tags.is_none_or(|t| t.contains(&tag));
    let flag = |tag: u32, value: bool| (want(tag) && value).then_some(true);
    ProfileInfo {
        iccid: want(0x5A).then_some(p.iccid),
        isdp_aid: want(0x4F).then(|| Octets(p.isdp_aid.clone())),
        profile_state: want(0x9F70).then_some(i64::from(p.enabled)),
        profile_nickname: p.nickname.clone().filter(|_| want(0x90)),
        service_provider_name: want(0x91).then(|| p.service_provider_name.clone()),
        profile_name: want(0x92).then(|| p.profile_name.clone()),
        profile_class: want(0x95).then_some(p.class),
        ecall_indication: flag(0x9F7B, p.ecall),
        fallback_attribute: want(0x9F26) && p.fallback_attribute,
        fallback_allowed: flag(0x9F67, p.fallback_allowed),
        ..ProfileInfo::default()
    }
}
