//! Field conditions on the HTTPS side (issue 15): the agent's real ESipa and ES9+ clients, the simulated eIM
//! and SM-DP+ over real TLS, and the simulated eUICC in process, with the link proxy of `sim::link` in
//! between playing a carrier NAT, a slow long link, or a connection cut in the middle of an answer. Times
//! are scaled down (a NAT that forgets flows after 400 ms rather than 5 minutes) so that each test runs in
//! seconds; the full-size figures come from `euiccd bench --net-rtt-ms … --net-kbps … --nat-idle-secs …`.
#![cfg(feature = "sim")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use euicc_asn1::Eid;
use euicc_asn1::types::sgp32::common::EnableParams;
use euicc_asn1::types::sgp32::v1_2::{EuiccPackage, Psmo};
use euiccd::agent::download::{DownloadRequest, Interrupt, download};
use euiccd::agent::eim::{PollError, PollOutcome, poll_once};
use euiccd::agent::ipa_data::IpaOwnData;
use euiccd::agent::journal::MemoryJournal;
use euiccd::apdu::inprocess::InProcessChannel;
use euiccd::apdu::{IsdrSession, SessionConfig};
use euiccd::bench::world::{DISABLED_ICCID, EID, EIM_ID, ENABLED_ICCID, seed_card};
use euiccd::euicc::Euicc;
use euiccd::remote::es9p::Es9Client;
use euiccd::remote::esipa::{EsipaClient, EsipaError};
use euiccd::remote::https::{HttpOptions, HttpsClient, Server};
use euiccd::remote::tls::{client_config, eim_client_config};
use euiccd_sim::card::{IsdrApplet, ResponseMode, SimCard};
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST, TestPki};
use euiccd_sim::eim::SimEim;
use euiccd_sim::eim::server::EimHandle;
use euiccd_sim::euicc::SimEuicc;
use euiccd_sim::link::{LinkConfig, LinkProxy};
use euiccd_sim::smdp;
use rustls::ClientConfig;
use tokio::time::Instant;

type Card = Euicc<InProcessChannel>;

const MATCHING_ID: &str = "FIELD-NET";
const SMDP_ICCID: &str = "8949449999999990031";

/// A card with two profiles and the eIM associated, the simulated eIM and SM-DP+ on loopback.
struct Field {
    dir: tempfile::TempDir,
    eid: Eid,
    euicc: Card,
    eim: EimHandle,
    smdp: smdp::server::SmdpHandle,
    eim_tls: Arc<ClientConfig>,
    journal: MemoryJournal,
}

impl Field {
    async fn new(profile_bytes: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let eid: Eid = EID.parse().unwrap();
        let pki = TestPki::generate(&eid).unwrap();
        pki.write_to(dir.path()).unwrap();
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
        let mut sim_eim = SimEim::new(EIM_ID, pki.eim_sign.key.clone());
        sim_eim.associate(eid, token);
        let eim = euiccd_sim::eim::server::start(sim_eim, &pki.eim_tls, loopback())
            .await
            .unwrap();
        let anchor = euicc
            .eim_configuration()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.eim_id == EIM_ID)
            .and_then(|c| c.tls_anchor)
            .expect("the eIM's TLS key on the card");
        let eim_tls = eim_client_config(Some(&anchor), &[]).unwrap();
        let smdp = start_smdp(&pki, profile_bytes).await;
        Self {
            dir,
            eid,
            euicc,
            eim,
            smdp,
            eim_tls,
            journal: MemoryJournal::default(),
        }
    }

    fn eim_addr(&self) -> SocketAddr {
        self.eim.local_addr()
    }

    /// An ESipa client to the eIM through `via` with these options.
    fn esipa(&self, via: SocketAddr, options: HttpOptions) -> EsipaClient {
        let http = HttpsClient::new(Arc::clone(&self.eim_tls), connect(via, options));
        EsipaClient::new(http, Server::parse(DEFAULT_EIM_HOST).unwrap())
    }

    /// An ES9+ client to the SM-DP+ through `via`.
    fn es9(&self, via: SocketAddr, options: HttpOptions) -> Es9Client {
        let tls = client_config(&[self.dir.path().join("ci.cert.pem")]).unwrap();
        let http = HttpsClient::new(tls, connect(via, options));
        Es9Client::new(http, Server::parse(DEFAULT_SMDP_HOST).unwrap())
    }

    async fn poll(&mut self, esipa: &mut EsipaClient) -> Result<PollOutcome, PollError> {
        let own = IpaOwnData::new(EIM_ID, None).unwrap();
        let mut no_smdp = |_: &str| None::<Es9Client>;
        poll_once(
            &mut self.euicc,
            esipa,
            self.eid,
            &own,
            &mut no_smdp,
            &mut self.journal,
            &mut None,
        )
        .await
    }

    fn queue_enable(&self) {
        let enable = EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
            iccid: DISABLED_ICCID.parse().unwrap(),
            rollback_flag: None,
        })]);
        self.eim
            .with_eim(|eim| eim.queue_package(self.eid, enable, None));
    }

    async fn enabled(&mut self) -> String {
        let profiles = self.euicc.profiles(None).await.unwrap();
        let enabled = profiles.iter().find(|p| p.profile_state == Some(1));
        enabled
            .and_then(|p| p.iccid)
            .map(|i| i.to_string())
            .unwrap_or_default()
    }

    async fn installed(&mut self, iccid: &str) -> bool {
        let profiles = self.euicc.profiles(None).await.unwrap();
        profiles
            .iter()
            .any(|p| p.iccid.map(|i| i.to_string()).as_deref() == Some(iccid))
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn connect(via: SocketAddr, options: HttpOptions) -> HttpOptions {
    HttpOptions {
        connect_override: Some(via.to_string()),
        ..options
    }
}

async fn start_smdp(pki: &TestPki, profile_bytes: usize) -> smdp::server::SmdpHandle {
    let mut server =
        smdp::SmdpServer::new(smdp::SmdpIdentity::from_test_pki(pki, DEFAULT_SMDP_HOST)).unwrap();
    let metadata = smdp::ProfileMetadata {
        iccid: SMDP_ICCID.parse().unwrap(),
        service_provider_name: "field".into(),
        profile_name: "Field profile".into(),
        class: smdp::ProfileClass::Operational,
    };
    let order = smdp::ProfileOrder::new(
        smdp::Secret::new(MATCHING_ID),
        smdp::synthetic_profile_package(&metadata.iccid, profile_bytes),
        metadata,
    );
    server.add_order(order).unwrap();
    smdp::server::start(server, &pki.dp_tls, loopback())
        .await
        .unwrap()
}

fn download_request() -> DownloadRequest {
    DownloadRequest {
        activation_code: format!("1${DEFAULT_SMDP_HOST}${MATCHING_ID}")
            .parse()
            .unwrap(),
        confirmation_code: None,
        imei: None,
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Hourly polls through a NAT that forgets flows idle for 5 minutes, scaled: the NAT forgets after
/// 1 s, the polls come every 1.3 s, the client closes connections idle for 300 ms. Every poll
/// succeeds at loopback speed: none goes out on a flow the NAT forgot and waits for its deadline.
#[test]
fn idle_polls_through_a_nat_neither_fail_nor_stall() {
    block_on(async {
        let mut field = Field::new(1024).await;
        let nat = LinkConfig {
            nat_idle: Some(Duration::from_secs(1)),
            ..LinkConfig::default()
        };
        let proxy = LinkProxy::start(field.eim_addr(), nat).await.unwrap();
        let options = HttpOptions {
            timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_millis(300),
            ..HttpOptions::default()
        };
        let mut esipa = field.esipa(proxy.local_addr(), options);
        for poll in 0..4 {
            if poll > 0 {
                tokio::time::sleep(Duration::from_millis(1300)).await;
            }
            let started = Instant::now();
            let outcome = field.poll(&mut esipa).await;
            let took = started.elapsed();
            assert!(
                matches!(outcome, Ok(PollOutcome::NoPackage)),
                "poll {poll}: {outcome:?}"
            );
            assert!(took < Duration::from_secs(2), "poll {poll} took {took:?}");
        }
        // One connection per poll, and the NAT did forget the idle flows behind the client's back (it
        // swallowed the client's late FINs).
        assert_eq!(proxy.connections(), 4);
        assert!(proxy.nat_drops() >= 2, "{}", proxy.nat_drops());
    });
}

/// Without the idle bound (the old client), the second poll goes out on the flow the NAT forgot and
/// waits for its whole deadline (the retry on a fresh connection then saves it): the scenario above
/// really tests something.
#[test]
fn without_the_idle_bound_a_forgotten_flow_costs_the_whole_deadline() {
    block_on(async {
        let mut field = Field::new(1024).await;
        let nat = LinkConfig {
            nat_idle: Some(Duration::from_secs(1)),
            ..LinkConfig::default()
        };
        let proxy = LinkProxy::start(field.eim_addr(), nat).await.unwrap();
        let timeout = Duration::from_millis(1500);
        let options = HttpOptions {
            timeout,
            idle_timeout: Duration::from_secs(3600),
            ..HttpOptions::default()
        };
        let mut esipa = field.esipa(proxy.local_addr(), options);
        assert!(matches!(
            field.poll(&mut esipa).await,
            Ok(PollOutcome::NoPackage)
        ));
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let started = Instant::now();
        let outcome = field.poll(&mut esipa).await;
        assert!(matches!(outcome, Ok(PollOutcome::NoPackage)), "{outcome:?}");
        assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());
        assert_eq!((proxy.nat_drops(), proxy.connections()), (1, 2));
    });
}

/// A kept-alive connection that dies before any byte of the poll's answer (the server or a NAT closed
/// it) costs nothing: the poll goes out once more on a fresh connection.
#[test]
fn a_poll_on_a_dead_kept_alive_connection_is_sent_again_on_a_new_one() {
    block_on(async {
        let mut field = Field::new(1024).await;
        let proxy = LinkProxy::start(field.eim_addr(), LinkConfig::default())
            .await
            .unwrap();
        let mut esipa = field.esipa(proxy.local_addr(), HttpOptions::default());
        assert!(matches!(
            field.poll(&mut esipa).await,
            Ok(PollOutcome::NoPackage)
        ));
        // The next answer byte is where the connection dies: nothing of the answer arrives.
        proxy.cut_answer_at(proxy.answer_bytes());
        let outcome = field.poll(&mut esipa).await;
        assert!(matches!(outcome, Ok(PollOutcome::NoPackage)), "{outcome:?}");
        assert_eq!(proxy.connections(), 2);
    });
}

/// A download over a long, thin link (scaled from 2 s RTT and 20 kbit/s: 400 ms RTT and 20 kbit/s, a
/// 10 KiB profile) with a 3 s deadline: the profile package alone takes longer than that on the link,
/// and the download completes because the deadline is for progress, not for the whole answer.
#[test]
fn a_download_over_a_slow_long_link_completes() {
    block_on(async {
        let mut field = Field::new(10 * 1024).await;
        let link = LinkConfig::with_rtt(Duration::from_millis(400), Some(20));
        let proxy = LinkProxy::start(field.smdp.local_addr(), link)
            .await
            .unwrap();
        let options = HttpOptions {
            timeout: Duration::from_secs(3),
            ..HttpOptions::default()
        };
        let mut es9 = field.es9(proxy.local_addr(), options);
        let started = Instant::now();
        let outcome = download(
            &mut field.euicc,
            &mut es9,
            &download_request(),
            &mut Interrupt::never(),
            &mut |_| {},
        )
        .await;
        let took = started.elapsed();
        assert!(outcome.is_ok(), "{outcome:?}");
        assert!(took > Duration::from_secs(4), "the link was slow: {took:?}");
        assert!(field.installed(SMDP_ICCID).await);
    });
}

/// The connection cut in the middle of each answer of an eIM poll that brings an enable package (each
/// TLS flight and each ESipa answer): the poll fails with a typed error or completes, the card is in one
/// state or the other, and the next polls finish the work: the profile enabled, its result acknowledged.
#[test]
fn a_connection_cut_at_each_esipa_step_is_finished_by_the_next_poll() {
    block_on(async {
        let bursts = {
            let mut field = Field::new(1024).await;
            let proxy = LinkProxy::start(field.eim_addr(), LinkConfig::default())
                .await
                .unwrap();
            field.queue_enable();
            let mut esipa = field.esipa(proxy.local_addr(), HttpOptions::default());
            let outcome = field.poll(&mut esipa).await;
            assert!(matches!(outcome, Ok(PollOutcome::Executed { .. })));
            proxy.answer_bursts()
        };
        assert!(bursts.len() >= 3, "{bursts:?}");
        for (start, len) in bursts {
            let cut = start + len / 2;
            let mut field = Field::new(1024).await;
            let proxy = LinkProxy::start(field.eim_addr(), LinkConfig::default())
                .await
                .unwrap();
            field.queue_enable();
            proxy.cut_answer_at(cut);
            let mut esipa = field.esipa(proxy.local_addr(), HttpOptions::default());
            match field.poll(&mut esipa).await {
                Ok(_) | Err(PollError::Esipa(EsipaError::Http { .. })) => {}
                Err(other) => panic!("cut at {cut}: {other:?}"),
            }
            let enabled = field.enabled().await;
            assert!(
                enabled == ENABLED_ICCID || enabled == DISABLED_ICCID,
                "cut at {cut}: {enabled}"
            );
            // The simulated eIM hands a package out once; an eIM keeps it until its result comes, so a
            // package the card never got is offered again.
            let lost = enabled == ENABLED_ICCID
                && field.eim.with_eim(|eim| eim.queued(&field.eid) == 0)
                && field.eim.with_eim(|eim| eim.received().is_empty());
            if lost {
                field.queue_enable();
            }
            let mut finished = false;
            for _ in 0..3 {
                if let Ok(PollOutcome::NoPackage) = field.poll(&mut esipa).await {
                    finished = true;
                    break;
                }
            }
            assert!(finished, "cut at {cut}: the next polls do not finish");
            assert_eq!(field.enabled().await, DISABLED_ICCID, "cut at {cut}");
            let reports = field.eim.with_eim(|eim| eim.received().len());
            assert!(reports >= 1, "cut at {cut}: no result reached the eIM");
        }
    });
}

/// The connection cut in the middle of each answer of a direct download (each TLS flight and each ES9+
/// answer): a typed error, no profile half there, and the download run again completes.
#[test]
fn a_connection_cut_at_each_es9_step_leaves_a_consistent_card() {
    block_on(async {
        let bursts = {
            let mut field = Field::new(2048).await;
            let proxy = LinkProxy::start(field.smdp.local_addr(), LinkConfig::default())
                .await
                .unwrap();
            let mut es9 = field.es9(proxy.local_addr(), HttpOptions::default());
            let request = download_request();
            let never = &mut Interrupt::never();
            let outcome = download(&mut field.euicc, &mut es9, &request, never, &mut |_| {}).await;
            assert!(outcome.is_ok(), "{outcome:?}");
            proxy.answer_bursts()
        };
        assert!(bursts.len() >= 4, "{bursts:?}");
        for (start, len) in bursts {
            let cut = start + len / 2;
            let mut field = Field::new(2048).await;
            let proxy = LinkProxy::start(field.smdp.local_addr(), LinkConfig::default())
                .await
                .unwrap();
            proxy.cut_answer_at(cut);
            let mut es9 = field.es9(proxy.local_addr(), HttpOptions::default());
            let request = download_request();
            let never = &mut Interrupt::never();
            let first = download(&mut field.euicc, &mut es9, &request, never, &mut |_| {}).await;
            let installed = field.installed(SMDP_ICCID).await;
            match &first {
                Ok(_) => assert!(installed, "cut at {cut}"),
                Err(error) => {
                    let text = format!("{error:?}");
                    assert!(
                        text.contains("Http") || text.contains("Es9"),
                        "cut at {cut}: {text}"
                    );
                }
            }
            if !installed {
                let mut es9 = field.es9(proxy.local_addr(), HttpOptions::default());
                let again =
                    download(&mut field.euicc, &mut es9, &request, never, &mut |_| {}).await;
                assert!(again.is_ok(), "cut at {cut}: the next try: {again:?}");
                assert!(field.installed(SMDP_ICCID).await, "cut at {cut}");
            }
        }
    });
}
