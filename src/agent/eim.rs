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
//! new profile ([`reconnect`](super::reconnect)) before RetrieveNotificationsList and the result.
//!
//! The decisions are the sans-IO state machine [`Cycle`], which also builds and
//! reads the messages; [`poll_once`] is its driver: it carries out each [`Action`] with the eIM, the eUICC
//! and the journal, and feeds the answer back.
//!
//! Every step that changes the eUICC or is owed to the eIM is recorded in a [`Journal`] first, and a cycle
//! begins by finishing what an interrupted one left: the owed result is resent as the exact bytes journaled,
//! and only the sequence numbers the journal recorded for removal are removed. A package received but not reported is carried out
//! again, except an eUICC package whose result is already on the eUICC: that result is sent. An entry the eIM
//! refuses outright ([`PollError::is_permanent`]) is dropped with a warning, so that it cannot stop every later
//! poll; a package result in it stays on the eUICC until some eIM takes it.

use euicc_asn1::Eid;
use euicc_asn1::types::sgp22::NotificationSearchCriteria;

use super::indirect::DownloadRoute;
use super::ipa_data::{self, DataError, DataRequest, IpaOwnData};
use super::journal::{Journal, JournalError};
use super::reconnect::{Baseline, Reconnected};
use super::trigger;
use crate::apdu::CardChannel;
use crate::euicc::{Euicc, EuiccError};
use crate::remote::es9p::Es9;
use crate::remote::esipa::{EsipaClient, EsipaError, EsipaVersion};
use crate::remote::esipa_es9::EsipaEs9;
use euiccd_core::cycle::{
    Action, CardAnswer, CardCommand, Config, Cycle, CycleError, Input, Note, Record, Stop, codec,
};
use euiccd_core::es10::Es10Error;

#[cfg(test)]
pub(crate) use euiccd_core::cycle::INVALID_PACKAGE_FORMAT;
pub use euiccd_core::cycle::PollOutcome;
pub(crate) use euiccd_core::cycle::{PILE_UP_BOUND, Removal, StateChange};

/// RemoveNotificationFromList nothingToDelete.
const NOTHING_TO_DELETE: i64 = 1;

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
    #[error("{}", CycleError::ResultRefused { code: *code })]
    ResultRefused {
        /// The error code.
        code: i64,
    },
    /// The eUICC's package result does not decode as an `EuiccPackageResult`.
    #[error("the eUICC's package result: {0}")]
    BadResult(#[source] euicc_asn1::DecodeError),
    /// The data an IpaEuiccDataRequest asked for could not be collected.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The journal could not record a step.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The driver and the cycle disagree on the step (a defect).
    #[error(transparent)]
    Cycle(CycleError),
}

impl PollError {
    /// True when the eIM refused the exchange itself (an HTTP 4xx, an answer that is not the function's, a
    /// refused result): trying the same bytes again would fail the same way. Transport failures, eUICC
    /// failures and journal failures are not permanent.
    pub(crate) fn is_permanent(&self) -> bool {
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
            | Self::Journal(_)
            | Self::Cycle(_) => false,
        }
    }
}

impl From<CycleError> for PollError {
    /// The cycle's findings as the errors the ESipa client and the eUICC report for the same causes.
    fn from(error: CycleError) -> Self {
        match error {
            CycleError::UnexpectedAnswer { function } => Self::UnexpectedAnswer { function },
            CycleError::Undecodable { function, source } => {
                Self::Esipa(EsipaError::Undecodable { function, source })
            }
            CycleError::ResultRefused { code } => Self::ResultRefused { code },
            CycleError::BadResult(source) => Self::BadResult(source),
            error @ CycleError::OutOfTurn => Self::Cycle(error),
        }
    }
}

/// Runs one poll cycle for the eUICC `eid`: first finishes whatever `journal` says an earlier cycle left
/// unfinished (a result still owed, acknowledged numbers still on the eUICC, a package received but not
/// reported), then polls. `own` is what the IPA reports about itself, and `es9_for` returns the ES9+ client
/// for an SM-DP+ address (`None`: not reachable) when a download is triggered. `state_change` travels with
/// the poll and is cleared once the eIM answered it. See the module documentation.
pub async fn poll_once<C: CardChannel, S: Es9>(
    euicc: &mut Euicc<C>,
    esipa: &mut EsipaClient,
    eid: Eid,
    own: &IpaOwnData,
    es9_for: &mut impl FnMut(&str) -> Option<S>,
    journal: &mut dyn Journal,
    state_change: &mut Option<StateChange>,
) -> Result<PollOutcome, PollError> {
    let card = euicc.layout().await?;
    let layout = esipa.layout(card);
    let config = Config {
        eid,
        layout,
        card,
        removes_unacknowledged: esipa.removes_unacknowledged(layout),
        indirect_download: match own.download_route() {
            DownloadRoute::Auto => None,
            DownloadRoute::Direct => Some(false),
            DownloadRoute::Indirect => Some(true),
        },
        state_change: state_change.clone(),
    };
    let (mut cycle, mut actions) = Cycle::start(config, journal.pending()?);
    let mut driver = Driver {
        euicc,
        esipa,
        journal,
        es9_for,
        own,
        layout,
        baseline: Baseline::default(),
        failure: None,
    };
    loop {
        let Some(awaited) = actions.pop() else {
            return Err(PollError::Cycle(CycleError::OutOfTurn));
        };
        for action in actions {
            match action {
                Action::Note(note) => driver.note(note),
                Action::StateChangeDelivered => *state_change = None,
                _ => return Err(PollError::Cycle(CycleError::OutOfTurn)),
            }
        }
        let input = match awaited {
            Action::Done(outcome) => return outcome.map_err(|stop| driver.stopped(stop)),
            action => match driver.perform(action).await {
                Ok(input) => input,
                Err(error) => {
                    let permanent = error.is_permanent();
                    driver.failure = Some(error);
                    Input::Failed { permanent }
                }
            },
        };
        actions = cycle.handle(input);
    }
}

/// What the driver of one cycle holds.
struct Driver<'a, C: CardChannel, F> {
    euicc: &'a mut Euicc<C>,
    esipa: &'a mut EsipaClient,
    journal: &'a mut dyn Journal,
    es9_for: &'a mut F,
    own: &'a IpaOwnData,
    /// The layout of ESipa with this eIM.
    layout: EsipaVersion,
    /// The network before the last package was loaded: what "online again" means after it.
    baseline: Baseline,
    /// The failure last reported to the cycle as [`Input::Failed`].
    failure: Option<PollError>,
}

impl<C: CardChannel, S: Es9, F: FnMut(&str) -> Option<S>> Driver<'_, C, F> {
    /// Carries out `action`; returns the cycle's input.
    async fn perform(&mut self, action: Action) -> Result<Input, PollError> {
        Ok(match action {
            Action::Record(record) => self.record(record)?,
            Action::SendToEim(message) => {
                Input::EimAnswered(self.esipa.exchange(self.layout, message).await?)
            }
            Action::Card(command) => Input::Card(self.card(command).await?),
            Action::CollectData(request) => {
                let request = DataRequest::received(request);
                let answer = ipa_data::answer(self.euicc, &request, self.own, self.layout).await?;
                Input::DataCollected(Box::new(answer))
            }
            Action::Download { trigger, indirect } => {
                let result = match indirect {
                    true => {
                        let transaction_id = trigger.eim_transaction_id.clone();
                        let relay = EsipaEs9::new(self.esipa, self.layout, transaction_id);
                        let mut relay = Some(relay);
                        let mut es9_for = |_: &str| relay.take();
                        trigger::run(self.euicc, trigger, self.own, &mut es9_for, self.layout)
                            .await?
                    }
                    false => {
                        trigger::run(self.euicc, trigger, self.own, self.es9_for, self.layout)
                            .await?
                    }
                };
                Input::Downloaded(Box::new(result))
            }
            Action::WaitForNetwork => {
                self.wait_for_network().await;
                Input::NetworkWaited
            }
            Action::StateChangeDelivered | Action::Note(_) | Action::Done(_) => {
                return Err(PollError::Cycle(CycleError::OutOfTurn));
            }
        })
    }

    /// Makes `record` durable in the journal.
    fn record(&mut self, record: Record) -> Result<Input, JournalError> {
        match record {
            Record::PackageReceived(answer) => {
                return Ok(Input::EntryOpened(self.journal.package_received(&answer)?));
            }
            Record::ResultOwed { id, message } => self.journal.result_owed(id, &message)?,
            Record::Acknowledged { id, seq_numbers } => {
                self.journal.acknowledged(id, &seq_numbers)?
            }
            Record::Finished(id) => self.journal.finished(id)?,
            Record::EnabledWithRollback(switch) => self.journal.enabled_with_rollback(&switch)?,
        }
        Ok(Input::Recorded)
    }

    /// Runs an ES10 function.
    async fn card(&mut self, command: CardCommand) -> Result<CardAnswer, PollError> {
        Ok(match command {
            CardCommand::LoadPackage(request) => {
                self.baseline = self.own.reconnect().baseline();
                let load = self.euicc.load_euicc_package(&request);
                let loaded = match self.own.modemmanager() {
                    Some(inhibitor) if codec::switches_profile(self.layout, &request) => {
                        inhibitor.around("eIM package's profile switch", load).await
                    }
                    _ => load.await,
                };
                CardAnswer::PackageLoaded(loaded?)
            }
            CardCommand::RetrieveNotifications { results_only } => {
                let criteria =
                    results_only.then_some(NotificationSearchCriteria::EuiccPackageResults);
                let retrieved = ipa_data::retrieve(self.euicc, criteria).await?;
                CardAnswer::Retrieved {
                    notifications: retrieved.notifications,
                    package_results: retrieved.package_results,
                }
            }
            CardCommand::RemoveNotification(seq_number) => {
                remove_acknowledged(self.euicc, &[seq_number]).await?;
                CardAnswer::Removed
            }
            CardCommand::ReadEimConfiguration => {
                let configurations = self.euicc.eim_configuration().await?;
                let eim = configurations
                    .into_iter()
                    .find(|c| c.eim_id == self.own.eim_id());
                CardAnswer::IndirectAnnounced(self.own.download_route().indirect(eim.as_ref()))
            }
        })
    }

    /// Waits for the network on the profile just enabled ([`Reconnect`](super::reconnect::Reconnect)).
    async fn wait_for_network(&mut self) {
        let before = std::mem::take(&mut self.baseline);
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
    }

    /// The error a cycle stopped on.
    fn stopped(&mut self, stop: Stop) -> PollError {
        match stop {
            Stop::Failed => self
                .failure
                .take()
                .unwrap_or(PollError::Cycle(CycleError::OutOfTurn)),
            Stop::Cycle(error) => error.into(),
        }
    }

    /// Logs what the cycle noted.
    fn note(&mut self, note: Note) {
        match note {
            Note::Finishing { id } => tracing::info!(id, "finishing an interrupted eIM package"),
            Note::Dropped { id, why } => {
                let error = self.stopped(why);
                tracing::warn!(id, %error, "dropping an owed eIM result the eIM refuses");
            }
            Note::ForeignAcknowledgements(foreign) => tracing::warn!(
                ?foreign,
                "the eIM acknowledged sequence numbers this result did not carry; left alone"
            ),
            Note::PileUp { kept } => tracing::warn!(
                kept,
                "delivered results and notifications pile up on the eUICC: the eIM does not acknowledge \
                 them (see the eIM's `unacknowledged` setting)"
            ),
            Note::RollbackPermitted(iccid) => {
                tracing::info!(%iccid, "profile enabled with rollback permitted")
            }
            Note::DownloadRoute { indirect } => tracing::info!(indirect, "download trigger"),
            Note::Rejected { code } => tracing::warn!(code, "eIM package not carried out"),
        }
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
            Err(EuiccError::Es10(Es10Error::Refused {
                code: NOTHING_TO_DELETE,
                ..
            })) => {}
            other => other?,
        }
    }
    Ok(())
}

/// Delivers an eUICC Package Result that no poll carried (the one ProfileRollback returns, SGP.32 §5.9.16) to
/// the eIM with the pending notifications, and removes what the eIM took ([`Removal::decide`]); returns the
/// numbers removed. The caller keeps `epr` in its own journal until this returns: a crash in between sends
/// it twice, which the eIM takes again, and loses nothing.
pub(crate) async fn report_package_result<C: CardChannel>(
    euicc: &mut Euicc<C>,
    esipa: &mut EsipaClient,
    eid: Eid,
    epr: &[u8],
) -> Result<Vec<i64>, PollError> {
    let layout = esipa.layout(euicc.layout().await?);
    let notifications = ipa_data::retrieve(euicc, None).await?.notifications;
    let message = codec::package_result(layout, eid, epr, notifications)?;
    let carried = codec::carried_seq_numbers(layout, &message);
    let answer = esipa.exchange(layout, message).await?;
    let acknowledged = codec::read_acknowledgements(layout, answer.as_deref())?;
    let removal = Removal::decide(
        &carried,
        &acknowledged,
        esipa.removes_unacknowledged(layout),
    );
    remove_acknowledged(euicc, &removal.removed).await?;
    Ok(removal.removed)
}
