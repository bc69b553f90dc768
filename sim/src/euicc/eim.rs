//! eIM configurations: AddInitialEim, GetEimConfigurationData, and the add/update/delete/list cores the
//! eCOs of a package use.
//!
//! The card keeps each configuration as received, with the replay counter and the association token beside
//! it; GetEimConfigurationData reports the current counter and token in place of the received ones.

use euicc_asn1::types::sgp32::v1_2::{
    AddEimResult, AddInitialEimRequest, AddInitialEimResponse, AddInitialEimResult,
    EimConfigurationData, EimIdInfo, EimPublicKeyData, EimSearchCriteria,
    GetEimConfigurationDataRequest, GetEimConfigurationDataResponse,
};
use euicc_asn1::{from_ber, to_der};

use super::state::EimEntry;
use super::{CommandError, SimEuicc, respond, v1_0};
use crate::Layout;
use crate::card::AppletOutcome;
use crate::crypto::cert::{Certificate, verify_chain};
use crate::crypto::ecdsa::VerifyingKey;
use euicc_asn1::types::sgp32::v1_0 as v1_0_types;

/// Most eIMs the card holds.
const MAX_EIMS: usize = 4;

/// Result codes of addEim, AddInitialEim, updateEim and deleteEim.
mod code {
    pub const OK: i64 = 0;
    pub const INSUFFICIENT_MEMORY: i64 = 1;
    pub const EIM_NOT_FOUND: i64 = 1;
    pub const ASSOCIATED_EIM_ALREADY_EXISTS: i64 = 2;
    pub const LAST_EIM_DELETED: i64 = 2;
    pub const CI_PK_UNKNOWN: i64 = 3;
    pub const COUNTER_VALUE_OUT_OF_RANGE: i64 = 6;
    pub const COMMAND_ERROR: i64 = 7;
}

/// Largest counter value accepted (SGP.32 counters are 24-bit in practice; stay well inside i64).
pub(super) const MAX_COUNTER: i64 = 0x7FFF_FFFF;

impl SimEuicc {
    pub(super) fn add_initial_eim(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = match self.config.version {
            Layout::V1_2 => from_ber::<AddInitialEimRequest>(command)?,
            Layout::V1_0 => AddInitialEimRequest {
                eim_configuration_data_list: from_ber::<v1_0_types::AddInitialEimRequest>(command)?
                    .eim_configuration_data_list
                    .into_iter()
                    .map(v1_0::config_from_v1_0)
                    .collect(),
            },
        };
        // Only for initial provisioning: afterwards, eIMs come as signed eCOs.
        if !self.state.eims.is_empty() {
            return respond(&AddInitialEimResponse::AddInitialEimError(
                code::ASSOCIATED_EIM_ALREADY_EXISTS,
            ));
        }
        if request.eim_configuration_data_list.is_empty() {
            return respond(&AddInitialEimResponse::AddInitialEimError(
                code::COMMAND_ERROR,
            ));
        }
        let mut results = Vec::new();
        for configuration in request.eim_configuration_data_list {
            match self.add_eim(configuration) {
                AddEimResult::AssociationToken(token) => {
                    results.push(AddInitialEimResult::AssociationToken(token));
                }
                AddEimResult::AddEimResultCode(error) => {
                    // All or nothing.
                    self.state.eims.clear();
                    return respond(&AddInitialEimResponse::AddInitialEimError(error));
                }
            }
        }
        respond(&AddInitialEimResponse::AddInitialEimOk(results))
    }

    /// Adds an eIM and assigns its association token (addEim eCO, AddInitialEim).
    pub(super) fn add_eim(&mut self, configuration: EimConfigurationData) -> AddEimResult {
        if self.state.eim(&configuration.eim_id).is_some() {
            return AddEimResult::AddEimResultCode(code::ASSOCIATED_EIM_ALREADY_EXISTS);
        }
        if self.state.eims.len() >= MAX_EIMS {
            return AddEimResult::AddEimResultCode(code::INSUFFICIENT_MEMORY);
        }
        if let Err(error) = self.check_eim_configuration(&configuration) {
            return AddEimResult::AddEimResultCode(error);
        }
        self.state.last_association_token += 1;
        let token = self.state.last_association_token;
        self.state.eims.push(EimEntry {
            eim_id: configuration.eim_id.clone(),
            counter: configuration.counter_value.unwrap_or(0),
            association_token: Some(token),
            configuration: to_der(&configuration),
        });
        AddEimResult::AssociationToken(token)
    }

    /// Replaces an eIM's configuration, keeping its token (updateEim eCO).
    pub(super) fn update_eim(&mut self, configuration: EimConfigurationData) -> i64 {
        if let Err(error) = self.check_eim_configuration(&configuration) {
            return error;
        }
        let Some(entry) = self
            .state
            .eims
            .iter_mut()
            .find(|e| e.eim_id == configuration.eim_id)
        else {
            return code::EIM_NOT_FOUND;
        };
        if let Some(counter) = configuration.counter_value {
            entry.counter = counter;
        }
        entry.configuration = to_der(&configuration);
        code::OK
    }

    /// Removes an eIM (deleteEim eCO): ok, eimNotFound, or lastEimDeleted when none is left.
    pub(super) fn delete_eim(&mut self, eim_id: &str) -> i64 {
        let before = self.state.eims.len();
        self.state.eims.retain(|e| e.eim_id != eim_id);
        if self.state.eims.len() == before {
            code::EIM_NOT_FOUND
        } else if self.state.eims.is_empty() {
            code::LAST_EIM_DELETED
        } else {
            code::OK
        }
    }

    /// The configured eIMs (listEim eCO).
    pub(super) fn list_eims(&self) -> Vec<EimIdInfo> {
        self.state
            .eims
            .iter()
            .filter_map(|e| from_ber::<EimConfigurationData>(&e.configuration).ok())
            .map(|c| EimIdInfo {
                eim_id: c.eim_id,
                eim_id_type: c.eim_id_type,
            })
            .collect()
    }

    /// Checks the counter range, the CI and that a usable signing key is there.
    fn check_eim_configuration(&self, configuration: &EimConfigurationData) -> Result<(), i64> {
        if configuration
            .counter_value
            .is_some_and(|c| !(0..=MAX_COUNTER).contains(&c))
        {
            return Err(code::COUNTER_VALUE_OUT_OF_RANGE);
        }
        if let Some(ci) = &configuration.euicc_ci_pk_id {
            if !self.ci_key_ids().contains(ci) {
                return Err(code::CI_PK_UNKNOWN);
            }
        }
        match &configuration.eim_public_key_data {
            Some(_) => self.eim_key(configuration).map(|_| ()),
            None => Err(code::COMMAND_ERROR),
        }
    }

    /// The key that verifies the eIM's packages: the configured public key, or the key of a certificate
    /// that chains to one of the card's CIs.
    pub(super) fn eim_key(
        &self,
        configuration: &EimConfigurationData,
    ) -> Result<VerifyingKey, i64> {
        match &configuration.eim_public_key_data {
            Some(EimPublicKeyData::EimPublicKey(spki)) => {
                VerifyingKey::from_spki_der(spki.as_der()).map_err(|_| code::COMMAND_ERROR)
            }
            Some(EimPublicKeyData::EimCertificate(cert)) => {
                let cert = Certificate::from_der(cert.as_der()).map_err(|_| code::COMMAND_ERROR)?;
                verify_chain(&cert, &[], &self.identity.ci).map_err(|_| code::CI_PK_UNKNOWN)?;
                cert.public_key().map_err(|_| code::COMMAND_ERROR)
            }
            None => Err(code::COMMAND_ERROR),
        }
    }

    pub(super) fn get_eim_configuration_data(
        &self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<GetEimConfigurationDataRequest>(command)?;
        let list = self
            .state
            .eims
            .iter()
            .filter(|e| match &request.search_criteria {
                None => true,
                Some(EimSearchCriteria::EimId(id)) => e.eim_id == *id,
            })
            .filter_map(|e| {
                let mut configuration = from_ber::<EimConfigurationData>(&e.configuration).ok()?;
                configuration.counter_value = Some(e.counter);
                configuration.association_token = e.association_token;
                Some(configuration)
            })
            .collect::<Vec<_>>();
        match self.config.version {
            Layout::V1_2 => respond(&GetEimConfigurationDataResponse {
                eim_configuration_data_list: list,
            }),
            Layout::V1_0 => respond(&v1_0_types::GetEimConfigurationDataResponse {
                eim_configuration_data_list: list.into_iter().map(v1_0::config_to_v1_0).collect(),
            }),
        }
    }
}
