//! LoadEuiccPackage (`BF51`): the eIM's signed PSMOs and eCOs, the signed eUICC Package Result, and
//! ProfileRollback, which answers with a package result of its own.
//!
//! # What the signatures cover
//!
//! SGP.32's text is not public and the public implementations disagree (the rule belongs in SGP.32 §2.11.1.1 and
//! §2.11.2.1; **UNVERIFIED**). This simulator follows onomondo-eim, the one public eIM: the eIM signs
//! `DER(EuiccPackageSigned) ‖ 84 len associationToken` (the token TLV only when the eIM has one), and the eUICC signs
//! its `EuiccPackageResultDataSigned` / `EuiccPackageErrorDataSigned` the same way, with the token of the eIM
//! the result goes to. [`eim_signed_data`] is that one rule; the simulated eIM must use it too.

use euicc_asn1::types::sgp32::v1_2::{
    Eco, EimConfigurationData, EuiccPackage, EuiccPackageErrorDataSigned, EuiccPackageErrorSigned,
    EuiccPackageErrorUnsigned, EuiccPackageRequest, EuiccPackageResult,
    EuiccPackageResultDataSigned, EuiccPackageResultSigned, EuiccPackageSigned, EuiccResultData,
    ListEimResult, ProfileRollbackRequest, ProfileRollbackResponse, Psmo,
};
use euicc_asn1::{Asn1, Octets, Signed, Tag, Writer, from_ber, to_der};

use super::eim::MAX_COUNTER;
use super::profiles::code;
use super::state::{NotificationKind, Rollback, StoredNotification};
use super::{CommandError, SimEuicc, answer, respond, v1_0};
use crate::Layout;
use crate::card::AppletOutcome;

/// EuiccPackageErrorCode values.
mod error_code {
    pub const INVALID_EID: i64 = 3;
    pub const REPLAY_ERROR: i64 = 4;
    pub const COUNTER_VALUE_OUT_OF_RANGE: i64 = 6;
    pub const ECALL_ACTIVE: i64 = 104;
}

/// ProfileRollbackResponse cmdResult rollbackNotAllowed.
const ROLLBACK_NOT_ALLOWED: i64 = 1;
/// processingTerminated unknownOrDamagedCommand.
const UNKNOWN_OR_DAMAGED_COMMAND: i64 = 2;

/// The bytes an eIM package signature covers, and an eUICC package result or error signature: the exact
/// DER of the signed part, then the association token as `84 len value` when there is one. See the module
/// documentation for why.
pub fn eim_signed_data(package_signed_raw: &[u8], association_token: Option<i64>) -> Vec<u8> {
    let mut data = package_signed_raw.to_vec();
    if let Some(token) = association_token {
        let mut w = Writer::new();
        token.encode_implicit(Tag(0x84), &mut w);
        data.extend_from_slice(&w.into_bytes());
    }
    data
}

impl SimEuicc {
    pub(super) fn load_euicc_package(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let (signed_raw, signature, package) = match self.config.version {
            Layout::V1_2 => {
                let request = from_ber::<EuiccPackageRequest>(command)?;
                let raw = request.euicc_package_signed.raw().to_vec();
                (
                    raw,
                    request.eim_signature,
                    request.euicc_package_signed.into_value(),
                )
            }
            Layout::V1_0 => v1_0::read_package_request(command)?,
        };
        let package = &package;
        // v1.0's unsigned error has no transaction identifier; otherwise the two forms are the same.
        let echoed_transaction_id = match self.config.version {
            Layout::V1_2 => package.eim_transaction_id.clone(),
            Layout::V1_0 => None,
        };
        let unsigned = |association_token| {
            respond(&EuiccPackageResult::EuiccPackageErrorUnsigned(
                EuiccPackageErrorUnsigned {
                    eim_id: package.eim_id.clone(),
                    eim_transaction_id: echoed_transaction_id.clone(),
                    association_token,
                },
            ))
        };
        let Some(eim) = self.state.eim(&package.eim_id).cloned() else {
            return unsigned(None);
        };
        let configuration = from_ber::<EimConfigurationData>(&eim.configuration)
            .map_err(|_| CommandError::Internal("stored eIM configuration"))?;
        let token = eim.association_token;
        let signed_data = eim_signed_data(&signed_raw, token);
        let verified = self
            .eim_key(&configuration)
            .is_ok_and(|key| key.verify_raw(&signed_data, signature.as_slice()).is_ok());
        if !verified {
            return unsigned(token);
        }
        let refusal = if package.eid_value != self.identity.eid {
            Some(error_code::INVALID_EID)
        } else if !(0..=MAX_COUNTER).contains(&package.counter_value) {
            Some(error_code::COUNTER_VALUE_OUT_OF_RANGE)
        } else if package.counter_value <= eim.counter {
            Some(error_code::REPLAY_ERROR)
        } else if self.state.enabled_profile().is_some_and(|p| p.ecall) {
            Some(error_code::ECALL_ACTIVE)
        } else {
            None
        };
        if let Some(error) = refusal {
            return respond(&self.package_error(package, error, token));
        }
        if let Some(entry) = self.state.eims.iter_mut().find(|e| e.eim_id == eim.eim_id) {
            entry.counter = package.counter_value;
        }
        let (results, reset) = match &package.euicc_package {
            EuiccPackage::PsmoList(psmos) => self.run_psmos(psmos, package)?,
            EuiccPackage::EcoList(ecos) => (self.run_ecos(ecos), false),
        };
        let epr = self.package_result(
            &package.eim_id,
            package.counter_value,
            package.eim_transaction_id.clone(),
            results,
            token,
        );
        Ok(answer(epr, reset))
    }

    /// Carries out the PSMOs in order; returns their results and whether the enabled profile changed.
    fn run_psmos(
        &mut self,
        psmos: &[Psmo],
        package: &EuiccPackageSigned,
    ) -> Result<(Vec<EuiccResultData>, bool), CommandError> {
        let mut results = Vec::new();
        let mut switched = false;
        for psmo in psmos {
            let result = match psmo {
                Psmo::Enable(params) => {
                    let previous = self.state.enabled_profile().map(|p| p.iccid);
                    let result = self.enable_profile(&params.iccid)?;
                    if result == code::OK {
                        switched = true;
                        if params.rollback_flag.is_some() {
                            self.state.rollback = Some(Rollback {
                                previous,
                                eim_id: package.eim_id.clone(),
                                counter: package.counter_value,
                                eim_transaction_id: package
                                    .eim_transaction_id
                                    .as_ref()
                                    .map(|t| t.0.clone()),
                            });
                        }
                    }
                    EuiccResultData::EnableResult(result)
                }
                Psmo::Disable(p) => {
                    let result = self.disable_profile(&p.iccid)?;
                    switched |= result == code::OK;
                    EuiccResultData::DisableResult(result)
                }
                Psmo::Delete(p) => EuiccResultData::DeleteResult(self.delete_profile(&p.iccid)?),
                Psmo::ListProfileInfo(request) => {
                    EuiccResultData::ListProfileInfoResult(self.list_profiles(request))
                }
                Psmo::GetRat(_) => EuiccResultData::GetRatResult(Vec::new()),
                Psmo::ConfigureImmediateEnable(request) => {
                    EuiccResultData::ConfigureImmediateEnableResult(
                        self.configure_immediate(request.clone()),
                    )
                }
                Psmo::SetFallbackAttribute(p) => {
                    EuiccResultData::SetFallbackAttributeResult(self.set_fallback(&p.iccid))
                }
                Psmo::UnsetFallbackAttribute(_) => {
                    EuiccResultData::UnsetFallbackAttributeResult(self.unset_fallback())
                }
                Psmo::SetDefaultDpAddress(request) => EuiccResultData::SetDefaultDpAddressResult(
                    self.set_default_dp(request.default_dp_address.clone()),
                ),
                Psmo::Other(_) => {
                    results.push(EuiccResultData::ProcessingTerminated(
                        UNKNOWN_OR_DAMAGED_COMMAND,
                    ));
                    break;
                }
            };
            results.push(result);
        }
        Ok((results, switched))
    }

    /// Carries out the eCOs in order.
    fn run_ecos(&mut self, ecos: &[Eco]) -> Vec<EuiccResultData> {
        let mut results = Vec::new();
        for eco in ecos {
            results.push(match eco {
                Eco::AddEim(configuration) => {
                    EuiccResultData::AddEimResult(self.add_eim(configuration.clone()))
                }
                Eco::DeleteEim(d) => EuiccResultData::DeleteEimResult(self.delete_eim(&d.eim_id)),
                Eco::UpdateEim(configuration) => {
                    EuiccResultData::UpdateEimResult(self.update_eim(configuration.clone()))
                }
                Eco::ListEim(_) => {
                    EuiccResultData::ListEimResult(ListEimResult::EimIdList(self.list_eims()))
                }
                Eco::Other(_) => {
                    results.push(EuiccResultData::ProcessingTerminated(
                        UNKNOWN_OR_DAMAGED_COMMAND,
                    ));
                    break;
                }
            });
        }
        results
    }

    /// A signed error for a package whose signature verified.
    fn package_error(
        &self,
        package: &EuiccPackageSigned,
        error: i64,
        token: Option<i64>,
    ) -> EuiccPackageResult {
        let data = Signed::new(EuiccPackageErrorDataSigned {
            eim_id: package.eim_id.clone(),
            counter_value: package.counter_value,
            eim_transaction_id: package.eim_transaction_id.clone(),
            euicc_package_error_code: error,
        });
        EuiccPackageResult::EuiccPackageErrorSigned(EuiccPackageErrorSigned {
            euicc_sign_epe: self.sign(&eim_signed_data(data.raw(), token)),
            euicc_package_error_data_signed: data,
        })
    }

    /// Signs a package result under the next sequence number, stores it in the list until the eIM
    /// acknowledges it, and returns its DER.
    fn package_result(
        &mut self,
        eim_id: &str,
        counter_value: i64,
        eim_transaction_id: Option<Octets>,
        euicc_result: Vec<EuiccResultData>,
        token: Option<i64>,
    ) -> Vec<u8> {
        let seq_number = self.state.next_seq_number();
        let data = Signed::new(EuiccPackageResultDataSigned {
            eim_id: eim_id.to_owned(),
            counter_value,
            eim_transaction_id,
            seq_number,
            euicc_result,
        });
        let result = EuiccPackageResult::EuiccPackageResultSigned(EuiccPackageResultSigned {
            euicc_sign_epr: self.sign(&eim_signed_data(data.raw(), token)),
            euicc_package_result_data_signed: data,
        });
        let der = to_der(&result);
        self.state.notifications.push(StoredNotification {
            seq_number,
            kind: NotificationKind::PackageResult,
            address: String::new(),
            iccid: None,
            signed: der.clone(),
        });
        der
    }

    /// ProfileRollback: one attempt, only after an enable PSMO that carried rollbackFlag.
    pub(super) fn profile_rollback(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<ProfileRollbackRequest>(command)?;
        let Some(rollback) = self.state.rollback.take() else {
            return respond(&ProfileRollbackResponse {
                cmd_result: ROLLBACK_NOT_ALLOWED,
                e_uicc_package_result: None,
            });
        };
        self.switch_to(rollback.previous)?;
        let token = self
            .state
            .eim(&rollback.eim_id)
            .and_then(|e| e.association_token);
        let epr = self.package_result(
            &rollback.eim_id,
            rollback.counter,
            rollback.eim_transaction_id.map(Octets),
            vec![EuiccResultData::RollbackResult(code::OK)],
            token,
        );
        let response = ProfileRollbackResponse {
            cmd_result: code::OK,
            e_uicc_package_result: Some(from_ber(&epr)?),
        };
        Ok(answer(to_der(&response), request.0.refresh_flag))
    }
}
