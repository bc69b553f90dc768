//! The observer task: runs the [`Observer`] over the modem driver ([`Network`]). It switches on the reports
//! it needs, reads the whole picture once, then feeds every URC, answers the observer's queries, and every
//! poll interval samples signal, contexts and the interface counters.
//!
//! It publishes the [`NetworkState`] on a watch channel and each event on a bounded channel for the one
//! consumer that must see every event (the journal; a full channel slows the task down, nothing is dropped).

use super::counters::InterfaceCounters;
use crate::modem::network::{self, Network};
use crate::modem::{Modem, ModemError, Urc};
use euiccd_core::connectivity::event::{ConnectivityEvent, DeviceIdentity};
use euiccd_core::connectivity::observer::{NetworkState, Observer, ObserverConfig, Query};
use euiccd_core::network::{Domain, Report};
use std::time::{Duration, SystemTime};
use tokio::sync::{broadcast, mpsc, watch};
use tracing::{debug, warn};

/// Events waiting for the journal before the task waits.
const SINK_DEPTH: usize = 64;

/// How the observer task runs.
#[derive(Debug, Clone)]
pub struct ObserverSettings {
    /// What the state machine needs.
    pub observer: ObserverConfig,
    /// How often signal, contexts and counters are sampled (and updates become due).
    pub poll_interval: Duration,
    /// The modem's network interface, if its counters are to be read.
    pub counters: Option<InterfaceCounters>,
    /// The eUICC's EID (the modem does not know it).
    pub eid: Option<String>,
    /// How long one AT command may take.
    pub command_timeout: Duration,
}

/// The running observer: its state.
#[derive(Debug, Clone)]
pub struct ConnectivityHandle {
    state: watch::Receiver<NetworkState>,
}

impl ConnectivityHandle {
    /// The network state, updated after every input.
    pub fn state(&self) -> watch::Receiver<NetworkState> {
        self.state.clone()
    }
}

/// Starts the observer on `modem`. The receiver gets every event in order; the task stops when it is
/// dropped.
pub fn spawn(
    modem: Modem,
    settings: ObserverSettings,
) -> (ConnectivityHandle, mpsc::Receiver<ConnectivityEvent>) {
    let (sink, journal) = mpsc::channel(SINK_DEPTH);
    let (state_tx, state) = watch::channel(NetworkState::default());
    let task = Task {
        observer: Observer::new(settings.observer.clone()),
        network: Network::new(modem.clone(), settings.command_timeout),
        modem,
        settings,
        sink,
        state: state_tx,
    };
    tokio::spawn(task.run());
    (ConnectivityHandle { state }, journal)
}

struct Task {
    observer: Observer,
    network: Network,
    modem: Modem,
    settings: ObserverSettings,
    sink: mpsc::Sender<ConnectivityEvent>,
    state: watch::Sender<NetworkState>,
}

/// The journal receiver is gone: the task ends.
struct Stopped;

impl Task {
    async fn run(mut self) {
        // Subscribe before switching reports on, so no URC falls in between.
        let mut urcs = self.modem.subscribe();
        if self.resync().await.is_err() {
            return;
        }
        let mut ticker = tokio::time::interval(self.settings.poll_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let result = tokio::select! {
                () = self.sink.closed() => return,
                urc = urcs.recv() => match urc {
                    Ok(urc) if urc.is_restart() => self.resync().await,
                    Ok(urc) => self.feed(&urc).await,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        warn!(missed, "the connectivity observer missed URCs; reading the state again");
                        self.resync().await
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ticker.tick() => self.sample().await,
            };
            if result.is_err() {
                return;
            }
        }
    }

    /// Switches the reports on and reads everything (at start, after the modem restarted, after lost URCs).
    async fn resync(&mut self) -> Result<(), Stopped> {
        self.network.enable_reports().await;
        self.refresh_identity().await;
        let mut follow_ups = vec![Query::Operator];
        for domain in Domain::ALL {
            let answer = self.network.registration(domain).await;
            follow_ups.extend(self.take(answer).await?);
        }
        let answer = self.network.contexts().await;
        follow_ups.extend(self.take(answer).await?);
        self.run_queries(follow_ups).await?;
        self.sample().await
    }

    /// The periodic sample: signal, contexts (a missed `+CGEV` is caught here), counters, due updates.
    async fn sample(&mut self) -> Result<(), Stopped> {
        let answer = self.network.rssi().await;
        let mut follow_ups = self.take(answer).await?;
        let answer = self.network.signal().await;
        follow_ups.extend(self.take(answer).await?);
        let answer = self.network.contexts().await;
        follow_ups.extend(self.take(answer).await?);
        self.run_queries(follow_ups).await?;
        if let Some(counters) = &self.settings.counters {
            match counters.read() {
                Ok((rx, tx)) => self.observer.counters(rx, tx),
                Err(e) => debug!(error = %e, "no interface counters"),
            }
        }
        let events = self.observer.tick(SystemTime::now());
        self.publish(events).await
    }

    /// Feeds one URC and follows up on what the observer asks for.
    async fn feed(&mut self, urc: &Urc) -> Result<(), Stopped> {
        let report = match network::report(urc) {
            Ok(report) => report,
            Err(e) => {
                warn!(error = %e, "ignoring a malformed network line from the modem");
                return Ok(());
            }
        };
        let step = report
            .map(|report| self.observer.handle(report, SystemTime::now()))
            .unwrap_or_default();
        self.publish(step.events).await?;
        self.run_queries(step.queries).await
    }

    /// Answers the observer's queries (each once), then lets it report what still waited for them.
    async fn run_queries(&mut self, queries: Vec<Query>) -> Result<(), Stopped> {
        if queries.is_empty() {
            return Ok(());
        }
        let mut done = Vec::new();
        for query in queries {
            if done.contains(&query) {
                continue;
            }
            done.push(query);
            match query {
                Query::Operator => {
                    self.refresh_identity().await;
                    let reports = self.network.operator().await;
                    self.take(Ok(reports)).await?;
                }
                Query::ContextDetails(cid) => {
                    let answer = self.network.context_details(cid).await;
                    self.take(answer).await?;
                }
            }
        }
        let events = self.observer.queries_done(SystemTime::now());
        self.publish(events).await
    }

    /// Feeds the reports of a query's answer (a refused query changes nothing); returns the follow-up
    /// queries the answer calls for.
    async fn take(
        &mut self,
        answer: Result<Vec<Report>, ModemError>,
    ) -> Result<Vec<Query>, Stopped> {
        let reports = match answer {
            Ok(reports) => reports,
            Err(e) => {
                if !matches!(e, ModemError::Rejected { .. }) {
                    debug!(error = %e, "no answer");
                }
                return Ok(Vec::new());
            }
        };
        let mut follow_ups = Vec::new();
        for report in reports {
            let step = self.observer.handle(report, SystemTime::now());
            self.publish(step.events).await?;
            follow_ups.extend(step.queries);
        }
        Ok(follow_ups)
    }

    /// Reads IMEI, ICCID and IMSI (the profile may have changed since the last time).
    async fn refresh_identity(&mut self) {
        let identity = self.network.identity().await;
        self.observer.set_identity(DeviceIdentity {
            eid: self.settings.eid.clone(),
            imei: identity.imei,
            iccid: identity.iccid,
            imsi: identity.imsi,
        });
    }

    /// Hands events to the journal, and publishes the state.
    async fn publish(&mut self, events: Vec<ConnectivityEvent>) -> Result<(), Stopped> {
        for event in events {
            self.sink.send(event).await.map_err(|_| Stopped)?;
        }
        self.state.send_replace(self.observer.state().clone());
        Ok(())
    }
}
