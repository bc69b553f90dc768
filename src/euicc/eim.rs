//! eIM configuration and certificates (SGP.32 ES10b): GetEimConfigurationData, AddInitialEim, GetCerts.

use super::{EimConfig, Euicc, EuiccError};
use crate::apdu::CardChannel;
use euicc_asn1::Octets;
use euicc_asn1::types::sgp32::common::{AddInitialEimResult, Certs};
use euiccd_core::es10::{AddInitialEim, GetCerts, GetEimConfigurationData};

impl<C: CardChannel> Euicc<C> {
    /// GetEimConfigurationData: every eIM the eUICC is associated with.
    pub async fn eim_configuration(&mut self) -> Result<Vec<EimConfig>, EuiccError> {
        let layout = self.layout().await?;
        self.run(GetEimConfigurationData { layout }).await
    }

    /// AddInitialEim: associates the first eIMs (initial provisioning only; later changes are signed eIM
    /// configuration operations). Returns one outcome per configuration, in order.
    pub(crate) async fn add_initial_eim(
        &mut self,
        configs: Vec<EimConfig>,
    ) -> Result<Vec<AddInitialEimResult>, EuiccError> {
        let layout = self.layout().await?;
        self.run(AddInitialEim { layout, configs }).await
    }

    /// GetCerts: the EUM and eUICC certificates, for the CI key `ci_pk_id` or the eUICC's choice.
    pub(crate) async fn certs(&mut self, ci_pk_id: Option<Octets>) -> Result<Certs, EuiccError> {
        self.run(GetCerts { ci_pk_id }).await
    }
}
