//! What the poll cycle asks its driver to do ([`Action`]) and what the driver tells it back ([`Input`]).

use euicc_asn1::types::sgp22::PendingNotification;
use euicc_asn1::types::sgp22::codes::CodeTable;
use euicc_asn1::types::sgp32::common::ProfileDownloadTriggerRequest;
use euicc_asn1::types::sgp32::v1_2;
use euicc_asn1::{DecodeError, Signed, layout_neutral};

use super::outcome::PollOutcome;
use super::record::RollbackSwitch;

/// Something for the driver to do. [`Action::awaits_input`] says whether the cycle waits for its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Make this step durable in the journal; answered [`Input::Recorded`] (or [`Input::EntryOpened`] for
    /// [`Record::PackageReceived`]).
    Record(Record),
    /// Send this ESipa message (the exact DER) to the eIM; answered [`Input::EimAnswered`].
    SendToEim(Vec<u8>),
    /// Run this ES10 function on the eUICC; answered [`Input::Card`].
    Card(CardCommand),
    /// Collect what an IpaEuiccDataRequest asks for; answered [`Input::DataCollected`].
    CollectData(DataRequest),
    /// Download the profile of a trigger, through the eIM when `indirect`; answered
    /// [`Input::Downloaded`].
    Download {
        /// The trigger as received.
        trigger: ProfileDownloadTriggerRequest,
        /// ES9+ relayed by the eIM over ESipa (on the poll's connection) rather than to the SM-DP+.
        indirect: bool,
    },
    /// A package enabled a profile: wait until the device is online on it (or the wait times out);
    /// answered [`Input::NetworkWaited`].
    WaitForNetwork,
    /// The eIM answered the poll that carried the pending state change: it has heard of it.
    StateChangeDelivered,
    /// Something worth a log line; nothing to answer.
    Note(Note),
    /// The cycle is over.
    Done(Result<PollOutcome, Stop>),
}

impl Action {
    /// Whether the cycle waits for the answer to this action before it goes on.
    pub fn awaits_input(&self) -> bool {
        !matches!(
            self,
            Self::StateChangeDelivered | Self::Note(_) | Self::Done(_)
        )
    }
}

/// A step for the journal to make durable (the daemon's journal records each one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A new entry for the eIM's answer to GetEimPackage, before the package is carried out.
    PackageReceived(Vec<u8>),
    /// The exact ProvideEimPackageResult owed for entry `id`, before it is sent.
    ResultOwed {
        /// The entry.
        id: u64,
        /// The DER of the message.
        message: Vec<u8>,
    },
    /// The sequence numbers the eIM took for entry `id`, before they are removed from the eUICC.
    Acknowledged {
        /// The entry.
        id: u64,
        /// The numbers to remove.
        seq_numbers: Vec<i64>,
    },
    /// Entry `id` is done with.
    Finished(u64),
    /// A package enabled a profile with `rollbackFlag`, before its result is sent.
    EnabledWithRollback(RollbackSwitch),
}

/// An ES10 function the cycle needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardCommand {
    /// LoadEuiccPackage with the package as received; answered [`CardAnswer::PackageLoaded`].
    LoadPackage(Vec<u8>),
    /// RetrieveNotificationsList, for everything or (`results_only`) the stored eUICC Package Results
    /// alone; answered [`CardAnswer::Retrieved`] (noResultAvailable is an empty answer).
    RetrieveNotifications {
        /// Search criterion `euiccPackageResults`.
        results_only: bool,
    },
    /// RemoveNotificationFromList; answered [`CardAnswer::Removed`] (nothingToDelete too: it was removed
    /// before an interruption).
    RemoveNotification(i64),
    /// GetEimConfigurationData, to learn whether this eIM announces indirect download; answered
    /// [`CardAnswer::IndirectAnnounced`].
    ReadEimConfiguration,
}

/// What the driver tells the cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The journal recorded the step.
    Recorded,
    /// The journal recorded a new entry under this id.
    EntryOpened(u64),
    /// The eIM's answer, the DER of one message (`None`: an empty answer).
    EimAnswered(Option<Vec<u8>>),
    /// The eUICC's answer.
    Card(CardAnswer),
    /// The answer to the data request.
    DataCollected(Box<DataResponse>),
    /// The result of a triggered download.
    Downloaded(Box<TriggerResponse>),
    /// The wait for the network ended (online or not: the result is reported either way).
    NetworkWaited,
    /// The action failed. `permanent`: doing it again would fail the same way (the eIM refused it).
    Failed {
        /// The failure is the eIM's refusal, not a transport, eUICC or journal failure.
        permanent: bool,
    },
}

/// An ES10 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardAnswer {
    /// The eUICC Package Result, as the eUICC produced it.
    PackageLoaded(Vec<u8>),
    /// RetrieveNotificationsList.
    Retrieved {
        /// Pending notifications.
        notifications: Vec<Signed<PendingNotification>>,
        /// Stored eUICC Package Results, as the eUICC produced them, oldest first.
        package_results: Vec<Vec<u8>>,
    },
    /// The notification or result is no longer on the eUICC.
    Removed,
    /// Whether the eIM's configuration on the eUICC announces `indirectProfileDownload`.
    IndirectAnnounced(bool),
}

layout_neutral! {
    /// An IpaEuiccDataRequest as received, in the layout of ESipa.
    pub enum DataRequest(IpaEuiccDataRequest);
}

layout_neutral! {
    /// The answer to an IpaEuiccDataRequest, in the layout of ESipa.
    pub enum DataResponse(IpaEuiccDataResponse);
}

layout_neutral! {
    /// A ProfileDownloadTriggerResult, in the layout of ESipa.
    pub enum TriggerResponse(ProfileDownloadTriggerResult);
}

/// Something the cycle did or saw that the operator should hear of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The cycle finishes entry `id` that an interrupted one left.
    Finishing {
        /// The entry.
        id: u64,
    },
    /// The eIM refuses what entry `id` owes it for good (the failure just reported): the entry is dropped
    /// so that it cannot stop every later poll.
    Dropped {
        /// The entry.
        id: u64,
        /// The refusal.
        why: Stop,
    },
    /// The eIM acknowledged sequence numbers the result did not carry; they are left alone.
    ForeignAcknowledgements(Vec<i64>),
    /// A delivery left more than [`PILE_UP_BOUND`](super::PILE_UP_BOUND) entries on the eUICC.
    PileUp {
        /// How many.
        kept: usize,
    },
    /// A package enabled this profile with rollback permitted.
    RollbackPermitted(euicc_asn1::Iccid),
    /// A download trigger goes through the eIM (`indirect`) or to the SM-DP+.
    DownloadRoute {
        /// Through the eIM.
        indirect: bool,
    },
    /// The package was not carried out; the eIM hears this `eimPackageResultErrorCode`.
    Rejected {
        /// The code.
        code: i64,
    },
}

/// Why a cycle stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The failure the driver just reported ([`Input::Failed`]).
    Failed,
    /// The cycle's own finding.
    Cycle(CycleError),
}

/// What the cycle itself finds wrong with an answer. All but [`CycleError::OutOfTurn`] are permanent: the
/// same bytes would be answered the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CycleError {
    /// The eIM answered with a message that does not answer the request.
    UnexpectedAnswer {
        /// The ESipa function.
        function: &'static str,
    },
    /// The eIM's answer does not decode.
    Undecodable {
        /// The ESipa function.
        function: &'static str,
        /// Why.
        source: DecodeError,
    },
    /// The eIM refused the package result (`provideEimPackageResultError`).
    ResultRefused {
        /// The error code.
        code: i64,
    },
    /// The eUICC's package result does not decode as an `EuiccPackageResult`.
    BadResult(DecodeError),
    /// The driver answered an action the cycle had not asked for (a defect of the driver).
    OutOfTurn,
}

impl std::fmt::Display for CycleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnexpectedAnswer { function } => {
                write!(f, "ESipa {function}: the eIM answered another message")
            }
            Self::Undecodable { function, .. } => {
                write!(f, "ESipa {function}: the answer does not decode")
            }
            Self::ResultRefused { code } => write!(
                f,
                "the eIM refused the package result: {} ({code})",
                name(v1_2::PROVIDE_EIM_PACKAGE_RESULT_ERROR, *code)
            ),
            Self::BadResult(_) => write!(f, "the eUICC's package result"),
            Self::OutOfTurn => write!(f, "the poll cycle was answered out of turn"),
        }
    }
}

impl std::error::Error for CycleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Undecodable { source, .. } | Self::BadResult(source) => Some(source),
            Self::UnexpectedAnswer { .. } | Self::ResultRefused { .. } | Self::OutOfTurn => None,
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
