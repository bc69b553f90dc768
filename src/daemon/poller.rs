//! One poll cycle over every configured eIM, with the clients built from the configuration, and the poll
//! state remembered in the store only when it changes.

use super::DaemonError;
use crate::agent::eim::{PILE_UP_BOUND, PollError, PollOutcome, poll_once, report_package_result};
use crate::agent::ipa_data::IpaOwnData;
use crate::agent::notify::deliver_notifications;
use crate::agent::reconnect::Reconnect;
use crate::agent::schedule::Outcome;
use crate::agent::supervisor::{SupervisedJournal, Supervisor};
use crate::apdu::Transport;
use crate::config::{Config, EimConfig, ModemConfig, SmdpConfig};
pub(crate) use crate::error_chain::chain;
use crate::euicc::EimConfig as CardEim;
use crate::euicc::Euicc;
use crate::remote::es9p::Es9Client;
use crate::remote::esipa::EsipaClient;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::{SYSTEM_CA_BUNDLE, TlsError, client_config, eim_client_config};
use crate::store::{EimJournal, PollState, Store, StoreSupervision};
use euicc_asn1::Eid;
use euiccd_core::connectivity::observer::NetworkState;
use rustls::ClientConfig;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// One eIM and its client.
struct EimLink {
    id: String,
    esipa: EsipaClient,
    own: IpaOwnData,
    /// Delivered entries the last executed package's delivery left on the eUICC.
    kept: usize,
}

/// What one cycle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CycleReport {
    /// For the scheduler: executed if any eIM had a package, failed if any failed, else no package.
    pub(crate) outcome: Outcome,
    /// One line per eIM: `eim-1: no package`.
    pub(crate) summary: String,
    /// One line per eIM whose last delivery left more than [`PILE_UP_BOUND`] delivered results and
    /// notifications on the eUICC.
    pub(crate) piled_up: Vec<String>,
}

/// The eIM clients and what a download trigger needs.
pub(crate) struct Poller {
    links: Vec<EimLink>,
    smdp: SmdpConfig,
    /// The connectivity observer's state: the wait after a profile switch, and the rPLMN of a state change.
    network: Option<watch::Receiver<NetworkState>>,
}

impl Poller {
    /// Clients for the eIMs of `config` (TLS anchors are read now, so that a bad file stops the start);
    /// `on_card` is the eUICC's eIM configuration, the trust of an eIM the file gives no anchor for;
    /// `network` the connectivity observer's state, if it runs.
    pub(crate) fn new(
        config: &Config,
        on_card: &[CardEim],
        network: Option<watch::Receiver<NetworkState>>,
    ) -> Result<Self, DaemonError> {
        let reconnect = match &network {
            Some(network) => {
                Reconnect::watching(network.clone(), config.connectivity.reconnect_policy())
            }
            None => Reconnect::default(),
        };
        let links = config
            .eim
            .iter()
            .map(|eim| link(eim, on_card, &config.modem, &reconnect))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            links,
            smdp: config.smdp.clone(),
            network,
        })
    }

    /// Whether there is any eIM to poll.
    pub(crate) fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Polls each eIM once, in order, and remembers each one's poll state if it changed. A profile enabled
    /// with rollbackFlag starts `supervisor`'s watch; the state change the supervision owes the eIM goes
    /// with the first poll an eIM answers (with the registered PLMN the observer sees), and is then marked
    /// as told.
    pub(crate) async fn cycle(
        &mut self,
        euicc: &mut Euicc<Transport>,
        eid: Eid,
        store: &Store,
        supervisor: &Supervisor,
    ) -> CycleReport {
        let mut state_change = match supervisor.state_change(&StoreSupervision::new(store)) {
            Ok(change) => change,
            Err(error) => {
                tracing::error!("supervision record not read: {error}");
                None
            }
        };
        let owed = state_change.is_some();
        if let (Some(change), Some(network)) = (&mut state_change, &self.network) {
            change.r_plmn = network.borrow().registered_plmn();
        }
        let smdp = &self.smdp;
        let mut es9_for = |address: &str| match es9_client(smdp, address) {
            Ok(client) => Some(client),
            Err(error) => {
                tracing::warn!(address, "SM-DP+ not reachable: {}", chain(&error));
                None
            }
        };
        let mut outcomes = Vec::new();
        let mut lines = Vec::new();
        for link in &mut self.links {
            let mut eim_journal = EimJournal::new(store, &link.id);
            let mut supervision = StoreSupervision::new(store);
            let mut journal = SupervisedJournal {
                inner: &mut eim_journal,
                supervisor,
                supervision: &mut supervision,
                clock: crate::agent::supervisor::unix_now,
            };
            let result = poll_once(
                euicc,
                &mut link.esipa,
                eid,
                &link.own,
                &mut es9_for,
                &mut journal,
                &mut state_change,
            )
            .await;
            let outcome = Outcome::from(&result);
            if let Ok(PollOutcome::Executed(removal)) = &result {
                link.kept = removal.kept.len();
            }
            let line = describe(&result);
            match &result {
                Err(_) => tracing::warn!(eim = %link.id, "poll failed: {line}"),
                Ok(_) => tracing::info!(eim = %link.id, "poll: {line}"),
            }
            if let Err(error) = remember(store, &link.id, outcome) {
                tracing::error!(eim = %link.id, "poll state not stored: {error}");
            }
            outcomes.push(outcome);
            lines.push(format!("{}: {line}", link.id));
        }
        if owed && state_change.is_none() {
            if let Err(error) = supervisor.state_change_sent(&mut StoreSupervision::new(store)) {
                tracing::error!("supervision record not written: {error}");
            }
        }
        let outcome = if outcomes.contains(&Outcome::Executed) {
            Outcome::Executed
        } else if outcomes.contains(&Outcome::Failed) {
            Outcome::Failed
        } else {
            Outcome::NoPackage
        };
        let piled_up = self
            .links
            .iter()
            .filter(|link| link.kept > PILE_UP_BOUND)
            .map(|link| {
                format!(
                    "{}: {} delivered results and notifications left on the eUICC (not acknowledged)",
                    link.id, link.kept
                )
            })
            .collect();
        CycleReport {
            outcome,
            summary: lines.join("; "),
            piled_up,
        }
    }
}

impl Poller {
    /// Delivers an eUICC Package Result no poll carried (a rollback's) to the eIM `eim_id` (the first eIM
    /// if that one is no longer configured); returns the acknowledged sequence numbers, or `None` when no
    /// eIM is configured at all.
    pub(crate) async fn report(
        &mut self,
        euicc: &mut Euicc<Transport>,
        eid: Eid,
        eim_id: &str,
        epr: &[u8],
    ) -> Option<Result<Vec<i64>, PollError>> {
        let index = self.links.iter().position(|l| l.id == eim_id).unwrap_or(0);
        let link = self.links.get_mut(index)?;
        Some(report_package_result(euicc, &mut link.esipa, eid, epr).await)
    }

    /// Delivers the notifications pending on the eUICC (left by a local change, or by a cycle cut short)
    /// to the first eIM, each removed only after the eIM took it. Run at start-up: an idle poll does not
    /// need the RetrieveNotificationsList it costs.
    pub(crate) async fn deliver_pending_notifications(&mut self, euicc: &mut Euicc<Transport>) {
        let Some(link) = self.links.first_mut() else {
            return;
        };
        match deliver_notifications(euicc, &mut link.esipa).await {
            Ok(delivery) if delivery.delivered.is_empty() && delivery.failed.is_empty() => {}
            Ok(delivery) => tracing::info!(
                eim = %link.id,
                delivered = ?delivery.delivered,
                failed = ?delivery.failed,
                "pending notifications"
            ),
            Err(error) => {
                tracing::warn!(eim = %link.id, "notifications not delivered: {}", chain(&error))
            }
        }
    }
}

/// The ESipa client and own data of one configured eIM. One TLS configuration (and so one session cache)
/// serves the eIM for the daemon's life, so that later polls resume the TLS session.
fn link(
    eim: &EimConfig,
    on_card: &[CardEim],
    modem: &ModemConfig,
    reconnect: &Reconnect,
) -> Result<EimLink, DaemonError> {
    let tls = if eim.trust_anchors.is_empty() && !eim.system_ca {
        let anchor = on_card
            .iter()
            .find(|c| c.eim_id == eim.id)
            .and_then(|c| c.tls_anchor.as_ref())
            .ok_or_else(|| DaemonError::NoEimTrust(eim.id.clone()))?;
        eim_client_config(Some(anchor), &[])?
    } else {
        tls_config(&eim.trust_anchors, eim.system_ca)?
    };
    let http = https_client(
        tls,
        eim.connect.clone(),
        eim.timeout_secs,
        eim.idle_timeout_secs,
    );
    let server = Server::parse(&eim.address).map_err(DaemonError::Address)?;
    Ok(EimLink {
        id: eim.id.clone(),
        esipa: EsipaClient::new(http, server)
            .with_admin_protocol(&eim.admin_protocol)
            .with_binding(eim.binding.into())
            .with_layout(eim.version.forced())
            .with_unacknowledged(eim.unacknowledged),
        own: IpaOwnData::new(&eim.id, modem.imei.clone())
            .map_err(DaemonError::Imei)?
            .with_download_route(eim.download_route)
            .with_reconnect(reconnect.clone())
            .with_modemmanager(modem.modemmanager()),
        kept: 0,
    })
}

/// The ES9+ client of the SM-DP+ at `address` (a download trigger names it).
fn es9_client(smdp: &SmdpConfig, address: &str) -> Result<Es9Client, DaemonError> {
    let tls = tls_config(&smdp.trust_anchors, smdp.system_ca)?;
    let http = https_client(
        tls,
        smdp.connect.clone(),
        smdp.timeout_secs,
        smdp.idle_timeout_secs,
    );
    Ok(Es9Client::new(
        http,
        Server::parse(address).map_err(DaemonError::Address)?,
    ))
}

/// A TLS configuration trusting `anchors` (and the system bundle with `system_ca`).
pub(super) fn tls_config(
    anchors: &[PathBuf],
    system_ca: bool,
) -> Result<Arc<ClientConfig>, TlsError> {
    let mut files = anchors.to_vec();
    if system_ca {
        files.push(PathBuf::from(SYSTEM_CA_BUNDLE));
    }
    client_config(&files)
}

/// An HTTPS client over `tls`.
pub(super) fn https_client(
    tls: Arc<ClientConfig>,
    connect_override: Option<String>,
    timeout_secs: u64,
    idle_timeout_secs: u64,
) -> HttpsClient {
    HttpsClient::new(
        tls,
        HttpOptions {
            timeout: Duration::from_secs(timeout_secs),
            idle_timeout: Duration::from_secs(idle_timeout_secs),
            connect_override,
            ..HttpOptions::default()
        },
    )
}

/// Updates the stored poll state of `eim` after a poll; an idle poll that follows an idle poll writes
/// nothing.
fn remember(store: &Store, eim: &str, outcome: Outcome) -> Result<(), crate::store::StoreError> {
    let old = store.poll_state(eim)?.unwrap_or_default();
    let new = match outcome {
        Outcome::NoPackage => PollState { failures: 0, ..old },
        Outcome::Failed => PollState {
            failures: old.failures.saturating_add(1),
            ..old
        },
        Outcome::Executed => PollState {
            failures: 0,
            last_package_unix: Some(unix_now()),
        },
    };
    store.record_poll(eim, &new)?;
    Ok(())
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A poll's result in a few words.
fn describe(result: &Result<PollOutcome, PollError>) -> String {
    match result {
        Ok(PollOutcome::NoPackage) => "no package".into(),
        Ok(PollOutcome::EimRefused { code }) => format!("the eIM answered error {code}"),
        Ok(PollOutcome::Executed(removal)) => format!(
            "package executed, {} removed from the eUICC, {} left there",
            removal.removed.len(),
            removal.kept.len()
        ),
        Ok(PollOutcome::Rejected { code }) => format!("package rejected with error {code}"),
        Err(error) => chain(error),
    }
}
