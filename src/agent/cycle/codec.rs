//! The edge where the poll cycle meets the two SGP.32 layouts: every message it builds or reads, and the
//! few facts it takes from a package or a result, in one small function each. Nothing else in the cycle
//! knows a layout.

use euicc_asn1::types::sgp22::PendingNotification;
use euicc_asn1::types::sgp32::common::{EimAcknowledgements, EnableParams};
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{Eid, Null, Octets, Signed, from_ber, to_der};

use super::action::{CycleError, DataRequest, DataResponse, TriggerResponse};
use super::outcome::StateChange;
use super::{Enabled, Layout, Package};

/// `eimPackageResultErrorCode` invalidPackageFormat: the package could not be parsed.
pub const INVALID_PACKAGE_FORMAT: i64 = 1;
/// `eimPackageError` noEimPackageAvailable.
const NO_EIM_PACKAGE_AVAILABLE: i64 = 1;
/// `enableResult` ok.
const ENABLE_OK: i64 = 0;

/// GetEimPackage for `eid`, with `state_change` when there is one (SGP.32 v1.0 has no cause).
pub fn poll_request(layout: Layout, eid: Eid, state_change: Option<&StateChange>) -> Vec<u8> {
    let notify_state_change = state_change.map(|_| Null);
    let r_plmn = state_change
        .and_then(|c| c.r_plmn)
        .map(|p| Octets(p.to_vec()));
    match layout {
        Layout::V1_0 => to_der(&v1_0::EsipaMessageFromIpaToEim::GetEimPackageRequest(
            v1_0::GetEimPackageRequest {
                eid_value: eid,
                notify_state_change,
                r_plmn,
            },
        )),
        Layout::V1_2 => to_der(&v1_2::EsipaMessageFromIpaToEim::GetEimPackageRequest(
            v1_2::GetEimPackageRequest {
                eid_value: eid,
                notify_state_change,
                state_change_cause: state_change.map(|c| c.cause),
                r_plmn,
            },
        )),
    }
}

/// Reads the eIM's answer to GetEimPackage; an answer that does not decode is a malformed package.
pub(super) fn read_package(layout: Layout, answer: &[u8]) -> Result<Package, CycleError> {
    use v1_0::GetEimPackageResponse as R10;
    use v1_2::GetEimPackageResponse as R12;
    let error = |code| match code {
        NO_EIM_PACKAGE_AVAILABLE => Package::Nothing,
        code => Package::EimError(code),
    };
    let unexpected = Err(CycleError::UnexpectedAnswer {
        function: "GetEimPackage",
    });
    let malformed = Ok(Package::Rejected(INVALID_PACKAGE_FORMAT));
    Ok(match layout {
        Layout::V1_2 => match from_ber(answer) {
            Ok(v1_2::EsipaMessageFromEimToIpa::GetEimPackageResponse(response)) => match response {
                R12::EuiccPackageRequest(request) => Package::Request(request.raw().to_vec()),
                R12::EimPackageError(code) => error(code),
                R12::IpaEuiccDataRequest(r) => Package::DataRequest(DataRequest::V1_2(r)),
                R12::ProfileDownloadTriggerRequest(r) => Package::Trigger(r),
            },
            Ok(_) => return unexpected,
            Err(_) => return malformed,
        },
        Layout::V1_0 => match from_ber(answer) {
            Ok(v1_0::EsipaMessageFromEimToIpa::GetEimPackageResponse(response)) => match response {
                R10::EuiccPackageRequest(request) => Package::Request(request.raw().to_vec()),
                R10::EimPackageError(code) => error(code),
                R10::IpaEuiccDataRequest(r) => Package::DataRequest(DataRequest::V1_0(r)),
                R10::ProfileDownloadTriggerRequest(r) => Package::Trigger(r),
            },
            Ok(_) => return unexpected,
            Err(_) => return malformed,
        },
    })
}

/// ProvideEimPackageResult with the eUICC Package Result `epr` (as the eUICC produced it) and the pending
/// notifications, or the result alone when there are none.
pub fn package_result(
    layout: Layout,
    eid: Eid,
    epr: &[u8],
    notifications: Vec<Signed<PendingNotification>>,
) -> Result<Vec<u8>, CycleError> {
    Ok(match layout {
        Layout::V1_2 => {
            let epr = from_ber(epr).map_err(CycleError::BadResult)?;
            let result = match notifications.is_empty() {
                true => v1_2::EimPackageResult::EuiccPackageResult(epr),
                false => v1_2::EimPackageResult::EprAndNotifications(v1_2::EprAndNotifications {
                    euicc_package_result: epr,
                    notification_list: notifications,
                }),
            };
            provide_v1_2(eid, result)
        }
        Layout::V1_0 => {
            let epr = from_ber(epr).map_err(CycleError::BadResult)?;
            let result = match notifications.is_empty() {
                true => v1_0::ProvideEimPackageResult::EuiccPackageResult(epr),
                false => {
                    v1_0::ProvideEimPackageResult::EprAndNotifications(v1_0::EprAndNotifications {
                        euicc_package_result: epr,
                        notification_list:
                            v1_0::RetrieveNotificationsListResponse::NotificationList(notifications),
                    })
                }
            };
            provide_v1_0(result)
        }
    })
}

/// ProvideEimPackageResult with the answer to an IpaEuiccDataRequest.
pub fn data_result(eid: Eid, answer: DataResponse) -> Vec<u8> {
    match answer {
        DataResponse::V1_2(answer) => {
            provide_v1_2(eid, v1_2::EimPackageResult::IpaEuiccDataResponse(answer))
        }
        DataResponse::V1_0(answer) => {
            provide_v1_0(v1_0::ProvideEimPackageResult::IpaEuiccDataResponse(answer))
        }
    }
}

/// ProvideEimPackageResult with the result of a download trigger.
pub fn trigger_result(eid: Eid, result: TriggerResponse) -> Vec<u8> {
    match result {
        TriggerResponse::V1_2(result) => provide_v1_2(
            eid,
            v1_2::EimPackageResult::ProfileDownloadTriggerResult(result),
        ),
        TriggerResponse::V1_0(result) => provide_v1_0(
            v1_0::ProvideEimPackageResult::ProfileDownloadTriggerResult(result),
        ),
    }
}

/// ProvideEimPackageResult with the error `code` for a package that was not carried out.
pub fn error_result(layout: Layout, eid: Eid, code: i64) -> Vec<u8> {
    match layout {
        Layout::V1_2 => provide_v1_2(
            eid,
            v1_2::EimPackageResult::EimPackageResultResponseError(
                v1_2::EimPackageResultResponseError {
                    eim_transaction_id: None,
                    eim_package_result_error_code: code,
                },
            ),
        ),
        Layout::V1_0 => provide_v1_0(v1_0::ProvideEimPackageResult::EimPackageError(code)),
    }
}

/// The DER of a v1.2 ProvideEimPackageResult naming `eid`.
fn provide_v1_2(eid: Eid, result: v1_2::EimPackageResult) -> Vec<u8> {
    to_der(&v1_2::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
        v1_2::ProvideEimPackageResult {
            eid_value: Some(eid),
            eim_package_result: result,
        },
    ))
}

/// The DER of a v1.0 ProvideEimPackageResult.
fn provide_v1_0(result: v1_0::ProvideEimPackageResult) -> Vec<u8> {
    to_der(&v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
        result,
    ))
}

/// The sequence numbers the eIM acknowledged in its `answer` to ProvideEimPackageResult (none: the answer
/// acknowledges nothing).
pub fn read_acknowledgements(
    layout: Layout,
    answer: Option<&[u8]>,
) -> Result<Vec<i64>, CycleError> {
    use v1_2::ProvideEimPackageResultResponse as R12;
    const FUNCTION: &str = "ProvideEimPackageResult";
    let numbers = |acks: EimAcknowledgements| acks.0.into_iter().map(|s| s.0).collect();
    let unexpected = CycleError::UnexpectedAnswer { function: FUNCTION };
    let undecodable = |source| CycleError::Undecodable {
        function: FUNCTION,
        source,
    };
    let answer = answer.ok_or(unexpected)?;
    match layout {
        Layout::V1_2 => match from_ber(answer).map_err(undecodable)? {
            v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(response) => {
                match response {
                    R12::EimAcknowledgements(acks) => Ok(numbers(acks)),
                    R12::EmptyResponse(_) => Ok(Vec::new()),
                    R12::ProvideEimPackageResultError(code) => {
                        Err(CycleError::ResultRefused { code })
                    }
                }
            }
            _ => Err(CycleError::UnexpectedAnswer { function: FUNCTION }),
        },
        Layout::V1_0 => match from_ber(answer).map_err(undecodable)? {
            v1_0::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(response) => {
                Ok(response
                    .eim_acknowledgements
                    .map(numbers)
                    .unwrap_or_default())
            }
            _ => Err(CycleError::UnexpectedAnswer { function: FUNCTION }),
        },
    }
}

/// The sequence numbers of the eUICC Package Results and notifications that the ProvideEimPackageResult
/// `message` (DER, `layout`) carries; none for any other message.
pub fn carried_seq_numbers(layout: Layout, message: &[u8]) -> Vec<i64> {
    fn notifications<'a>(
        list: impl IntoIterator<Item = &'a Signed<PendingNotification>>,
    ) -> Vec<i64> {
        list.into_iter()
            .filter_map(|n| n.value().metadata().map(|m| m.seq_number))
            .collect()
    }
    fn result_v1_2(epr: &Signed<v1_2::EuiccPackageResult>) -> Option<i64> {
        match epr.value() {
            v1_2::EuiccPackageResult::EuiccPackageResultSigned(signed) => {
                Some(signed.euicc_package_result_data_signed.value().seq_number)
            }
            _ => None,
        }
    }
    fn result_v1_0(epr: &Signed<v1_0::EuiccPackageResult>) -> Option<i64> {
        match epr.value() {
            v1_0::EuiccPackageResult::EuiccPackageResultSigned(signed) => {
                Some(signed.euicc_package_result_data_signed.value().seq_number)
            }
            _ => None,
        }
    }
    use v1_0::ProvideEimPackageResult as P10;
    use v1_0::RetrieveNotificationsListResponse as L10;
    use v1_2::EimPackageResult as P12;
    match layout {
        Layout::V1_2 => match from_ber(message) {
            Ok(v1_2::EsipaMessageFromIpaToEim::ProvideEimPackageResult(r)) => {
                match r.eim_package_result {
                    P12::EuiccPackageResult(epr) => result_v1_2(&epr).into_iter().collect(),
                    P12::EprAndNotifications(both) => result_v1_2(&both.euicc_package_result)
                        .into_iter()
                        .chain(notifications(&both.notification_list))
                        .collect(),
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        },
        Layout::V1_0 => match from_ber(message) {
            Ok(v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(r)) => match r {
                P10::EuiccPackageResult(epr) => result_v1_0(&epr).into_iter().collect(),
                P10::EprAndNotifications(both) => {
                    let (listed, results) = match &both.notification_list {
                        L10::NotificationList(n) => (notifications(n), Vec::new()),
                        L10::EuiccPackageResultList(r) => (Vec::new(), r.iter().collect()),
                        L10::NotificationAndEprList(nr) => (
                            notifications(&nr.notification_list),
                            nr.euicc_package_result_list.iter().collect(),
                        ),
                        L10::NotificationsListResultError(_) => (Vec::new(), Vec::new()),
                    };
                    result_v1_0(&both.euicc_package_result)
                        .into_iter()
                        .chain(listed)
                        .chain(results.into_iter().filter_map(result_v1_0))
                        .collect()
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        },
    }
}

/// Whether the eUICC (`card` layout) returns its stored eUICC Package Results apart from the notifications
/// (search criterion `euiccPackageResults`); a v1.0 eUICC returns them with the notifications.
pub fn results_apart(card: Layout) -> bool {
    card == Layout::V1_2
}

/// The profile the package `request` (as received, in the `layout` of ESipa) enabled, when the eUICC's
/// result `epr` (in the `card` layout) says the enable succeeded.
pub(super) fn enabled_profile(
    layout: Layout,
    request: &[u8],
    card: Layout,
    epr: &[u8],
) -> Option<Enabled> {
    let (index, enabled) = enable_in(layout, request)?;
    let ok = match card {
        Layout::V1_2 => match from_ber(epr).ok()? {
            v1_2::EuiccPackageResult::EuiccPackageResultSigned(result) => matches!(
                result
                    .euicc_package_result_data_signed
                    .value()
                    .euicc_result
                    .get(index),
                Some(v1_2::EuiccResultData::EnableResult(ENABLE_OK))
            ),
            _ => false,
        },
        Layout::V1_0 => match from_ber(epr).ok()? {
            v1_0::EuiccPackageResult::EuiccPackageResultSigned(result) => matches!(
                result
                    .euicc_package_result_data_signed
                    .value()
                    .euicc_result
                    .get(index),
                Some(v1_0::EuiccResultData::EnableResult(ENABLE_OK))
            ),
            _ => false,
        },
    };
    ok.then_some(enabled)
}

/// The first enable operation of the package `request` and its index among the operations.
fn enable_in(layout: Layout, request: &[u8]) -> Option<(usize, Enabled)> {
    fn first<'a, P: 'a>(
        eim_id: &str,
        psmos: impl IntoIterator<Item = &'a P>,
        enable: impl Fn(&P) -> Option<&EnableParams>,
    ) -> Option<(usize, Enabled)> {
        let mut enables = psmos.into_iter().enumerate();
        let (index, params) = enables.find_map(|(i, p)| enable(p).map(|e| (i, e)))?;
        let enabled = Enabled {
            eim_id: eim_id.to_owned(),
            iccid: params.iccid,
            rollback_permitted: params.rollback_flag.is_some(),
        };
        Some((index, enabled))
    }
    match layout {
        Layout::V1_2 => {
            let request: v1_2::EuiccPackageRequest = from_ber(request).ok()?;
            let signed = request.euicc_package_signed.value();
            let v1_2::EuiccPackage::PsmoList(psmos) = &signed.euicc_package else {
                return None;
            };
            first(&signed.eim_id, psmos, |p| match p {
                v1_2::Psmo::Enable(e) => Some(e),
                _ => None,
            })
        }
        Layout::V1_0 => {
            let request: v1_0::EuiccPackageRequest = from_ber(request).ok()?;
            let signed = request.euicc_package_signed.value();
            let v1_0::EuiccPackage::PsmoList(psmos) = &signed.euicc_package else {
                return None;
            };
            first(&signed.eim_id, psmos, |p| match p {
                v1_0::Psmo::Enable(e) => Some(e),
                _ => None,
            })
        }
    }
}
