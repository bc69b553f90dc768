//! The ES10b functions of a profile download: AuthenticateServer, PrepareDownload and
//! LoadBoundProfilePackage. Their answers are relayed to the SM-DP+, so each comes back as the exact bytes
//! the eUICC produced ([`Signed`]) beside the parsed view.

use super::{Euicc, EuiccError, decode};
use crate::apdu::CardChannel;
use euicc_asn1::types::sgp22::{
    AuthenticateServerRequest, AuthenticateServerResponse, PrepareDownloadRequest,
    PrepareDownloadResponse, codes,
};
use euicc_asn1::{Signed, to_der};

impl<C: CardChannel> Euicc<C> {
    /// ES10b.AuthenticateServer. An `AuthenticateResponseError` becomes [`EuiccError::Refused`].
    pub async fn authenticate_server(
        &mut self,
        request: &AuthenticateServerRequest,
    ) -> Result<Signed<AuthenticateServerResponse>, EuiccError> {
        const FUNCTION: &str = "AuthenticateServer";
        let answer = self.exchange(FUNCTION, &to_der(request)).await?;
        let response: Signed<AuthenticateServerResponse> = decode(FUNCTION, &answer)?;
        match response.value() {
            AuthenticateServerResponse::AuthenticateResponseError(error) => {
                Err(EuiccError::refused(
                    FUNCTION,
                    codes::AUTHENTICATE_ERROR,
                    error.authenticate_error_code,
                ))
            }
            _ => Ok(response),
        }
    }

    /// ES10b.PrepareDownload. A `DownloadResponseError` becomes [`EuiccError::Refused`].
    pub async fn prepare_download(
        &mut self,
        request: &PrepareDownloadRequest,
    ) -> Result<Signed<PrepareDownloadResponse>, EuiccError> {
        const FUNCTION: &str = "PrepareDownload";
        let answer = self.exchange(FUNCTION, &to_der(request)).await?;
        let response: Signed<PrepareDownloadResponse> = decode(FUNCTION, &answer)?;
        match response.value() {
            PrepareDownloadResponse::DownloadResponseError(error) => Err(EuiccError::refused(
                FUNCTION,
                codes::DOWNLOAD_ERROR,
                error.download_error_code,
            )),
            _ => Ok(response),
        }
    }

    /// ES10b.LoadBoundProfilePackage with one segment (developer digest §4.4). Returns `None` while the
    /// eUICC wants more, and the Profile Installation Result (`BF37…`, exact bytes) after the last segment
    /// or at the first error.
    pub async fn load_bpp_segment(
        &mut self,
        segment: &[u8],
    ) -> Result<Option<Vec<u8>>, EuiccError> {
        let answer = self.exchange("LoadBoundProfilePackage", segment).await?;
        Ok((!answer.is_empty()).then_some(answer))
    }
}
