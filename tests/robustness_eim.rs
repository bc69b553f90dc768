//! Robustness: an eIM that fails. The agent's poll cycle (`agent::eim::poll_once`, the ESipa client over
//! HTTPS with the eIM's TLS key pinned from the eUICC's configuration) against the simulated eIM's logic behind
//! a front that injects HTTP errors, stalls, truncated and oversized answers into one ESipa function. Every
//! fault must end in a typed error within the deadline, the eUICC unchanged by what was not carried out, and
//! nothing the eIM did not acknowledge removed from the eUICC.
#![cfg(feature = "sim")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use euicc_asn1::Eid;
use euicc_asn1::types::sgp22::NotificationSearchCriteria;
use euicc_asn1::types::sgp32::common::EnableParams;
use euicc_asn1::types::sgp32::v1_2::{EuiccPackage, Psmo};
use euiccd::agent::eim::{PollError, PollOutcome, poll_once};
use euiccd::agent::ipa_data::IpaOwnData;
use euiccd::agent::journal::MemoryJournal;
use euiccd::apdu::inprocess::InProcessChannel;
use euiccd::apdu::{IsdrSession, SessionConfig};
use euiccd::bench::world::{DISABLED_ICCID, EID, EIM_ID, ENABLED_ICCID, seed_card};
use euiccd::euicc::Euicc;
use euiccd::remote::es9p::Es9Client;
use euiccd::remote::esipa::{EsipaClient, EsipaError};
use euiccd::remote::https::{HttpError, HttpOptions, HttpsClient, Server};
use euiccd::remote::tls::eim_client_config;
use euiccd_sim::card::{IsdrApplet, ResponseMode, SimCard};
use euiccd_sim::crypto::pki::TestPki;
use euiccd_sim::eim::{Action, SimEim};
use euiccd_sim::euicc::SimEuicc;
use euiccd_sim::https_server::{self, ConnectionId, Listening, lock, read_body};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};

/// The client's deadline and body bound in these tests.
const TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BODY: usize = 16 * 1024;

/// An ESipa function, by the tag its request starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    GetEimPackage,
    ProvideEimPackageResult,
}

impl Function {
    fn of(request: &[u8]) -> Option<Self> {
        match request {
            [0xBF, 0x4F, ..] => Some(Self::GetEimPackage),
            [0xBF, 0x50, ..] => Some(Self::ProvideEimPackageResult),
            _ => None,
        }
    }
}

/// What the front does to one function's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Answer this HTTP status with no body.
    Status(u16),
    /// Answer only after this long.
    Stall(Duration),
    /// Announce more body than is sent, then close.
    Truncated,
    /// Answer a body larger than the client accepts.
    Oversized,
}

struct Front {
    eim: SimEim,
    fault: Option<(Function, Fault)>,
}

/// The simulated eIM behind a fault-injecting HTTPS front, and the agent's side.
struct Rig {
    _dir: tempfile::TempDir,
    eid: Eid,
    euicc: Euicc<InProcessChannel>,
    front: Arc<Mutex<Front>>,
    _listening: Listening,
    tls: Arc<rustls::ClientConfig>,
    address: String,
    host: String,
    /// What the agent owes the eIM, kept across polls as the daemon's store keeps it.
    journal: MemoryJournal,
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

async fn answer(front: Arc<Mutex<Front>>, body: Bytes) -> Response<Full<Bytes>> {
    let fault = {
        let front = lock(&front);
        front
            .fault
            .filter(|(function, _)| Function::of(&body) == Some(*function))
            .map(|(_, fault)| fault)
    };
    let mut response = Response::new(Full::new(Bytes::new()));
    match fault {
        Some(Fault::Status(status)) => {
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            return response;
        }
        Some(Fault::Stall(time)) => tokio::time::sleep(time).await,
        Some(Fault::Oversized) => {
            *response.body_mut() = Full::new(Bytes::from(vec![0xBF; MAX_BODY + 1]));
            return response;
        }
        Some(Fault::Truncated) | None => {}
    }
    // This front relays nothing: a relay request (indirect download) is answered empty.
    let answer = match lock(&front).eim.handle(ConnectionId(0), &body) {
        Ok(Action::Answer(answer)) => answer.unwrap_or_default(),
        Ok(Action::Relay(_)) | Err(_) => Vec::new(),
    };
    if fault == Some(Fault::Truncated) {
        // The head promises the whole answer; half of it arrives before the connection closes.
        let half = answer.len() / 2;
        response
            .headers_mut()
            .insert("content-length", answer.len().into());
        *response.body_mut() = Full::new(Bytes::from(answer[..half].to_vec()));
        return response;
    }
    *response.body_mut() = Full::new(Bytes::from(answer));
    response
}

impl Rig {
    async fn new() -> Self {
        let eid: Eid = EID.parse().unwrap();
        let pki = TestPki::generate(&eid).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("card.json");
        let token = seed_card(&state, &pki).await.unwrap();
        let sim = SimEuicc::load(&state, pki.euicc_identity()).unwrap();
        let card = SimCard::new(
            Box::new(sim) as Box<dyn IsdrApplet + Send>,
            ResponseMode::GetResponse,
        );
        let session =
            IsdrSession::new(InProcessChannel::new(card), SessionConfig::default()).unwrap();
        let mut euicc = Euicc::new(session);
        let mut eim = SimEim::new(EIM_ID, pki.eim_sign.key.clone());
        eim.associate(eid, token);
        let front = Arc::new(Mutex::new(Front { eim, fault: None }));
        let state = Arc::clone(&front);
        let listening = https_server::serve(
            "faulty eIM",
            &pki.eim_tls,
            "127.0.0.1:0".parse().unwrap(),
            move |request| {
                let front = Arc::clone(&state);
                async move {
                    match read_body(request.into_body(), 64 * 1024).await {
                        Some(body) => answer(front, body).await,
                        None => {
                            https_server::empty(StatusCode::PAYLOAD_TOO_LARGE, "gsma/rsp/v2.1.0")
                        }
                    }
                }
            },
        )
        .await
        .unwrap();
        // The trust and the address come from the eUICC's eIM configuration, as in the daemon.
        let config = euicc.eim_configuration().await.unwrap().remove(0);
        let tls = eim_client_config(config.tls_anchor.as_ref(), &[]).unwrap();
        Self {
            _dir: dir,
            eid,
            euicc,
            front,
            address: listening.local_addr().to_string(),
            _listening: listening,
            tls,
            host: config.fqdn.unwrap(),
            journal: MemoryJournal::default(),
        }
    }

    fn fail(&self, fault: Option<(Function, Fault)>) {
        lock(&self.front).fault = fault;
    }

    fn queue_enable(&self) {
        let enable = EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
            iccid: DISABLED_ICCID.parse().unwrap(),
            rollback_flag: None,
        })]);
        lock(&self.front).eim.queue_package(self.eid, enable, None);
    }

    /// One poll on a fresh connection; also returns how long it took.
    async fn poll(&mut self) -> (Result<PollOutcome, PollError>, Duration) {
        let http = HttpsClient::new(
            Arc::clone(&self.tls),
            HttpOptions {
                timeout: TIMEOUT,
                max_body: MAX_BODY,
                connect_override: Some(self.address.clone()),
                ..HttpOptions::default()
            },
        );
        let mut esipa = EsipaClient::new(http, Server::parse(&self.host).unwrap());
        let own = IpaOwnData::new(EIM_ID, None).unwrap();
        let mut no_smdp = |_: &str| None::<Es9Client>;
        let started = Instant::now();
        let outcome = poll_once(
            &mut self.euicc,
            &mut esipa,
            self.eid,
            &own,
            &mut no_smdp,
            &mut self.journal,
            &mut None,
        )
        .await;
        (outcome, started.elapsed())
    }

    async fn enabled(&mut self) -> String {
        let profiles = self.euicc.profiles(None).await.unwrap();
        let enabled = profiles.iter().find(|p| p.profile_state == Some(1));
        enabled
            .and_then(|p| p.iccid)
            .map(|i| i.to_string())
            .unwrap_or_default()
    }

    /// Pending notifications and stored eUICC Package Results on the card.
    async fn pending(&mut self) -> (usize, usize) {
        let notifications = self.euicc.retrieve_notifications(None).await.unwrap();
        let results = self
            .euicc
            .retrieve_notifications(Some(NotificationSearchCriteria::EuiccPackageResults))
            .await
            .unwrap();
        (
            notifications.notifications.len(),
            results.package_results.len(),
        )
    }
}

fn http_error(outcome: Result<PollOutcome, PollError>) -> HttpError {
    match outcome {
        Err(PollError::Esipa(EsipaError::Http { source, .. })) => source,
        other => panic!("expected an HTTP failure, got {other:?}"),
    }
}

#[test]
fn a_failing_poll_is_a_typed_error_and_changes_nothing() {
    block_on(async {
        let mut rig = Rig::new().await;
        rig.queue_enable();
        let cases = [
            Fault::Status(500),
            Fault::Status(503),
            Fault::Stall(TIMEOUT * 2),
            Fault::Truncated,
            Fault::Oversized,
        ];
        for fault in cases {
            rig.fail(Some((Function::GetEimPackage, fault)));
            let (outcome, took) = rig.poll().await;
            assert!(
                took < TIMEOUT + Duration::from_secs(2),
                "{fault:?} took {took:?}"
            );
            match (fault, outcome) {
                (
                    Fault::Status(code),
                    Err(PollError::Esipa(EsipaError::HttpStatus { status, .. })),
                ) => {
                    assert_eq!(status, code)
                }
                (Fault::Stall(_), outcome) => {
                    assert!(matches!(http_error(outcome), HttpError::Timeout(_)))
                }
                (Fault::Truncated, outcome) => {
                    assert!(matches!(http_error(outcome), HttpError::Http(_)))
                }
                (Fault::Oversized, outcome) => {
                    assert!(matches!(
                        http_error(outcome),
                        HttpError::BodyTooLarge(MAX_BODY)
                    ))
                }
                (fault, outcome) => panic!("{fault:?}: {outcome:?}"),
            }
            assert_eq!(rig.enabled().await, ENABLED_ICCID, "{fault:?}");
        }
        // The stalled and truncated answers may have taken the package off the eIM's queue; what the eUICC
        // sees next is either the package or nothing, and the card only changes by carrying it out.
        rig.fail(None);
        let (outcome, _) = rig.poll().await;
        match outcome.unwrap() {
            PollOutcome::Executed { .. } => assert_eq!(rig.enabled().await, DISABLED_ICCID),
            PollOutcome::NoPackage => assert_eq!(rig.enabled().await, ENABLED_ICCID),
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn an_undelivered_result_stays_on_the_card_until_acknowledged() {
    block_on(async {
        for fault in [
            Fault::Status(500),
            Fault::Truncated,
            Fault::Stall(TIMEOUT * 2),
        ] {
            let mut rig = Rig::new().await;
            assert_eq!(rig.pending().await, (0, 0));
            rig.queue_enable();
            rig.fail(Some((Function::ProvideEimPackageResult, fault)));
            let (outcome, took) = rig.poll().await;
            assert!(outcome.is_err(), "{fault:?}: {outcome:?}");
            assert!(
                took < TIMEOUT + Duration::from_secs(2),
                "{fault:?} took {took:?}"
            );
            // The package was carried out: the profile switched.
            assert_eq!(rig.enabled().await, DISABLED_ICCID, "{fault:?}");
            // Its result and notification were not acknowledged: both are still on the card.
            let (notifications, results) = rig.pending().await;
            assert!(notifications >= 1, "{fault:?}: notifications lost");
            assert_eq!(results, 1, "{fault:?}: the package result was lost");
            if fault == Fault::Status(500) {
                assert!(
                    lock(&rig.front).eim.received().is_empty(),
                    "nothing reached the eIM"
                );
            }
            // Once the eIM answers again, the owed result goes first and the card is emptied of exactly
            // what the eIM acknowledged.
            rig.fail(None);
            let (outcome, _) = rig.poll().await;
            assert!(outcome.is_ok(), "{fault:?}: {outcome:?}");
            assert_eq!(rig.pending().await, (0, 0), "{fault:?}: left on the card");
            assert!(
                !lock(&rig.front).eim.received().is_empty(),
                "{fault:?}: the result never reached the eIM"
            );
        }
    });
}
