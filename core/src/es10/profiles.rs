//! Local profile management (ES10c, SGP.22 §5.7.15–5.7.21): list, enable, disable, delete, nickname.

use super::error::check;
use super::{Es10Error, Es10Function, decode};
use euicc_asn1::types::sgp22::{
    DeleteProfileRequest, DeleteProfileResponse, DisableProfileRequest, DisableProfileResponse,
    EnableProfileRequest, EnableProfileResponse, ProfileIdentifier, ProfileInfo,
    ProfileInfoListRequest, ProfileInfoListResponse, ProfileSearchCriteria, SetNicknameRequest,
    SetNicknameResponse, codes,
};
use euicc_asn1::{Iccid, to_der};

/// Longest nickname SGP.22 allows (`UTF8String (SIZE(0..64))`, in bytes).
pub const MAX_NICKNAME: usize = 64;

/// `profileState` enabled (SGP.22 `ProfileState`).
const PROFILE_STATE_ENABLED: i64 = 1;

/// The ICCID of the enabled profile among `profiles` (a GetProfilesInfo answer), if one is enabled.
pub fn enabled_iccid(profiles: &[ProfileInfo]) -> Option<Iccid> {
    profiles
        .iter()
        .find(|p| p.profile_state == Some(PROFILE_STATE_ENABLED))?
        .iccid
}

/// ES10c.GetProfilesInfo: the installed profiles, all of them or those matching `search`.
#[derive(Debug, Clone, Default)]
pub struct GetProfilesInfo {
    /// Which profiles; none: all.
    pub search: Option<ProfileSearchCriteria>,
}

impl Es10Function for GetProfilesInfo {
    const NAME: &'static str = "GetProfilesInfo";
    type Output = Vec<ProfileInfo>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&ProfileInfoListRequest {
            search_criteria: self.search.clone(),
            tag_list: None,
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<Vec<ProfileInfo>, Es10Error> {
        match decode(Self::NAME, &answer)? {
            ProfileInfoListResponse::ProfileInfoListOk(profiles) => Ok(profiles),
            ProfileInfoListResponse::ProfileInfoListError(code) => Err(Es10Error::refused(
                Self::NAME,
                codes::PROFILE_INFO_LIST_ERROR,
                code,
            )),
        }
    }
}

/// ES10c.EnableProfile; with `refresh` the eUICC resets the card afterwards.
#[derive(Debug, Clone, Copy)]
pub struct EnableProfile {
    /// The profile.
    pub iccid: Iccid,
    /// Ask for REFRESH.
    pub refresh: bool,
}

impl Es10Function for EnableProfile {
    const NAME: &'static str = "EnableProfile";
    type Output = ();

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&EnableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(self.iccid),
            refresh_flag: self.refresh,
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<(), Es10Error> {
        let response: EnableProfileResponse = decode(Self::NAME, &answer)?;
        check(Self::NAME, codes::ENABLE_RESULT, response.enable_result)
    }
}

/// ES10c.DisableProfile; with `refresh` the eUICC resets the card afterwards.
#[derive(Debug, Clone, Copy)]
pub struct DisableProfile {
    /// The profile.
    pub iccid: Iccid,
    /// Ask for REFRESH.
    pub refresh: bool,
}

impl Es10Function for DisableProfile {
    const NAME: &'static str = "DisableProfile";
    type Output = ();

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&DisableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(self.iccid),
            refresh_flag: self.refresh,
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<(), Es10Error> {
        let response: DisableProfileResponse = decode(Self::NAME, &answer)?;
        check(Self::NAME, codes::DISABLE_RESULT, response.disable_result)
    }
}

/// ES10c.DeleteProfile (the profile must be disabled).
#[derive(Debug, Clone, Copy)]
pub struct DeleteProfile {
    /// The profile.
    pub iccid: Iccid,
}

impl Es10Function for DeleteProfile {
    const NAME: &'static str = "DeleteProfile";
    type Output = ();

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&DeleteProfileRequest(ProfileIdentifier::Iccid(
            self.iccid,
        ))))
    }

    fn read(self, answer: Vec<u8>) -> Result<(), Es10Error> {
        let response: DeleteProfileResponse = decode(Self::NAME, &answer)?;
        check(Self::NAME, codes::DELETE_RESULT, response.delete_result)
    }
}

/// ES10c.SetNickname (at most [`MAX_NICKNAME`] bytes of UTF-8).
#[derive(Debug, Clone, Copy)]
pub struct SetNickname<'a> {
    /// The profile.
    pub iccid: Iccid,
    /// The new nickname.
    pub nickname: &'a str,
}

impl Es10Function for SetNickname<'_> {
    const NAME: &'static str = "SetNickname";
    type Output = ();

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        if self.nickname.len() > MAX_NICKNAME {
            return Err(Es10Error::InvalidRequest {
                function: Self::NAME,
                reason: "a nickname is at most 64 bytes of UTF-8",
            });
        }
        Ok(to_der(&SetNicknameRequest {
            iccid: self.iccid,
            profile_nickname: self.nickname.to_owned(),
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<(), Es10Error> {
        let response: SetNicknameResponse = decode(Self::NAME, &answer)?;
        check(
            Self::NAME,
            codes::SET_NICKNAME_RESULT,
            response.set_nickname_result,
        )
    }
}
