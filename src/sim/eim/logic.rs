//! The sans-IO simulated eIM (SGP.32 v1.2 layout): per eUICC a queue of signed packages, and what the IPA
//! reported back.
//!
//! Packages are signed as the simulated eUICC checks them ([`eim_signed_data`]): raw `r‖s` over the exact
//! DER of `euiccPackageSigned` and the association token. [`SimEim::handle`] takes one ESipa request body
//! and returns the answer body.

use std::collections::{HashMap, VecDeque};

use euicc_asn1::types::sgp22::PendingNotification;
use euicc_asn1::types::sgp32::common::{EimAcknowledgements, SequenceNumber};
use euicc_asn1::types::sgp32::v1_2::{
    EimPackageResult, EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, EuiccPackage,
    EuiccPackageRequest, EuiccPackageResult, EuiccPackageSigned, GetEimPackageResponse,
    HandleNotificationEsipa, IpaEuiccDataRequest, IpaEuiccDataResponse,
    ProfileDownloadTriggerRequest, ProfileDownloadTriggerResult, ProvideEimPackageResult,
    ProvideEimPackageResultResponse,
};
use euicc_asn1::{DecodeError, Eid, Octets, Signed, Tag, Writer, from_ber, to_der};

use crate::sim::crypto::ecdsa::SigningKey;
use crate::sim::euicc::eim_signed_data;

/// `eimPackageError` noEimPackageAvailable.
const NO_EIM_PACKAGE_AVAILABLE: i64 = 1;
/// `eimPackageError` / `provideEimPackageResultError` eidNotFound.
const EID_NOT_FOUND: i64 = 2;

/// Something the IPA reported to the eIM, kept as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// An eUICC Package Result (`BF51 …`), the exact bytes received.
    PackageResult(Vec<u8>),
    /// A notification, the exact bytes received.
    Notification(Vec<u8>),
    /// The answer to an IpaEuiccDataRequest.
    DataResponse(Box<IpaEuiccDataResponse>),
    /// The result of a ProfileDownloadTriggerRequest.
    DownloadResult(Box<ProfileDownloadTriggerResult>),
    /// The IPA could not process a package (`eimPackageResultResponseError`).
    PackageError {
        /// The package's transaction identifier, echoed.
        eim_transaction_id: Option<Octets>,
        /// The error code (invalidPackageFormat 1, unknownPackage 2, undefinedError 127).
        code: i64,
    },
}

/// A report and the EID it came with, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The reporting eUICC, when the message named it.
    pub eid: Option<Eid>,
    /// What was reported.
    pub report: Report,
}

/// One associated eUICC.
#[derive(Debug, Default)]
struct Device {
    association_token: Option<i64>,
    counter: i64,
    queue: VecDeque<Vec<u8>>,
}

/// A request the eIM could not read (answered HTTP 400).
#[derive(Debug, thiserror::Error)]
#[error("not a v1.2 EsipaMessageFromIpaToEim: {0}")]
pub struct BadRequest(#[from] DecodeError);

/// The simulated eIM. See the module documentation.
pub struct SimEim {
    eim_id: String,
    key: SigningKey,
    devices: HashMap<Eid, Device>,
    received: Vec<Received>,
}

impl std::fmt::Debug for SimEim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimEim")
            .field("eim_id", &self.eim_id)
            .field("devices", &self.devices.len())
            .field("received", &self.received.len())
            .finish_non_exhaustive()
    }
}

impl SimEim {
    /// An eIM called `eim_id` that signs packages with `key`.
    pub fn new(eim_id: impl Into<String>, key: SigningKey) -> Self {
        Self {
            eim_id: eim_id.into(),
            key,
            devices: HashMap::new(),
            received: Vec::new(),
        }
    }

    /// The eIM's identifier.
    pub fn eim_id(&self) -> &str {
        &self.eim_id
    }

    /// Registers the eUICC `eid` with the association token it assigned to this eIM (AddInitialEim).
    pub fn associate(&mut self, eid: Eid, association_token: Option<i64>) {
        self.devices.entry(eid).or_default().association_token = association_token;
    }

    /// Signs `package` for `eid` with the next counter value and queues it; returns the package
    /// (`BF51 …`). An unassociated eUICC is associated without a token.
    pub fn queue_package(
        &mut self,
        eid: Eid,
        package: EuiccPackage,
        eim_transaction_id: Option<Octets>,
    ) -> Vec<u8> {
        let device = self.devices.entry(eid).or_default();
        device.counter += 1;
        let signed = Signed::new(EuiccPackageSigned {
            eim_id: self.eim_id.clone(),
            eid_value: eid,
            counter_value: device.counter,
            eim_transaction_id,
            euicc_package: package,
        });
        let signature = self
            .key
            .sign_raw(&eim_signed_data(signed.raw(), device.association_token));
        let request = to_der(&EuiccPackageRequest {
            euicc_package_signed: signed,
            eim_signature: Octets(signature.to_vec()),
        });
        device.queue.push_back(request.clone());
        request
    }

    /// Queues the IpaEuiccDataRequest `request` for `eid` (it is not signed).
    pub fn queue_data_request(&mut self, eid: Eid, request: &IpaEuiccDataRequest) {
        self.queue_raw(eid, to_der(request));
    }

    /// Queues the ProfileDownloadTriggerRequest `request` for `eid` (it is not signed).
    pub fn queue_download_trigger(&mut self, eid: Eid, request: &ProfileDownloadTriggerRequest) {
        self.queue_raw(eid, to_der(request));
    }

    /// Queues `package` for `eid` as it is (a wrongly signed or malformed package, for tests).
    pub fn queue_raw(&mut self, eid: Eid, package: Vec<u8>) {
        self.devices
            .entry(eid)
            .or_default()
            .queue
            .push_back(package);
    }

    /// Packages still queued for `eid`.
    pub fn queued(&self, eid: &Eid) -> usize {
        self.devices.get(eid).map_or(0, |d| d.queue.len())
    }

    /// Everything the IPA reported, oldest first.
    pub fn received(&self) -> &[Received] {
        &self.received
    }

    /// Answers one ESipa request body. `None` is an empty answer (HandleNotification).
    pub fn handle(&mut self, request: &[u8]) -> Result<Option<Vec<u8>>, BadRequest> {
        let answer = match from_ber::<EsipaMessageFromIpaToEim>(request)? {
            EsipaMessageFromIpaToEim::GetEimPackageRequest(poll) => {
                return Ok(Some(self.next_package(&poll.eid_value)));
            }
            EsipaMessageFromIpaToEim::ProvideEimPackageResult(result) => {
                EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(self.store(result))
            }
            EsipaMessageFromIpaToEim::HandleNotificationEsipa(notification) => {
                match notification {
                    HandleNotificationEsipa::PendingNotification(n) => {
                        self.keep(None, &n);
                    }
                    HandleNotificationEsipa::ProvideEimPackageResult(result) => {
                        self.store(result);
                    }
                }
                return Ok(None);
            }
            // The indirect download and package injection are not simulated.
            _ => EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
                ProvideEimPackageResultResponse::ProvideEimPackageResultError(127),
            ),
        };
        Ok(Some(to_der(&answer)))
    }

    /// GetEimPackage: `BF4F` with the next package as queued, or `eimPackageError`.
    fn next_package(&mut self, eid: &Eid) -> Vec<u8> {
        let error = |code| {
            to_der(&EsipaMessageFromEimToIpa::GetEimPackageResponse(
                GetEimPackageResponse::EimPackageError(code),
            ))
        };
        let Some(device) = self.devices.get_mut(eid) else {
            return error(EID_NOT_FOUND);
        };
        let Some(package) = device.queue.pop_front() else {
            return error(NO_EIM_PACKAGE_AVAILABLE);
        };
        // Written by hand so that the package travels byte for byte, even a malformed one.
        let mut w = Writer::new();
        w.tlv(Tag(0xBF4F), |w| w.raw(&package));
        w.into_bytes()
    }

    /// ProvideEimPackageResult: keeps what it carries, acknowledges the sequence numbers kept.
    fn store(&mut self, result: ProvideEimPackageResult) -> ProvideEimPackageResultResponse {
        let eid = result.eid_value;
        if eid.is_some_and(|eid| !self.devices.contains_key(&eid)) {
            return ProvideEimPackageResultResponse::ProvideEimPackageResultError(EID_NOT_FOUND);
        }
        let mut acknowledged = Vec::new();
        match result.eim_package_result {
            EimPackageResult::EuiccPackageResult(epr) => {
                acknowledged.extend(self.keep_result(eid, &epr));
            }
            EimPackageResult::EprAndNotifications(both) => {
                acknowledged.extend(self.keep_result(eid, &both.euicc_package_result));
                for notification in &both.notification_list {
                    acknowledged.extend(self.keep(eid, notification));
                }
            }
            EimPackageResult::EimPackageResultResponseError(error) => {
                self.received.push(Received {
                    eid,
                    report: Report::PackageError {
                        eim_transaction_id: error.eim_transaction_id,
                        code: error.eim_package_result_error_code,
                    },
                });
            }
            EimPackageResult::IpaEuiccDataResponse(response) => {
                self.received.push(Received {
                    eid,
                    report: Report::DataResponse(Box::new(response)),
                });
            }
            EimPackageResult::ProfileDownloadTriggerResult(result) => {
                self.received.push(Received {
                    eid,
                    report: Report::DownloadResult(Box::new(result)),
                });
            }
        }
        ProvideEimPackageResultResponse::EimAcknowledgements(EimAcknowledgements(
            acknowledged.into_iter().map(SequenceNumber).collect(),
        ))
    }

    /// Keeps an eUICC Package Result; returns its sequence number when it has one.
    fn keep_result(&mut self, eid: Option<Eid>, epr: &Signed<EuiccPackageResult>) -> Option<i64> {
        self.received.push(Received {
            eid,
            report: Report::PackageResult(epr.raw().to_vec()),
        });
        match epr.value() {
            EuiccPackageResult::EuiccPackageResultSigned(signed) => {
                Some(signed.euicc_package_result_data_signed.value().seq_number)
            }
            _ => None,
        }
    }

    /// Keeps a notification; returns its sequence number when its form has one.
    fn keep(
        &mut self,
        eid: Option<Eid>,
        notification: &Signed<PendingNotification>,
    ) -> Option<i64> {
        self.received.push(Received {
            eid,
            report: Report::Notification(notification.raw().to_vec()),
        });
        notification.value().metadata().map(|m| m.seq_number)
    }
}
