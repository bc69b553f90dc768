//! The daemon side of the rollback and fallback supervisors ([`crate::agent::supervisor`]): it feeds them
//! the connectivity the daemon knows, carries out what they decide on the eUICC and towards the eIM, and
//! tells the main loop when to look again. Their record lives in the store, so the first look after a
//! start resumes an interrupted supervision with its stored deadline.

use super::poller::{Poller, chain};
use crate::agent::supervisor::act::{Answer, perform};
use crate::agent::supervisor::{Action, Policy, SupervisionJournal, Supervisor, Switch, unix_now};
use crate::apdu::Transport;
use crate::euicc::Euicc;
use crate::modem::modemmanager::Inhibitor;
use crate::store::{Store, StoreSupervision};
use euicc_asn1::Eid;
use euiccd_core::connectivity::observer::NetworkState;
use euiccd_core::supervisor::{Connectivity, Registration};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// Seconds before a failed action (a transport error, an unreachable eIM) is tried again.
const RETRY_SECS: u64 = 10;
/// Most actions one look carries out (a rollback and its result delivery take two).
const MAX_ACTIONS: usize = 4;

/// What one look did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Looked {
    /// When to look again if nothing happens (Unix seconds).
    pub(crate) wake_unix: Option<u64>,
    /// The eUICC switched profiles, or a state change is owed: poll the eIM soon.
    pub(crate) poll_soon: bool,
    /// An action touched the eUICC or the eIM (the channel is to be closed afterwards).
    pub(crate) acted: bool,
}

/// The supervisors and what the daemon knows of the connectivity.
#[derive(Debug)]
pub(crate) struct Guard {
    supervisor: Supervisor,
    connectivity: Connectivity,
    /// The connectivity observer's state, if it runs.
    network: Option<watch::Receiver<NetworkState>>,
    /// What asks ModemManager to step aside while a switch runs (none: nothing to ask).
    modemmanager: Option<Inhibitor>,
}

impl Guard {
    /// Supervisors under `policy`, fed by the connectivity observer's `network` state if there is one;
    /// their switches run with ModemManager stepped aside when `modemmanager` is given.
    pub(crate) fn new(
        policy: Policy,
        network: Option<watch::Receiver<NetworkState>>,
        modemmanager: Option<Inhibitor>,
    ) -> Self {
        let mut guard = Self {
            supervisor: Supervisor::new(policy),
            connectivity: Connectivity::default(),
            network,
            modemmanager,
        };
        guard.take_in_network();
        guard
    }

    /// Waits until the observer's state changes and takes it in; never returns without an observer.
    pub(crate) async fn network_changed(&mut self) {
        let changed = match &mut self.network {
            Some(network) => network.changed().await.is_ok(),
            None => false,
        };
        if !changed {
            // No observer, or it stopped: the supervisors go on with what they have.
            self.network = None;
            std::future::pending::<()>().await;
        }
        self.take_in_network();
    }

    /// Copies the observer's state into the connectivity: the registration, since when the modem has been
    /// registered (the first time it is seen registered after not being so), and the data session's start.
    fn take_in_network(&mut self) {
        let Some(network) = &mut self.network else {
            return;
        };
        let state = network.borrow_and_update();
        let registration = if state.is_attached() {
            Registration::Registered
        } else if state.is_denied() {
            Registration::Denied
        } else if state.registrations.is_empty() {
            Registration::Unknown
        } else {
            Registration::Searching
        };
        let c = &mut self.connectivity;
        c.attached_since = match registration {
            Registration::Registered => c.attached_since.or(Some(unix_now())),
            _ => None,
        };
        c.registration = registration;
        c.data_since = state.session.as_ref().map(|s| unix_time(s.started));
    }

    /// The supervisor (the poll cycle arms its rollback watch).
    pub(crate) fn supervisor(&self) -> &Supervisor {
        &self.supervisor
    }

    /// Records the outcome of an exchange with an eIM, now.
    pub(crate) fn eim_exchange(&mut self, ok: bool) {
        let now = Some(unix_now());
        match ok {
            true => self.connectivity.last_eim_success = now,
            false => self.connectivity.last_eim_failure = now,
        }
    }

    /// Lets the supervisors decide and carries their actions out; see [`Looked`].
    pub(crate) async fn look(
        &mut self,
        euicc: &mut Euicc<Transport>,
        poller: &mut Poller,
        eid: Eid,
        store: &Store,
    ) -> Looked {
        let mut journal = StoreSupervision::new(store);
        let mut looked = Looked::default();
        for _ in 0..MAX_ACTIONS {
            let now = unix_now();
            let retry = Some(now + RETRY_SECS);
            let next = match self.supervisor.next(&mut journal, now, &self.connectivity) {
                Ok(next) => next,
                Err(error) => {
                    tracing::error!("supervision record: {}", chain(&error));
                    looked.wake_unix = retry;
                    return looked;
                }
            };
            if next.action.is_some() {
                looked.acted = true;
            }
            let done = match next.action {
                None => {
                    looked.wake_unix = next.wake_unix;
                    return looked;
                }
                Some(Action::Switch(switch)) => match self.switch(euicc, switch).await {
                    Ok(answer) => {
                        looked.poll_soon |= matches!(answer, Answer::Switched { .. });
                        self.answered(&mut journal, switch, answer, now)
                    }
                    Err(error) => {
                        tracing::warn!(?switch, "supervisor action failed: {}", chain(&error));
                        looked.wake_unix = retry;
                        return looked;
                    }
                },
                Some(Action::Deliver { eim_id, epr }) => {
                    match poller.report(euicc, eid, &eim_id, &epr).await {
                        Some(Ok(acknowledged)) => {
                            self.eim_exchange(true);
                            tracing::info!(eim = %eim_id, ?acknowledged, "rollback result delivered");
                            self.supervisor.delivered(&mut journal)
                        }
                        Some(Err(error)) if error.is_permanent() => {
                            self.eim_exchange(false);
                            tracing::warn!(eim = %eim_id, "the eIM refuses the rollback result, dropped: {}", chain(&error));
                            self.supervisor.delivered(&mut journal)
                        }
                        Some(Err(error)) => {
                            self.eim_exchange(false);
                            tracing::warn!(eim = %eim_id, "rollback result not delivered: {}", chain(&error));
                            looked.wake_unix = retry;
                            return looked;
                        }
                        None => {
                            tracing::warn!(
                                "no eIM configured: the rollback result stays on the eUICC"
                            );
                            self.supervisor.delivered(&mut journal)
                        }
                    }
                }
            };
            if let Err(error) = done {
                tracing::error!("supervision record: {}", chain(&error));
                looked.wake_unix = retry;
                return looked;
            }
            looked.poll_soon = true;
        }
        looked.wake_unix = Some(unix_now());
        looked
    }

    /// Carries out `switch` on the eUICC, with ModemManager stepped aside meanwhile.
    async fn switch(
        &self,
        euicc: &mut Euicc<Transport>,
        switch: Switch,
    ) -> Result<Answer, crate::euicc::EuiccError> {
        match &self.modemmanager {
            Some(inhibitor) => {
                inhibitor
                    .around("supervisor's profile switch", perform(euicc, switch))
                    .await
            }
            None => perform(euicc, switch).await,
        }
    }

    /// Records the eUICC's answer to `switch`.
    fn answered(
        &self,
        journal: &mut dyn SupervisionJournal,
        switch: Switch,
        answer: Answer,
        now: u64,
    ) -> Result<(), crate::agent::journal::JournalError> {
        match (switch, answer) {
            (
                Switch::RollBack,
                Answer::Switched {
                    package_result,
                    enabled,
                },
            ) => {
                tracing::warn!(enabled = ?enabled, "rolled back to the previous profile");
                self.supervisor.rolled_back(journal, package_result)
            }
            (Switch::RollBack, Answer::Refused { code }) => {
                tracing::warn!(code, "the eUICC refused the rollback; the supervision ends");
                self.supervisor.rollback_refused(journal)
            }
            (switch, Answer::Switched { enabled, .. }) => {
                tracing::warn!(?switch, enabled = ?enabled, "fallback switch done");
                self.supervisor
                    .fallback_answered(journal, switch, now, true)
            }
            (switch, Answer::Refused { code }) => {
                tracing::warn!(?switch, code, "the eUICC refused the fallback switch");
                self.supervisor
                    .fallback_answered(journal, switch, now, false)
            }
        }
    }
}

/// Seconds since the Unix epoch of `time` (0 before it).
fn unix_time(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
