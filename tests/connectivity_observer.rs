//! The connectivity observer over a real PTY against the simulated modem, whose network the test changes
//! through `sim serve --network-control` (and `--network FILE`): registration, rejection with a cause,
//! operator, data session with the interface's byte counters.
#![cfg(feature = "sim")]

mod support;

use euiccd::agent::connectivity::{self, InterfaceCounters, ObserverSettings};
use euiccd::modem::Modem;
use euiccd_core::connectivity::event::{ConnectivityEvent, EventKind};
use euiccd_core::connectivity::observer::ObserverConfig;
use euiccd_core::network::{Rat, RejectCause};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{Scratch, SimServe, SimServer};
use tokio::sync::mpsc;

/// The longest wait for one event.
const EVENT_TIMEOUT: Duration = Duration::from_secs(20);
/// The simulated modem's identities.
const ICCID: &str = "89882280000012345678";
const IMSI: &str = "001010123456789";

fn settings(counters: Option<InterfaceCounters>) -> ObserverSettings {
    let mut allowed = BTreeMap::new();
    allowed.insert(ICCID.to_owned(), vec!["00101".to_owned()]);
    ObserverSettings {
        observer: ObserverConfig {
            update_interval: Some(Duration::from_millis(200)),
            allowed_networks: allowed,
        },
        poll_interval: Duration::from_millis(100),
        counters,
        eid: Some("89049044900000000000000000102355".into()),
        command_timeout: Duration::from_secs(5),
    }
}

async fn next(events: &mut mpsc::Receiver<ConnectivityEvent>) -> ConnectivityEvent {
    tokio::time::timeout(EVENT_TIMEOUT, events.recv())
        .await
        .expect("an event in time")
        .expect("the observer runs")
}

/// The next event of `kind`, skipping others (updates come on their own schedule).
async fn next_of(
    events: &mut mpsc::Receiver<ConnectivityEvent>,
    kind: EventKind,
) -> ConnectivityEvent {
    loop {
        let event = next(events).await;
        if event.kind == kind {
            return event;
        }
    }
}

fn write_counters(dir: &Scratch, rx: u64, tx: u64) {
    let stats = dir.path("net").join("wwan0").join("statistics");
    std::fs::create_dir_all(&stats).unwrap();
    std::fs::write(stats.join("rx_bytes"), format!("{rx}\n")).unwrap();
    std::fs::write(stats.join("tx_bytes"), format!("{tx}\n")).unwrap();
}

fn modem(server: &SimServer) -> Modem {
    Modem::open_serial(&server.link, 115_200)
}

#[tokio::test(flavor = "current_thread")]
async fn rejection_attach_and_data_session_over_the_pty() {
    let scratch = Scratch::new("conn-observer");
    let server = SimServe::in_dir(&scratch.0).network_control().start();
    write_counters(&scratch, 5_000, 1_000);
    let counters = InterfaceCounters::new(scratch.path("net"), "wwan0").unwrap();
    let (handle, mut events) = connectivity::spawn(modem(&server), settings(Some(counters)));

    // The simulated modem starts registered at home.
    let accepted = next(&mut events).await;
    assert_eq!(accepted.kind, EventKind::AttachAccepted);
    assert!(handle.state().borrow().is_attached());

    server.change_network(r#"{"registration":"denied","reject_cause":15}"#);
    let rejected = next(&mut events).await;
    let cause = Some(RejectCause {
        cause_type: 0,
        cause: 15,
    });
    assert_eq!(rejected.kind, EventKind::AttachRejected { cause });
    assert_eq!(rejected.identity.iccid.as_deref(), Some(ICCID));
    assert_eq!(rejected.network.lac_tac, Some(0x1A2B));

    server.change_network(r#"{"registration":"roaming","plmn":"26202","operator":"Vodafone.de","tac":4660,"cell":74565,"act":9}"#);
    let accepted = next_of(&mut events, EventKind::AttachAccepted).await;
    assert_eq!(accepted.network.lac_tac, Some(4660));
    assert_eq!(accepted.network.cell_id, Some(74565));
    assert_eq!(accepted.network.rat, Some(Rat::NbIot));

    server.change_network(r#"{"pdp":{"active":true,"apn":"iot.example","ip":"10.1.2.3"}}"#);
    let started = next_of(&mut events, EventKind::SessionStarted).await;
    assert_eq!(started.apn.as_deref(), Some("iot.example"));
    assert_eq!(started.ip, Some("10.1.2.3".parse().unwrap()));
    assert_eq!(started.network.mcc.as_deref(), Some("262"));
    assert_eq!(started.network.mnc.as_deref(), Some("02"));
    assert_eq!(started.network.operator.as_deref(), Some("Vodafone.de"));
    assert_eq!(started.network.country, Some("DE"));
    assert_eq!(started.identity.imsi.as_deref(), Some(IMSI));
    assert_eq!(started.allowed, Some(false), "26202 is not in the list");
    assert!(handle.state().borrow().has_data_session());

    write_counters(&scratch, 7_500, 1_400);
    let updated = loop {
        let updated = next_of(&mut events, EventKind::SessionUpdated).await;
        if updated.rx_bytes == Some(2_500) {
            break updated;
        }
    };
    assert_eq!(updated.tx_bytes, Some(400));

    server.change_network(r#"{"pdp":{"active":false}}"#);
    let ended = next_of(&mut events, EventKind::SessionEnded).await;
    assert_eq!((ended.rx_bytes, ended.tx_bytes), (Some(2_500), Some(400)));
    assert!(!handle.state().borrow().has_data_session());
}

#[tokio::test(flavor = "current_thread")]
async fn a_scenario_file_drives_the_network() {
    let scratch = Scratch::new("conn-scenario");
    std::fs::write(
        scratch.path("network.jsonl"),
        "# searching, then denied: illegal UE\n\
         {\"after_ms\":300,\"registration\":\"searching\"}\n\
         {\"after_ms\":300,\"registration\":\"denied\",\"reject_cause\":3}\n",
    )
    .unwrap();
    let scenario = scratch.path("network.jsonl");
    let server = SimServe::in_dir(&scratch.0)
        .args(&["--network", scenario.to_str().unwrap()])
        .start();
    let (handle, mut events) = connectivity::spawn(modem(&server), settings(None));
    // Depending on how fast the observer starts it sees the first step or not; the denial it sees.
    let mut seen = Vec::new();
    let cause = loop {
        match next(&mut events).await.kind {
            EventKind::AttachRejected { cause } => break cause,
            kind => seen.push(kind),
        }
    };
    assert_eq!(cause.map(|c| c.cause), Some(3));
    assert!(
        seen.is_empty() || seen == [EventKind::AttachAccepted, EventKind::AttachFailed],
        "{seen:?}"
    );
    assert!(handle.state().borrow().is_denied());
}
