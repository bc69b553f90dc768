//! What the card says about itself: EUICCInfo1/2, the EID, the challenge, the configured addresses, its
//! certificates (GetCerts) and the Rules Authorisation Table.

use euicc_asn1::types::sgp22::{
    EUICCInfo1, EUICCInfo2, EuiccConfiguredAddressesRequest, EuiccConfiguredAddressesResponse,
    GetEuiccChallengeRequest, GetEuiccChallengeResponse, GetEuiccDataRequest, GetEuiccDataResponse,
    GetEuiccInfo2Request, GetRatRequest, GetRatResponse, IoTSpecificInfo,
    Sgp22SetDefaultDpAddressRequest, Sgp22SetDefaultDpAddressResponse,
};
use euicc_asn1::types::sgp32::v1_2::{
    Certs, GetCertsRequest, GetCertsResponse, SetDefaultDpAddressRequest,
    SetDefaultDpAddressResponse,
};
use euicc_asn1::{BitString, Null, Octets, from_ber};
use rand_core::{OsRng, RngCore};

use super::{CommandError, SimEuicc, respond};
use crate::Layout;
use crate::card::AppletOutcome;

/// SGP.22 version implemented: v2.3.0.
const SVN: [u8; 3] = [2, 3, 0];
/// SGP.32 versions announced by a v1.2 card and a v1.0 card.
const IOT_VERSION_1_2: [u8; 3] = [1, 2, 0];
const IOT_VERSION_1_0: [u8; 3] = [1, 0, 0];
/// Simulated free non-volatile memory per free profile slot, in bytes.
const BYTES_PER_SLOT: usize = 64 * 1024;
/// GetCertsError invalidCiPKId.
const INVALID_CI_PK_ID: i64 = 1;

impl SimEuicc {
    /// Subject key identifiers of the trusted CIs.
    pub(super) fn ci_key_ids(&self) -> Vec<Octets> {
        self.identity
            .ci
            .iter()
            .filter_map(|ci| ci.subject_key_identifier())
            .map(|ski| Octets(ski.to_vec()))
            .collect()
    }

    pub(super) fn get_euicc_info1(&self) -> Result<AppletOutcome, CommandError> {
        respond(&EUICCInfo1 {
            svn: Octets(SVN.to_vec()),
            euicc_ci_pk_id_list_for_verification: self.ci_key_ids(),
            euicc_ci_pk_id_list_for_signing: self.ci_key_ids(),
        })
    }

    pub(super) fn get_euicc_info2(&self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        from_ber::<GetEuiccInfo2Request>(command)?;
        respond(&self.euicc_info2())
    }

    /// EUICCInfo2 in the SGP.32 form of the card's version (also signed into euiccSigned1).
    pub(super) fn euicc_info2(&self) -> EUICCInfo2 {
        let free_slots = self
            .config
            .max_profiles
            .saturating_sub(self.state.profiles.len());
        let free = (free_slots * BYTES_PER_SLOT).min(0xFF_FFFF);
        // extCardResource: 81 installed applications, 82 free non-volatile memory, 83 free volatile memory.
        let mut resource = vec![
            0x81,
            0x01,
            self.state.profiles.len().min(255) as u8,
            0x82,
            0x03,
        ];
        resource.extend_from_slice(&(free as u32).to_be_bytes()[1..]);
        resource.extend_from_slice(&[0x83, 0x02, 0x40, 0x00]);
        EUICCInfo2 {
            profile_version: Octets(vec![2, 3, 1]),
            svn: Octets(SVN.to_vec()),
            euicc_firmware_ver: Octets(vec![1, 0, 0]),
            ext_card_resource: Octets(resource),
            // contactlessSupport 0 off; usimSupport 1, isimSupport 2, … gbaSupportUsim 8.
            uicc_capability: BitString::from_bits(&[1, 2, 8]),
            ts102241_version: Some(Octets(vec![9, 2, 0])),
            globalplatform_version: Some(Octets(vec![2, 3, 0])),
            // additionalProfile 0, crlSupport 1 off, rpmSupport 2 off, testProfileSupport 3.
            rsp_capability: BitString::from_bits(&[0, 3]),
            euicc_ci_pk_id_list_for_verification: self.ci_key_ids(),
            euicc_ci_pk_id_list_for_signing: self.ci_key_ids(),
            euicc_category: Some(2),
            forbidden_profile_policy_rules: None,
            pp_version: Octets(vec![0, 0, 1]),
            sas_accreditation_number: "EUICCD-SIM-0001".into(),
            certification_data_object: None,
            tre_properties: None,
            tre_product_reference: None,
            additional_euicc_profile_package_versions: None,
            ipa_mode: Some(0),
            euicc_ci_pk_id_list_for_signing_v3: None,
            additional_euicc_info: None,
            highest_svn: None,
            iot_specific_info: Some(match self.config.version {
                Layout::V1_2 => IoTSpecificInfo {
                    iot_version: vec![Octets(IOT_VERSION_1_2.to_vec())],
                    ecall_supported: Some(Null),
                    fallback_supported: Some(Null),
                },
                // Fallback came with v1.2.
                Layout::V1_0 => IoTSpecificInfo {
                    iot_version: vec![Octets(IOT_VERSION_1_0.to_vec())],
                    ecall_supported: Some(Null),
                    fallback_supported: None,
                },
            }),
        }
    }

    pub(super) fn get_euicc_challenge(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        from_ber::<GetEuiccChallengeRequest>(command)?;
        let mut challenge = [0u8; 16];
        OsRng
            .try_fill_bytes(&mut challenge)
            .map_err(|_| CommandError::Internal("no randomness"))?;
        self.volatile.challenge = Some(challenge);
        respond(&GetEuiccChallengeResponse {
            euicc_challenge: Octets(challenge.to_vec()),
        })
    }

    pub(super) fn get_eid(&self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<GetEuiccDataRequest>(command)?;
        if !request.tag_list.as_slice().contains(&0x5A) {
            return Err(CommandError::Unexpected(0xBF3E));
        }
        respond(&GetEuiccDataResponse {
            eid_value: self.identity.eid,
        })
    }

    pub(super) fn get_configured_addresses(
        &self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        from_ber::<EuiccConfiguredAddressesRequest>(command)?;
        respond(&EuiccConfiguredAddressesResponse {
            default_dp_address: self.state.default_smdp_address.clone(),
            root_ds_address: self.config.root_ds_address.clone(),
        })
    }

    /// SetDefaultDpAddress in both forms: SGP.22 `BF3F` and SGP.32 `BF65`.
    pub(super) fn set_default_dp_address(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        if command.starts_with(&[0xBF, 0x3F]) {
            let request = from_ber::<Sgp22SetDefaultDpAddressRequest>(command)?;
            self.set_default_dp(request.default_dp_address);
            respond(&Sgp22SetDefaultDpAddressResponse {
                set_default_dp_address_result: 0,
            })
        } else {
            let request = from_ber::<SetDefaultDpAddressRequest>(command)?;
            respond(&self.set_default_dp(request.default_dp_address))
        }
    }

    /// Sets (or with an empty address removes) the default SM-DP+ address.
    pub(super) fn set_default_dp(&mut self, address: String) -> SetDefaultDpAddressResponse {
        self.state.default_smdp_address = (!address.is_empty()).then_some(address);
        SetDefaultDpAddressResponse {
            set_default_dp_address_result: 0,
        }
    }

    pub(super) fn get_certs(&self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<GetCertsRequest>(command)?;
        let anchor = self
            .identity
            .verify()
            .map_err(|_| CommandError::Internal("own certificate chain"))?;
        let wanted_matches = request
            .euicc_ci_pk_id
            .as_ref()
            .is_none_or(|wanted| anchor.subject_key_identifier() == Some(wanted.as_slice()));
        if !wanted_matches {
            return respond(&GetCertsResponse::GetCertsError(INVALID_CI_PK_ID));
        }
        let (euicc_certificate, eum_certificate) = self.certificates()?;
        respond(&GetCertsResponse::Certs(Certs {
            eum_certificate,
            euicc_certificate,
        }))
    }

    pub(super) fn get_rat(&self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        from_ber::<GetRatRequest>(command)?;
        respond(&GetRatResponse { rat: Vec::new() })
    }
}
