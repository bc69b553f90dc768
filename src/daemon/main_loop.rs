//! The daemon's main loop: the one task that owns the eUICC session. It sleeps until the next poll, a
//! control request, a watchdog tick or a signal, and handles one at a time, so that no two ES10 commands
//! ever interleave.
//!
//! `WATCHDOG=1` goes out from this loop's own tick ([`Pulse`]), so it proves that the loop comes round. A card
//! operation it runs inline (an `info` or `profiles` request, the status refresh, closing the channel) is
//! cut off at [`card_deadline`], below the watchdog interval, and a modem that let it run out gets its link
//! restarted ([`Modem::restart_link`]) rather than the process killed. Missed ticks are not made up in a
//! burst.

use super::control::{Command, Reply};
use super::guard::Guard;
use super::logging::LogHandle;
use super::notify::Notifier;
use super::poller::{Poller, chain, unix_now};
use super::status::{Board, OutboxSizes};
use super::{DaemonError, Inspector};
use crate::agent::schedule::{JitterSource, Outcome, Schedule};
use crate::apdu::Transport;
use crate::config::{self, Config};
use crate::euicc::Euicc;
use crate::modem::Modem;
use crate::store::{Outbox, Store};
use euicc_asn1::Eid;
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// What start-up hands to the main loop.
pub(crate) struct Parts {
    /// The configuration file (re-read on SIGHUP).
    pub(crate) path: PathBuf,
    /// The running configuration.
    pub(crate) config: Config,
    /// The log level switch.
    pub(crate) log: LogHandle,
    /// The store (shared with the event journal and delivery).
    pub(crate) store: Arc<Store>,
    /// The status the control socket serves.
    pub(crate) board: Board,
    /// The eIM clients.
    pub(crate) poller: Poller,
    /// The eUICC.
    pub(crate) euicc: Euicc<Transport>,
    /// Its EID.
    pub(crate) eid: Eid,
    /// The connectivity observer's state (taken by the supervisors).
    pub(crate) network:
        Option<tokio::sync::watch::Receiver<euiccd_core::connectivity::observer::NetworkState>>,
    /// The AT engine under the eUICC's transport, to restart its link when the modem stops answering (none
    /// over QMI or MBIM, whose transports reconnect by themselves).
    pub(crate) modem: Option<Modem>,
}

/// The main loop's state. See the module documentation.
pub(crate) struct MainLoop<'a> {
    parts: Parts,
    inspector: &'a dyn Inspector,
    notifier: Notifier,
    /// None: no eIM configured.
    schedule: Option<Schedule<SystemJitter>>,
    /// The schedule's clock origin.
    start: Instant,
    pulse: Pulse,
    /// `poll-now` requests waiting for the next cycle's outcome.
    waiting: Vec<oneshot::Sender<Reply>>,
    /// The rollback and fallback supervisors.
    guard: Guard,
    /// When they want to look again.
    guard_wake: Option<Instant>,
}

impl<'a> MainLoop<'a> {
    /// Reads the card's status, closes the channel, sends `READY=1`.
    pub(crate) async fn start(mut parts: Parts, inspector: &'a dyn Inspector) -> Self {
        let notifier = Notifier::from_env();
        let mut pulse = Pulse::new(notifier.watchdog_interval());
        let Parts {
            euicc,
            board,
            store,
            modem,
            ..
        } = &mut parts;
        let refresh = refresh_card_status(euicc, board, store);
        pulse
            .card(&notifier, modem, "status refresh", refresh)
            .await;
        pulse
            .card(&notifier, modem, "channel close", close(euicc))
            .await;
        let start = Instant::now();
        let schedule = (!parts.poller.is_empty()).then(|| {
            Schedule::new(
                parts.config.poll.schedule(),
                SystemJitter::new(),
                Duration::ZERO,
            )
        });
        if schedule.is_none() {
            tracing::warn!("no [[eim]] configured: serving the control socket only");
        }
        let guard = Guard::new(
            parts.config.supervision(),
            parts.network.take(),
            parts.config.modem.modemmanager(),
        );
        let mut main = Self {
            parts,
            inspector,
            schedule,
            start,
            pulse,
            waiting: Vec::new(),
            notifier,
            guard,
            guard_wake: None,
        };
        // Resumes a supervision a restart interrupted, with its stored deadline.
        main.supervise().await;
        main.idle();
        main.notifier.ready(&main.parts.board.snapshot().line());
        main
    }

    /// Serves until SIGTERM or SIGINT, then says so to systemd and closes the channel.
    pub(crate) async fn run(mut self, mut inbox: mpsc::Receiver<Command>, mut signals: Signals) {
        loop {
            let due = self.next_poll();
            tokio::select! {
                () = sleep_until(due) => self.poll_cycle().await,
                () = sleep_until(self.guard_wake) => {
                    self.supervise().await;
                    self.idle();
                }
                () = self.guard.network_changed() => self.supervise().await,
                Some(command) = inbox.recv() => self.command(command).await,
                () = self.pulse.tick(), if self.pulse.pinging => self.notifier.watchdog(),
                signal = signals.next() => match signal {
                    SignalAction::Reload => self.reload(),
                    SignalAction::Terminate(name) => {
                        tracing::info!("{name}: stopping");
                        break;
                    }
                },
            }
        }
        self.notifier.stopping();
        self.parts.board.update(|s| s.state = "stopping".into());
        for waiter in self.waiting.drain(..) {
            let _ = waiter.send(Reply::Error("the daemon is stopping".into()));
        }
        close(&mut self.parts.euicc).await;
    }

    /// When the next poll is due (none: never).
    fn next_poll(&self) -> Option<Instant> {
        self.schedule.as_ref().map(|s| self.start + s.next_poll())
    }

    /// Shows the daemon idle, with its next poll, in the status and to systemd, and gives what the work
    /// before freed back to the kernel.
    fn idle(&self) {
        let board = &self.parts.board;
        board.update(|s| s.state = "idle".into());
        board.set_next_poll(self.next_poll());
        self.notifier.status(&board.snapshot().line());
        super::heap::release_free_memory();
    }

    /// One poll cycle over every eIM, bounded by `cycle_timeout_secs`, with watchdog pings meanwhile;
    /// answers the waiting `poll-now` requests with its outcome.
    async fn poll_cycle(&mut self) {
        self.parts.board.update(|s| s.state = "polling".into());
        self.notifier.status("polling");
        let Parts {
            config,
            store,
            poller,
            euicc,
            eid,
            ..
        } = &mut self.parts;
        let limit = Duration::from_secs(config.poll.cycle_timeout_secs);
        let supervisor = self.guard.supervisor();
        let cycle = tokio::time::timeout(limit, poller.cycle(euicc, *eid, store, supervisor));
        let report = self.pulse.alive_while(&self.notifier, cycle).await;
        let (outcome, summary, piled_up) = match report {
            Ok(report) => (report.outcome, report.summary, Some(report.piled_up)),
            Err(_) => {
                restart_link(&self.parts.modem);
                (
                    Outcome::Failed,
                    format!("poll cycle abandoned after {limit:?}"),
                    None,
                )
            }
        };
        self.guard.eim_exchange(outcome != Outcome::Failed);
        let Parts {
            euicc,
            board,
            store,
            modem,
            ..
        } = &mut self.parts;
        let (pulse, notifier) = (&mut self.pulse, &self.notifier);
        let refresh = refresh_card_status(euicc, board, store);
        pulse.card(notifier, modem, "status refresh", refresh).await;
        pulse
            .card(notifier, modem, "channel close", close(euicc))
            .await;
        if let Some(schedule) = self.schedule.as_mut() {
            schedule.record(outcome, self.start.elapsed());
        }
        self.supervise().await;
        let board = &self.parts.board;
        let store = &self.parts.store;
        super::status::keep_clock(&self.parts.config.daemon.state_dir, board);
        board.update(|s| {
            s.polls += 1;
            s.last_poll_unix = Some(unix_now());
            s.last_outcome = Some(summary.clone());
            s.store_commits = store.commits();
            if let Some(piled_up) = piled_up {
                s.piled_up = piled_up;
            }
        });
        self.idle();
        let reply = match outcome {
            Outcome::Failed => Reply::Error(summary),
            _ => Reply::Ok(Value::String(summary)),
        };
        for waiter in self.waiting.drain(..) {
            let _ = waiter.send(reply.clone());
        }
    }

    /// Lets the supervisors look and act; a profile switch or an owed report makes the next poll due now.
    async fn supervise(&mut self) {
        let Parts {
            store,
            poller,
            euicc,
            eid,
            board,
            modem,
            ..
        } = &mut self.parts;
        let (pulse, notifier) = (&mut self.pulse, &self.notifier);
        let looked = self.guard.look(euicc, poller, *eid, store).await;
        self.guard_wake = looked.wake_unix.map(instant_at);
        if looked.poll_soon {
            let refresh = refresh_card_status(euicc, board, store);
            pulse.card(notifier, modem, "status refresh", refresh).await;
            if let Some(schedule) = self.schedule.as_mut() {
                schedule.poll_now(self.start.elapsed());
            }
        }
        if looked.acted {
            pulse
                .card(notifier, modem, "channel close", close(euicc))
                .await;
        }
    }

    /// A request from the control socket.
    async fn command(&mut self, command: Command) {
        match command {
            Command::PollNow(reply) => match self.schedule.as_mut() {
                Some(schedule) => {
                    schedule.poll_now(self.start.elapsed());
                    self.waiting.push(reply);
                }
                None => {
                    let _ = reply.send(Reply::Error("no eIM configured".into()));
                }
            },
            Command::Inspect(request, reply) => {
                let Parts { euicc, modem, .. } = &mut self.parts;
                let (pulse, notifier) = (&mut self.pulse, &self.notifier);
                let deadline = pulse.card_deadline;
                let inspect = self.inspector.inspect(euicc, request);
                let answer = match pulse.card(notifier, modem, "inspection", inspect).await {
                    Some(Ok(value)) => Reply::Ok(value),
                    Some(Err(message)) => Reply::Error(message),
                    None => Reply::Error(format!(
                        "the modem did not answer within {deadline:?}; its link is being restarted"
                    )),
                };
                let _ = reply.send(answer);
                pulse
                    .card(notifier, modem, "channel close", close(euicc))
                    .await;
            }
        }
    }

    /// SIGHUP: re-reads the configuration; a new poll policy applies from now on (the next poll comes no
    /// later than one new interval from now).
    fn reload(&mut self) {
        self.parts.board.update(|s| s.state = "reloading".into());
        match reload(&self.parts.path, &mut self.parts.config, &self.parts.log) {
            Ok(true) => {
                if let Some(old) = &self.schedule {
                    let policy = self.parts.config.poll.schedule();
                    let next = old.next_poll().min(self.start.elapsed() + policy.interval);
                    self.schedule = Some(Schedule::new(policy, SystemJitter::new(), next));
                }
            }
            Ok(false) => {}
            Err(error) => tracing::error!(
                "reload refused, keeping the running configuration: {}",
                chain(&error)
            ),
        }
        self.idle();
    }
}

/// The monotonic instant at which the wall clock reads `unix` seconds (now, if it is past).
fn instant_at(unix: u64) -> Instant {
    let at = std::time::UNIX_EPOCH + Duration::from_secs(unix);
    let wait = at
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    Instant::now() + wait
}

/// Sleeps until `at`, or forever.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The longest a card operation run inline by the main loop may take.
const MAX_CARD_DEADLINE: Duration = Duration::from_secs(30);
/// The shortest: a handful of APDUs over a slow link fit in it, whatever the watchdog.
const MIN_CARD_DEADLINE: Duration = Duration::from_secs(2);

/// The deadline of a card operation run inline: half the watchdog's ping interval (a quarter of
/// `WatchdogSec`), kept between [`MIN_CARD_DEADLINE`] and [`MAX_CARD_DEADLINE`].
fn card_deadline(watchdog_interval: Option<Duration>) -> Duration {
    watchdog_interval.map_or(MAX_CARD_DEADLINE, |interval| {
        (interval / 2).clamp(MIN_CARD_DEADLINE, MAX_CARD_DEADLINE)
    })
}

/// The main loop's heartbeat: the watchdog tick, and what keeps a piece of work from outliving it.
struct Pulse {
    ticks: Interval,
    /// systemd asked for `WATCHDOG=1`.
    pinging: bool,
    /// The longest a card operation run inline may hold the loop.
    card_deadline: Duration,
}

impl Pulse {
    fn new(watchdog_interval: Option<Duration>) -> Self {
        let mut ticks =
            tokio::time::interval(watchdog_interval.unwrap_or(Duration::from_secs(3600)));
        // A late tick is sent once, not followed by the ones missed meanwhile.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            ticks,
            pinging: watchdog_interval.is_some(),
            card_deadline: card_deadline(watchdog_interval),
        }
    }

    async fn tick(&mut self) {
        self.ticks.tick().await;
    }

    /// Drives `work` to its end while sending `WATCHDOG=1` on every tick: `work` is bounded (the poll cycle
    /// by `cycle_timeout_secs`, card operations by [`Pulse::card`]), so a tick here is the loop's own. A hang
    /// that blocks the runtime stops the ticks, and systemd restarts us.
    async fn alive_while<F: Future>(&mut self, notifier: &Notifier, work: F) -> F::Output {
        tokio::pin!(work);
        loop {
            tokio::select! {
                output = &mut work => return output,
                () = self.tick(), if self.pinging => notifier.watchdog(),
            }
        }
    }

    /// Runs the card operation `work` for at most the card deadline; past it, gives it up and restarts the
    /// modem's link (`None`). The eUICC session finds its channel gone on its next command and opens a new
    /// one.
    async fn card<F: Future>(
        &mut self,
        notifier: &Notifier,
        modem: &Option<Modem>,
        what: &str,
        work: F,
    ) -> Option<F::Output> {
        let deadline = self.card_deadline;
        match self
            .alive_while(notifier, tokio::time::timeout(deadline, work))
            .await
        {
            Ok(output) => Some(output),
            Err(_) => {
                tracing::error!(
                    "{what}: the modem did not answer within {deadline:?}; restarting the modem link"
                );
                restart_link(modem);
                None
            }
        }
    }
}

/// Restarts the AT engine's link under the eUICC's transport, if the transport has one.
fn restart_link(modem: &Option<Modem>) {
    if let Some(modem) = modem {
        modem.restart_link();
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
    let enabled = match euicc.enabled_profile().await {
        Ok(iccid) => iccid.map(|iccid| iccid.digits()),
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
struct SystemJitter(&'static dyn rustls::crypto::SecureRandom);

impl SystemJitter {
    fn new() -> Self {
        Self(&crate::remote::tls::SystemRandom)
    }
}

impl JitterSource for SystemJitter {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0; 4];
        // getrandom does not fail on Linux after boot; a failure only costs the jitter.
        let _ = self.0.fill(&mut bytes);
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
pub(crate) struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    /// Installs the handlers (SIGTERM, SIGINT, SIGHUP).
    pub(crate) fn new() -> Result<Self, DaemonError> {
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
