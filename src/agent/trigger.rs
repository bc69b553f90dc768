//! ProfileDownloadTriggerRequest (SGP.32 §5.14.5 ESipa.GetEimPackage, §3.2.3.1 and §3.2.3.2): the IPA downloads the
//! profile of the trigger's activation code ([`download`]) over whatever [`Es9`] carrier the caller gives (ES9+ to the
//! SM-DP+, or ESipa through the eIM: [`indirect`](super::indirect)) and reports a
//! `ProfileDownloadTriggerResult`: the Profile Installation Result as the eUICC signed it, or the error form
//! when the download ended before the eUICC produced one.
//!
//! Only activation codes are carried out; a trigger to contact the default SM-DP+ or an SM-DS is answered
//! with the error form. Nothing here logs the activation code.

use euicc_asn1::types::sgp22::{ActivationCode, ProfileInstallationResult};
use euicc_asn1::types::sgp32::common::{ProfileDownloadData, ProfileDownloadTriggerRequest};
use euicc_asn1::types::sgp32::view::DownloadFailure;
use euicc_asn1::{Octets, Signed, for_layout, from_ber};

use super::download::{DownloadError, DownloadRequest, Interrupt, download};
use super::ipa_data::IpaOwnData;
use crate::apdu::CardChannel;
use crate::euicc::{Euicc, EuiccError};
use crate::remote::es9p::Es9;
use euicc_asn1::Layout;
use euiccd_core::cycle::TriggerResponse;

/// Carries out `trigger` with the ES9+ client `es9_for` returns for the SM-DP+ address of the activation
/// code, and returns the result in the layout of `version`.
pub(super) async fn run<C: CardChannel, S: Es9>(
    euicc: &mut Euicc<C>,
    trigger: ProfileDownloadTriggerRequest,
    own: &IpaOwnData,
    es9_for: &mut impl FnMut(&str) -> Option<S>,
    version: Layout,
) -> Result<TriggerResponse, EuiccError> {
    let pir = match activation_code(trigger.profile_download_data) {
        Some(code) => install(euicc, code, own, es9_for).await,
        None => None,
    };
    Ok(trigger_result(version, trigger.eim_transaction_id, pir))
}

/// Downloads the profile of `activation_code`; returns the installation result, if the eUICC produced one.
async fn install<C: CardChannel, S: Es9>(
    euicc: &mut Euicc<C>,
    activation_code: ActivationCode,
    own: &IpaOwnData,
    es9_for: &mut impl FnMut(&str) -> Option<S>,
) -> Option<Signed<ProfileInstallationResult>> {
    let Some(mut es9) = es9_for(&activation_code.smdp_address) else {
        tracing::warn!("download trigger: no ES9+ client for the SM-DP+");
        return None;
    };
    let request = DownloadRequest {
        activation_code,
        confirmation_code: None,
        imei: own.imei().map(str::to_owned),
    };
    let outcome = download(
        euicc,
        &mut es9,
        &request,
        &mut Interrupt::never(),
        &mut |event| tracing::debug!(?event, "triggered download"),
    )
    .await;
    let raw = match outcome {
        Ok(outcome) => outcome.installation_result,
        Err(failure) => match failure.error {
            DownloadError::InstallFailed {
                installation_result,
                ..
            } => installation_result,
            error => {
                tracing::warn!(error = %crate::error_chain::chain(&error), "triggered download failed");
                return None;
            }
        },
    };
    // The download decoded it already.
    from_ber(&raw)
        .inspect_err(|error| tracing::warn!(%error, "installation result not relayed"))
        .ok()
}

/// The trigger's activation code, when it has a valid one.
fn activation_code(data: Option<ProfileDownloadData>) -> Option<ActivationCode> {
    match data {
        Some(ProfileDownloadData::ActivationCode(code)) => match code.parse() {
            Ok(code) => Some(code),
            Err(error) => {
                tracing::warn!(%error, "download trigger with an invalid activation code");
                None
            }
        },
        _ => {
            tracing::warn!("download trigger without an activation code: not supported");
            None
        }
    }
}

/// The result with the installation result `pir`, or the error form without one, in the `layout`.
fn trigger_result(
    layout: Layout,
    eim_transaction_id: Option<Octets>,
    pir: Option<Signed<ProfileInstallationResult>>,
) -> TriggerResponse {
    for_layout!(layout, l => {
        use l::ProfileDownloadTriggerResultData as Data;
        l::ProfileDownloadTriggerResult {
            eim_transaction_id,
            profile_download_trigger_result_data: match pir {
                Some(pir) => Data::ProfileInstallationResult(pir),
                None => Data::ProfileDownloadError(l::ProfileDownloadError::undefined()),
            },
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use euicc_asn1::to_der;

    #[test]
    fn without_an_installation_result_the_error_form_is_sent() {
        let TriggerResponse::V1_2(result) = trigger_result(Layout::V1_2, None, None) else {
            panic!()
        };
        assert_eq!(hex::encode_upper(to_der(&result)), "BF5405300380017F");
        assert!(activation_code(None).is_none());
        let bad = ProfileDownloadData::ActivationCode("2$nowhere".into());
        assert!(activation_code(Some(bad)).is_none());
    }
}
