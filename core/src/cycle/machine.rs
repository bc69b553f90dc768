//! The poll cycle's decisions: which step comes next, given the answer to the last one.

use std::collections::VecDeque;

use euicc_asn1::Eid;
use euicc_asn1::types::sgp32::common::ProfileDownloadTriggerRequest;

use super::Package;
use super::action::{Action, CardAnswer, CardCommand, CycleError, Input, Note, Record, Stop};
use super::codec;
use super::outcome::{PollOutcome, Removal, StateChange};
use super::record::{Pending, RollbackSwitch, Step};
use euicc_asn1::Layout;

/// What a cycle needs to know before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The eUICC polled for.
    pub eid: Eid,
    /// The layout of ESipa with this eIM.
    pub layout: Layout,
    /// The layout the eUICC speaks.
    pub card: Layout,
    /// Whether a successful delivery the eIM does not acknowledge removes what it delivered (the eIM's
    /// `unacknowledged` setting).
    pub removes_unacknowledged: bool,
    /// The route of a triggered download when configured (`Some(true)`: through the eIM); `None`: as the
    /// eIM's configuration on the eUICC announces.
    pub indirect_download: Option<bool>,
    /// The local state change to tell the eIM with the poll.
    pub state_change: Option<StateChange>,
}

/// One poll cycle as a state machine: [`Cycle::start`] with the journal's unfinished entries, then
/// [`Cycle::handle`] with the answer to each action that [`awaits_input`](Action::awaits_input), until
/// [`Action::Done`]. Each call returns the actions to carry out in order; the last one is the one awaited.
#[derive(Debug)]
pub struct Cycle {
    config: Config,
    pending: VecDeque<Pending>,
    /// The journal entry being worked on.
    entry: Option<Entry>,
    state: State,
    actions: Vec<Action>,
}

/// The journal entry a cycle works on.
#[derive(Debug)]
struct Entry {
    id: u64,
    /// Left by an interrupted cycle: a permanent refusal drops it and the cycle goes on.
    recovering: bool,
    /// The package was not carried out; the eIM hears this code.
    rejected: Option<i64>,
    /// What the delivery removed and kept.
    removal: Removal,
}

/// What the cycle waits for.
#[derive(Debug)]
enum State {
    /// The answer to GetEimPackage.
    Polling,
    /// The journal's id for the package received.
    Opening(Package),
    /// The eUICC Package Result of this request.
    Loading(Vec<u8>),
    /// The rollback watch recorded, for the package whose result is this.
    RecordingRollback(Vec<u8>),
    /// The network after the package whose result is this enabled a profile.
    WaitingForNetwork(Vec<u8>),
    /// The pending notifications, to go with this result.
    Notifications(Vec<u8>),
    /// The results stored on the eUICC: is this package's among them?
    StoredResult(Package),
    /// The eIM's announcement, for the route of this trigger.
    Route(ProfileDownloadTriggerRequest),
    /// The data request's answer.
    Collecting,
    /// The triggered download's result.
    Downloading,
    /// The journal's record of this owed message.
    Owing(Vec<u8>),
    /// The eIM's answer to the result, which carried these numbers.
    Delivering(Vec<i64>),
    /// The journal's record of these numbers to remove.
    Acknowledging(Vec<i64>),
    /// The removal of the last number; these are next.
    Removing(VecDeque<i64>),
    /// The journal's record that the entry is finished.
    Finishing,
    /// Nothing: the cycle is over.
    Over,
}

impl Cycle {
    /// A cycle that first finishes the `pending` entries of the journal (oldest first), then polls.
    pub fn start(config: Config, pending: Vec<Pending>) -> (Self, Vec<Action>) {
        let mut cycle = Self {
            config,
            pending: pending.into(),
            entry: None,
            state: State::Over,
            actions: Vec::new(),
        };
        cycle.next_pending();
        let actions = cycle.take_actions();
        (cycle, actions)
    }

    /// Takes the answer to the awaited action; returns the next actions.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let state = std::mem::replace(&mut self.state, State::Over);
        let (layout, eid) = (self.config.layout, self.config.eid);
        match (state, input) {
            // Dropping an entry needs its record.
            (State::Finishing, Input::Failed { .. }) => self.done(Err(Stop::Failed)),
            (_, Input::Failed { permanent }) => self.fail(Stop::Failed, permanent),
            (State::Polling, Input::EimAnswered(answer)) => self.polled(answer),
            (State::Opening(package), Input::EntryOpened(id)) => {
                self.entry = Some(Entry::new(id, false));
                self.execute(package);
            }
            (State::Loading(request), Input::Card(CardAnswer::PackageLoaded(epr))) => {
                self.loaded(&request, epr)
            }
            (State::RecordingRollback(epr), Input::Recorded) => self.wait_for_network(epr),
            (State::WaitingForNetwork(epr), Input::NetworkWaited) => self.retrieve(epr),
            (
                State::Notifications(epr),
                Input::Card(CardAnswer::Retrieved { notifications, .. }),
            ) => match codec::package_result(layout, eid, &epr, notifications) {
                Ok(message) => self.deliver(message),
                Err(error) => self.fail(Stop::Cycle(error), true),
            },
            (
                State::StoredResult(package),
                Input::Card(CardAnswer::Retrieved {
                    mut package_results,
                    ..
                }),
            ) => match package_results.pop() {
                Some(epr) => self.retrieve(epr),
                None => self.execute(package),
            },
            (State::Route(trigger), Input::Card(CardAnswer::IndirectAnnounced(indirect))) => {
                self.download(trigger, indirect)
            }
            (State::Collecting, Input::DataCollected(answer)) => {
                self.deliver(codec::data_result(eid, *answer))
            }
            (State::Downloading, Input::Downloaded(result)) => {
                self.deliver(codec::trigger_result(eid, *result))
            }
            (State::Owing(message), Input::Recorded) => {
                let carried = codec::carried_seq_numbers(layout, &message);
                self.act(Action::SendToEim(message), State::Delivering(carried));
            }
            (State::Delivering(carried), Input::EimAnswered(answer)) => {
                self.acknowledged(&carried, answer.as_deref())
            }
            (State::Acknowledging(seq_numbers), Input::Recorded) => {
                self.remove_next(seq_numbers.into())
            }
            (State::Removing(remaining), Input::Card(CardAnswer::Removed)) => {
                self.remove_next(remaining)
            }
            (State::Finishing, Input::Recorded) => self.finished(),
            (_, _) => self.fail(Stop::Cycle(CycleError::OutOfTurn), false),
        }
        self.take_actions()
    }

    /// The actions queued since the last call.
    fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    /// Queues `action` and waits in `state`.
    fn act(&mut self, action: Action, state: State) {
        self.actions.push(action);
        self.state = state;
    }

    /// The id of the entry worked on (there is one from the package's record on).
    fn id(&self) -> u64 {
        self.entry.as_ref().map_or(0, |e| e.id)
    }

    /// Finishes the next entry an interrupted cycle left, or polls when none is left.
    fn next_pending(&mut self) {
        let Some(Pending { id, step }) = self.pending.pop_front() else {
            self.entry = None;
            let poll = codec::poll_request(
                self.config.layout,
                self.config.eid,
                self.config.state_change.as_ref(),
            );
            return self.act(Action::SendToEim(poll), State::Polling);
        };
        self.actions.push(Action::Note(Note::Finishing { id }));
        self.entry = Some(Entry::new(id, true));
        match step {
            Step::Received(answer) => match codec::read_package(self.config.layout, &answer) {
                Err(error) => self.fail(Stop::Cycle(error), true),
                // Nothing was owed for it.
                Ok(Package::Nothing | Package::EimError(_)) => self.finish(),
                // The package may have been carried out already: its result is then on the eUICC, and
                // loading it again would only be refused as a replay.
                Ok(package @ Package::Request(_)) => {
                    let results_only = codec::results_apart(self.config.card);
                    let command = CardCommand::RetrieveNotifications { results_only };
                    self.act(Action::Card(command), State::StoredResult(package))
                }
                Ok(package) => self.execute(package),
            },
            Step::ResultOwed(message) => self.deliver(message),
            Step::Acknowledged(seq_numbers) => self.record_removal(seq_numbers),
        }
    }

    /// The eIM answered the poll.
    fn polled(&mut self, answer: Option<Vec<u8>>) {
        if self.config.state_change.take().is_some() {
            self.actions.push(Action::StateChangeDelivered);
        }
        let unexpected = CycleError::UnexpectedAnswer {
            function: "GetEimPackage",
        };
        let Some(answer) = answer else {
            return self.fail(Stop::Cycle(unexpected), true);
        };
        match codec::read_package(self.config.layout, &answer) {
            Err(error) => self.fail(Stop::Cycle(error), true),
            Ok(Package::Nothing) => self.done(Ok(PollOutcome::NoPackage)),
            Ok(Package::EimError(code)) => self.done(Ok(PollOutcome::EimRefused { code })),
            Ok(package) => self.act(
                Action::Record(Record::PackageReceived(answer)),
                State::Opening(package),
            ),
        }
    }

    /// Carries out a package, once it is recorded.
    fn execute(&mut self, package: Package) {
        match package {
            // Never recorded by a poll: nothing is owed for them.
            Package::Nothing | Package::EimError(_) => self.finish(),
            Package::Rejected(code) => {
                if let Some(entry) = &mut self.entry {
                    entry.rejected = Some(code);
                }
                let message = codec::error_result(self.config.layout, self.config.eid, code);
                self.deliver(message)
            }
            Package::Request(request) => self.act(
                Action::Card(CardCommand::LoadPackage(request.clone())),
                State::Loading(request),
            ),
            Package::DataRequest(request) => {
                self.act(Action::CollectData(request), State::Collecting)
            }
            Package::Trigger(trigger) => match self.config.indirect_download {
                Some(indirect) => self.download(trigger, indirect),
                None => self.act(
                    Action::Card(CardCommand::ReadEimConfiguration),
                    State::Route(trigger),
                ),
            },
        }
    }

    /// The eUICC carried out `request`: after an enable, the rollback watch (if permitted) and the wait
    /// for the network come before the result.
    fn loaded(&mut self, request: &[u8], epr: Vec<u8>) {
        let (layout, card) = (self.config.layout, self.config.card);
        match codec::enabled_profile(layout, request, card, &epr) {
            Some(enabled) if enabled.rollback_permitted => {
                self.actions
                    .push(Action::Note(Note::RollbackPermitted(enabled.iccid)));
                let switch = RollbackSwitch {
                    eim_id: enabled.eim_id,
                    iccid: enabled.iccid,
                };
                let record = Record::EnabledWithRollback(switch);
                self.act(Action::Record(record), State::RecordingRollback(epr))
            }
            Some(_) => self.wait_for_network(epr),
            None => self.retrieve(epr),
        }
    }

    /// Waits for the network on the profile just enabled, before the result travels.
    fn wait_for_network(&mut self, epr: Vec<u8>) {
        self.act(Action::WaitForNetwork, State::WaitingForNetwork(epr))
    }

    /// Retrieves the pending notifications to go with the result `epr`.
    fn retrieve(&mut self, epr: Vec<u8>) {
        let command = CardCommand::RetrieveNotifications {
            results_only: false,
        };
        self.act(Action::Card(command), State::Notifications(epr))
    }

    /// Downloads the profile of `trigger` by the route chosen.
    fn download(&mut self, trigger: ProfileDownloadTriggerRequest, indirect: bool) {
        self.actions
            .push(Action::Note(Note::DownloadRoute { indirect }));
        self.act(Action::Download { trigger, indirect }, State::Downloading)
    }

    /// Records `message` as owed, then sends it.
    fn deliver(&mut self, message: Vec<u8>) {
        let record = Record::ResultOwed {
            id: self.id(),
            message: message.clone(),
        };
        self.act(Action::Record(record), State::Owing(message))
    }

    /// The eIM answered the result that carried `carried`: what it took is recorded, then removed.
    fn acknowledged(&mut self, carried: &[i64], answer: Option<&[u8]>) {
        let acknowledged = match codec::read_acknowledgements(self.config.layout, answer) {
            Ok(acknowledged) => acknowledged,
            Err(error) => return self.fail(Stop::Cycle(error), true),
        };
        let foreign = Removal::foreign(carried, &acknowledged);
        if !foreign.is_empty() {
            self.actions
                .push(Action::Note(Note::ForeignAcknowledgements(foreign)));
        }
        let removal = Removal::decide(carried, &acknowledged, self.config.removes_unacknowledged);
        if removal.piles_up() {
            let kept = removal.kept.len();
            self.actions.push(Action::Note(Note::PileUp { kept }));
        }
        let removed = removal.removed.clone();
        if let Some(entry) = &mut self.entry {
            entry.removal = removal;
        }
        self.record_removal(removed)
    }

    /// Records `seq_numbers` as to be removed, then removes them.
    fn record_removal(&mut self, seq_numbers: Vec<i64>) {
        let record = Record::Acknowledged {
            id: self.id(),
            seq_numbers: seq_numbers.clone(),
        };
        self.act(Action::Record(record), State::Acknowledging(seq_numbers))
    }

    /// Removes the next of `remaining`, or finishes the entry when none is left.
    fn remove_next(&mut self, mut remaining: VecDeque<i64>) {
        match remaining.pop_front() {
            Some(seq_number) => self.act(
                Action::Card(CardCommand::RemoveNotification(seq_number)),
                State::Removing(remaining),
            ),
            None => self.finish(),
        }
    }

    /// Records that the entry is finished.
    fn finish(&mut self) {
        self.act(
            Action::Record(Record::Finished(self.id())),
            State::Finishing,
        )
    }

    /// The entry is finished: on to the next one, or the poll's outcome.
    fn finished(&mut self) {
        match self.entry.take() {
            Some(Entry {
                recovering: false,
                rejected,
                removal,
                ..
            }) => {
                let outcome = match rejected {
                    Some(code) => {
                        self.actions.push(Action::Note(Note::Rejected { code }));
                        PollOutcome::Rejected { code }
                    }
                    None => PollOutcome::Executed(removal),
                };
                self.done(Ok(outcome))
            }
            _ => self.next_pending(),
        }
    }

    /// A step failed (`permanent`: the eIM refuses it for good). An entry an interrupted cycle left is
    /// then dropped, so that it cannot stop every later poll; anything else ends the cycle.
    fn fail(&mut self, why: Stop, permanent: bool) {
        match &self.entry {
            Some(entry) if entry.recovering && permanent => {
                let id = entry.id;
                self.actions.push(Action::Note(Note::Dropped { id, why }));
                self.finish()
            }
            _ => self.done(Err(why)),
        }
    }

    /// Ends the cycle.
    fn done(&mut self, outcome: Result<PollOutcome, Stop>) {
        self.act(Action::Done(outcome), State::Over)
    }
}

impl Entry {
    fn new(id: u64, recovering: bool) -> Self {
        Self {
            id,
            recovering,
            rejected: None,
            removal: Removal::default(),
        }
    }
}
