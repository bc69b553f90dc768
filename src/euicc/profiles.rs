//! Local profile management (ES10c): list, enable, disable, delete, nickname.

use super::{Euicc, EuiccError};
use crate::apdu::CardError;
use crate::apdu::{ApduError, CardChannel};
use euicc_asn1::Iccid;
use euicc_asn1::types::sgp22::{ProfileInfo, ProfileSearchCriteria};
use euiccd_core::es10::{
    DeleteProfile, DisableProfile, EnableProfile, Es10Function, GetProfilesInfo, SetNickname,
    enabled_iccid,
};

impl<C: CardChannel> Euicc<C> {
    /// ES10c.GetProfilesInfo: the installed profiles, all of them or those matching `search`.
    pub async fn profiles(
        &mut self,
        search: Option<ProfileSearchCriteria>,
    ) -> Result<Vec<ProfileInfo>, EuiccError> {
        self.run(GetProfilesInfo { search }).await
    }

    /// The ICCID of the enabled profile (GetProfilesInfo), if one is enabled.
    pub(crate) async fn enabled_profile(&mut self) -> Result<Option<Iccid>, EuiccError> {
        Ok(enabled_iccid(&self.profiles(None).await?))
    }

    /// ES10c.EnableProfile; with `refresh` the eUICC resets the card afterwards (the session reopens its
    /// channel on the next call).
    pub(crate) async fn enable(&mut self, iccid: Iccid, refresh: bool) -> Result<(), EuiccError> {
        self.local_management(EnableProfile { iccid, refresh })
            .await?;
        self.switched(refresh);
        Ok(())
    }

    /// ES10c.DisableProfile.
    pub(crate) async fn disable(&mut self, iccid: Iccid, refresh: bool) -> Result<(), EuiccError> {
        self.local_management(DisableProfile { iccid, refresh })
            .await?;
        self.switched(refresh);
        Ok(())
    }

    /// ES10c.DeleteProfile (the profile must be disabled).
    pub(crate) async fn delete(&mut self, iccid: Iccid) -> Result<(), EuiccError> {
        self.local_management(DeleteProfile { iccid }).await
    }

    /// ES10c.SetNickname (at most [`MAX_NICKNAME`](euiccd_core::es10::MAX_NICKNAME) bytes of UTF-8).
    pub(crate) async fn set_nickname(
        &mut self,
        iccid: Iccid,
        nickname: &str,
    ) -> Result<(), EuiccError> {
        self.local_management(SetNickname { iccid, nickname }).await
    }

    /// An ES10c call; a status word refusing the command means the eUICC does not allow local management.
    async fn local_management<F: Es10Function>(
        &mut self,
        function: F,
    ) -> Result<F::Output, EuiccError> {
        self.run(function).await.map_err(|error| {
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
            EuiccError::LocalManagementRefused {
                function: F::NAME,
                reason,
            }
        })
    }
}
