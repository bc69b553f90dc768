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

const AUTHENTICATE_SERVER: &str = "AuthenticateServer";

/// The eUICC's refusal in an AuthenticateServer answer, as [`EuiccError::Refused`]; `None` for a success.
pub(crate) fn authenticate_refusal(response: &AuthenticateServerResponse) -> Option<EuiccError> {
    match response {
        AuthenticateServerResponse::AuthenticateResponseError(error) => Some(EuiccError::refused(
            AUTHENTICATE_SERVER,
            codes::AUTHENTICATE_ERROR,
            error.authenticate_error_code,
        )),
        _ => None,
    }
}

impl<C: CardChannel> Euicc<C> {
    /// ES10b.AuthenticateServer. An `AuthenticateResponseError` comes back as it is, not as an error: the
    /// LPA owes it to the SM-DP+ in ES9+.AuthenticateClient (SGP.22 §3.1.3), which then ends its session
    /// with the eUICC's reason. [`authenticate_refusal`] turns it into [`EuiccError::Refused`].
    pub(crate) async fn authenticate_server(
        &mut self,
        request: &AuthenticateServerRequest,
    ) -> Result<Signed<AuthenticateServerResponse>, EuiccError> {
        let answer = self.exchange(AUTHENTICATE_SERVER, &to_der(request)).await?;
        decode(AUTHENTICATE_SERVER, &answer)
    }

    /// ES10b.PrepareDownload. A `DownloadResponseError` becomes [`EuiccError::Refused`].
    pub(crate) async fn prepare_download(
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

    /// ES10b.LoadBoundProfilePackage with one segment (SGP.22 §5.7.6, segments as §2.5.5 cuts them). Returns `None`
    /// while the eUICC wants more, and the Profile Installation Result (`BF37…`, exact bytes) after the last segment
    /// or at the first error.
    pub(crate) async fn load_bpp_segment(
        &mut self,
        segment: &[u8],
    ) -> Result<Option<Vec<u8>>, EuiccError> {
        let answer = self.exchange("LoadBoundProfilePackage", segment).await?;
        Ok((!answer.is_empty()).then_some(answer))
    }
}
