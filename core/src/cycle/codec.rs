//! The edge where the poll cycle meets the two SGP.32 layouts: every message it builds or reads, and the
//! few facts it takes from a package or a result, in one small function each. Nothing else in the cycle
//! knows a layout.

use euicc_asn1::types::sgp22::PendingNotification;
use euicc_asn1::types::sgp32::view::{AcknowledgementsView, EimPackageMessages, PackageResultView};
use euicc_asn1::{Eid, Layout, Octets, Signed, for_layout, for_value, from_ber, to_der};

use super::action::{CycleError, DataResponse, TriggerResponse};
use super::outcome::StateChange;
use super::{Enabled, Package};

/// `eimPackageResultErrorCode` invalidPackageFormat: the package could not be parsed.
pub const INVALID_PACKAGE_FORMAT: i64 = 1;
/// `eimPackageError` noEimPackageAvailable.
const NO_EIM_PACKAGE_AVAILABLE: i64 = 1;
/// `enableResult` ok.
const ENABLE_OK: i64 = 0;

/// GetEimPackage for `eid`, with `state_change` when there is one (SGP.32 v1.0 has no cause).
pub fn poll_request(layout: Layout, eid: Eid, state_change: Option<&StateChange>) -> Vec<u8> {
    let changed = state_change.map(|c| c.cause);
    let r_plmn = state_change
        .and_then(|c| c.r_plmn)
        .map(|p| Octets(p.to_vec()));
    for_layout!(layout, l => to_der(&<l::Types as EimPackageMessages>::get_eim_package(eid, changed, r_plmn)))
}

/// Reads the eIM's answer to GetEimPackage; an answer that does not decode is a malformed package.
pub(super) fn read_package(layout: Layout, answer: &[u8]) -> Result<Package, CycleError> {
    for_layout!(layout, l => {
        use l::GetEimPackageResponse as R;
        Ok(match from_ber(answer) {
            Ok(l::EsipaMessageFromEimToIpa::GetEimPackageResponse(response)) => match response {
                R::EuiccPackageRequest(request) => Package::Request(request.raw().to_vec()),
                R::EimPackageError(NO_EIM_PACKAGE_AVAILABLE) => Package::Nothing,
                R::EimPackageError(code) => Package::EimError(code),
                R::IpaEuiccDataRequest(r) => Package::DataRequest(r.into()),
                R::ProfileDownloadTriggerRequest(r) => Package::Trigger(r),
            },
            Ok(_) => {
                return Err(CycleError::UnexpectedAnswer {
                    function: "GetEimPackage",
                });
            }
            Err(_) => Package::Rejected(INVALID_PACKAGE_FORMAT),
        })
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
    for_layout!(layout, l => {
        type M = <l::Types as EimPackageMessages>::Message;
        let epr = from_ber(epr).map_err(CycleError::BadResult)?;
        let result = match notifications.is_empty() {
            true => l::EimPackageResult::EuiccPackageResult(epr),
            false => <l::Types as EimPackageMessages>::epr_and_notifications(epr, notifications),
        };
        Ok(to_der::<M>(&<l::Types as EimPackageMessages>::provide(eid, result)))
    })
}

/// ProvideEimPackageResult with the answer to an IpaEuiccDataRequest.
pub fn data_result(eid: Eid, answer: DataResponse) -> Vec<u8> {
    for_value!(answer, DataResponse, l, answer => to_der(&<l::Types as EimPackageMessages>::provide(
        eid,
        l::EimPackageResult::IpaEuiccDataResponse(answer),
    )))
}

/// ProvideEimPackageResult with the result of a download trigger.
pub fn trigger_result(eid: Eid, result: TriggerResponse) -> Vec<u8> {
    for_value!(result, TriggerResponse, l, result => to_der(&<l::Types as EimPackageMessages>::provide(
        eid,
        l::EimPackageResult::ProfileDownloadTriggerResult(result),
    )))
}

/// ProvideEimPackageResult with the error `code` for a package that was not carried out.
pub fn error_result(layout: Layout, eid: Eid, code: i64) -> Vec<u8> {
    for_layout!(layout, l => {
        type Messages = l::Types;
        to_der(&<Messages as EimPackageMessages>::provide(
            eid,
            <Messages as EimPackageMessages>::package_error(code),
        ))
    })
}

/// The sequence numbers the eIM acknowledged in its `answer` to ProvideEimPackageResult (none: the answer
/// acknowledges nothing).
pub fn read_acknowledgements(
    layout: Layout,
    answer: Option<&[u8]>,
) -> Result<Vec<i64>, CycleError> {
    const FUNCTION: &str = "ProvideEimPackageResult";
    let unexpected = CycleError::UnexpectedAnswer { function: FUNCTION };
    let answer = answer.ok_or(unexpected.clone())?;
    for_layout!(layout, l => {
        let message = from_ber(answer).map_err(|source| CycleError::Undecodable {
            function: FUNCTION,
            source,
        })?;
        match message {
            l::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(response) => response
                .acknowledged()
                .map_err(|code| CycleError::ResultRefused { code }),
            _ => Err(unexpected),
        }
    })
}

/// The sequence numbers of the eUICC Package Results and notifications that the ProvideEimPackageResult
/// `message` (DER, `layout`) carries; none for any other message.
pub fn carried_seq_numbers(layout: Layout, message: &[u8]) -> Vec<i64> {
    for_layout!(layout, l => from_ber(message)
        .map(|m| <l::Types as EimPackageMessages>::carried_seq_numbers(&m))
        .unwrap_or_default())
}

/// Whether the eUICC (`card` layout) returns its stored eUICC Package Results apart from the notifications
/// (search criterion `euiccPackageResults`); a v1.0 eUICC returns them with the notifications.
pub fn results_apart(card: Layout) -> bool {
    card.results_on_request()
}

/// The profile the package `request` (as received, in the `layout` of ESipa) enabled, when the eUICC's
/// result `epr` (in the `card` layout) says the enable succeeded.
pub(super) fn enabled_profile(
    layout: Layout,
    request: &[u8],
    card: Layout,
    epr: &[u8],
) -> Option<Enabled> {
    let enabled = enable_in(layout, request)?;
    let result =
        for_layout!(card, l => from_ber::<l::EuiccPackageResult>(epr).ok()?.first_enable_result());
    (result == Some(ENABLE_OK)).then_some(enabled)
}

/// Whether the eUICC package `request` enables or disables a profile (SGP.32 §2.11.1.1: the PSMOs
/// enable and disable): the modem then sees another SIM, which is what the IPA tells the modem's manager.
/// An undecodable request does not switch (the eUICC refuses it).
pub fn switches_profile(layout: Layout, request: &[u8]) -> bool {
    for_layout!(layout, l => {
        let Ok(request) = from_ber::<l::EuiccPackageRequest>(request) else {
            return false;
        };
        match &request.euicc_package_signed.value().euicc_package {
            l::EuiccPackage::PsmoList(psmos) => psmos
                .iter()
                .any(|p| matches!(p, l::Psmo::Enable(_) | l::Psmo::Disable(_))),
            _ => false,
        }
    })
}

/// The first enable operation of the package `request`.
fn enable_in(layout: Layout, request: &[u8]) -> Option<Enabled> {
    for_layout!(layout, l => {
        let request: l::EuiccPackageRequest = from_ber(request).ok()?;
        let signed = request.euicc_package_signed.value();
        let l::EuiccPackage::PsmoList(psmos) = &signed.euicc_package else {
            return None;
        };
        psmos.iter().find_map(|p| match p {
            l::Psmo::Enable(params) => Some(Enabled {
                eim_id: signed.eim_id.clone(),
                iccid: params.iccid,
                rollback_permitted: params.rollback_flag.is_some(),
            }),
            _ => None,
        })
    })
}
