//! The sans-IO simulated eIM: per eUICC a queue of signed packages, and what the IPA reported back. It speaks
//! one SGP.32 layout, v1.2 by default or v1.0 ([`SimEim::with_version`]).
//!
//! Packages are signed as the simulated eUICC checks them ([`eim_signed_data`]): raw `r‖s` over the exact
//! DER of `euiccPackageSigned` and the association token. [`SimEim::handle`] takes one ESipa request body
//! and the connection it came on, and returns the answer body.
//!
//! An indirect download is relayed to the SM-DP+ ([`relay`]): [`SimEim::handle`] asks for the ES9+
//! call ([`Action::Relay`]), the server makes it, and [`SimEim::relayed`] turns the SM-DP+'s answer into the
//! ESipa answer, remembering the session's SM-DP+ for the calls that follow and for the PIR it forwards.
//!
//! v1.0 results carry no EID: like onomondo-eim, the eIM ties them to the EID that polled on the same
//! connection (a v1.2 result may name its EID, and otherwise is tied the same way).
//!
//! What the answer to ProvideEimPackageResult acknowledges is a setting ([`Acknowledging`]): by default a
//! v1.2 eIM acknowledges every sequence number it received and a v1.0 eIM acknowledges nothing, as the
//! public v1.0 eIM does. It can also play an eIM that acknowledges its own order numbers, or one that
//! refuses results ([`SimEim::refuse_results`]).

use std::collections::{HashMap, VecDeque};

use euicc_asn1::types::sgp22::PendingNotification;
use euicc_asn1::types::sgp32::common::{
    EimAcknowledgements, ProfileDownloadTriggerRequest, SequenceNumber,
};
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{Asn1, DecodeError, Eid, Octets, Signed, Tag, Writer, from_ber, to_der};

use super::es9_client::Es9Error;
use super::json::ResultErrorName;
use super::relay::{self, Es9Call, Es9Reply, RelayRequest};
use crate::Layout;
use crate::crypto::ecdsa::SigningKey;
use crate::euicc::eim_signed_data;
use crate::https_server::ConnectionId;

/// `eimPackageError` noEimPackageAvailable.
const NO_EIM_PACKAGE_AVAILABLE: i64 = 1;
/// `eimPackageError` / `provideEimPackageResultError` eidNotFound (v1.2).
const EID_NOT_FOUND: i64 = 2;
/// `eimPackageError` undefinedError (v1.0 has no eidNotFound).
const UNDEFINED_ERROR: i64 = 127;
/// Connections whose polling EID is remembered; the oldest is forgotten first.
const MAX_CONNECTIONS: usize = 256;
/// Polls remembered for [`SimEim::polls`]; the oldest is forgotten first.
const MAX_POLLS: usize = 1024;

/// A GetEimPackage as the eIM received it, with what it said about the eUICC's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// The polling eUICC.
    pub eid: Eid,
    /// `notifyStateChange` was present.
    pub notify_state_change: bool,
    /// `stateChangeCause` (v1.2 only).
    pub state_change_cause: Option<i64>,
    /// `rPLMN`.
    pub r_plmn: Option<Vec<u8>>,
}

/// The answer to an IpaEuiccDataRequest, in the layout it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataResponse {
    /// v1.0 layout.
    V1_0(v1_0::IpaEuiccDataResponse),
    /// v1.2 layout.
    V1_2(v1_2::IpaEuiccDataResponse),
}

/// The result of a ProfileDownloadTriggerRequest, in the layout it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadResult {
    /// v1.0 layout.
    V1_0(v1_0::ProfileDownloadTriggerResult),
    /// v1.2 layout.
    V1_2(v1_2::ProfileDownloadTriggerResult),
}

/// Something the IPA reported to the eIM, kept as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// An eUICC Package Result (`BF51 …`), the exact bytes received.
    PackageResult(Vec<u8>),
    /// A notification, the exact bytes received.
    Notification(Vec<u8>),
    /// The answer to an IpaEuiccDataRequest.
    DataResponse(Box<DataResponse>),
    /// The result of a ProfileDownloadTriggerRequest.
    DownloadResult(Box<DownloadResult>),
    /// The IPA could not process a package (`eimPackageResultResponseError`, v1.0 `eimPackageError`).
    PackageError {
        /// The package's transaction identifier, echoed (v1.2 only).
        eim_transaction_id: Option<Octets>,
        /// The error code (invalidPackageFormat 1, unknownPackage 2, undefinedError 127).
        code: i64,
    },
}

/// A report and the EID it came with, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The reporting eUICC: named in the message, or the one that polled on the same connection.
    pub eid: Option<Eid>,
    /// What was reported.
    pub report: Report,
}

/// The operations of an eUICC Package in one SGP.32 layout, as [`SimEim::queue_package`] signs them.
pub trait PackageContent {
    /// The DER of the `EuiccPackageSigned` that carries these operations.
    fn signed_der(
        self,
        eim_id: &str,
        eid: Eid,
        counter_value: i64,
        transaction_id: Option<Octets>,
    ) -> Vec<u8>;
}

impl PackageContent for v1_2::EuiccPackage {
    fn signed_der(
        self,
        eim_id: &str,
        eid: Eid,
        counter_value: i64,
        transaction_id: Option<Octets>,
    ) -> Vec<u8> {
        to_der(&v1_2::EuiccPackageSigned {
            eim_id: eim_id.to_owned(),
            eid_value: eid,
            counter_value,
            eim_transaction_id: transaction_id,
            euicc_package: self,
        })
    }
}

impl PackageContent for v1_0::EuiccPackage {
    fn signed_der(
        self,
        eim_id: &str,
        eid: Eid,
        counter_value: i64,
        transaction_id: Option<Octets>,
    ) -> Vec<u8> {
        to_der(&v1_0::EuiccPackageSigned {
            eim_id: eim_id.to_owned(),
            eid_value: eid,
            counter_value,
            transaction_id,
            euicc_package: self,
        })
    }
}

/// What the eIM's answer to ProvideEimPackageResult acknowledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledging {
    /// Every sequence number received (a v1.2 eIM's default).
    Everything,
    /// The eUICC Package Results only: notifications stay on the eUICC.
    ResultsOnly,
    /// Nothing: the answer carries no acknowledgements (a v1.0 eIM's default, like the public one).
    Nothing,
    /// The order number of the package the result answers, not what the result carried (a v1.3 eIM
    /// does this for download-trigger results). Orders are numbered per eUICC from 1, in queueing order.
    OrderNumbers,
}

impl std::str::FromStr for Acknowledging {
    type Err = String;

    /// `everything`, `results`, `nothing` or `order-numbers`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "everything" => Ok(Self::Everything),
            "results" => Ok(Self::ResultsOnly),
            "nothing" => Ok(Self::Nothing),
            "order-numbers" => Ok(Self::OrderNumbers),
            other => Err(format!(
                "expected everything, results, nothing or order-numbers, not {other:?}"
            )),
        }
    }
}

impl Acknowledging {
    /// The default of an eIM of the `version` layout.
    pub fn default_for(version: Layout) -> Self {
        match version {
            Layout::V1_2 => Self::Everything,
            Layout::V1_0 => Self::Nothing,
        }
    }
}

/// One associated eUICC.
#[derive(Debug, Default)]
struct Device {
    association_token: Option<i64>,
    counter: i64,
    /// Packages queued, each with its order number.
    queue: VecDeque<(i64, Vec<u8>)>,
    /// The order number given to the last package queued.
    orders: i64,
    /// The order number of the last package served.
    served: Option<i64>,
}

impl Device {
    fn push(&mut self, package: Vec<u8>) {
        self.orders += 1;
        self.queue.push_back((self.orders, package));
    }
}

/// A request the eIM could not serve (answered HTTP 400).
#[derive(Debug, thiserror::Error)]
pub enum BadRequest {
    /// The body is not an `EsipaMessageFromIpaToEim` of the eIM's layout.
    #[error("not a {version} EsipaMessageFromIpaToEim: {source}")]
    Undecodable {
        /// The layout the eIM speaks.
        version: Layout,
        /// What the decoder reported.
        #[source]
        source: DecodeError,
    },
    /// A result that names no EID on a connection where no eUICC polled (v1.0).
    #[error("a result on a connection where no eUICC polled")]
    NoDevice,
    /// A HandleNotification refused on purpose ([`SimEim::refuse_next_notifications`]).
    #[error("notification refused")]
    Refused,
    /// A JSON body that is not the function's message.
    #[error(transparent)]
    Json(#[from] super::json::JsonError),
    /// An ESipa function this eIM does not serve.
    #[error("ESipa function not served: {0}")]
    Unsupported(&'static str),
}

/// What the eIM does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Answer with this body (`None`: an empty answer).
    Answer(Option<Vec<u8>>),
    /// Make this ES9+ call to the SM-DP+ first (indirect download, a forwarded notification), then answer
    /// with what [`SimEim::relayed`] returns.
    Relay(Es9Call),
}

/// One decoded request, whatever its layout.
enum Request {
    Poll(Poll),
    /// A ProvideEimPackageResult (`answered`) or one sent as a HandleNotification (answered empty).
    Result {
        eid: Option<Eid>,
        reports: Vec<(Report, Option<i64>)>,
        answered: bool,
    },
    Notification(Box<Signed<PendingNotification>>),
    Relay(RelayRequest),
    Unsupported(&'static str),
}

/// The simulated eIM. See the module documentation.
pub struct SimEim {
    eim_id: String,
    key: SigningKey,
    version: Layout,
    devices: HashMap<Eid, Device>,
    connections: VecDeque<(ConnectionId, Eid)>,
    received: Vec<Received>,
    polls: VecDeque<Poll>,
    default_smdp: Option<String>,
    sessions: VecDeque<(Vec<u8>, String)>,
    relayed: Vec<&'static str>,
    /// `None`: [`Acknowledging::default_for`] the layout.
    acknowledging: Option<Acknowledging>,
    refuse_results: Option<i64>,
    result_error_name: ResultErrorName,
    refuse_notifications: usize,
}

impl std::fmt::Debug for SimEim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimEim")
            .field("eim_id", &self.eim_id)
            .field("version", &self.version)
            .field("devices", &self.devices.len())
            .field("received", &self.received.len())
            .finish_non_exhaustive()
    }
}

impl SimEim {
    /// A v1.2 eIM called `eim_id` that signs packages with `key`.
    pub fn new(eim_id: impl Into<String>, key: SigningKey) -> Self {
        Self {
            eim_id: eim_id.into(),
            key,
            version: Layout::V1_2,
            devices: HashMap::new(),
            connections: VecDeque::new(),
            received: Vec::new(),
            polls: VecDeque::new(),
            default_smdp: None,
            sessions: VecDeque::new(),
            relayed: Vec::new(),
            acknowledging: None,
            refuse_results: None,
            result_error_name: ResultErrorName::Asn1,
            refuse_notifications: 0,
        }
    }

    /// The SM-DP+ an InitiateAuthentication that names none is relayed to.
    pub fn set_default_smdp(&mut self, address: impl Into<String>) {
        self.default_smdp = Some(address.into());
    }

    /// The ES9+ functions relayed for indirect downloads so far, oldest first.
    pub fn relayed_functions(&self) -> &[&'static str] {
        &self.relayed
    }

    /// Refuses (HTTP 400) the next `count` HandleNotification requests, as an eIM that fails would.
    pub fn refuse_next_notifications(&mut self, count: usize) {
        self.refuse_notifications = count;
    }

    /// What the answers to ProvideEimPackageResult acknowledge from now on.
    pub fn set_acknowledging(&mut self, acknowledging: Acknowledging) {
        self.acknowledging = Some(acknowledging);
    }

    /// What the answers to ProvideEimPackageResult acknowledge.
    pub fn acknowledging(&self) -> Acknowledging {
        self.acknowledging
            .unwrap_or(Acknowledging::default_for(self.version))
    }

    /// Refuses every ProvideEimPackageResult from now on with `provideEimPackageResultError` `code` (v1.2;
    /// a v1.0 eIM answers HTTP 400), keeping nothing; `None`: takes them again.
    pub fn refuse_results(&mut self, code: Option<i64>) {
        self.refuse_results = code;
    }

    /// How the JSON binding names the error of ProvideEimPackageResult.
    pub fn set_result_error_name(&mut self, name: ResultErrorName) {
        self.result_error_name = name;
    }

    /// How the JSON binding names the error of ProvideEimPackageResult.
    pub fn result_error_name(&self) -> ResultErrorName {
        self.result_error_name
    }

    /// The same eIM speaking the `version` layout (requests are read and answers written in it).
    pub fn with_version(mut self, version: Layout) -> Self {
        self.version = version;
        self
    }

    /// The layout the eIM speaks.
    pub fn version(&self) -> Layout {
        self.version
    }

    /// The eIM's identifier.
    pub fn eim_id(&self) -> &str {
        &self.eim_id
    }

    /// Registers the eUICC `eid` with the association token it assigned to this eIM (AddInitialEim).
    pub fn associate(&mut self, eid: Eid, association_token: Option<i64>) {
        self.devices.entry(eid).or_default().association_token = association_token;
    }

    /// Signs `package` (v1.0 or v1.2 operations) for `eid` with the next counter value and queues it;
    /// returns the package (`BF51 …`). An unassociated eUICC is associated without a token.
    pub fn queue_package(
        &mut self,
        eid: Eid,
        package: impl PackageContent,
        transaction_id: Option<Octets>,
    ) -> Vec<u8> {
        let device = self.devices.entry(eid).or_default();
        device.counter += 1;
        let signed = package.signed_der(&self.eim_id, eid, device.counter, transaction_id);
        let signature = self
            .key
            .sign_raw(&eim_signed_data(&signed, device.association_token));
        // EuiccPackageRequest is the same in both layouts: the signed part as encoded, then the signature.
        let mut w = Writer::new();
        w.tlv(Tag(0xBF51), |w| {
            w.raw(&signed);
            w.tlv(Tag(0x5F37), |w| w.raw(&signature));
        });
        let request = w.into_bytes();
        device.push(request.clone());
        request
    }

    /// Queues an IpaEuiccDataRequest (`v1_0::` or `v1_2::IpaEuiccDataRequest`; it is not signed).
    pub fn queue_data_request<R: Asn1>(&mut self, eid: Eid, request: &R) {
        self.queue_raw(eid, to_der(request));
    }

    /// Queues an IpaEuiccDataRequest for the components `tag_list` names (any tags, so that a test can send
    /// what a real eIM does), in the eIM's layout. v1.0 has no transaction identifier, so
    /// `eim_transaction_id` is sent in v1.2 only.
    pub fn queue_tag_list(
        &mut self,
        eid: Eid,
        tag_list: &[u8],
        eim_transaction_id: Option<Octets>,
    ) {
        let tag_list = Octets(tag_list.to_vec());
        match self.version {
            Layout::V1_2 => self.queue_data_request(
                eid,
                &v1_2::IpaEuiccDataRequest {
                    tag_list,
                    euicc_ci_pk_identifier_to_be_used: None,
                    search_criteria_notification: None,
                    search_criteria_euicc_package_result: None,
                    eim_transaction_id,
                },
            ),
            Layout::V1_0 => self.queue_data_request(
                eid,
                &v1_0::IpaEuiccDataRequest {
                    tag_list,
                    euicc_ci_pk_id: None,
                    search_criteria: None,
                },
            ),
        }
    }

    /// Queues the ProfileDownloadTriggerRequest `request` for `eid` (it is not signed).
    pub fn queue_download_trigger(&mut self, eid: Eid, request: &ProfileDownloadTriggerRequest) {
        self.queue_raw(eid, to_der(request));
    }

    /// Queues `package` for `eid` as it is (a wrongly signed or malformed package, for tests).
    pub fn queue_raw(&mut self, eid: Eid, package: Vec<u8>) {
        self.devices.entry(eid).or_default().push(package);
    }

    /// Packages still queued for `eid`.
    pub fn queued(&self, eid: &Eid) -> usize {
        self.devices.get(eid).map_or(0, |d| d.queue.len())
    }

    /// The last polls received, oldest first.
    pub fn polls(&self) -> Vec<Poll> {
        self.polls.iter().cloned().collect()
    }

    /// Everything the IPA reported, oldest first.
    pub fn received(&self) -> &[Received] {
        &self.received
    }

    /// Answers one ESipa request body that came on `connection`, or asks for an ES9+ call first.
    pub fn handle(
        &mut self,
        connection: ConnectionId,
        request: &[u8],
    ) -> Result<Action, BadRequest> {
        let decoded = match self.version {
            Layout::V1_2 => read_v1_2(request),
            Layout::V1_0 => read_v1_0(request),
        }
        .map_err(|source| BadRequest::Undecodable {
            version: self.version,
            source,
        })?;
        match decoded {
            Request::Poll(poll) => {
                let eid = poll.eid;
                self.remember(connection, eid);
                if self.polls.len() == MAX_POLLS {
                    self.polls.pop_front();
                }
                self.polls.push_back(poll);
                Ok(Action::Answer(Some(self.next_package(&eid))))
            }
            Request::Result {
                eid,
                reports,
                answered,
            } => {
                let eid = eid.or_else(|| self.polled_on(connection));
                let answer = self.store(eid, reports)?;
                Ok(Action::Answer(answered.then_some(answer)))
            }
            Request::Notification(_) if self.refuse_notifications > 0 => {
                self.refuse_notifications -= 1;
                Err(BadRequest::Refused)
            }
            Request::Notification(notification) => {
                let eid = self.polled_on(connection);
                self.keep(eid, notification_report(&notification));
                // A notification for an SM-DP+ this eIM relayed a download to goes on to it.
                let address = notification
                    .value()
                    .metadata()
                    .map(|m| m.notification_address.clone())
                    .filter(|a| self.sessions.iter().any(|(_, smdp)| smdp == a));
                Ok(match address {
                    Some(smdp_address) => Action::Relay(Es9Call::HandleNotification {
                        smdp_address,
                        notification: notification.raw().to_vec(),
                    }),
                    None => Action::Answer(None),
                })
            }
            Request::Relay(relay) => Ok(self.relay(relay)),
            Request::Unsupported(function) => Err(BadRequest::Unsupported(function)),
        }
    }

    /// The ES9+ call for a relay request, or the answer when there is none to make.
    fn relay(&mut self, request: RelayRequest) -> Action {
        match request {
            RelayRequest::Initiate {
                smdp_address,
                euicc_challenge,
                euicc_info1,
            } => {
                let smdp_address = smdp_address.or_else(|| self.default_smdp.clone());
                match (smdp_address, euicc_info1) {
                    (Some(smdp_address), Some(euicc_info1)) => {
                        Action::Relay(Es9Call::InitiateAuthentication {
                            smdp_address,
                            euicc_challenge,
                            euicc_info1,
                        })
                    }
                    (address, _) => Action::Answer(Some(relay::cannot_initiate(
                        self.version,
                        address.is_some(),
                    ))),
                }
            }
            RelayRequest::InSession(call) => {
                let smdp = self
                    .sessions
                    .iter()
                    .find_map(|(t, smdp)| (*t == call.transaction_id).then(|| smdp.clone()));
                match smdp {
                    Some(smdp_address) => Action::Relay(call.to(smdp_address)),
                    None => Action::Answer(Some(call.unknown_session(self.version))),
                }
            }
        }
    }

    /// The answer to a request after its ES9+ call was made (`None`: an empty answer). A session the SM-DP+
    /// opened is remembered for the calls that follow.
    pub fn relayed(
        &mut self,
        call: &Es9Call,
        reply: Result<Es9Reply, Es9Error>,
    ) -> Option<Vec<u8>> {
        self.relayed.push(call.function());
        if let Ok(Es9Reply::Initiated(ok)) = &reply {
            if self.sessions.len() == MAX_CONNECTIONS {
                self.sessions.pop_front();
            }
            self.sessions
                .push_back((ok.transaction_id.0.clone(), call.smdp_address().to_owned()));
        }
        relay::answer(self.version, call, reply)
    }

    /// Remembers that `eid` polled on `connection`.
    fn remember(&mut self, connection: ConnectionId, eid: Eid) {
        self.connections.retain(|(c, _)| *c != connection);
        if self.connections.len() == MAX_CONNECTIONS {
            self.connections.pop_front();
        }
        self.connections.push_back((connection, eid));
    }

    /// The EID that last polled on `connection`.
    fn polled_on(&self, connection: ConnectionId) -> Option<Eid> {
        self.connections
            .iter()
            .find_map(|(c, eid)| (*c == connection).then_some(*eid))
    }

    /// GetEimPackage: `BF4F` with the next package as queued, or `eimPackageError`.
    fn next_package(&mut self, eid: &Eid) -> Vec<u8> {
        let unknown = match self.version {
            Layout::V1_2 => EID_NOT_FOUND,
            Layout::V1_0 => UNDEFINED_ERROR,
        };
        let package = match self.devices.get_mut(eid) {
            None => Err(unknown),
            Some(device) => match device.queue.pop_front() {
                Some((order, package)) => {
                    device.served = Some(order);
                    Ok(package)
                }
                None => Err(NO_EIM_PACKAGE_AVAILABLE),
            },
        };
        // Written by hand so that the package travels byte for byte, even a malformed one; the error
        // alternative (`02`) is the same in both layouts.
        let mut w = Writer::new();
        w.tlv(Tag(0xBF4F), |w| match &package {
            Ok(package) => w.raw(package),
            Err(code) => code.encode(w),
        });
        w.into_bytes()
    }

    /// ProvideEimPackageResult: keeps what it carries and answers with what [`Acknowledging`] says.
    fn store(
        &mut self,
        eid: Option<Eid>,
        reports: Vec<(Report, Option<i64>)>,
    ) -> Result<Vec<u8>, BadRequest> {
        let known = eid.is_some_and(|eid| self.devices.contains_key(&eid));
        let acknowledged = |numbers: Vec<i64>| {
            (!numbers.is_empty())
                .then(|| EimAcknowledgements(numbers.into_iter().map(SequenceNumber).collect()))
        };
        match self.version {
            Layout::V1_2 => {
                use v1_2::ProvideEimPackageResultResponse as R;
                let response = if eid.is_some() && !known {
                    R::ProvideEimPackageResultError(EID_NOT_FOUND)
                } else if let Some(code) = self.refuse_results {
                    R::ProvideEimPackageResultError(code)
                } else {
                    match acknowledged(self.keep_all(eid, reports)) {
                        Some(acks) => R::EimAcknowledgements(acks),
                        None => R::EmptyResponse(Default::default()),
                    }
                };
                Ok(to_der(
                    &v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(response),
                ))
            }
            Layout::V1_0 => {
                if !known {
                    return Err(BadRequest::NoDevice);
                }
                if self.refuse_results.is_some() {
                    return Err(BadRequest::Refused);
                }
                let acks = acknowledged(self.keep_all(eid, reports));
                Ok(to_der(
                    &v1_0::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
                        v1_0::ProvideEimPackageResultResponse {
                            eim_acknowledgements: acks,
                        },
                    ),
                ))
            }
        }
    }

    /// Keeps `reports`; returns the numbers to acknowledge.
    fn keep_all(&mut self, eid: Option<Eid>, reports: Vec<(Report, Option<i64>)>) -> Vec<i64> {
        let acknowledging = self.acknowledging();
        let received: Vec<(bool, Option<i64>)> = reports
            .into_iter()
            .map(|report| {
                let notification = matches!(report.0, Report::Notification(_));
                (notification, self.keep(eid, report))
            })
            .collect();
        let seq_numbers = |results_only: bool| {
            received
                .iter()
                .filter(|(notification, _)| !(results_only && *notification))
                .filter_map(|(_, seq_number)| *seq_number)
                .collect()
        };
        match acknowledging {
            Acknowledging::Everything => seq_numbers(false),
            Acknowledging::ResultsOnly => seq_numbers(true),
            Acknowledging::Nothing => Vec::new(),
            Acknowledging::OrderNumbers => eid
                .and_then(|eid| self.devices.get(&eid))
                .and_then(|device| device.served)
                .into_iter()
                .collect(),
        }
    }

    /// Keeps one report; returns its sequence number when it has one.
    fn keep(
        &mut self,
        eid: Option<Eid>,
        (report, seq_number): (Report, Option<i64>),
    ) -> Option<i64> {
        self.received.push(Received { eid, report });
        seq_number
    }
}

/// A notification as a report, with its sequence number when its form has one.
fn notification_report(notification: &Signed<PendingNotification>) -> (Report, Option<i64>) {
    (
        Report::Notification(notification.raw().to_vec()),
        notification.value().metadata().map(|m| m.seq_number),
    )
}

/// Reads a v1.2 request.
fn read_v1_2(request: &[u8]) -> Result<Request, DecodeError> {
    use v1_2::EsipaMessageFromIpaToEim as M;
    let message = from_ber::<M>(request)?;
    if let Some(relay) = relay::read_v1_2(&message) {
        return Ok(Request::Relay(relay));
    }
    Ok(match message {
        M::GetEimPackageRequest(poll) => Request::Poll(Poll {
            eid: poll.eid_value,
            notify_state_change: poll.notify_state_change.is_some(),
            state_change_cause: poll.state_change_cause,
            r_plmn: poll.r_plmn.map(|p| p.0),
        }),
        M::ProvideEimPackageResult(result) => Request::Result {
            eid: result.eid_value,
            reports: reports_v1_2(result.eim_package_result),
            answered: true,
        },
        M::HandleNotificationEsipa(v1_2::HandleNotificationEsipa::PendingNotification(n)) => {
            Request::Notification(Box::new(n))
        }
        M::HandleNotificationEsipa(v1_2::HandleNotificationEsipa::ProvideEimPackageResult(r)) => {
            Request::Result {
                eid: r.eid_value,
                reports: reports_v1_2(r.eim_package_result),
                answered: false,
            }
        }
        _ => Request::Unsupported(function_name(request)),
    })
}

/// Reads a v1.0 request.
fn read_v1_0(request: &[u8]) -> Result<Request, DecodeError> {
    use v1_0::EsipaMessageFromIpaToEim as M;
    let message = from_ber::<M>(request)?;
    if let Some(relay) = relay::read_v1_0(&message) {
        return Ok(Request::Relay(relay));
    }
    Ok(match message {
        M::GetEimPackageRequest(poll) => Request::Poll(Poll {
            eid: poll.eid_value,
            notify_state_change: poll.notify_state_change.is_some(),
            state_change_cause: None,
            r_plmn: poll.r_plmn.map(|p| p.0),
        }),
        M::ProvideEimPackageResult(result) => Request::Result {
            eid: None,
            reports: reports_v1_0(result),
            answered: true,
        },
        M::HandleNotificationEsipa(v1_0::HandleNotificationEsipa::PendingNotification(n)) => {
            Request::Notification(Box::new(n))
        }
        M::HandleNotificationEsipa(v1_0::HandleNotificationEsipa::ProvideEimPackageResult(r)) => {
            Request::Result {
                eid: None,
                reports: reports_v1_0(r),
                answered: false,
            }
        }
        _ => Request::Unsupported(function_name(request)),
    })
}

/// The ESipa function a request carries, from the context tag of its `EsipaMessageFromIpaToEim` choice
/// (SGP.32 §6.3, the ASN.1 of ESipa), for the answer to a request this eIM does not serve.
fn function_name(request: &[u8]) -> &'static str {
    match request {
        [0xBF, 0x39, ..] => "InitiateAuthentication",
        [0xBF, 0x3B, ..] => "AuthenticateClient",
        [0xBF, 0x3A, ..] => "GetBoundProfilePackage",
        [0xBF, 0x41, ..] => "CancelSession",
        [0xBF, 0x3D, ..] => "HandleNotification",
        [0xBF, 0x4E, ..] => "TransferEimPackage",
        [0xBF, 0x4F, ..] => "GetEimPackage",
        [0xBF, 0x50, ..] => "ProvideEimPackageResult",
        _ => "unknown",
    }
}

/// What a v1.2 `EimPackageResult` reports.
fn reports_v1_2(result: v1_2::EimPackageResult) -> Vec<(Report, Option<i64>)> {
    use v1_2::EimPackageResult as R;
    match result {
        R::EuiccPackageResult(epr) => vec![epr_v1_2(&epr)],
        R::EprAndNotifications(both) => std::iter::once(epr_v1_2(&both.euicc_package_result))
            .chain(both.notification_list.iter().map(notification_report))
            .collect(),
        R::EimPackageResultResponseError(error) => vec![(
            Report::PackageError {
                eim_transaction_id: error.eim_transaction_id,
                code: error.eim_package_result_error_code,
            },
            None,
        )],
        R::IpaEuiccDataResponse(r) => {
            vec![(Report::DataResponse(Box::new(DataResponse::V1_2(r))), None)]
        }
        R::ProfileDownloadTriggerResult(r) => vec![(
            Report::DownloadResult(Box::new(DownloadResult::V1_2(r))),
            None,
        )],
    }
}

/// What a v1.0 `ProvideEimPackageResult` reports.
fn reports_v1_0(result: v1_0::ProvideEimPackageResult) -> Vec<(Report, Option<i64>)> {
    use v1_0::ProvideEimPackageResult as R;
    use v1_0::RetrieveNotificationsListResponse as L;
    match result {
        R::EuiccPackageResult(epr) => vec![epr_v1_0(&epr)],
        R::EprAndNotifications(both) => {
            let (notifications, results) = match both.notification_list {
                L::NotificationList(n) => (n, Vec::new()),
                L::EuiccPackageResultList(r) => (Vec::new(), r),
                L::NotificationAndEprList(nr) => {
                    (nr.notification_list, nr.euicc_package_result_list)
                }
                L::NotificationsListResultError(_) => (Vec::new(), Vec::new()),
            };
            std::iter::once(epr_v1_0(&both.euicc_package_result))
                .chain(notifications.iter().map(notification_report))
                .chain(results.iter().map(epr_v1_0))
                .collect()
        }
        R::EimPackageError(code) => vec![(
            Report::PackageError {
                eim_transaction_id: None,
                code,
            },
            None,
        )],
        R::IpaEuiccDataResponse(r) => {
            vec![(Report::DataResponse(Box::new(DataResponse::V1_0(r))), None)]
        }
        R::ProfileDownloadTriggerResult(r) => vec![(
            Report::DownloadResult(Box::new(DownloadResult::V1_0(r))),
            None,
        )],
    }
}

/// A v1.2 eUICC Package Result as a report, with its sequence number when it is signed.
fn epr_v1_2(epr: &Signed<v1_2::EuiccPackageResult>) -> (Report, Option<i64>) {
    let seq_number = match epr.value() {
        v1_2::EuiccPackageResult::EuiccPackageResultSigned(signed) => {
            Some(signed.euicc_package_result_data_signed.value().seq_number)
        }
        _ => None,
    };
    (Report::PackageResult(epr.raw().to_vec()), seq_number)
}

/// A v1.0 eUICC Package Result as a report, with its sequence number when it is signed.
fn epr_v1_0(epr: &Signed<v1_0::EuiccPackageResult>) -> (Report, Option<i64>) {
    let seq_number = match epr.value() {
        v1_0::EuiccPackageResult::EuiccPackageResultSigned(signed) => {
            Some(signed.euicc_package_result_data_signed.value().seq_number)
        }
        _ => None,
    };
    (Report::PackageResult(epr.raw().to_vec()), seq_number)
}
