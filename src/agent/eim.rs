//! One eIM poll cycle (SGP.32 §3.1.1.1 eIM Package Retrieval, §3.3.1 Generic eUICC Package Download and Execution):
//! GetEimPackage, carry out an eUICC package, report its result with the pending notifications, and remove from the
//! eUICC what the eIM took.
//!
//! What the eIM took is what it acknowledged among what that ProvideEimPackageResult carried; an
//! acknowledged number the message did not carry is logged and left alone. When a successful answer
//! acknowledges nothing, the eIM's setting ([`Unacknowledged`](crate::remote::esipa::Unacknowledged)) says
//! whether everything delivered is removed (the SGP.32 v1.0 reading) or kept until an eIM acknowledges it.
//! A failed delivery removes nothing. More than [`PILE_UP_BOUND`] delivered entries left on the eUICC by one
//! delivery are reported: they travel again with every later result.
//!
//! The package travels to the eUICC as the bytes received and the eUICC Package Result travels to the eIM as
//! the bytes the eUICC signed. A package the IPA cannot parse is answered with the error result
//! `invalidPackageFormat` and never reaches the eUICC. A data request is answered with what the eUICC and
//! the IPA report ([`ipa_data`]); a download trigger is carried out ([`trigger`]) directly or through the eIM
//! ([`indirect`](super::indirect)). After a package enabled a profile, the cycle waits for the network on the
//! new profile ([`reconnect`](super::reconnect)) before RetrieveNotificationsList and the result. The
//! messages are built and read by the sans-IO functions below, in the SGP.32 layout the eUICC speaks.
//!
//! Every step that changes the eUICC or is owed to the eIM is recorded in a [`Journal`] first, and a cycle
//! begins by finishing what an interrupted one left: the owed result is resent as the exact bytes journaled,
//! and only the sequence numbers the journal recorded for removal are removed. A package received but not reported is carried out
//! again, except an eUICC package whose result is already on the eUICC: that result is sent. An entry the eIM
//! refuses outright ([`PollError::is_permanent`]) is dropped with a warning, so that it cannot stop every later
//! poll; a package result in it stays on the eUICC until some eIM takes it.

use euicc_asn1::types::sgp22::codes::CodeTable;
use euicc_asn1::types::sgp22::{NotificationSearchCriteria, PendingNotification};
use euicc_asn1::types::sgp32::common::{
    EimAcknowledgements, EnableParams, ProfileDownloadTriggerRequest,
};
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{DecodeError, Eid, Iccid, Null, Octets, Signed, from_ber};

use super::indirect::DownloadRoute;
use super::ipa_data::{self, DataAnswer, DataError, DataRequest, IpaOwnData};
use super::journal::{Journal, JournalError, Pending, RollbackSwitch, Step};
use super::reconnect::{Baseline, Reconnected};
use super::trigger::{self, TriggerResult};
use crate::apdu::CardChannel;
use crate::euicc::{Euicc, EuiccError, Version};
use crate::remote::es9p::Es9;
use crate::remote::esipa::{EimToIpa, EsipaClient, EsipaError, IpaToEim, decode_answer};
use crate::remote::esipa_es9::EsipaEs9;

/// `eimPackageResultErrorCode` invalidPackageFormat: the package could not be parsed.
pub const INVALID_PACKAGE_FORMAT: i64 = 1;
/// `eimPackageError` noEimPackageAvailable.
const NO_EIM_PACKAGE_AVAILABLE: i64 = 1;
/// RemoveNotificationFromList nothingToDelete.
const NOTHING_TO_DELETE: i64 = 1;
/// `enableResult` ok.
const ENABLE_OK: i64 = 0;
/// Delivered entries one delivery may leave on the eUICC before the cycle warns that results pile up.
pub const PILE_UP_BOUND: usize = 4;

/// A local change of the eUICC's state (a rollback, a fallback, an immediate enable, a reset …) the eIM is to
/// hear of with the next poll (SGP.32 §5.14.5 ESipa.GetEimPackage): `notifyStateChange`, with the cause and the
/// registered network. [`poll_once`] clears it once the eIM answered that poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// `StateChangeCause` (names: `v1_2::STATE_CHANGE_CAUSE`; fallback 1, local 3, immediateEnableProfile 5 …).
    /// SGP.32 v1.0 has no cause: a v1.0 eIM hears only that the state changed.
    pub cause: i64,
    /// The registered PLMN (MCC and MNC, 3 bytes as in 3GPP TS 24.008), when known.
    pub r_plmn: Option<[u8; 3]>,
}

/// What one poll cycle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The eIM has nothing to do (noEimPackageAvailable).
    NoPackage,
    /// The eIM answered another `eimPackageError` (e.g. eidNotFound 2).
    EimRefused {
        /// The error code.
        code: i64,
    },
    /// The package was carried out (an eUICC package loaded, or a data request answered), its result
    /// delivered, and what the eIM took removed from the eUICC.
    Executed(Removal),
    /// The package was not carried out; the eIM was sent this `eimPackageResultErrorCode`.
    Rejected {
        /// [`INVALID_PACKAGE_FORMAT`].
        code: i64,
    },
}

/// A poll cycle that failed.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// An ESipa exchange failed.
    #[error(transparent)]
    Esipa(#[from] EsipaError),
    /// An ES10 function failed.
    #[error(transparent)]
    Euicc(#[from] EuiccError),
    /// The eIM answered with a message that does not answer the request.
    #[error("ESipa {function}: the eIM answered another message")]
    UnexpectedAnswer {
        /// The ESipa function.
        function: &'static str,
    },
    /// The eIM refused the package result (`provideEimPackageResultError`).
    #[error("the eIM refused the package result: {} ({code})", name(v1_2::PROVIDE_EIM_PACKAGE_RESULT_ERROR, *code))]
    ResultRefused {
        /// The error code.
        code: i64,
    },
    /// The eUICC's package result does not decode as an `EuiccPackageResult`.
    #[error("the eUICC's package result: {0}")]
    BadResult(#[source] DecodeError),
    /// The data an IpaEuiccDataRequest asked for could not be collected.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The journal could not record a step.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl PollError {
    /// True when the eIM refused the exchange itself (an HTTP 4xx, an answer that is not the function's, a
    /// refused result): trying the same bytes again would fail the same way. Transport failures, eUICC
    /// failures and journal failures are not permanent.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Esipa(EsipaError::HttpStatus { status, .. }) => (400..500).contains(status),
            Self::Esipa(
                EsipaError::EmptyAnswer { .. }
                | EsipaError::Undecodable { .. }
                | EsipaError::Json { .. },
            )
            | Self::UnexpectedAnswer { .. }
            | Self::ResultRefused { .. }
            | Self::BadResult(_) => true,
            Self::Esipa(EsipaError::Http { .. })
            | Self::Euicc(_)
            | Self::Data(_)
            | Self::Journal(_) => false,
        }
    }
}

/// The name of `code` in `table`.
fn name(table: CodeTable, code: i64) -> &'static str {
    table
        .iter()
        .find_map(|&(c, n)| (c == code).then_some(n))
        .unwrap_or("unknown code")
}

/// Runs one poll cycle for the eUICC `eid`: first finishes whatever `journal` says an earlier cycle left
/// unfinished (a result still owed, acknowledged numbers still on the eUICC, a package received but not
/// reported), then polls. `own` is what the IPA reports about itself, and `es9_for` returns the ES9+ client
/// for an SM-DP+ address (`None`: not reachable) when a download is triggered. See the module documentation.
pub async fn poll_once<C: CardChannel, S: Es9>(
    euicc: &mut Euicc<C>,
    esipa: &mut EsipaClient,
    eid: Eid,
    own: &IpaOwnData,
    es9_for: &mut impl FnMut(&str) -> Option<S>,
    journal: &mut dyn Journal,
    state_change: &mut Option<StateChange>,
) -> Result<PollOutcome, PollError> {
    let card = euicc.version().await?;
    let version = esipa.layout(card);
    let mut cycle = Cycle {
        euicc,
        esipa,
        journal,
        es9_for,
        own,
        eid,
        version,
        card,
    };
    for pending in cycle.journal.pending()? {
        let id = pending.id;
        tracing::info!(id, "finishing an interrupted eIM package");
        match cycle.finish(pending).await {
            Ok(()) => {}
            // Sending it again cannot help, and keeping it would stop every later poll.
            Err(error) if error.is_permanent() => {
                tracing::warn!(id, %error, "dropping an owed eIM result the eIM refuses");
                cycle.journal.finished(id)?;
            }
            Err(error) => return Err(error),
        }
    }
    cycle.poll(state_change).await
}

/// One cycle's context.
struct Cycle<'a, C: CardChannel, F> {
    euicc: &'a mut Euicc<C>,
    esipa: &'a mut EsipaClient,
    journal: &'a mut dyn Journal,
    es9_for: &'a mut F,
    own: &'a IpaOwnData,
    eid: Eid,
    /// The layout of ESipa with this eIM.
    version: Version,
    /// The layout the eUICC speaks.
    card: Version,
}

impl<C: CardChannel, S: Es9, F: FnMut(&str) -> Option<S>> Cycle<'_, C, F> {
    /// GetEimPackage (telling the eIM of `state_change`, cleared once it answered), then the package carried
    /// out and reported.
    async fn poll(
        &mut self,
        state_change: &mut Option<StateChange>,
    ) -> Result<PollOutcome, PollError> {
        let poll = poll_request(self.version, self.eid, state_change.as_ref()).to_der();
        let answer = self.esipa.exchange(self.version, poll).await?;
        *state_change = None;
        let answer = answer.ok_or(PollError::UnexpectedAnswer {
            function: "GetEimPackage",
        })?;
        let package = read_package(self.version, &answer)?;
        match package {
            Package::Nothing => return Ok(PollOutcome::NoPackage),
            Package::EimError(code) => return Ok(PollOutcome::EimRefused { code }),
            _ => {}
        }
        let id = self.journal.package_received(&answer)?;
        let rejected = match package {
            Package::Rejected(code) => Some(code),
            _ => None,
        };
        let message = self.execute(package).await?;
        let removal = self.deliver(id, message).await?;
        Ok(match rejected {
            Some(code) => {
                tracing::warn!(code, "eIM package not carried out");
                PollOutcome::Rejected { code }
            }
            None => PollOutcome::Executed(removal),
        })
    }

    /// Carries out a package; returns the ProvideEimPackageResult owed for it.
    async fn execute(&mut self, package: Package) -> Result<Vec<u8>, PollError> {
        let (version, eid) = (self.version, self.eid);
        let message = match package {
            // Never journaled: nothing is owed for them.
            Package::Nothing | Package::EimError(_) => None,
            Package::Rejected(code) => Some(error_result(version, eid, code)),
            Package::Request(request) => {
                let before = self.own.reconnect().baseline();
                let epr = self.euicc.load_euicc_package(&request).await?;
                if let Some(enabled) = enabled_profile(version, &request, self.card, &epr) {
                    self.switched(enabled, before).await?;
                }
                Some(self.package_result(&epr).await?)
            }
            Package::DataRequest(request) => Some(data_result(
                eid,
                ipa_data::answer(self.euicc, &request, self.own, version).await?,
            )),
            Package::Trigger(request) => {
                let result = match self.indirect_download().await? {
                    true => {
                        let transaction_id = request.eim_transaction_id.clone();
                        let relay = EsipaEs9::new(self.esipa, version, transaction_id);
                        let mut relay = Some(relay);
                        let mut es9_for = |_: &str| relay.take();
                        trigger::run(self.euicc, request, self.own, &mut es9_for, version).await?
                    }
                    false => {
                        trigger::run(self.euicc, request, self.own, self.es9_for, version).await?
                    }
                };
                Some(trigger_result(eid, result))
            }
        };
        message
            .map(|m| m.to_der())
            .ok_or(PollError::UnexpectedAnswer {
                function: "GetEimPackage",
            })
    }

    /// After a package enabled a profile: starts the rollback watch if the eIM permitted one, then waits
    /// for the network on the new profile ([`Reconnect`]) before the next ESipa message.
    async fn switched(&mut self, enabled: Enabled, before: Baseline) -> Result<(), PollError> {
        if enabled.rollback_permitted {
            tracing::info!(iccid = %enabled.iccid, "profile enabled with rollback permitted");
            self.journal.enabled_with_rollback(&RollbackSwitch {
                eim_id: enabled.eim_id,
                iccid: enabled.iccid,
            })?;
        }
        match self.own.reconnect().after_switch(before).await {
            Reconnected::Unwatched => {}
            Reconnected::Online(waited) => {
                tracing::info!(?waited, "online again after the profile switch")
            }
            Reconnected::Offline(waited) => {
                tracing::warn!(
                    ?waited,
                    "still offline after the profile switch; reporting anyway"
                )
            }
        }
        Ok(())
    }

    /// Whether a triggered download goes through the eIM ([`DownloadRoute`]).
    async fn indirect_download(&mut self) -> Result<bool, PollError> {
        let route = self.own.download_route();
        let eim = match route {
            DownloadRoute::Auto => {
                let configurations = self.euicc.eim_configuration().await?;
                configurations
                    .into_iter()
                    .find(|c| c.eim_id == self.own.eim_id())
            }
            _ => None,
        };
        let indirect = route.indirect(eim.as_ref());
        tracing::info!(indirect, "download trigger");
        Ok(indirect)
    }

    /// ProvideEimPackageResult for the eUICC Package Result `epr`, with the pending notifications.
    async fn package_result(&mut self, epr: &[u8]) -> Result<IpaToEim, PollError> {
        let notifications = ipa_data::retrieve(self.euicc, None).await?.notifications;
        package_result(self.version, self.eid, epr, notifications)
    }

    /// Finishes an entry an earlier cycle left in the journal.
    async fn finish(&mut self, pending: Pending) -> Result<(), PollError> {
        match pending.step {
            Step::Received(answer) => {
                let package = read_package(self.version, &answer)?;
                if matches!(package, Package::Nothing | Package::EimError(_)) {
                    // Nothing was owed for it.
                    return Ok(self.journal.finished(pending.id)?);
                }
                // The package may have been carried out already: its result is then on the eUICC, and
                // loading it again would only be refused as a replay.
                let stored = match package {
                    Package::Request(_) => self.stored_result().await?,
                    _ => None,
                };
                let message = match stored {
                    Some(epr) => self.package_result(&epr).await?.to_der(),
                    None => self.execute(package).await?,
                };
                self.deliver(pending.id, message).await?;
            }
            Step::ResultOwed(message) => {
                self.deliver(pending.id, message).await?;
            }
            Step::Acknowledged(seq_numbers) => self.remove(pending.id, &seq_numbers).await?,
        }
        Ok(())
    }

    /// The newest eUICC Package Result stored on the eUICC (the one of the last package loaded).
    async fn stored_result(&mut self) -> Result<Option<Vec<u8>>, PollError> {
        let criteria = match self.card {
            Version::V1_2 => Some(NotificationSearchCriteria::EuiccPackageResults),
            // A v1.0 eUICC returns its stored results with the notifications.
            Version::V1_0 => None,
        };
        Ok(ipa_data::retrieve(self.euicc, criteria)
            .await?
            .package_results
            .pop())
    }

    /// Journals `message` as owed, sends it, and removes what the eIM took ([`Removal::decide`]).
    async fn deliver(&mut self, id: u64, message: Vec<u8>) -> Result<Removal, PollError> {
        self.journal.result_owed(id, &message)?;
        let carried = carried_seq_numbers(self.version, &message);
        let removes_unacknowledged = self.esipa.removes_unacknowledged(self.version);
        let answer = self.esipa.exchange(self.version, message).await?;
        let answer = answer
            .map(|body| decode_answer(self.version, "ProvideEimPackageResult", &body))
            .transpose()?;
        let acknowledged = read_acknowledgements(answer)?;
        let removal = Removal::decide(&carried, &acknowledged, removes_unacknowledged);
        self.remove(id, &removal.removed).await?;
        Ok(removal)
    }

    /// Journals `seq_numbers` as to be removed, removes them from the eUICC, and closes the entry.
    async fn remove(&mut self, id: u64, seq_numbers: &[i64]) -> Result<(), PollError> {
        self.journal.acknowledged(id, seq_numbers)?;
        remove_acknowledged(self.euicc, seq_numbers).await?;
        self.journal.finished(id)?;
        Ok(())
    }
}

/// Removes the acknowledged `seq_numbers` from the eUICC; one already removed (before an interruption) is
/// no error.
async fn remove_acknowledged<C: CardChannel>(
    euicc: &mut Euicc<C>,
    seq_numbers: &[i64],
) -> Result<(), PollError> {
    for &seq_number in seq_numbers {
        match euicc.remove_notification(seq_number).await {
            Err(EuiccError::Refused {
                code: NOTHING_TO_DELETE,
                ..
            }) => {}
            other => other?,
        }
    }
    Ok(())
}

/// Delivers an eUICC Package Result that no poll carried (the one ProfileRollback returns, SGP.32 §5.9.16) to
/// the eIM with the pending notifications, and removes what the eIM took ([`Removal::decide`]); returns the
/// numbers removed. The caller keeps `epr` in its own journal until this returns: a crash in between sends
/// it twice, which the eIM takes again, and loses nothing.
pub async fn report_package_result<C: CardChannel>(
    euicc: &mut Euicc<C>,
    esipa: &mut EsipaClient,
    eid: Eid,
    epr: &[u8],
) -> Result<Vec<i64>, PollError> {
    let version = esipa.layout(euicc.version().await?);
    let notifications = ipa_data::retrieve(euicc, None).await?.notifications;
    let message = package_result(version, eid, epr, notifications)?.to_der();
    let carried = carried_seq_numbers(version, &message);
    let answer = esipa.exchange(version, message).await?;
    let answer = answer
        .map(|body| decode_answer(version, "ProvideEimPackageResult", &body))
        .transpose()?;
    let acknowledged = read_acknowledgements(answer)?;
    let removal = Removal::decide(
        &carried,
        &acknowledged,
        esipa.removes_unacknowledged(version),
    );
    remove_acknowledged(euicc, &removal.removed).await?;
    Ok(removal.removed)
}

/// What one delivery removes from the eUICC, and what it leaves there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Removal {
    /// The sequence numbers removed from the eUICC.
    pub removed: Vec<i64>,
    /// The sequence numbers delivered but left on the eUICC (the eIM did not take them).
    pub kept: Vec<i64>,
}

impl Removal {
    /// Of the sequence numbers a ProvideEimPackageResult `carried`: those the eIM `acknowledged` (never a
    /// number it did not carry: an eIM may acknowledge its own order numbers), or, when the eIM acknowledged
    /// nothing, all of them if `removes_unacknowledged`, else none. Warns when a delivery leaves more than
    /// [`PILE_UP_BOUND`] entries on the eUICC.
    fn decide(carried: &[i64], acknowledged: &[i64], removes_unacknowledged: bool) -> Self {
        let foreign: Vec<i64> = acknowledged
            .iter()
            .copied()
            .filter(|n| !carried.contains(n))
            .collect();
        if !foreign.is_empty() {
            tracing::warn!(
                ?foreign,
                "the eIM acknowledged sequence numbers this result did not carry; left alone"
            );
        }
        let taken = |n: &i64| match acknowledged.is_empty() {
            true => removes_unacknowledged,
            false => acknowledged.contains(n),
        };
        let (removed, kept): (Vec<i64>, Vec<i64>) = carried.iter().partition(|n| taken(n));
        if kept.len() > PILE_UP_BOUND {
            tracing::warn!(
                kept = kept.len(),
                "delivered results and notifications pile up on the eUICC: the eIM does not acknowledge \
                 them (see the eIM's `unacknowledged` setting)"
            );
        }
        Self { removed, kept }
    }
}

/// The sequence numbers of the eUICC Package Results and notifications that the ProvideEimPackageResult
/// `message` (DER, `version` layout) carries; none for any other message.
fn carried_seq_numbers(version: Version, message: &[u8]) -> Vec<i64> {
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
    match IpaToEim::decode(version, message) {
        Ok(IpaToEim::V1_2(v1_2::EsipaMessageFromIpaToEim::ProvideEimPackageResult(r))) => {
            match r.eim_package_result {
                P12::EuiccPackageResult(epr) => result_v1_2(&epr).into_iter().collect(),
                P12::EprAndNotifications(both) => result_v1_2(&both.euicc_package_result)
                    .into_iter()
                    .chain(notifications(&both.notification_list))
                    .collect(),
                _ => Vec::new(),
            }
        }
        Ok(IpaToEim::V1_0(v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(r))) => match r {
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
    }
}

/// A profile an eUICC package enabled.
struct Enabled {
    /// The eIM whose package it was (it hears of a rollback).
    eim_id: String,
    /// The profile.
    iccid: Iccid,
    /// The enable carried `rollbackFlag`: the rollback supervisor's cue (SGP.32 §2.11.1.1.3, §3.3.1).
    rollback_permitted: bool,
}

/// The profile the package `request` (as received, in the `version` layout) enabled, when the eUICC's
/// result `epr` (in the `card` layout) says the enable succeeded.
fn enabled_profile(version: Version, request: &[u8], card: Version, epr: &[u8]) -> Option<Enabled> {
    let (index, enabled) = enable_in(version, request)?;
    let ok = match card {
        Version::V1_2 => match from_ber(epr).ok()? {
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
        Version::V1_0 => match from_ber(epr).ok()? {
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
fn enable_in(version: Version, request: &[u8]) -> Option<(usize, Enabled)> {
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
    match version {
        Version::V1_2 => {
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
        Version::V1_0 => {
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

/// Reads the eIM's answer to GetEimPackage; an answer that does not decode is a malformed package.
fn read_package(version: Version, answer: &[u8]) -> Result<Package, PollError> {
    match EimToIpa::decode(version, answer) {
        Ok(message) => read_poll_answer(Some(message)),
        Err(_) => Ok(Package::Rejected(INVALID_PACKAGE_FORMAT)),
    }
}

/// What GetEimPackage brought.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Package {
    /// noEimPackageAvailable.
    Nothing,
    /// Another `eimPackageError`.
    EimError(i64),
    /// An EuiccPackageRequest (`BF51 …`), the exact bytes received.
    Request(Vec<u8>),
    /// An IpaEuiccDataRequest.
    DataRequest(DataRequest),
    /// A ProfileDownloadTriggerRequest.
    Trigger(ProfileDownloadTriggerRequest),
    /// A package not to carry out, with the error code to report.
    Rejected(i64),
}

/// GetEimPackage for `eid`, with `state_change` when there is one.
fn poll_request(version: Version, eid: Eid, state_change: Option<&StateChange>) -> IpaToEim {
    let notify_state_change = state_change.map(|_| Null);
    let r_plmn = state_change
        .and_then(|c| c.r_plmn)
        .map(|p| Octets(p.to_vec()));
    match version {
        Version::V1_0 => IpaToEim::V1_0(v1_0::EsipaMessageFromIpaToEim::GetEimPackageRequest(
            v1_0::GetEimPackageRequest {
                eid_value: eid,
                notify_state_change,
                r_plmn,
            },
        )),
        Version::V1_2 => IpaToEim::V1_2(v1_2::EsipaMessageFromIpaToEim::GetEimPackageRequest(
            v1_2::GetEimPackageRequest {
                eid_value: eid,
                notify_state_change,
                state_change_cause: state_change.map(|c| c.cause),
                r_plmn,
            },
        )),
    }
}

/// Reads the answer to GetEimPackage.
fn read_poll_answer(answer: Option<EimToIpa>) -> Result<Package, PollError> {
    use v1_0::GetEimPackageResponse as R10;
    use v1_2::GetEimPackageResponse as R12;
    let unexpected = PollError::UnexpectedAnswer {
        function: "GetEimPackage",
    };
    let error = |code| match code {
        NO_EIM_PACKAGE_AVAILABLE => Package::Nothing,
        code => Package::EimError(code),
    };
    Ok(match answer.ok_or(unexpected)? {
        EimToIpa::V1_2(v1_2::EsipaMessageFromEimToIpa::GetEimPackageResponse(response)) => {
            match response {
                R12::EuiccPackageRequest(request) => Package::Request(request.raw().to_vec()),
                R12::EimPackageError(code) => error(code),
                R12::IpaEuiccDataRequest(r) => Package::DataRequest(DataRequest::from_v1_2(r)),
                R12::ProfileDownloadTriggerRequest(r) => Package::Trigger(r),
            }
        }
        EimToIpa::V1_0(v1_0::EsipaMessageFromEimToIpa::GetEimPackageResponse(response)) => {
            match response {
                R10::EuiccPackageRequest(request) => Package::Request(request.raw().to_vec()),
                R10::EimPackageError(code) => error(code),
                R10::IpaEuiccDataRequest(r) => Package::DataRequest(DataRequest::from_v1_0(r)),
                R10::ProfileDownloadTriggerRequest(r) => Package::Trigger(r),
            }
        }
        _ => {
            return Err(PollError::UnexpectedAnswer {
                function: "GetEimPackage",
            });
        }
    })
}

/// ProvideEimPackageResult with the eUICC Package Result `epr` (as the eUICC produced it) and the pending
/// notifications, or the result alone when there are none.
fn package_result(
    version: Version,
    eid: Eid,
    epr: &[u8],
    notifications: Vec<Signed<PendingNotification>>,
) -> Result<IpaToEim, PollError> {
    Ok(match version {
        Version::V1_2 => {
            let epr = from_ber(epr).map_err(PollError::BadResult)?;
            let result = match notifications.is_empty() {
                true => v1_2::EimPackageResult::EuiccPackageResult(epr),
                false => v1_2::EimPackageResult::EprAndNotifications(v1_2::EprAndNotifications {
                    euicc_package_result: epr,
                    notification_list: notifications,
                }),
            };
            provide_v1_2(eid, result)
        }
        Version::V1_0 => {
            let epr = from_ber(epr).map_err(PollError::BadResult)?;
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
            IpaToEim::V1_0(v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
                result,
            ))
        }
    })
}

/// ProvideEimPackageResult with the answer to an IpaEuiccDataRequest.
fn data_result(eid: Eid, answer: DataAnswer) -> IpaToEim {
    match answer {
        DataAnswer::V1_2(answer) => {
            provide_v1_2(eid, v1_2::EimPackageResult::IpaEuiccDataResponse(answer))
        }
        DataAnswer::V1_0(answer) => {
            IpaToEim::V1_0(v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
                v1_0::ProvideEimPackageResult::IpaEuiccDataResponse(answer),
            ))
        }
    }
}

/// ProvideEimPackageResult with the result of a download trigger.
fn trigger_result(eid: Eid, result: TriggerResult) -> IpaToEim {
    match result {
        TriggerResult::V1_2(result) => provide_v1_2(
            eid,
            v1_2::EimPackageResult::ProfileDownloadTriggerResult(result),
        ),
        TriggerResult::V1_0(result) => {
            IpaToEim::V1_0(v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
                v1_0::ProvideEimPackageResult::ProfileDownloadTriggerResult(result),
            ))
        }
    }
}

/// ProvideEimPackageResult with the error `code` for a package that was not carried out.
fn error_result(version: Version, eid: Eid, code: i64) -> IpaToEim {
    match version {
        Version::V1_2 => provide_v1_2(
            eid,
            v1_2::EimPackageResult::EimPackageResultResponseError(
                v1_2::EimPackageResultResponseError {
                    eim_transaction_id: None,
                    eim_package_result_error_code: code,
                },
            ),
        ),
        Version::V1_0 => IpaToEim::V1_0(v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
            v1_0::ProvideEimPackageResult::EimPackageError(code),
        )),
    }
}

/// A v1.2 ProvideEimPackageResult naming `eid`.
fn provide_v1_2(eid: Eid, result: v1_2::EimPackageResult) -> IpaToEim {
    IpaToEim::V1_2(v1_2::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
        v1_2::ProvideEimPackageResult {
            eid_value: Some(eid),
            eim_package_result: result,
        },
    ))
}

/// The sequence numbers the eIM acknowledged in its answer to ProvideEimPackageResult (none: the answer
/// acknowledges nothing).
fn read_acknowledgements(answer: Option<EimToIpa>) -> Result<Vec<i64>, PollError> {
    use v1_2::ProvideEimPackageResultResponse as R12;
    let numbers = |acks: EimAcknowledgements| acks.0.into_iter().map(|s| s.0).collect();
    match answer {
        Some(EimToIpa::V1_2(v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            response,
        ))) => match response {
            R12::EimAcknowledgements(acks) => Ok(numbers(acks)),
            R12::EmptyResponse(_) => Ok(Vec::new()),
            R12::ProvideEimPackageResultError(code) => Err(PollError::ResultRefused { code }),
        },
        Some(EimToIpa::V1_0(v1_0::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            response,
        ))) => Ok(response
            .eim_acknowledgements
            .map(numbers)
            .unwrap_or_default()),
        _ => Err(PollError::UnexpectedAnswer {
            function: "ProvideEimPackageResult",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use euicc_asn1::to_der;

    fn eid() -> Eid {
        "89049032123451234512345678901235".parse().unwrap()
    }

    #[test]
    fn polls_carry_the_state_change_in_each_layout() {
        let change = StateChange {
            cause: 1,
            r_plmn: Some([0x62, 0xF2, 0x10]),
        };
        let eid_tlv = "5A1089049032123451234512345678901235";
        let v12 = poll_request(Version::V1_2, eid(), Some(&change)).to_der();
        assert_eq!(
            hex::encode_upper(v12),
            format!("BF4F1C{eid_tlv}8000810101820362F210")
        );
        // v1.0: no cause, and rPLMN is 81.
        let v10 = poll_request(Version::V1_0, eid(), Some(&change)).to_der();
        assert_eq!(
            hex::encode_upper(v10),
            format!("BF4F19{eid_tlv}8000810362F210")
        );
        let plain = poll_request(Version::V1_2, eid(), None).to_der();
        assert_eq!(hex::encode_upper(plain), format!("BF4F12{eid_tlv}"));
    }

    #[test]
    fn error_results_in_both_layouts() {
        let v12 = error_result(Version::V1_2, eid(), INVALID_PACKAGE_FORMAT);
        assert!(hex::encode_upper(v12.to_der()).ends_with("A003020101"));
        let v10 = error_result(Version::V1_0, eid(), INVALID_PACKAGE_FORMAT);
        assert_eq!(hex::encode_upper(v10.to_der()), "BF5003020101");
    }

    #[test]
    fn poll_answers_are_read() {
        let nothing = EimToIpa::decode(Version::V1_2, &hex::decode("BF4F03020101").unwrap());
        assert_eq!(read_poll_answer(nothing.ok()).unwrap(), Package::Nothing);
        let unknown = EimToIpa::decode(Version::V1_0, &hex::decode("BF4F03020102").unwrap());
        assert_eq!(
            read_poll_answer(unknown.ok()).unwrap(),
            Package::EimError(2)
        );
        assert!(matches!(
            read_poll_answer(None),
            Err(PollError::UnexpectedAnswer { .. })
        ));
    }

    #[test]
    fn acknowledgements_are_read_in_both_layouts() {
        let acks = EimAcknowledgements(vec![
            euicc_asn1::types::sgp32::common::SequenceNumber(3),
            euicc_asn1::types::sgp32::common::SequenceNumber(5),
        ]);
        let v12 = EimToIpa::V1_2(
            v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
                v1_2::ProvideEimPackageResultResponse::EimAcknowledgements(acks.clone()),
            ),
        );
        assert_eq!(read_acknowledgements(Some(v12)).unwrap(), [3, 5]);
        let v10 = EimToIpa::V1_0(
            v1_0::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
                v1_0::ProvideEimPackageResultResponse {
                    eim_acknowledgements: None,
                },
            ),
        );
        assert!(read_acknowledgements(Some(v10)).unwrap().is_empty());
        let refused = EimToIpa::V1_2(
            v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
                v1_2::ProvideEimPackageResultResponse::ProvideEimPackageResultError(3),
            ),
        );
        let error = read_acknowledgements(Some(refused)).unwrap_err();
        assert!(error.to_string().contains("invalidEid"), "{error}");
        assert!(matches!(
            read_acknowledgements(None),
            Err(PollError::UnexpectedAnswer { .. })
        ));
    }

    #[test]
    fn only_carried_numbers_are_removed() {
        let carried = [7, 3, 4];
        // An acknowledging eIM: what it acknowledged among what was carried; 12 was never carried.
        let removal = Removal::decide(&carried, &[3, 12], false);
        assert_eq!((removal.removed, removal.kept), (vec![3], vec![7, 4]));
        let removal = Removal::decide(&carried, &[3, 12], true);
        assert_eq!((removal.removed, removal.kept), (vec![3], vec![7, 4]));
        // An eIM that acknowledges nothing: everything, or nothing, as its setting says.
        let removal = Removal::decide(&carried, &[], true);
        assert_eq!((removal.removed, removal.kept), (vec![7, 3, 4], vec![]));
        let removal = Removal::decide(&carried, &[], false);
        assert_eq!((removal.removed, removal.kept), (vec![], vec![7, 3, 4]));
    }

    #[test]
    fn a_result_that_is_no_epr_is_an_error() {
        let not_epr = to_der(&v1_2::EimPackageResultResponseError {
            eim_transaction_id: None,
            eim_package_result_error_code: 1,
        });
        assert!(matches!(
            package_result(Version::V1_2, eid(), &not_epr, Vec::new()),
            Err(PollError::BadResult(_))
        ));
    }
}
