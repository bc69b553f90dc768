//! The poll cycle's decisions, driven by hand: a model journal, eUICC and eIM answer its actions. No
//! network, no card, no TLS.

use std::collections::{BTreeMap, VecDeque};

use euicc_asn1::types::sgp22::ProfileInfoListRequest;
use euicc_asn1::types::sgp32::common::{
    EimAcknowledgements, Empty, EnableParams, ProfileDownloadTriggerRequest, ProfileIccid,
    SequenceNumber,
};
use euicc_asn1::types::sgp32::view::{DownloadFailure, IpaEuiccDataView};
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{Eid, Iccid, Layout, Null, Octets, Signed, for_layout, to_der};

use super::*;

const ICCID: &str = "8944476500001224158";
const EIM_ID: &str = "eim.example";
/// GetEimPackage answered noEimPackageAvailable (the same bytes in both layouts).
const NOTHING: &str = "BF4F03020101";

/// The bytes of the hex string `text` (the module uses no crate but `euicc_asn1`).
fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// `bytes` as upper-case hex.
fn to_hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

fn eid() -> Eid {
    "89049032123451234512345678901235".parse().unwrap()
}

fn iccid() -> Iccid {
    ICCID.parse().unwrap()
}

/// The kinds of package an eIM hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enable { rollback: bool },
    Disable,
    Delete,
    Eco,
    List,
    Data,
    Trigger,
    Malformed,
}

const KINDS: [Kind; 9] = [
    Kind::Enable { rollback: false },
    Kind::Enable { rollback: true },
    Kind::Disable,
    Kind::Delete,
    Kind::Eco,
    Kind::List,
    Kind::Data,
    Kind::Trigger,
    Kind::Malformed,
];

impl Kind {
    /// An eUICC package (it leaves a result on the eUICC).
    fn is_request(self) -> bool {
        !matches!(self, Self::Data | Self::Trigger | Self::Malformed)
    }

    fn enable(rollback: bool) -> EnableParams {
        EnableParams {
            iccid: iccid(),
            rollback_flag: rollback.then_some(Null),
        }
    }

    fn package(self) -> v1_2::EuiccPackage {
        use v1_2::{EuiccPackage, Psmo};
        let profile = ProfileIccid { iccid: iccid() };
        match self {
            Self::Enable { rollback } => {
                EuiccPackage::PsmoList(vec![Psmo::Enable(Self::enable(rollback))])
            }
            Self::Disable => EuiccPackage::PsmoList(vec![Psmo::Disable(profile)]),
            Self::Delete => EuiccPackage::PsmoList(vec![Psmo::Delete(profile)]),
            Self::List => {
                EuiccPackage::PsmoList(vec![Psmo::ListProfileInfo(ProfileInfoListRequest {
                    search_criteria: None,
                    tag_list: None,
                })])
            }
            _ => EuiccPackage::EcoList(vec![v1_2::Eco::ListEim(Empty {})]),
        }
    }

    /// The eIM's answer to GetEimPackage handing out this package.
    fn answer(self, layout: Layout) -> Vec<u8> {
        use v1_2::GetEimPackageResponse as R;
        if self == Self::Malformed {
            return b"\xBF\x4F\x04\xDE\xAD\xBE\xEF".to_vec();
        }
        let response = match self {
            Self::Data => R::IpaEuiccDataRequest(v1_2::IpaEuiccDataRequest {
                tag_list: Octets(vec![0x80]),
                euicc_ci_pk_identifier_to_be_used: None,
                search_criteria_notification: None,
                search_criteria_euicc_package_result: None,
                eim_transaction_id: None,
            }),
            Self::Trigger => R::ProfileDownloadTriggerRequest(ProfileDownloadTriggerRequest {
                profile_download_data: None,
                eim_transaction_id: Some(Octets(vec![7])),
            }),
            _ => R::EuiccPackageRequest(Signed::new(v1_2::EuiccPackageRequest {
                euicc_package_signed: Signed::new(v1_2::EuiccPackageSigned {
                    eim_id: EIM_ID.into(),
                    eid_value: eid(),
                    counter_value: 1,
                    eim_transaction_id: None,
                    euicc_package: self.package(),
                }),
                eim_signature: Octets(vec![0x5A; 64]),
            })),
        };
        let der = to_der(&v1_2::EsipaMessageFromEimToIpa::GetEimPackageResponse(
            response,
        ));
        for_layout!(layout, l => same_in::<l::EsipaMessageFromEimToIpa>(layout, der))
    }
}

/// `der`, after checking that it is the DER of a `T` of the `layout` as well: the test messages leave out
/// what the layouts encode differently (transaction identifiers), so one encoding serves both.
fn same_in<T: euicc_asn1::Asn1>(layout: Layout, der: Vec<u8>) -> Vec<u8> {
    let read: T = euicc_asn1::from_ber(&der).unwrap();
    assert_eq!(to_hex(to_der(&read)), to_hex(&der), "{layout}");
    der
}

/// The eUICC Package Result number `seq` of a package of `kind`, as a model eUICC signs it.
fn result(layout: Layout, kind: Kind, seq_number: i64) -> Vec<u8> {
    use v1_2::EuiccResultData as R;
    let data = v1_2::EuiccPackageResultDataSigned {
        eim_id: EIM_ID.into(),
        counter_value: 1,
        eim_transaction_id: None,
        seq_number,
        euicc_result: vec![match kind {
            Kind::Enable { .. } => R::EnableResult(0),
            _ => R::DisableResult(0),
        }],
    };
    let der = to_der(&v1_2::EuiccPackageResult::EuiccPackageResultSigned(
        v1_2::EuiccPackageResultSigned {
            euicc_package_result_data_signed: Signed::new(data),
            euicc_sign_epr: Octets(vec![0xE5; 64]),
        },
    ));
    for_layout!(layout, l => same_in::<l::EuiccPackageResult>(layout, der))
}

/// The eIM's answer to ProvideEimPackageResult acknowledging `seq_numbers`.
fn acknowledging(layout: Layout, seq_numbers: &[i64]) -> Vec<u8> {
    let acks = EimAcknowledgements(seq_numbers.iter().map(|&n| SequenceNumber(n)).collect());
    let der = to_der(
        &v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            v1_2::ProvideEimPackageResultResponse::EimAcknowledgements(acks),
        ),
    );
    for_layout!(layout, l => same_in::<l::EsipaMessageFromEimToIpa>(layout, der))
}

/// The answer incorrectTagList to a data request.
fn data_response(layout: Layout) -> DataResponse {
    for_layout!(layout, l => <l::IpaEuiccData as IpaEuiccDataView>::error(1, None).into())
}

/// A download that failed before the eUICC produced a result.
fn trigger_response(layout: Layout) -> TriggerResponse {
    for_layout!(layout, l => l::ProfileDownloadTriggerResult {
        eim_transaction_id: Some(Octets(vec![7])),
        profile_download_trigger_result_data: l::ProfileDownloadTriggerResultData::ProfileDownloadError(
            l::ProfileDownloadError::undefined(),
        ),
    }
    .into())
}

/// A journal, an eUICC and an eIM in memory that answer the cycle's actions, and check on every action
/// that changes the eUICC or is owed to the eIM that the journal already holds its record.
struct World {
    layout: Layout,
    kind: Kind,
    journal: BTreeMap<u64, Step>,
    next_id: u64,
    /// Results stored on the eUICC, by sequence number.
    card: BTreeMap<i64, Vec<u8>>,
    next_seq: i64,
    /// What the eIM hands out to the next polls, each until it receives a result; nothing once empty.
    packages: VecDeque<Vec<u8>>,
    /// The eIM acknowledges what a result carried (else nothing).
    acknowledges: bool,
    /// Packages the eUICC carried out, downloads run.
    loads: usize,
    downloads: usize,
    /// The results the eIM received.
    delivered: Vec<Vec<u8>>,
    /// The actions answered, as [`name`]s.
    trace: Vec<String>,
    /// The answer to the nth awaited action (counting from 0) is replaced by garbage ([`garbled`]).
    garble_at: Option<usize>,
}

impl World {
    fn new(layout: Layout, kind: Kind) -> Self {
        Self {
            layout,
            kind,
            journal: BTreeMap::new(),
            next_id: 0,
            card: BTreeMap::new(),
            next_seq: 1,
            packages: VecDeque::from([kind.answer(layout)]),
            acknowledges: true,
            loads: 0,
            downloads: 0,
            delivered: Vec::new(),
            trace: Vec::new(),
            garble_at: None,
        }
    }

    fn config(&self) -> Config {
        Config {
            eid: eid(),
            layout: self.layout,
            card: self.layout,
            removes_unacknowledged: false,
            indirect_download: None,
            state_change: None,
        }
    }

    fn pending(&self) -> Vec<Pending> {
        self.journal
            .iter()
            .map(|(&id, step)| Pending {
                id,
                step: step.clone(),
            })
            .collect()
    }

    /// The record each action that changes the eUICC or is owed to the eIM needs first.
    fn check_durable(&self, action: &Action) {
        let received = |part: &dyn Fn(&[u8]) -> bool| {
            self.journal.values().any(|step| match step {
                Step::Received(answer) => part(answer),
                _ => false,
            })
        };
        let durable = match action {
            Action::Card(CardCommand::LoadPackage(request)) => {
                received(&|answer| answer.windows(request.len()).any(|w| w == request))
            }
            Action::Download { .. } | Action::CollectData(_) => received(&|_| true),
            Action::Card(CardCommand::RemoveNotification(n)) => self
                .journal
                .values()
                .any(|step| matches!(step, Step::Acknowledged(numbers) if numbers.contains(n))),
            Action::SendToEim(message) if message.starts_with(&[0xBF, 0x50]) => self
                .journal
                .values()
                .any(|step| matches!(step, Step::ResultOwed(owed) if owed == message)),
            _ => true,
        };
        assert!(
            durable,
            "{action:?} before its record; journal {:?}",
            self.journal
        );
    }

    /// Carries out `action` and answers it.
    fn perform(&mut self, action: &Action) -> Input {
        self.check_durable(action);
        self.trace.push(name(action));
        match action {
            Action::Record(record) => match record {
                Record::PackageReceived(answer) => {
                    self.next_id += 1;
                    self.journal
                        .insert(self.next_id, Step::Received(answer.clone()));
                    return Input::EntryOpened(self.next_id);
                }
                Record::ResultOwed { id, message } => {
                    self.journal.insert(*id, Step::ResultOwed(message.clone()));
                }
                Record::Acknowledged { id, seq_numbers } => {
                    self.journal
                        .insert(*id, Step::Acknowledged(seq_numbers.clone()));
                }
                Record::Finished(id) => {
                    self.journal.remove(id);
                }
                Record::EnabledWithRollback(switch) => {
                    assert_eq!(switch.iccid, iccid());
                    assert_eq!(switch.eim_id, EIM_ID);
                }
            },
            Action::SendToEim(message) if message.starts_with(&[0xBF, 0x4F]) => {
                let answer = self.packages.front().cloned();
                return Input::EimAnswered(Some(answer.unwrap_or_else(|| unhex(NOTHING))));
            }
            Action::SendToEim(message) => {
                self.delivered.push(message.clone());
                self.packages.pop_front();
                let carried = codec::carried_seq_numbers(self.layout, message);
                let acked = if self.acknowledges {
                    carried
                } else {
                    Vec::new()
                };
                return Input::EimAnswered(Some(acknowledging(self.layout, &acked)));
            }
            Action::Card(command) => {
                return Input::Card(match command {
                    CardCommand::LoadPackage(_) => {
                        self.loads += 1;
                        let epr = result(self.layout, self.kind, self.next_seq);
                        self.card.insert(self.next_seq, epr.clone());
                        self.next_seq += 1;
                        CardAnswer::PackageLoaded(epr)
                    }
                    CardCommand::RetrieveNotifications { .. } => CardAnswer::Retrieved {
                        notifications: Vec::new(),
                        package_results: self.card.values().cloned().collect(),
                    },
                    CardCommand::RemoveNotification(n) => {
                        self.card.remove(n);
                        CardAnswer::Removed
                    }
                    CardCommand::ReadEimConfiguration => CardAnswer::IndirectAnnounced(true),
                });
            }
            Action::CollectData(_) => {
                return Input::DataCollected(Box::new(data_response(self.layout)));
            }
            Action::Download { .. } => {
                self.downloads += 1;
                return Input::Downloaded(Box::new(trigger_response(self.layout)));
            }
            Action::WaitForNetwork => return Input::NetworkWaited,
            Action::StateChangeDelivered | Action::Note(_) | Action::Done(_) => {
                unreachable!("not awaited")
            }
        }
        Input::Recorded
    }

    /// Runs one cycle; `crash_before` the nth awaited action (counting from 0) stops it there, as a crash
    /// or a lost link would. Returns the outcome, or `None` when it crashed.
    fn run_until(
        &mut self,
        config: Config,
        crash_before: Option<usize>,
    ) -> Option<Result<PollOutcome, Stop>> {
        let (mut cycle, mut actions) = Cycle::start(config, self.pending());
        for performed in 0.. {
            let (last, notes) = actions.split_last().expect("an action");
            assert!(notes.iter().all(|a| !a.awaits_input()), "{actions:?}");
            for note in notes {
                self.trace.push(name(note));
            }
            if let Action::Done(outcome) = last {
                self.trace.push(name(last));
                return Some(outcome.clone());
            }
            if crash_before == Some(performed) {
                return None;
            }
            let mut input = self.perform(last);
            if self.garble_at == Some(performed) {
                input = garbled(input);
            }
            actions = cycle.handle(input);
        }
        unreachable!()
    }

    fn run(&mut self) -> Result<PollOutcome, Stop> {
        let config = self.config();
        self.run_until(config, None).unwrap()
    }
}

/// A short name for an action, for the expected sequences below.
fn name(action: &Action) -> String {
    match action {
        Action::Record(Record::PackageReceived(_)) => "record received".into(),
        Action::Record(Record::ResultOwed { .. }) => "record owed".into(),
        Action::Record(Record::Acknowledged { seq_numbers, .. }) => {
            format!("record acknowledged {seq_numbers:?}")
        }
        Action::Record(Record::Finished(_)) => "record finished".into(),
        Action::Record(Record::EnabledWithRollback(_)) => "record rollback".into(),
        Action::SendToEim(m) if m.starts_with(&[0xBF, 0x4F]) => "poll".into(),
        Action::SendToEim(_) => "send result".into(),
        Action::Card(CardCommand::LoadPackage(_)) => "load".into(),
        Action::Card(CardCommand::RetrieveNotifications { results_only }) => match results_only {
            true => "retrieve results".into(),
            false => "retrieve".into(),
        },
        Action::Card(CardCommand::RemoveNotification(n)) => format!("remove {n}"),
        Action::Card(CardCommand::ReadEimConfiguration) => "read eim configuration".into(),
        Action::CollectData(_) => "collect data".into(),
        Action::Download { indirect, .. } => format!("download indirect={indirect}"),
        Action::WaitForNetwork => "wait for network".into(),
        Action::StateChangeDelivered => "state change delivered".into(),
        Action::Note(note) => format!("note {note:?}"),
        Action::Done(Ok(outcome)) => format!("done {outcome:?}"),
        Action::Done(Err(stop)) => format!("stop {stop:?}"),
    }
}

/// What one uninterrupted cycle does for a package of `kind`, after the poll and its record.
fn expected_execution(kind: Kind) -> Vec<String> {
    let mut steps: Vec<&str> = match kind {
        Kind::Enable { rollback: true } => vec![
            "load",
            "note RollbackPermitted(Iccid(8944476500001224158))",
            "record rollback",
            "wait for network",
            "retrieve",
        ],
        Kind::Enable { rollback: false } => vec!["load", "wait for network", "retrieve"],
        Kind::Data => vec!["collect data"],
        Kind::Trigger => vec![
            "read eim configuration",
            "note DownloadRoute { indirect: true }",
            "download indirect=true",
        ],
        Kind::Malformed => vec![],
        _ => vec!["load", "retrieve"],
    };
    steps.extend(["record owed", "send result"]);
    let mut steps: Vec<String> = steps.into_iter().map(String::from).collect();
    match kind.is_request() {
        true => steps.extend(["record acknowledged [1]".into(), "remove 1".into()]),
        false => steps.push("record acknowledged []".into()),
    }
    steps.push("record finished".into());
    steps
}

#[test]
fn each_package_kind_is_carried_out_recorded_reported_and_removed() {
    for layout in [Layout::V1_2, Layout::V1_0] {
        for kind in KINDS {
            let mut world = World::new(layout, kind);
            let outcome = world.run().unwrap();
            let mut expected = vec!["poll".to_owned(), "record received".to_owned()];
            expected.extend(expected_execution(kind));
            match kind {
                Kind::Malformed => {
                    expected.push("note Rejected { code: 1 }".into());
                    expected.push("done Rejected { code: 1 }".into());
                }
                k if k.is_request() => {
                    expected.push("done Executed(Removal { removed: [1], kept: [] })".into())
                }
                _ => expected.push("done Executed(Removal { removed: [], kept: [] })".into()),
            }
            assert_eq!(world.trace, expected, "{layout:?} {kind:?}");
            assert!(matches!(
                outcome,
                PollOutcome::Executed(_) | PollOutcome::Rejected { .. }
            ));
            assert!(world.journal.is_empty() && world.card.is_empty());
            assert_eq!(world.delivered.len(), 1);
        }
    }
}

#[test]
fn a_malformed_package_is_answered_invalid_package_format_and_never_reaches_the_card() {
    for layout in [Layout::V1_2, Layout::V1_0] {
        let mut world = World::new(layout, Kind::Malformed);
        assert_eq!(
            world.run(),
            Ok(PollOutcome::Rejected {
                code: INVALID_PACKAGE_FORMAT
            })
        );
        assert_eq!(world.loads, 0);
        assert_eq!(
            world.delivered,
            [codec::error_result(layout, eid(), INVALID_PACKAGE_FORMAT)]
        );
    }
}

#[test]
fn a_configured_route_needs_no_eim_configuration() {
    for indirect in [false, true] {
        let mut world = World::new(Layout::V1_2, Kind::Trigger);
        let config = Config {
            indirect_download: Some(indirect),
            ..world.config()
        };
        world.run_until(config, None).unwrap().unwrap();
        assert!(!world.trace.contains(&"read eim configuration".to_owned()));
        assert!(
            world
                .trace
                .contains(&format!("download indirect={indirect}"))
        );
    }
}

#[test]
fn no_package_and_eim_errors_end_the_cycle_unrecorded() {
    let mut world = World::new(Layout::V1_2, Kind::Disable);
    world.packages = VecDeque::from([unhex("BF4F03020102")]);
    assert_eq!(world.run(), Ok(PollOutcome::EimRefused { code: 2 }));
    world.packages.clear();
    assert_eq!(world.run(), Ok(PollOutcome::NoPackage));
    assert_eq!(
        world.trace,
        [
            "poll",
            "done EimRefused { code: 2 }",
            "poll",
            "done NoPackage"
        ]
    );
    assert!(world.journal.is_empty());
}

#[test]
fn the_state_change_travels_with_the_poll_and_is_cleared_once_answered() {
    let mut world = World::new(Layout::V1_2, Kind::Disable);
    world.packages.clear();
    let change = StateChange {
        cause: 1,
        r_plmn: Some([0x62, 0xF2, 0x10]),
    };
    let config = Config {
        state_change: Some(change.clone()),
        ..world.config()
    };
    let (mut cycle, actions) = Cycle::start(config.clone(), Vec::new());
    assert_eq!(
        actions,
        [Action::SendToEim(codec::poll_request(
            Layout::V1_2,
            eid(),
            Some(&change)
        ))]
    );
    let actions = cycle.handle(Input::EimAnswered(Some(unhex(NOTHING))));
    assert_eq!(
        actions,
        [
            Action::StateChangeDelivered,
            Action::Done(Ok(PollOutcome::NoPackage))
        ]
    );
    // A poll that fails leaves it to the next one.
    let (mut cycle, _) = Cycle::start(config, Vec::new());
    let actions = cycle.handle(Input::Failed { permanent: false });
    assert_eq!(actions, [Action::Done(Err(Stop::Failed))]);
}

#[test]
fn what_an_eim_does_not_acknowledge_stays_or_goes_as_its_setting_says() {
    for removes in [false, true] {
        let mut world = World::new(Layout::V1_0, Kind::Disable);
        world.acknowledges = false;
        let config = Config {
            removes_unacknowledged: removes,
            ..world.config()
        };
        let outcome = world.run_until(config, None).unwrap().unwrap();
        let removal = match removes {
            true => Removal {
                removed: vec![1],
                kept: vec![],
            },
            false => Removal {
                removed: vec![],
                kept: vec![1],
            },
        };
        assert_eq!(outcome, PollOutcome::Executed(removal));
        assert_eq!(world.card.len(), usize::from(!removes));
    }
}

#[test]
fn results_that_pile_up_and_foreign_acknowledgements_are_noted() {
    let mut world = World::new(Layout::V1_2, Kind::Disable);
    world.acknowledges = false;
    // Five earlier results left on the card travel with the new one.
    for n in 10..15 {
        world.card.insert(n, result(Layout::V1_2, Kind::Disable, n));
    }
    world.next_seq = 15;
    world.run().unwrap();
    // The stored results are no notifications: the result carries only its own number.
    assert!(!world.trace.iter().any(|t| t.starts_with("note PileUp")));
    let carried: Vec<i64> = (1..=6).collect();
    let removal = Removal::decide(&carried, &[], false);
    assert!(removal.piles_up());
    assert_eq!(Removal::foreign(&carried, &[3, 12]), [12]);
    let (mut cycle, _) = Cycle::start(
        world.config(),
        vec![Pending {
            id: 4,
            step: Step::ResultOwed(
                codec::package_result(
                    Layout::V1_2,
                    eid(),
                    &result(Layout::V1_2, Kind::Disable, 3),
                    Vec::new(),
                )
                .unwrap(),
            ),
        }],
    );
    cycle.handle(Input::Recorded);
    let actions = cycle.handle(Input::EimAnswered(Some(acknowledging(
        Layout::V1_2,
        &[3, 12],
    ))));
    assert_eq!(
        actions,
        [
            Action::Note(Note::ForeignAcknowledgements(vec![12])),
            Action::Record(Record::Acknowledged {
                id: 4,
                seq_numbers: vec![3]
            })
        ]
    );
}

#[test]
fn an_interrupted_package_whose_result_is_on_the_card_is_reported_not_loaded_again() {
    for layout in [Layout::V1_2, Layout::V1_0] {
        let mut world = World::new(layout, Kind::Delete);
        let answer = world.packages.pop_front().unwrap();
        world.journal.insert(1, Step::Received(answer));
        world.next_id = 1;
        world.card.insert(1, result(layout, Kind::Delete, 1));
        world.run().unwrap();
        let retrieve = match layout.results_on_request() {
            true => "retrieve results",
            false => "retrieve",
        };
        assert_eq!(
            world.trace[..4],
            [
                "note Finishing { id: 1 }",
                retrieve,
                "retrieve",
                "record owed"
            ]
        );
        assert_eq!(world.loads, 0);
        assert_eq!(world.delivered.len(), 1);
        assert!(world.journal.is_empty() && world.card.is_empty());
    }
}

#[test]
fn an_interrupted_package_not_yet_carried_out_is_carried_out() {
    let mut world = World::new(Layout::V1_2, Kind::Enable { rollback: false });
    let answer = world.packages.pop_front().unwrap();
    world.journal.insert(1, Step::Received(answer));
    world.run().unwrap();
    assert_eq!(
        world.trace[..4],
        [
            "note Finishing { id: 1 }",
            "retrieve results",
            "load",
            "wait for network"
        ]
    );
    assert_eq!(world.loads, 1);
}

#[test]
fn an_owed_result_is_resent_as_recorded_and_acknowledged_numbers_are_removed() {
    let owed = codec::package_result(
        Layout::V1_2,
        eid(),
        &result(Layout::V1_2, Kind::Disable, 5),
        Vec::new(),
    )
    .unwrap();
    let mut world = World::new(Layout::V1_2, Kind::Disable);
    world.packages.clear();
    world.card.insert(5, result(Layout::V1_2, Kind::Disable, 5));
    world.card.insert(6, result(Layout::V1_2, Kind::Disable, 6));
    world.journal.insert(1, Step::ResultOwed(owed.clone()));
    world.journal.insert(2, Step::Acknowledged(vec![6]));
    assert_eq!(world.run(), Ok(PollOutcome::NoPackage));
    assert_eq!(world.delivered, [owed]);
    assert_eq!(
        world.trace,
        [
            "note Finishing { id: 1 }",
            "record owed",
            "send result",
            "record acknowledged [5]",
            "remove 5",
            "record finished",
            "note Finishing { id: 2 }",
            "record acknowledged [6]",
            "remove 6",
            "record finished",
            "poll",
            "done NoPackage",
        ]
    );
    assert!(world.card.is_empty() && world.journal.is_empty());
}

#[test]
fn an_owed_result_the_eim_refuses_is_dropped_and_a_transient_failure_stops_the_cycle() {
    let pending = vec![Pending {
        id: 9,
        step: Step::ResultOwed(vec![0xBF, 0x50, 0x00]),
    }];
    let config = World::new(Layout::V1_2, Kind::Disable).config();
    let (mut cycle, _) = Cycle::start(config.clone(), pending.clone());
    cycle.handle(Input::Recorded);
    let actions = cycle.handle(Input::Failed { permanent: true });
    assert_eq!(
        actions,
        [
            Action::Note(Note::Dropped {
                id: 9,
                why: Stop::Failed
            }),
            Action::Record(Record::Finished(9))
        ]
    );
    let actions = cycle.handle(Input::Recorded);
    assert!(matches!(&actions[..], [Action::SendToEim(poll)] if poll.starts_with(&[0xBF, 0x4F])));
    // A refusal the cycle reads itself (provideEimPackageResultError) is dropped the same way.
    let (mut cycle, _) = Cycle::start(config.clone(), pending.clone());
    cycle.handle(Input::Recorded);
    let refused = to_der(
        &v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            v1_2::ProvideEimPackageResultResponse::ProvideEimPackageResultError(3),
        ),
    );
    let actions = cycle.handle(Input::EimAnswered(Some(refused)));
    assert!(matches!(
        &actions[0],
        Action::Note(Note::Dropped {
            id: 9,
            why: Stop::Cycle(CycleError::ResultRefused { code: 3 })
        })
    ));
    // An unreachable eIM keeps it.
    let (mut cycle, _) = Cycle::start(config, pending);
    cycle.handle(Input::Recorded);
    let actions = cycle.handle(Input::Failed { permanent: false });
    assert_eq!(actions, [Action::Done(Err(Stop::Failed))]);
}

#[test]
fn a_refused_result_of_this_poll_stops_the_cycle_and_removes_nothing() {
    let mut world = World::new(Layout::V1_2, Kind::Disable);
    let (mut cycle, _) = Cycle::start(world.config(), Vec::new());
    let mut input = Input::EimAnswered(world.packages.pop_front());
    for _ in 0..5 {
        let actions = cycle.handle(input);
        input = match actions.last().unwrap() {
            Action::Record(Record::PackageReceived(_)) => Input::EntryOpened(1),
            Action::Card(CardCommand::LoadPackage(_)) => Input::Card(CardAnswer::PackageLoaded(
                result(Layout::V1_2, Kind::Disable, 1),
            )),
            Action::Card(CardCommand::RetrieveNotifications { .. }) => {
                Input::Card(CardAnswer::Retrieved {
                    notifications: Vec::new(),
                    package_results: Vec::new(),
                })
            }
            _ => Input::Recorded,
        };
    }
    let refused = to_der(
        &v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            v1_2::ProvideEimPackageResultResponse::ProvideEimPackageResultError(3),
        ),
    );
    let actions = cycle.handle(Input::EimAnswered(Some(refused)));
    assert_eq!(
        actions,
        [Action::Done(Err(Stop::Cycle(CycleError::ResultRefused {
            code: 3
        })))]
    );
}

#[test]
fn an_answer_out_of_turn_stops_the_cycle() {
    let config = World::new(Layout::V1_2, Kind::Disable).config();
    let (mut cycle, _) = Cycle::start(config, Vec::new());
    assert_eq!(
        cycle.handle(Input::Recorded),
        [Action::Done(Err(Stop::Cycle(CycleError::OutOfTurn)))]
    );
}

/// For every package kind, in both layouts, and for a crash before each step of the cycle: every action
/// that changes the eUICC or is owed to the eIM finds its record in the journal ([`World::check_durable`]),
/// and the next cycle finishes the work: the result reaches the eIM, the package is carried out once,
/// and nothing is left on the eUICC or in the journal.
#[test]
fn every_step_is_durable_before_it_acts_whatever_the_interruption() {
    for layout in [Layout::V1_2, Layout::V1_0] {
        for kind in KINDS {
            let steps = {
                let mut world = World::new(layout, kind);
                world.run().unwrap();
                world
                    .trace
                    .iter()
                    .filter(|t| !t.starts_with("note") && !t.starts_with("done"))
                    .count()
            };
            for crash in 0..steps {
                let case = format!("{layout:?} {kind:?}, crash before step {crash}");
                let mut world = World::new(layout, kind);
                let config = world.config();
                assert_eq!(world.run_until(config, Some(crash)), None, "{case}");
                world
                    .run()
                    .unwrap_or_else(|stop| panic!("{case}: {stop:?}"));
                assert!(world.journal.is_empty(), "{case}: {:?}", world.journal);
                assert!(world.card.is_empty(), "{case}: {:?}", world.card);
                assert!(!world.delivered.is_empty(), "{case}: no result delivered");
                if kind.is_request() {
                    assert_eq!(world.loads, 1, "{case}");
                }
                // Nothing is left for a third cycle.
                assert_eq!(world.run(), Ok(PollOutcome::NoPackage), "{case}");
            }
        }
    }
}

#[test]
fn polls_carry_the_state_change_in_each_layout() {
    let change = StateChange {
        cause: 1,
        r_plmn: Some([0x62, 0xF2, 0x10]),
    };
    let eid_tlv = "5A1089049032123451234512345678901235";
    let v12 = codec::poll_request(Layout::V1_2, eid(), Some(&change));
    assert_eq!(to_hex(v12), format!("BF4F1C{eid_tlv}8000810101820362F210"));
    // v1.0: no cause, and rPLMN is 81.
    let v10 = codec::poll_request(Layout::V1_0, eid(), Some(&change));
    assert_eq!(to_hex(v10), format!("BF4F19{eid_tlv}8000810362F210"));
    let plain = codec::poll_request(Layout::V1_2, eid(), None);
    assert_eq!(to_hex(plain), format!("BF4F12{eid_tlv}"));
}

#[test]
fn error_results_in_both_layouts() {
    let v12 = codec::error_result(Layout::V1_2, eid(), INVALID_PACKAGE_FORMAT);
    assert!(to_hex(v12).ends_with("A003020101"));
    let v10 = codec::error_result(Layout::V1_0, eid(), INVALID_PACKAGE_FORMAT);
    assert_eq!(to_hex(v10), "BF5003020101");
}

#[test]
fn poll_answers_are_read() {
    let read = |layout, answer: &str| codec::read_package(layout, &unhex(answer));
    assert_eq!(read(Layout::V1_2, NOTHING), Ok(Package::Nothing));
    assert_eq!(read(Layout::V1_0, "BF4F03020102"), Ok(Package::EimError(2)));
    assert_eq!(
        read(Layout::V1_2, "DEADBEEF"),
        Ok(Package::Rejected(INVALID_PACKAGE_FORMAT))
    );
    // A ProvideEimPackageResult answer is no answer to a poll.
    let other = to_hex(acknowledging(Layout::V1_2, &[1]));
    assert!(matches!(
        read(Layout::V1_2, &other),
        Err(CycleError::UnexpectedAnswer { .. })
    ));
}

#[test]
fn acknowledgements_are_read_in_both_layouts() {
    let v12 = acknowledging(Layout::V1_2, &[3, 5]);
    assert_eq!(
        codec::read_acknowledgements(Layout::V1_2, Some(&v12)).unwrap(),
        [3, 5]
    );
    let v10 = to_der(
        &v1_0::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            v1_0::ProvideEimPackageResultResponse {
                eim_acknowledgements: None,
            },
        ),
    );
    assert!(
        codec::read_acknowledgements(Layout::V1_0, Some(&v10))
            .unwrap()
            .is_empty()
    );
    let refused = to_der(
        &v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            v1_2::ProvideEimPackageResultResponse::ProvideEimPackageResultError(3),
        ),
    );
    let error = codec::read_acknowledgements(Layout::V1_2, Some(&refused)).unwrap_err();
    assert!(error.to_string().contains("invalidEid"), "{error}");
    assert!(matches!(
        codec::read_acknowledgements(Layout::V1_2, None),
        Err(CycleError::UnexpectedAnswer { .. })
    ));
    assert!(matches!(
        codec::read_acknowledgements(Layout::V1_2, Some(b"\x30\x00")),
        Err(CycleError::Undecodable { .. })
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
        codec::package_result(Layout::V1_2, eid(), &not_epr, Vec::new()),
        Err(CycleError::BadResult(_))
    ));
}

/// Drives a fresh cycle for `world`'s package up to the eUICC's answer `epr`; returns the actions after it.
fn after_loading(world: &mut World, config: Config, epr: Vec<u8>) -> Vec<Action> {
    let (mut cycle, _) = Cycle::start(config, Vec::new());
    let answer = world.packages.pop_front().unwrap();
    assert!(matches!(
        &cycle.handle(Input::EimAnswered(Some(answer)))[..],
        [Action::Record(Record::PackageReceived(_))]
    ));
    assert!(matches!(
        &cycle.handle(Input::EntryOpened(1))[..],
        [Action::Card(CardCommand::LoadPackage(_))]
    ));
    cycle.handle(Input::Card(CardAnswer::PackageLoaded(epr)))
}

/// The rollback watch starts (its record) only for an enable with `rollbackFlag` that the eUICC carried out;
/// the wait for the network follows every enable carried out, and no other package.
#[test]
fn the_watch_starts_only_for_a_successful_enable_with_rollback_flag() {
    let epr = |code| {
        to_der(&v1_2::EuiccPackageResult::EuiccPackageResultSigned(
            v1_2::EuiccPackageResultSigned {
                euicc_package_result_data_signed: Signed::new(v1_2::EuiccPackageResultDataSigned {
                    eim_id: EIM_ID.into(),
                    counter_value: 1,
                    eim_transaction_id: None,
                    seq_number: 1,
                    euicc_result: vec![v1_2::EuiccResultData::EnableResult(code)],
                }),
                euicc_sign_epr: Octets(vec![0xE5; 64]),
            },
        ))
    };
    let retrieve = Action::Card(CardCommand::RetrieveNotifications {
        results_only: false,
    });
    let switch = RollbackSwitch {
        eim_id: EIM_ID.into(),
        iccid: iccid(),
    };
    let cases = [
        // rollbackFlag, enabled: the watch, then the network.
        (
            true,
            0,
            vec![
                Action::Note(Note::RollbackPermitted(iccid())),
                Action::Record(Record::EnabledWithRollback(switch)),
            ],
        ),
        // No rollbackFlag: the network only.
        (false, 0, vec![Action::WaitForNetwork]),
        // rollbackFlag, but the eUICC refused the enable (iccidOrAidNotFound): neither.
        (true, 1, vec![retrieve]),
    ];
    for (rollback, code, expected) in cases {
        let mut world = World::new(Layout::V1_2, Kind::Enable { rollback });
        let config = world.config();
        assert_eq!(after_loading(&mut world, config, epr(code)), expected);
    }
}

#[test]
fn an_eim_of_another_layout_hears_its_own_while_the_card_is_asked_in_its_own() {
    // A v1.0 eIM, a v1.2 card: the messages are v1.0, the card's stored results are searched apart.
    let world = World::new(Layout::V1_0, Kind::Disable);
    let config = Config {
        card: Layout::V1_2,
        ..world.config()
    };
    let (_, actions) = Cycle::start(config.clone(), Vec::new());
    assert_eq!(
        actions,
        [Action::SendToEim(codec::poll_request(
            Layout::V1_0,
            eid(),
            None
        ))]
    );
    let answer = world.packages.front().cloned().unwrap();
    let (_, actions) = Cycle::start(
        config,
        vec![Pending {
            id: 1,
            step: Step::Received(answer),
        }],
    );
    assert_eq!(
        actions[1],
        Action::Card(CardCommand::RetrieveNotifications { results_only: true })
    );
}

/// `input` with its bytes replaced by some that decode as nothing the cycle expects.
fn garbled(input: Input) -> Input {
    let garbage = b"\xBF\x50\x03\x30\x01".to_vec();
    match input {
        Input::EimAnswered(_) => Input::EimAnswered(Some(garbage)),
        Input::Card(CardAnswer::PackageLoaded(_)) => {
            Input::Card(CardAnswer::PackageLoaded(garbage))
        }
        Input::Card(CardAnswer::Retrieved { .. }) => Input::Card(CardAnswer::Retrieved {
            notifications: Vec::new(),
            package_results: vec![garbage],
        }),
        other => other,
    }
}

/// Whatever the eIM or the eUICC answers at any step, the cycle ends, acts only on what it recorded, and
/// the cycles after it end too.
#[test]
fn garbage_at_any_step_ends_the_cycle_and_the_next_ones() {
    for layout in [Layout::V1_2, Layout::V1_0] {
        for kind in KINDS {
            for garble_at in 0..16 {
                let mut world = World::new(layout, kind);
                world.garble_at = Some(garble_at);
                let _ = world.run();
                world.garble_at = None;
                // The journal empties within a few cycles: nothing stops polling for good.
                for _ in 0..3 {
                    let _ = world.run();
                }
                assert!(
                    world.journal.is_empty(),
                    "{layout:?} {kind:?} garbled at {garble_at}: {:?}",
                    world.journal
                );
            }
        }
    }
}

#[test]
fn enable_and_disable_packages_switch_profiles_the_others_do_not() {
    for layout in [Layout::V1_2, Layout::V1_0] {
        for kind in KINDS.into_iter().filter(|k| k.is_request()) {
            let request = to_der(&v1_2::EuiccPackageRequest {
                euicc_package_signed: Signed::new(v1_2::EuiccPackageSigned {
                    eim_id: EIM_ID.into(),
                    eid_value: eid(),
                    counter_value: 1,
                    eim_transaction_id: None,
                    euicc_package: kind.package(),
                }),
                eim_signature: Octets(vec![0x5A; 64]),
            });
            let request =
                for_layout!(layout, l => same_in::<l::EuiccPackageRequest>(layout, request));
            let switches = matches!(kind, Kind::Enable { .. } | Kind::Disable);
            assert_eq!(
                codec::switches_profile(layout, &request),
                switches,
                "{kind:?} in {layout:?}"
            );
        }
        assert!(!codec::switches_profile(layout, b"\xBF\x51\x00"));
    }
}
