//! `euiccd run`: the long-running IPA. One task (the main loop) owns the eUICC session: it polls the eIMs
//! on the [`Schedule`](crate::agent::schedule::Schedule), answers inspection requests from the control socket between polls, keeps systemd
//! informed (`READY=1`, `WATCHDOG=1` from the loop itself, `STATUS=`), reloads on SIGHUP and stops
//! cleanly on SIGTERM or SIGINT.
//!
//! - [`control`]: the local control socket and its protocol.
//! - `guard`: the rollback and fallback supervisors' actions and wake-ups.
//! - `heap`: the memory a poll freed, handed back to the kernel before the daemon sleeps.
//! - [`logging`]: tracing to stderr (journald, plain or JSON), level per module, reloadable.
//! - `main_loop`: the task that owns the eUICC (polls, control requests, watchdog, signals).
//! - `poller`: one poll cycle over the configured eIMs, journaled in the store.
//! - [`notify`]: systemd's notification protocol.
//! - [`status`]: what `euiccd status` shows.
//! - [`upstream`]: the connectivity observer, its events journaled and delivered upstream.

pub mod control;
mod guard;
mod heap;
pub(crate) mod logging;
mod main_loop;
pub(crate) mod notify;
mod poller;
pub(crate) mod status;
pub(crate) mod upstream;

use crate::agent::bootstrap::{BootstrapError, ensure_initial_eim};
use crate::apdu::{ApduError, IsdrSession, SessionConfig, Transport};
use crate::config::{Config, ConfigError};
use crate::euicc::{Euicc, EuiccError};
use crate::modem::Modem;
use crate::remote::events::EventRecord;
use crate::store::check::{Damage, Opened, open_checked};
use crate::store::{Retention, Store, StoreError};
use control::{ControlError, Request};
use euiccd_core::connectivity::event::rfc3339;
use logging::LogHandle;
use main_loop::{MainLoop, Parts, Signals};
use poller::Poller;
use serde_json::Value;
use status::Board;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Answers the inspection requests of the control socket ([`Request::Info`], [`Request::Profiles`]) with
/// the JSON document the matching CLI command prints. The CLI provides it, so that both print the same.
pub(crate) trait Inspector {
    /// Carries out `request` on `euicc`.
    fn inspect<'a>(
        &'a self,
        euicc: &'a mut Euicc<Transport>,
        request: Request,
    ) -> Pin<Box<dyn Future<Output = Result<Value, String>> + 'a>>;
}

/// Why the daemon could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DaemonError {
    /// The configuration could not be (re)read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The control socket could not be set up.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// The modem or the card channel failed.
    #[error("the modem or the card channel failed")]
    Apdu(#[from] ApduError),
    /// The eUICC failed at start-up.
    #[error(transparent)]
    Euicc(#[from] EuiccError),
    /// The initial eIM could not be associated.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// A TLS trust anchor could not be used.
    #[error(transparent)]
    Tls(#[from] crate::remote::tls::TlsError),
    /// An eIM has no TLS trust: none in the configuration, and none in the eUICC's configuration of it.
    #[error(
        "eim {0}: no trust_anchors, no system_ca, and the eUICC holds no TLS anchor for this eIM"
    )]
    NoEimTrust(String),
    /// A server address is invalid.
    #[error("a server address is invalid")]
    Address(#[source] crate::remote::https::HttpError),
    /// The configured IMEI is unusable.
    #[error("modem.imei is unusable")]
    Imei(#[source] crate::agent::download::DownloadError),
    /// A signal handler could not be installed.
    #[error("cannot install the signal handlers")]
    Signal(#[source] std::io::Error),
    /// Logging could not be reconfigured.
    #[error(transparent)]
    Log(#[from] logging::LogError),
    /// The connectivity observer or the event delivery could not be set up.
    #[error("upstream events: {0}")]
    Upstream(String),
}

/// Where the configuration came from (for SIGHUP) and what it said.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The configuration file.
    pub(crate) path: PathBuf,
    /// Its contents at start.
    pub(crate) config: Config,
}

/// Runs the daemon until SIGTERM or SIGINT. Must run inside a tokio runtime with I/O and timers.
///
/// Start-up, in order: the store, the control socket, the signal handlers, the modem and the eUICC (its
/// EID), AddInitialEim from `[initial_eim]` if the eUICC has no eIM, the eIM clients (trust from the
/// configuration or from the eUICC's eIM configuration), then the
/// reconciliation: the notifications left on the eUICC are delivered, and the first poll cycle finishes the
/// journal's unfinished packages (results owed, acknowledged notifications not yet removed) before it
/// polls (`agent::eim::poll_once`). Then `READY=1` and the main loop.
pub(crate) async fn run(
    settings: Settings,
    log: LogHandle,
    inspector: &dyn Inspector,
) -> Result<(), DaemonError> {
    let Settings { path, config } = settings;
    let (store, damage) = open_store(&config)?;
    let store = Arc::new(store);
    if let Err(error) = crate::clock::load(&config.daemon.state_dir) {
        tracing::warn!(%error, "the stored clock is unreadable; certificates are checked no earlier than the build time");
    }
    let board = Board::default();
    status::keep_clock(&config.daemon.state_dir, &board);
    board.update(|s| {
        s.version = env!("CARGO_PKG_VERSION").into();
        s.state = "starting".into();
        s.eims = config.eim.iter().map(|e| e.id.clone()).collect();
        s.store_damage = damage;
    });
    let (commands, inbox) = mpsc::channel(16);
    let _control = control::serve(
        &config.daemon.control_socket,
        board.clone(),
        commands.clone(),
        Some(store.clone()),
    )?;
    let signals = Signals::new()?;

    let modem = &config.modem;
    let (transport, at_port) = Transport::open(
        modem.transport,
        &modem.device,
        modem.baud,
        modem.proxy,
        modem.qmi_slot,
    )?;
    // A control device carries no AT dialogues: network observations and SMS take the AT port beside it.
    let engine = at_port.clone().or_else(|| {
        let at = modem.at_device.as_ref()?;
        Some(Modem::open_serial(at, modem.baud))
    });
    let session = SessionConfig {
        block_size: modem.block_size,
        ..SessionConfig::default()
    };
    let mut euicc = Euicc::new(IsdrSession::new(transport, session)?);
    if let Some(version) = modem.euicc_version.forced() {
        euicc = euicc.with_layout(version);
    }
    let eid = euicc.eid().await?;
    board.update(|s| s.eid = Some(eid.digits()));
    if let Some(initial) = &config.initial_eim {
        let outcome = ensure_initial_eim(&mut euicc, initial).await?;
        tracing::info!(?outcome, "initial eIM");
    }
    let on_card = if config.eim.is_empty() {
        Vec::new()
    } else {
        euicc.eim_configuration().await?
    };
    let link = at_port;
    let upstream = upstream::start(&config, store.clone(), engine, &eid, commands)?;
    // The supervisors and the poll cycle watch the observer's state (none when `connectivity.enabled` is
    // false).
    let network = upstream.connectivity.as_ref().map(|c| c.state());
    let mut poller = Poller::new(&config, &on_card, network.clone())?;
    poller.deliver_pending_notifications(&mut euicc).await;
    tracing::info!(eid = %eid.digits(), "euiccd running");
    let parts = Parts {
        path,
        config,
        log,
        store,
        board,
        poller,
        euicc,
        eid,
        network,
        modem: link,
    };
    MainLoop::start(parts, inspector)
        .await
        .run(inbox, signals)
        .await;
    Ok(())
}

/// Opens the store in `state_dir` through its check (`store::check`). A damaged store
/// is moved aside and replaced by a fresh one: the damage is logged with everything it held that is lost,
/// and journaled in the fresh store as a `store.corrupted` event for upstream. What the eUICC holds
/// (profiles, notifications, the eIM configuration, Package Results) start-up reads from it as always.
fn open_store(config: &Config) -> Result<(Store, Option<Damage>), DaemonError> {
    let Opened { store, damage } = open_checked(&config.daemon.state_dir)?;
    if let Some(damage) = &damage {
        tracing::error!(
            reason = %damage.reason,
            moved_to = %damage.moved_to.display(),
            "the store is damaged: moved aside, started a fresh one"
        );
        for item in &damage.lost {
            tracing::error!("lost with the damaged store: {item}");
        }
        let record = EventRecord {
            kind: upstream::STORE_CORRUPTED_TYPE.to_owned(),
            time: rfc3339(std::time::SystemTime::now()),
            subject: None,
            data: serde_json::to_value(damage).expect("a damage report always serializes"),
        };
        let body = serde_json::to_vec(&record).expect("an event record always serializes");
        store.write(|w| w.push_event(Retention::Keep, &body, config.events.max_pending))?;
    }
    Ok((store, damage))
}
