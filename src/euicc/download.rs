//! The ES10b functions of a profile download: AuthenticateServer, PrepareDownload and
//! LoadBoundProfilePackage. Their answers are relayed to the SM-DP+, so each comes back as the exact bytes
//! the eUICC produced ([`Signed`]) beside the parsed view.

use super::{Euicc, EuiccError};
use crate::apdu::CardChannel;
use euicc_asn1::Signed;
use euicc_asn1::types::sgp22::{
    AuthenticateServerRequest, AuthenticateServerResponse, PrepareDownloadRequest,
    PrepareDownloadResponse,
};
use euiccd_core::es10::{AuthenticateServer, LoadBoundProfilePackage, PrepareDownload};

impl<C: CardChannel> Euicc<C> {
    /// ES10b.AuthenticateServer. An `AuthenticateResponseError` comes back as it is, not as an error: the
    /// LPA owes it to the SM-DP+ in ES9+.AuthenticateClient (SGP.22 §3.1.3), which then ends its session
    /// with the eUICC's reason. [`authenticate_refusal`](super::authenticate_refusal) turns it into a refusal.
    pub(crate) async fn authenticate_server(
        &mut self,
        request: &AuthenticateServerRequest,
    ) -> Result<Signed<AuthenticateServerResponse>, EuiccError> {
        self.run(AuthenticateServer(request)).await
    }

    /// ES10b.PrepareDownload. A `DownloadResponseError` becomes a refusal.
    pub(crate) async fn prepare_download(
        &mut self,
        request: &PrepareDownloadRequest,
    ) -> Result<Signed<PrepareDownloadResponse>, EuiccError> {
        self.run(PrepareDownload(request)).await
    }

    /// ES10b.LoadBoundProfilePackage with one segment (SGP.22 §5.7.6, segments as §2.5.5 cuts them). Returns `None`
    /// while the eUICC wants more, and the Profile Installation Result (`BF37…`, exact bytes) after the last segment
    /// or at the first error.
    pub(crate) async fn load_bpp_segment(
        &mut self,
        segment: &[u8],
    ) -> Result<Option<Vec<u8>>, EuiccError> {
        self.run(LoadBoundProfilePackage(segment)).await
    }
}
