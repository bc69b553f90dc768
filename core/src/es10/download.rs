//! The ES10b functions of a profile download (SGP.22 §3.1.3, §5.7.13–5.7.14, §5.7.6): AuthenticateServer,
//! PrepareDownload and LoadBoundProfilePackage. Their answers are relayed to the SM-DP+, so each comes back
//! as the exact bytes the eUICC produced ([`Signed`]) beside the parsed view.

use super::{Es10Error, Es10Function, decode};
use euicc_asn1::types::sgp22::{
    AuthenticateServerRequest, AuthenticateServerResponse, PrepareDownloadRequest,
    PrepareDownloadResponse, codes,
};
use euicc_asn1::{Signed, to_der};

/// The eUICC's refusal in an AuthenticateServer answer, as [`Es10Error::Refused`]; `None` for a success.
pub fn authenticate_refusal(response: &AuthenticateServerResponse) -> Option<Es10Error> {
    match response {
        AuthenticateServerResponse::AuthenticateResponseError(error) => Some(Es10Error::refused(
            AuthenticateServer::NAME,
            codes::AUTHENTICATE_ERROR,
            error.authenticate_error_code,
        )),
        _ => None,
    }
}

/// ES10b.AuthenticateServer. An `AuthenticateResponseError` comes back as it is, not as an error: the LPA owes
/// it to the SM-DP+ in ES9+.AuthenticateClient (SGP.22 §3.1.3), which then ends its session with the
/// eUICC's reason. [`authenticate_refusal`] turns it into [`Es10Error::Refused`].
#[derive(Debug, Clone)]
pub struct AuthenticateServer<'a>(pub &'a AuthenticateServerRequest);

impl Es10Function for AuthenticateServer<'_> {
    const NAME: &'static str = "AuthenticateServer";
    type Output = Signed<AuthenticateServerResponse>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(self.0))
    }

    fn read(self, answer: Vec<u8>) -> Result<Self::Output, Es10Error> {
        decode(Self::NAME, &answer)
    }
}

/// ES10b.PrepareDownload. A `DownloadResponseError` becomes [`Es10Error::Refused`].
#[derive(Debug, Clone)]
pub struct PrepareDownload<'a>(pub &'a PrepareDownloadRequest);

impl Es10Function for PrepareDownload<'_> {
    const NAME: &'static str = "PrepareDownload";
    type Output = Signed<PrepareDownloadResponse>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(self.0))
    }

    fn read(self, answer: Vec<u8>) -> Result<Self::Output, Es10Error> {
        let response: Signed<PrepareDownloadResponse> = decode(Self::NAME, &answer)?;
        match response.value() {
            PrepareDownloadResponse::DownloadResponseError(error) => Err(Es10Error::refused(
                Self::NAME,
                codes::DOWNLOAD_ERROR,
                error.download_error_code,
            )),
            _ => Ok(response),
        }
    }
}

/// ES10b.LoadBoundProfilePackage with one segment (SGP.22 §5.7.6, segments as §2.5.5 cuts them). Gives
/// `None` while the eUICC wants more, and the Profile Installation Result (`BF37…`, exact bytes) after the
/// last segment or at the first error.
#[derive(Debug, Clone)]
pub struct LoadBoundProfilePackage<'a>(pub &'a [u8]);

impl Es10Function for LoadBoundProfilePackage<'_> {
    const NAME: &'static str = "LoadBoundProfilePackage";
    type Output = Option<Vec<u8>>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(self.0.to_vec())
    }

    fn read(self, answer: Vec<u8>) -> Result<Option<Vec<u8>>, Es10Error> {
        Ok((!answer.is_empty()).then_some(answer))
    }
}
