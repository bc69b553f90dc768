//! A direct profile download (SGP.22 §3.1.3, SGP.32 §3.2.3.1), generic over the eUICC channel and the
//! ES9+ carrier ([`Es9`]), so the eIM's indirect download can reuse it through ESipa.
//!
//! Once the eUICC has authenticated the server it holds a session; every failure from then on until a Profile
//! Installation Result exists ends it with ES10b.CancelSession and the [`CancelReason`] that fits, and the
//! eUICC's signed answer is relayed to the SM-DP+ (ES9+.CancelSession). A PIR, success or error, is delivered
//! to its notification address and removed from the eUICC only after the server accepted it; if delivery
//! fails it stays on the card for `notifications process`.
//!
//! Nothing here logs the matching ID or the confirmation code.

use euicc_asn1::types::sgp22::{
    ActivationCode, AuthenticateServerRequest, CtxParams1, CtxParamsForCommonAuthentication,
    DeviceCapabilities, DeviceInfo, FinalResult, ProfileInstallationResult, codes,
};
use euicc_asn1::{Octets, from_ber, to_der};
use ring::digest;
use serde::Serialize;
use tokio::sync::watch;

use super::bpp::{self, SegmentError};
use crate::apdu::CardChannel;
use crate::error_chain::chain;
use crate::euicc::{Euicc, EuiccError, authenticate_refusal};
use crate::remote::es9p::{Es9, Es9Error};
use euiccd_core::es10::Es10Error;
pub(crate) use euiccd_core::secret::Secret;

/// The TAC sent when no IMEI is given (a generic IoT module TAC, 8 BCD digits).
const DEFAULT_TAC: [u8; 4] = [0x35, 0x29, 0x06, 0x11];

/// What to download.
#[derive(Debug, Clone)]
pub struct DownloadRequest {
    /// The activation code (SM-DP+ address and matching ID; its Debug redacts the matching ID).
    pub activation_code: ActivationCode,
    /// The confirmation code, when the order needs one.
    pub confirmation_code: Option<Secret>,
    /// The device's IMEI (15 digits): its TAC and the IMEI go into DeviceInfo.
    pub imei: Option<String>,
}

/// Why a download session is cancelled (SGP.22 CancelSessionReason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CancelReason {
    /// The user or the device refused (e.g. no confirmation code).
    EndUserRejection,
    /// Postponed (interrupted by the operator).
    Postponed,
    /// A server did not answer in time.
    Timeout,
    /// The profile metadata did not match what was expected.
    MetadataMismatch,
    /// Loading the Bound Profile Package failed.
    LoadBppExecutionError,
    /// Any other failure.
    Undefined,
}

impl CancelReason {
    /// The ASN.1 value.
    pub(crate) fn code(self) -> i64 {
        match self {
            Self::EndUserRejection => 0,
            Self::Postponed => 1,
            Self::Timeout => 2,
            Self::MetadataMismatch => 4,
            Self::LoadBppExecutionError => 5,
            Self::Undefined => 127,
        }
    }
}

/// Progress of a download, reported to a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DownloadEvent {
    /// InitiateAuthentication sent to the SM-DP+.
    Authenticating {
        /// The SM-DP+ address.
        smdp: String,
    },
    /// Mutual authentication done; the SM-DP+ described the profile.
    Authenticated {
        /// The session (upper-case hex).
        transaction_id: String,
        /// The profile's ICCID.
        iccid: String,
        /// The service provider name.
        service_provider: String,
        /// The profile name.
        profile_name: String,
    },
    /// The Bound Profile Package arrived.
    PackageReceived {
        /// Its size in bytes.
        bytes: usize,
        /// The number of LoadBoundProfilePackage segments.
        segments: usize,
    },
    /// A segment was loaded.
    Loading {
        /// Segments loaded so far.
        done: usize,
        /// All segments.
        total: usize,
    },
    /// The eUICC reported the installation result.
    Installed {
        /// Whether the profile is installed.
        success: bool,
    },
    /// The installation result was delivered to the SM-DP+ and removed from the eUICC.
    NotificationDelivered {
        /// Its sequence number.
        seq_number: i64,
    },
    /// The session was cancelled.
    Cancelled {
        /// Why.
        reason: CancelReason,
    },
}

/// A successful download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadOutcome {
    /// The session (upper-case hex).
    pub transaction_id: String,
    /// The installed profile's ICCID, as the SM-DP+ announced it.
    pub iccid: String,
    /// The installation result's notification sequence number.
    pub seq_number: i64,
    /// Whether the installation result was delivered (and removed from the eUICC).
    pub notification_delivered: bool,
    /// A confirmation code was given but the SM-DP+ did not ask for one, so it was not used.
    pub confirmation_code_unused: bool,
    /// The Profile Installation Result (`BF37 …`) as the eUICC signed it.
    #[serde(skip)]
    pub installation_result: Vec<u8>,
}

/// What went wrong in a download.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// An eUICC function failed or refused.
    #[error(transparent)]
    Euicc(#[from] EuiccError),
    /// An ES9+ function failed or the SM-DP+ refused.
    #[error(transparent)]
    Es9(#[from] Es9Error),
    /// The order needs a confirmation code and none was given.
    #[error("the SM-DP+ requires a confirmation code for this profile (--confirmation-code)")]
    ConfirmationCodeRequired,
    /// The IMEI is not 15 digits.
    #[error("the IMEI must be 15 digits")]
    InvalidImei,
    /// The package could not be split into segments.
    #[error(transparent)]
    Package(#[from] SegmentError),
    /// The eUICC answered something unexpected while loading.
    #[error("LoadBoundProfilePackage: {0}")]
    Load(&'static str),
    /// The eUICC refused the package; the installation result says where and why.
    #[error("the eUICC refused the profile: {command} failed with {reason}")]
    InstallFailed {
        /// The BPP command that failed.
        command: String,
        /// The error reason.
        reason: String,
        /// The Profile Installation Result (`BF37 …`) as the eUICC signed it.
        installation_result: Vec<u8>,
    },
    /// The download was interrupted.
    #[error("interrupted")]
    Interrupted,
}

/// A failed download, with what was done to end it cleanly.
#[derive(Debug, thiserror::Error)]
#[error("download failed{}", cancelled.map(|r| format!(" (download session cancelled: {r:?})")).unwrap_or_default())]
pub struct DownloadFailure {
    /// The failure.
    #[source]
    pub error: DownloadError,
    /// The reason of the CancelSession sent to the eUICC, if one was sent.
    pub cancelled: Option<CancelReason>,
}

impl From<DownloadError> for DownloadFailure {
    fn from(error: DownloadError) -> Self {
        Self {
            error,
            cancelled: None,
        }
    }
}

/// A signal to stop a download at the next step (Ctrl-C). [`Interrupt::never`] never fires.
#[derive(Debug, Clone)]
pub struct Interrupt(watch::Receiver<bool>);

impl Interrupt {
    /// An interrupt set by sending `true` on the channel.
    pub(crate) fn new(receiver: watch::Receiver<bool>) -> Self {
        Self(receiver)
    }

    /// An interrupt that never fires.
    pub fn never() -> Self {
        Self(watch::channel(false).1)
    }

    /// Resolves once the interrupt fires (never, if its sender is gone unfired).
    async fn fired(&mut self) {
        if self.0.wait_for(|set| *set).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Runs `step` unless the interrupt fires first.
    async fn guard<T, E: Into<DownloadError>>(
        &mut self,
        step: impl Future<Output = Result<T, E>>,
    ) -> Result<T, DownloadError> {
        tokio::select! {
            biased;
            () = self.fired() => Err(DownloadError::Interrupted),
            result = step => result.map_err(Into::into),
        }
    }
}

/// SHA-256(SHA-256(code) ‖ transaction ID), the hashCc of PrepareDownload.
pub(crate) fn hash_cc(code: &str, transaction_id: &[u8]) -> [u8; 32] {
    // ring's SHA-256, which TLS links anyway (the sha2 crate was 7 KB more of the router binary for this alone).
    let inner = digest::digest(&digest::SHA256, code.as_bytes());
    let mut outer = digest::Context::new(&digest::SHA256);
    outer.update(inner.as_ref());
    outer.update(transaction_id);
    let mut hash = [0; 32];
    hash.copy_from_slice(outer.finish().as_ref());
    hash
}

/// DeviceInfo for an IMEI (TAC = its first 8 digits as plain BCD, IMEI as swapped BCD padded with F), or
/// the default TAC without one.
pub(crate) fn device_info(imei: Option<&str>) -> Result<DeviceInfo, DownloadError> {
    let (tac, imei) = match imei {
        None => (DEFAULT_TAC.to_vec(), None),
        Some(imei) => {
            if imei.len() != 15 || !imei.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DownloadError::InvalidImei);
            }
            let digits: Vec<u8> = imei.bytes().map(|b| b - b'0').collect();
            let tac = digits[..8].chunks(2).map(|p| (p[0] << 4) | p[1]).collect();
            let swapped = digits
                .chunks(2)
                .map(|p| p[0] | (p.get(1).copied().unwrap_or(0xF) << 4))
                .collect();
            (tac, Some(Octets(swapped)))
        }
    };
    Ok(DeviceInfo {
        tac: Octets(tac),
        device_capabilities: DeviceCapabilities {
            eutran_epc_supported_release: Some(Octets(vec![15, 0, 0])),
            ..DeviceCapabilities::default()
        },
        imei,
    })
}

/// Downloads and installs the profile of `request` (see the module documentation).
pub async fn download<C: CardChannel, S: Es9>(
    euicc: &mut Euicc<C>,
    es9: &mut S,
    request: &DownloadRequest,
    interrupt: &mut Interrupt,
    on_event: &mut impl FnMut(DownloadEvent),
) -> Result<DownloadOutcome, DownloadFailure> {
    let code = &request.activation_code;
    let device_info = device_info(request.imei.as_deref())?;
    on_event(DownloadEvent::Authenticating {
        smdp: code.smdp_address.clone(),
    });
    let challenge = euicc.challenge().await.map_err(DownloadError::from)?;
    let info1 = to_der(&euicc.euicc_info1().await.map_err(DownloadError::from)?);
    let init = interrupt
        .guard(es9.initiate_authentication(&challenge.0, &info1, &code.smdp_address))
        .await?;
    let transaction_id = init.transaction_id.0.clone();
    let authenticate = AuthenticateServerRequest {
        server_signed1: init.server_signed1,
        server_signature1: init.server_signature1,
        euicc_ci_pk_id_to_be_used: init.euicc_ci_pk_id_to_be_used,
        server_certificate: init.server_certificate,
        ctx_params1: CtxParams1::CtxParamsForCommonAuthentication(
            CtxParamsForCommonAuthentication {
                matching_id: Some(code.matching_id.clone()),
                device_info,
            },
        ),
    };
    let response = euicc
        .authenticate_server(&authenticate)
        .await
        .map_err(DownloadError::from)?;
    if let Some(refusal) = authenticate_refusal(response.value()) {
        tell_refusal(es9, interrupt, &transaction_id, response.raw()).await;
        return Err(DownloadError::Euicc(refusal.into()).into());
    }

    // The eUICC holds a session from here on.
    let mut session = Session {
        euicc,
        es9,
        transaction_id,
        interrupt,
    };
    match session.run(response.raw(), request, on_event).await {
        Ok(outcome) => Ok(outcome),
        Err((error, None)) => Err(error.into()),
        Err((error, Some(reason))) => {
            // An SM-DP+ that refused a function has ended its session: its answer to the cancellation
            // is no second failure.
            let server_ended = matches!(error, DownloadError::Es9(Es9Error::Failed { .. }));
            session.cancel(reason, server_ended).await;
            on_event(DownloadEvent::Cancelled { reason });
            Err(DownloadFailure {
                error,
                cancelled: Some(reason),
            })
        }
    }
}

/// Passes the eUICC's refused AuthenticateServer (`BF38 { authenticateResponseError }`) to the SM-DP+ in
/// ES9+.AuthenticateClient, as SGP.22 §3.1.3 has the LPA do with whatever the eUICC answered, so that the
/// SM-DP+ ends its session with the eUICC's reason instead of waiting for it to expire. The eUICC opened no
/// session, so there is nothing to cancel; the SM-DP+ is expected to answer `Failed`.
async fn tell_refusal<S: Es9>(
    es9: &mut S,
    interrupt: &mut Interrupt,
    transaction_id: &[u8],
    response: &[u8],
) {
    match interrupt
        .guard(es9.authenticate_client(transaction_id, response))
        .await
    {
        Err(DownloadError::Es9(Es9Error::Failed { code, .. })) => {
            tracing::debug!(%code, "the SM-DP+ ended the session refused by the eUICC");
        }
        Err(error) => {
            tracing::debug!(error = %chain(&error), "the SM-DP+ was not told of the eUICC's refusal");
        }
        Ok(_) => tracing::debug!("the SM-DP+ accepted a refused AuthenticateServer"),
    }
}

/// The part of a download that runs inside an eUICC session.
struct Session<'a, C: CardChannel, S: Es9> {
    euicc: &'a mut Euicc<C>,
    es9: &'a mut S,
    transaction_id: Vec<u8>,
    interrupt: &'a mut Interrupt,
}

/// A failure inside the session, and the reason to cancel it with (`None`: the session is over already).
type Step<T> = Result<T, (DownloadError, Option<CancelReason>)>;

/// The cancel reason for a failure before the installation result.
fn reason_for(error: &DownloadError) -> CancelReason {
    match error {
        DownloadError::Interrupted => CancelReason::Postponed,
        DownloadError::ConfirmationCodeRequired => CancelReason::EndUserRejection,
        DownloadError::Es9(error) if error.is_timeout() => CancelReason::Timeout,
        DownloadError::Package(_) | DownloadError::Load(_) => CancelReason::LoadBppExecutionError,
        _ => CancelReason::Undefined,
    }
}

fn cancelling<T>(result: Result<T, DownloadError>) -> Step<T> {
    result.map_err(|error| {
        let reason = reason_for(&error);
        (error, Some(reason))
    })
}

impl<C: CardChannel, S: Es9> Session<'_, C, S> {
    async fn run(
        &mut self,
        authenticate_server_response: &[u8],
        request: &DownloadRequest,
        on_event: &mut impl FnMut(DownloadEvent),
    ) -> Step<DownloadOutcome> {
        let tx = self.transaction_id.clone();
        let auth = cancelling(
            self.interrupt
                .guard(
                    self.es9
                        .authenticate_client(&tx, authenticate_server_response),
                )
                .await,
        )?;
        let metadata = &auth.profile_meta_data;
        let iccid = metadata.iccid.digits();
        on_event(DownloadEvent::Authenticated {
            transaction_id: hex::encode_upper(&tx),
            iccid: iccid.clone(),
            service_provider: metadata.service_provider_name.clone(),
            profile_name: metadata.profile_name.clone(),
        });
        let cc_required = auth.smdp_signed2.value().cc_required_flag;
        let cc_unused = !cc_required && request.confirmation_code.is_some();
        let hash = match (cc_required, &request.confirmation_code) {
            (false, _) => None,
            (true, None) => return cancelling(Err(DownloadError::ConfirmationCodeRequired)),
            (true, Some(code)) => Some(Octets(hash_cc(code.expose(), &tx).to_vec())),
        };
        let prepare = euicc_asn1::types::sgp22::PrepareDownloadRequest {
            smdp_signed2: auth.smdp_signed2,
            smdp_signature2: auth.smdp_signature2,
            hash_cc: hash,
            smdp_certificate: auth.smdp_certificate,
        };
        let prepared = cancelling(
            self.euicc
                .prepare_download(&prepare)
                .await
                .map_err(Into::into),
        )?;
        let bpp = cancelling(
            self.interrupt
                .guard(self.es9.get_bound_profile_package(&tx, prepared.raw()))
                .await,
        )?;
        let segments = cancelling(bpp::segments(&bpp).map_err(Into::into))?;
        on_event(DownloadEvent::PackageReceived {
            bytes: bpp.len(),
            segments: segments.len(),
        });
        let pir = self.load(&segments, on_event).await?;
        let mut outcome = self.finish(&pir, iccid, on_event).await?;
        outcome.confirmation_code_unused = cc_unused;
        Ok(outcome)
    }

    /// Loads the segments; returns the installation result's bytes.
    async fn load(
        &mut self,
        segments: &[&[u8]],
        on_event: &mut impl FnMut(DownloadEvent),
    ) -> Step<Vec<u8>> {
        let total = segments.len();
        for (index, segment) in segments.iter().enumerate() {
            if self.interrupt.is_set() {
                return cancelling(Err(DownloadError::Interrupted));
            }
            let answer = self
                .euicc
                .load_bpp_segment(segment)
                .await
                .map_err(|error| (error.into(), Some(CancelReason::LoadBppExecutionError)))?;
            on_event(DownloadEvent::Loading {
                done: index + 1,
                total,
            });
            if let Some(pir) = answer {
                return Ok(pir);
            }
        }
        cancelling(Err(DownloadError::Load(
            "no installation result after the last segment",
        )))
    }

    /// Delivers the installation result and reports the outcome. The session is over: no cancellation.
    async fn finish(
        &mut self,
        raw: &[u8],
        iccid: String,
        on_event: &mut impl FnMut(DownloadEvent),
    ) -> Step<DownloadOutcome> {
        let pir: ProfileInstallationResult = from_ber(raw).map_err(|source| {
            let error = EuiccError::Es10(Es10Error::Undecodable {
                function: "LoadBoundProfilePackage",
                source,
            });
            (error.into(), Some(CancelReason::LoadBppExecutionError))
        })?;
        let data = pir.profile_installation_result_data.value();
        let metadata = &data.notification_metadata;
        let failure = match &data.final_result {
            FinalResult::SuccessResult(_) => None,
            FinalResult::ErrorResult(error) => Some(DownloadError::InstallFailed {
                command: code_name(codes::BPP_COMMAND_ID, error.bpp_command_id),
                reason: code_name(codes::INSTALL_ERROR_REASON, error.error_reason),
                installation_result: raw.to_vec(),
            }),
        };
        on_event(DownloadEvent::Installed {
            success: failure.is_none(),
        });
        let delivered = self
            .deliver(&metadata.notification_address, metadata.seq_number, raw)
            .await;
        if delivered {
            on_event(DownloadEvent::NotificationDelivered {
                seq_number: metadata.seq_number,
            });
        }
        match failure {
            Some(error) => Err((error, None)),
            None => Ok(DownloadOutcome {
                transaction_id: hex::encode_upper(&self.transaction_id),
                iccid,
                seq_number: metadata.seq_number,
                notification_delivered: delivered,
                confirmation_code_unused: false,
                installation_result: raw.to_vec(),
            }),
        }
    }

    /// Delivers a notification and removes it from the eUICC once accepted. Failures leave it on the card.
    async fn deliver(&mut self, address: &str, seq_number: i64, raw: &[u8]) -> bool {
        if let Err(error) = self.es9.handle_notification(address, raw).await {
            tracing::warn!(
                seq_number,
                error = %chain(&error),
                "installation result not delivered; it stays on the eUICC"
            );
            return false;
        }
        match self.euicc.remove_notification(seq_number).await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(seq_number, error = %chain(&error), "delivered notification not removed");
                false
            }
        }
    }

    /// ES10b.CancelSession, then the signed answer to the SM-DP+. Failures are logged: the download failed
    /// already and that failure is the one reported.
    async fn cancel(&mut self, reason: CancelReason, server_ended: bool) {
        tracing::info!(?reason, "cancelling the download session");
        let response = match self
            .euicc
            .cancel_session(&self.transaction_id, reason.code())
            .await
        {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(error = %chain(&error), "the eUICC did not cancel the session");
                return;
            }
        };
        if let Err(error) = self
            .es9
            .cancel_session(&self.transaction_id, &response)
            .await
        {
            if server_ended {
                tracing::debug!(error = %chain(&error), "the SM-DP+ had ended the session already");
            } else {
                tracing::warn!(error = %chain(&error), "the SM-DP+ did not take the cancellation");
            }
        }
    }
}

/// `name (code)` from a code table.
fn code_name(table: codes::CodeTable, code: i64) -> String {
    match codes::name(table, code) {
        Some(name) => format!("{name} ({code})"),
        None => format!("code {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_info_from_imei() {
        let info = device_info(Some("356938035643809")).unwrap();
        assert_eq!(info.tac.0, vec![0x35, 0x69, 0x38, 0x03]);
        assert_eq!(
            info.imei.unwrap().0,
            vec![0x53, 0x96, 0x83, 0x30, 0x65, 0x34, 0x08, 0xF9]
        );
        assert!(device_info(Some("12345")).is_err());
        assert!(device_info(None).unwrap().imei.is_none());
    }

    #[test]
    fn secrets_are_redacted() {
        let secret = Secret::new("4711");
        assert!(!format!("{secret:?} {secret}").contains("4711"));
        assert_eq!(secret.expose(), "4711");
    }

    #[test]
    fn hash_cc_agrees_with_the_simulated_smdp() {
        let tx = [1, 2, 3, 4];
        assert_eq!(
            hash_cc("4711", &tx),
            euiccd_sim::crypto::hash::hash_cc(b"4711", &tx)
        );
    }

    #[test]
    fn cancel_reasons() {
        assert_eq!(reason_for(&DownloadError::Interrupted).code(), 1);
        assert_eq!(
            reason_for(&DownloadError::ConfirmationCodeRequired).code(),
            0
        );
        assert_eq!(reason_for(&DownloadError::Load("x")).code(), 5);
        assert_eq!(CancelReason::MetadataMismatch.code(), 4);
    }
}
