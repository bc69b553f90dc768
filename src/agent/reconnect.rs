//! The wait for the network after an eUICC package enabled a profile (SGP.32 §3.3.1; the wait itself is our choice).
//! The switch makes the modem leave the network with the old profile (the REFRESH) and attach with the new
//! one; an ESipa message sent meanwhile only fails, and the result it carries waits for the next cycle's
//! back-off. So the poll cycle, before RetrieveNotificationsList and ProvideEimPackageResult, waits until
//! the connectivity observer shows the device online again.
//!
//! The eUICC answers LoadEuiccPackage before the modem has acted on the REFRESH, so the old registration
//! may still show for a moment: the wait first gives the modem `settle` to drop it, then waits for
//! "online" — registered, and with a data session if there was one before the switch (a modem whose
//! sessions the observer cannot see is judged on registration alone). It never waits longer than
//! `timeout`: a device with another uplink, or a new profile that never attaches, gets its result sent
//! anyway (the journal keeps it owed if that fails, and the rollback supervisor judges the switch).
//! Without an observer there is nothing to wait on, and the cycle goes on at once.

use euiccd_core::connectivity::observer::NetworkState;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, timeout};

/// How long to wait for the network after a profile switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReconnectPolicy {
    /// How long the modem may take to drop the old profile's registration.
    pub(crate) settle: Duration,
    /// The longest wait in all.
    pub(crate) timeout: Duration,
}

/// The wait, over the connectivity observer's state (none: no wait).
#[derive(Debug, Clone, Default)]
pub(crate) struct Reconnect {
    watched: Option<(watch::Receiver<NetworkState>, ReconnectPolicy)>,
}

/// What the device had before a switch: what "online again" means after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Baseline {
    attached: bool,
    data_session: bool,
}

impl Baseline {
    /// Whether `state` is online by this baseline's measure.
    fn online(self, state: &NetworkState) -> bool {
        state.is_attached() && (state.has_data_session() || !self.data_session)
    }
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reconnected {
    /// No observer: nothing was waited for.
    Unwatched,
    /// Online again after this long.
    Online(Duration),
    /// Still offline when the wait timed out (or the observer stopped) after this long.
    Offline(Duration),
}

impl Reconnect {
    /// Waits on `network` (the observer's state) under `policy`.
    pub(crate) fn watching(
        network: watch::Receiver<NetworkState>,
        policy: ReconnectPolicy,
    ) -> Self {
        Self {
            watched: Some((network, policy)),
        }
    }

    /// What the device has now; taken before the package is loaded.
    pub(crate) fn baseline(&self) -> Baseline {
        self.watched
            .as_ref()
            .map(|(network, _)| {
                let state = network.borrow();
                Baseline {
                    attached: state.is_attached(),
                    data_session: state.has_data_session(),
                }
            })
            .unwrap_or_default()
    }

    /// Waits after a profile switch until the device is online again by `before`'s measure; see the
    /// module documentation.
    pub(crate) async fn after_switch(&self, before: Baseline) -> Reconnected {
        let Some((network, policy)) = &self.watched else {
            return Reconnected::Unwatched;
        };
        let mut network = network.clone();
        let start = Instant::now();
        if before.online(&network.borrow_and_update()) {
            // Until the modem drops the old profile's registration, if it does within `settle`.
            let _ = timeout(policy.settle, network.wait_for(|s| !before.online(s))).await;
        }
        let left = policy.timeout.saturating_sub(start.elapsed());
        match timeout(left, network.wait_for(|s| before.online(s))).await {
            Ok(Ok(_)) => Reconnected::Online(start.elapsed()),
            Ok(Err(_)) | Err(_) => Reconnected::Offline(start.elapsed()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use euiccd_core::connectivity::observer::{Observer, ObserverConfig};
    use euiccd_core::network::Form;
    use std::time::SystemTime;

    const POLICY: ReconnectPolicy = ReconnectPolicy {
        settle: Duration::from_secs(10),
        timeout: Duration::from_secs(120),
    };

    /// The observer's state after the modem reported registration (`+CEREG`) and a data session.
    pub(crate) fn state(registered: bool, session: bool) -> NetworkState {
        let mut observer = Observer::new(ObserverConfig::default());
        let mut lines = vec![if registered { "+CEREG: 1" } else { "+CEREG: 2" }];
        if session {
            lines.push("+CGEV: ME PDN ACT 1");
        }
        for line in lines {
            observer
                .feed(line, Form::Urc, SystemTime::UNIX_EPOCH)
                .unwrap();
        }
        let state = observer.state().clone();
        assert_eq!(
            (state.is_attached(), state.has_data_session()),
            (registered, session)
        );
        state
    }

    /// Runs a wait from `initial` while `changes` (after, state) happen.
    async fn wait(
        initial: NetworkState,
        changes: Vec<(u64, NetworkState)>,
    ) -> (Reconnected, watch::Sender<NetworkState>) {
        let (sender, network) = watch::channel(initial);
        let reconnect = Reconnect::watching(network, POLICY);
        let before = reconnect.baseline();
        let driver = sender.clone();
        tokio::spawn(async move {
            for (after, state) in changes {
                tokio::time::sleep(Duration::from_secs(after)).await;
                driver.send_replace(state);
            }
        });
        (reconnect.after_switch(before).await, sender)
    }

    #[tokio::test(start_paused = true)]
    async fn without_an_observer_nothing_is_waited_for() {
        let reconnect = Reconnect::default();
        assert_eq!(reconnect.baseline(), Baseline::default());
        assert_eq!(
            reconnect.after_switch(Baseline::default()).await,
            Reconnected::Unwatched
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_wait_ends_when_the_new_profile_has_registration_and_data() {
        let changes = vec![
            (2, state(false, false)),
            (20, state(true, false)),
            (5, state(true, true)),
        ];
        let (outcome, _) = wait(state(true, true), changes).await;
        assert_eq!(outcome, Reconnected::Online(Duration::from_secs(27)));
    }

    #[tokio::test(start_paused = true)]
    async fn registration_is_enough_when_there_was_no_data_session_before() {
        let changes = vec![(1, state(false, false)), (4, state(true, false))];
        let (outcome, _) = wait(state(true, false), changes).await;
        assert_eq!(outcome, Reconnected::Online(Duration::from_secs(5)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_modem_that_never_drops_the_registration_is_online_after_the_settle_time() {
        let (outcome, _) = wait(state(true, true), Vec::new()).await;
        assert_eq!(outcome, Reconnected::Online(POLICY.settle));
    }

    #[tokio::test(start_paused = true)]
    async fn a_drop_reported_late_is_still_waited_out_within_the_settle_time() {
        let changes = vec![(9, state(false, false)), (30, state(true, true))];
        let (outcome, _) = wait(state(true, true), changes).await;
        assert_eq!(outcome, Reconnected::Online(Duration::from_secs(39)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_profile_that_never_attaches_ends_the_wait_at_the_timeout() {
        let changes = vec![(1, state(false, false))];
        let (outcome, _) = wait(state(true, true), changes).await;
        assert_eq!(outcome, Reconnected::Offline(POLICY.timeout));
    }

    #[tokio::test(start_paused = true)]
    async fn offline_before_the_switch_waits_for_the_first_registration() {
        let changes = vec![(15, state(true, false))];
        let (outcome, _) = wait(state(false, false), changes).await;
        assert_eq!(outcome, Reconnected::Online(Duration::from_secs(15)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_observer_ends_the_wait() {
        let (sender, network) = watch::channel(state(false, false));
        let reconnect = Reconnect::watching(network, POLICY);
        let before = reconnect.baseline();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            drop(sender);
        });
        assert_eq!(
            reconnect.after_switch(before).await,
            Reconnected::Offline(Duration::from_secs(3))
        );
    }
}
