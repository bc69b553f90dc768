//! Local profile management (ES10c): list, enable, disable, delete, nickname.

use super::error::check;
use super::{Euicc, EuiccError};
use crate::apdu::CardError;
use crate::apdu::{ApduError, CardChannel};
use euicc_asn1::types::sgp22::{
    DeleteProfileRequest, DeleteProfileResponse, DisableProfileRequest, DisableProfileResponse,
    EnableProfileRequest, EnableProfileResponse, ProfileIdentifier, ProfileInfo,
    ProfileInfoListRequest, ProfileInfoListResponse, ProfileSearchCriteria, SetNicknameRequest,
    SetNicknameResponse, codes,
};
use euicc_asn1::{Asn1, Iccid};

/// Longest nickname SGP.22 allows (`UTF8String (SIZE(0..64))`, in bytes).
pub(crate) const MAX_NICKNAME: usize = 64;

/// `profileState` enabled (SGP.22 `ProfileState`).
const PROFILE_STATE_ENABLED: i64 = 1;

/// The ICCID of the enabled profile among `profiles` (a GetProfilesInfo answer), if one is enabled.
pub(crate) fn enabled_iccid(profiles: &[ProfileInfo]) -> Option<Iccid> {
    profiles
        .iter()
        .find(|p| p.profile_state == Some(PROFILE_STATE_ENABLED))?
        .iccid
}

impl<C: CardChannel> Euicc<C> {
    /// ES10c.GetProfilesInfo: the installed profiles, all of them or those matching `search`.
    pub async fn profiles(
        &mut self,
        search: Option<ProfileSearchCriteria>,
    ) -> Result<Vec<ProfileInfo>, EuiccError> {
        const FUNCTION: &str = "GetProfilesInfo";
        let request = ProfileInfoListRequest {
            search_criteria: search,
            tag_list: None,
        };
        match self.call(FUNCTION, &request).await? {
            ProfileInfoListResponse::ProfileInfoListOk(profiles) => Ok(profiles),
            ProfileInfoListResponse::ProfileInfoListError(code) => Err(EuiccError::refused(
                FUNCTION,
                codes::PROFILE_INFO_LIST_ERROR,
                code,
            )),
        }
    }

    /// The ICCID of the enabled profile (GetProfilesInfo), if one is enabled.
    pub(crate) async fn enabled_profile(&mut self) -> Result<Option<Iccid>, EuiccError> {
        Ok(enabled_iccid(&self.profiles(None).await?))
    }

    /// ES10c.EnableProfile; with `refresh` the eUICC resets the card afterwards (the session reopens its
    /// channel on the next call).
    pub(crate) async fn enable(&mut self, iccid: Iccid, refresh: bool) -> Result<(), EuiccError> {
        const FUNCTION: &str = "EnableProfile";
        let request = EnableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(iccid),
            refresh_flag: refresh,
        };
        let response: EnableProfileResponse = self.local_management(FUNCTION, &request).await?;
        check(FUNCTION, codes::ENABLE_RESULT, response.enable_result)?;
        self.switched(refresh);
        Ok(())
    }

    /// ES10c.DisableProfile.
    pub(crate) async fn disable(&mut self, iccid: Iccid, refresh: bool) -> Result<(), EuiccError> {
        const FUNCTION: &str = "DisableProfile";
        let request = DisableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(iccid),
            refresh_flag: refresh,
        };
        let response: DisableProfileResponse = self.local_management(FUNCTION, &request).await?;
        check(FUNCTION, codes::DISABLE_RESULT, response.disable_result)?;
        self.switched(refresh);
        Ok(())
    }

    /// ES10c.DeleteProfile (the profile must be disabled).
    pub(crate) async fn delete(&mut self, iccid: Iccid) -> Result<(), EuiccError> {
        const FUNCTION: &str = "DeleteProfile";
        let request = DeleteProfileRequest(ProfileIdentifier::Iccid(iccid));
        let response: DeleteProfileResponse = self.local_management(FUNCTION, &request).await?;
        check(FUNCTION, codes::DELETE_RESULT, response.delete_result)
    }

    /// ES10c.SetNickname (at most [`MAX_NICKNAME`] bytes of UTF-8).
    pub(crate) async fn set_nickname(
        &mut self,
        iccid: Iccid,
        nickname: &str,
    ) -> Result<(), EuiccError> {
        const FUNCTION: &str = "SetNickname";
        if nickname.len() > MAX_NICKNAME {
            return Err(EuiccError::InvalidRequest {
                function: FUNCTION,
                reason: "a nickname is at most 64 bytes of UTF-8",
            });
        }
        let request = SetNicknameRequest {
            iccid,
            profile_nickname: nickname.to_owned(),
        };
        let response: SetNicknameResponse = self.local_management(FUNCTION, &request).await?;
        check(
            FUNCTION,
            codes::SET_NICKNAME_RESULT,
            response.set_nickname_result,
        )
    }

    /// An ES10c call; a status word refusing the command means the eUICC does not allow local management.
    async fn local_management<Q: Asn1, R: Asn1>(
        &mut self,
        function: &'static str,
        request: &Q,
    ) -> Result<R, EuiccError> {
        self.call(function, request).await.map_err(|error| {
            if !error.is_not_supported() {
                return error;
            }
            let reason = match error {
                EuiccError::Transport {
                    source: ApduError::Card(CardError::Status { sw, .. }),
                    ..
                } => format!("status word {sw}"),
                other => other.to_string(),
            };
            EuiccError::LocalManagementRefused { function, reason }
        })
    }
}
