//! `euiccd run`: the long-running IPA. One task (the main loop) owns the eUICC session: it polls the eIMs
//! on the [`Schedule`], answers inspection requests from the control socket between polls, keeps systemd
//! informed (`READY=1`, `WATCHDOG=1` from the loop itself, `STATUS=`), reloads on SIGHUP and stops
//! cleanly on SIGTERM or SIGINT.
//!
//! - [`control`]: the local control socket and its protocol.
//! - [`logging`]: tracing to stderr (journald, plain or JSON), level per module, reloadable.
//! - [`notify`]: systemd's notification protocol.
//! - [`status`]: what `euiccd status` shows.

pub mod control;
pub mod logging;
pub mod notify;
mod poller;
pub mod status;

use crate::agent::bootstrap::{BootstrapError, ensure_initial_eim};
use crate::agent::schedule::{JitterSource, Outcome, Schedule};
use crate::apdu::{ApduError, IsdrSession, SessionConfig, Transport};
use crate::config::{self, Config, ConfigError};
use crate::euicc::{Euicc, EuiccError};
use crate::modem::Modem;
use crate::store::{Outbox, Store, StoreError};
use control::{Command, ControlError, Reply, Request};
use logging::LogHandle;
use notify::Notifier;
use poller::{Poller, chain, unix_now};
use serde_json::Value;
use status::{Board, OutboxSizes};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Answers the inspection requests of the control socket ([`Request::Info`], [`Request::Profiles`]) with
/// the JSON document the matching CLI command prints. The CLI provides it, so that both print the same.
pub trait Inspector {
    /// Carries out `request` on `euicc`.
    fn inspect<'a>(
        &'a self,
        euicc: &'a mut Euicc<Transport>,
        request: Request,
    ) -> Pin<Box<dyn Future<Output = Result<Value, String>> + 'a>>;
}

/// Why the daemon could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
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
    #[error("modem: {0}")]
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
    /// A server address is invalid.
    #[error("server address: {0}")]
    Address(#[source] crate::remote::https::HttpError),
    /// The configured IMEI is unusable.
    #[error("modem.imei: {0}")]
    Imei(#[source] crate::agent::download::DownloadError),
    /// A signal handler could not be installed.
    #[error("signals: {0}")]
    Signal(#[source] std::io::Error),
    /// Logging could not be reconfigured.
    #[error(transparent)]
    Log(#[from] logging::LogError),
}

/// Where the configuration came from (for SIGHUP) and what it said.
#[derive(Debug)]
pub struct Settings {
    /// The configuration file.
    pub path: PathBuf,
    /// Its contents at start.
    pub config: Config,
}

/// Runs the daemon until SIGTERM or SIGINT. Must run inside a tokio runtime with I/O and timers.
pub async fn run(
    settings: Settings,
    log: LogHandle,
    inspector: &dyn Inspector,
) -> Result<(), DaemonError> {
    let Settings { path, mut config } = settings;
    let notifier = Notifier::from_env();
    let store = Store::open(&config.daemon.state_dir)?;
    let board = Board::default();
    board.update(|s| {
        s.version = env!("CARGO_PKG_VERSION").into();
        s.state = "starting".into();
        s.eims = config.eim.iter().map(|e| e.id.clone()).collect();
    });
    let (commands, mut inbox) = mpsc::channel(16);
    let _control = control::serve(&config.daemon.control_socket, board.clone(), commands)?;
    let mut signals = Signals::new()?;
    let mut poller = Poller::new(&config)?;

    let modem = &config.modem;
    let transport = Transport::over_modem(
        modem.transport,
        Modem::open_serial(&modem.device, modem.baud),
    )?;
    let session = SessionConfig {
        block_size: modem.block_size,
        ..SessionConfig::default()
    };
    let mut euicc = Euicc::new(IsdrSession::new(transport, session)?);
    let eid = euicc.eid().await?;
    board.update(|s| s.eid = Some(eid.digits()));
    if let Some(initial) = &config.initial_eim {
        let outcome = ensure_initial_eim(&mut euicc, initial).await?;
        tracing::info!(?outcome, "initial eIM");
    }
    // Start-up reconciliation: notifications left on the eUICC go now; the journal's unfinished packages
    // (results owed, acknowledged notifications not yet removed) are finished by the first poll cycle
    // before it polls (agent::eim::poll_once).
    poller.deliver_pending_notifications(&mut euicc).await;
    refresh_card_status(&mut euicc, &board, &store).await;
    close(&mut euicc).await;

    let start = Instant::now();
    let mut schedule = (!poller.is_empty())
        .then(|| Schedule::new(config.poll.schedule(), jitter_source(), start.elapsed()));
    if schedule.is_none() {
        tracing::warn!("no [[eim]] configured: serving the control socket only");
    }
    let mut watchdog = tokio::time::interval(
        notifier
            .watchdog_interval()
            .unwrap_or(Duration::from_secs(3600)),
    );
    let pinging = notifier.watchdog_interval().is_some();
    let mut waiting: Vec<oneshot::Sender<Reply>> = Vec::new();
    board.update(|s| s.state = "idle".into());
    board.set_next_poll(schedule.as_ref().map(|s| start + s.next_poll()));
    notifier.ready(&board.snapshot().line());
    tracing::info!(eid = %eid.digits(), "euiccd running");

    loop {
        let due = async {
            match &schedule {
                Some(s) => tokio::time::sleep_until(start + s.next_poll()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = due => {
                let Some(schedule) = schedule.as_mut() else { continue };
                board.update(|s| s.state = "polling".into());
                notifier.status("polling");
                let cycle = poller.cycle(&mut euicc, eid, &store);
                let limit = Duration::from_secs(config.poll.cycle_timeout_secs);
                let report = alive_while(&notifier, pinging, &mut watchdog, tokio::time::timeout(limit, cycle)).await;
                let (outcome, summary) = match report {
                    Ok(report) => (report.outcome, report.summary),
                    Err(_) => (Outcome::Failed, format!("poll cycle abandoned after {limit:?}")),
                };
                refresh_card_status(&mut euicc, &board, &store).await;
                close(&mut euicc).await;
                schedule.record(outcome, start.elapsed());
                board.update(|s| {
                    s.state = "idle".into();
                    s.polls += 1;
                    s.last_poll_unix = Some(unix_now());
                    s.last_outcome = Some(summary.clone());
                    s.store_commits = store.commits();
                });
                board.set_next_poll(Some(start + schedule.next_poll()));
                notifier.status(&board.snapshot().line());
                let reply = match outcome {
                    Outcome::Failed => Reply::Error(summary),
                    _ => Reply::Ok(Value::String(summary)),
                };
                for waiter in waiting.drain(..) {
                    let _ = waiter.send(reply.clone());
                }
            }
            Some(command) = inbox.recv() => match command {
                Command::PollNow(reply) => match schedule.as_mut() {
                    Some(schedule) => {
                        schedule.poll_now(start.elapsed());
                        waiting.push(reply);
                    }
                    None => {
                        let _ = reply.send(Reply::Error("no eIM configured".into()));
                    }
                },
                Command::Inspect(request, reply) => {
                    let answer = inspector.inspect(&mut euicc, request).await;
                    close(&mut euicc).await;
                    let _ = reply.send(match answer {
                        Ok(value) => Reply::Ok(value),
                        Err(message) => Reply::Error(message),
                    });
                }
            },
            _ = watchdog.tick(), if pinging => notifier.watchdog(),
            signal = signals.next() => match signal {
                SignalAction::Reload => {
                    board.update(|s| s.state = "reloading".into());
                    match reload(&path, &mut config, &log) {
                        Ok(poll_changed) => {
                            if let (true, Some(old)) = (poll_changed, schedule.as_ref()) {
                                let now = start.elapsed();
                                let interval = config.poll.schedule().interval;
                                let next = old.next_poll().min(now + interval);
                                schedule = Some(Schedule::new(config.poll.schedule(), jitter_source(), next));
                            }
                        }
                        Err(error) => tracing::error!("reload refused, keeping the running configuration: {}", chain(&error)),
                    }
                    board.update(|s| s.state = "idle".into());
                    board.set_next_poll(schedule.as_ref().map(|s| start + s.next_poll()));
                    notifier.status(&board.snapshot().line());
                }
                SignalAction::Terminate(name) => {
                    tracing::info!("{name}: stopping");
                    break;
                }
            },
        }
    }
    notifier.stopping();
    board.update(|s| s.state = "stopping".into());
    for waiter in waiting.drain(..) {
        let _ = waiter.send(Reply::Error("the daemon is stopping".into()));
    }
    close(&mut euicc).await;
    Ok(())
}

/// Drives `work` to its end while sending `WATCHDOG=1` on every tick: a long poll (a download) is
/// progress, not a hang. A hang that blocks the runtime stops the ticks, and systemd restarts us.
async fn alive_while<F: Future>(
    notifier: &Notifier,
    pinging: bool,
    watchdog: &mut tokio::time::Interval,
    work: F,
) -> F::Output {
    tokio::pin!(work);
    loop {
        tokio::select! {
            output = &mut work => return output,
            _ = watchdog.tick(), if pinging => notifier.watchdog(),
        }
    }
}

/// Re-reads the configuration and applies what can change at run time; returns whether the poll
/// schedule changed.
fn reload(
    path: &std::path::Path,
    config: &mut Config,
    log: &LogHandle,
) -> Result<bool, DaemonError> {
    let new = config::load(path, |name| std::env::var(name).ok())?;
    let changes = config.reload(&new);
    if changes.log_level {
        log.set_level(&new.log.level)?;
        config.log.level = new.log.level.clone();
    }
    if changes.poll {
        config.poll = new.poll;
    }
    if !changes.needs_restart.is_empty() {
        tracing::warn!(
            "changed settings that need a restart: {}",
            changes.needs_restart.join(", ")
        );
    }
    tracing::info!(
        poll = changes.poll,
        log_level = changes.log_level,
        "configuration reloaded"
    );
    Ok(changes.poll)
}

/// Reads the enabled profile, the notifications pending on the eUICC, the outbox sizes and the journal
/// into the status. Run at start-up and after each poll cycle (two ES10 commands).
async fn refresh_card_status(euicc: &mut Euicc<Transport>, board: &Board, store: &Store) {
    let enabled = match euicc.profiles(None).await {
        Ok(profiles) => profiles
            .iter()
            .find(|p| p.profile_state == Some(1))
            .and_then(|p| p.iccid)
            .map(|iccid| iccid.digits()),
        Err(error) => {
            tracing::warn!("profiles not read: {}", chain(&error));
            None
        }
    };
    let notifications = match euicc.list_notifications(None).await {
        Ok(list) => list.len() as u64,
        Err(error) => {
            tracing::warn!("notifications not listed: {}", chain(&error));
            0
        }
    };
    let size = |outbox| store.len(outbox).unwrap_or_default();
    let outboxes = OutboxSizes {
        results: size(Outbox::Results),
        notifications,
        events: size(Outbox::Events),
    };
    let journal = store.journal_len().unwrap_or_default();
    board.update(|s| {
        s.profile = enabled;
        s.outboxes = outboxes;
        s.journal = journal;
        s.store_commits = store.commits();
    });
}

/// Closes the logical channel between activities, so that an idle daemon holds nothing on the card.
async fn close(euicc: &mut Euicc<Transport>) {
    if let Err(error) = euicc.close().await {
        tracing::debug!("closing the channel: {}", chain(&error));
    }
}

/// Random numbers for the poll jitter, from ring's system generator (getrandom).
fn jitter_source() -> impl JitterSource {
    let random = rustls::crypto::ring::default_provider().secure_random;
    move || {
        let mut bytes = [0; 4];
        // getrandom does not fail on Linux after boot; a failure only costs the jitter.
        let _ = random.fill(&mut bytes);
        u32::from_le_bytes(bytes)
    }
}

/// What a signal asks for.
enum SignalAction {
    /// SIGHUP.
    Reload,
    /// SIGTERM or SIGINT (its name).
    Terminate(&'static str),
}

/// The signals the daemon handles.
struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    fn new() -> Result<Self, DaemonError> {
        let install = |kind| signal(kind).map_err(DaemonError::Signal);
        Ok(Self {
            term: install(SignalKind::terminate())?,
            int: install(SignalKind::interrupt())?,
            hup: install(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> SignalAction {
        tokio::select! {
            _ = self.term.recv() => SignalAction::Terminate("SIGTERM"),
            _ = self.int.recv() => SignalAction::Terminate("SIGINT"),
            _ = self.hup.recv() => SignalAction::Reload,
        }
    }
}
