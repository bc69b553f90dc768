//! A download through the real code paths: [`download`] ⇄ the ES9+ client over HTTPS on loopback ⇄ the
//! simulated SM-DP+, and the ES10 client ⇄ the simulated eUICC in process.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use super::download::*;
use crate::apdu::inprocess::InProcessChannel;
use crate::apdu::{IsdrSession, SessionConfig};
use crate::euicc::Euicc;
use crate::remote::es9p::Es9Client;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::client_config;
use euiccd_sim::card::{IsdrApplet, ResponseMode, SimCard};
use euiccd_sim::crypto::pki::TestPki;
use euiccd_sim::euicc::{SimEuicc, SimEuiccConfig};
use euiccd_sim::smdp::json::Es9Function;
use euiccd_sim::smdp::server::{Fault, SmdpHandle, start};
use euiccd_sim::smdp::{self, SmdpEvent};

pub(super) const HOST: &str = "smdp.example.test";
pub(super) const MATCHING_ID: &str = "AGENT-TEST-1";
pub(super) const ICCID: &str = "8949449999999990049";

struct Bench {
    _dir: tempfile::TempDir,
    euicc: Euicc<InProcessChannel>,
    es9: Es9Client,
    smdp: SmdpHandle,
}

impl Bench {
    async fn new(confirmation_code: Option<&str>, timeout: Duration) -> Self {
        let (dir, pki) = scratch_pki();
        let sim = SimEuicc::new(pki.euicc_identity(), SimEuiccConfig::default());
        let handle = start_smdp(&pki, confirmation_code).await;
        let http = https_client(dir.path(), handle.local_addr(), timeout);
        Self {
            _dir: dir,
            euicc: in_process(sim),
            es9: Es9Client::new(http, Server::parse(HOST).unwrap()),
            smdp: handle,
        }
    }

    async fn run(
        &mut self,
        code: Option<&str>,
    ) -> (Result<DownloadOutcome, DownloadFailure>, Vec<DownloadEvent>) {
        let request = DownloadRequest {
            activation_code: format!("1${HOST}${MATCHING_ID}").parse().unwrap(),
            confirmation_code: code.map(Secret::new),
            imei: Some("356938035643809".into()),
        };
        let mut events = Vec::new();
        let outcome = download(
            &mut self.euicc,
            &mut self.es9,
            &request,
            &mut Interrupt::never(),
            &mut |event| events.push(event),
        )
        .await;
        (outcome, events)
    }

    async fn installed(&mut self) -> bool {
        let profiles = self.euicc.profiles(None).await.unwrap();
        profiles
            .iter()
            .any(|p| p.iccid.map(|i| i.digits()).as_deref() == Some(ICCID))
    }

    fn cancelled_with(&self) -> Option<i64> {
        self.smdp.with_smdp(|s| {
            s.events().iter().find_map(|event| match event {
                SmdpEvent::SessionCancelled { reason, .. } => Some(*reason),
                _ => None,
            })
        })
    }
}

/// Starts the simulated SM-DP+ of `pki` at [`HOST`] with one order for [`MATCHING_ID`] (profile [`ICCID`]).
pub(super) async fn start_smdp(pki: &TestPki, confirmation_code: Option<&str>) -> SmdpHandle {
    let mut server = smdp::SmdpServer::new(smdp::SmdpIdentity::from_test_pki(pki, HOST)).unwrap();
    let metadata = smdp::ProfileMetadata {
        iccid: ICCID.parse().unwrap(),
        service_provider_name: "agent test".into(),
        profile_name: "Agent profile".into(),
        class: smdp::ProfileClass::Operational,
    };
    let mut order = smdp::ProfileOrder::new(
        smdp::Secret::new(MATCHING_ID),
        smdp::synthetic_profile_package(&metadata.iccid, 8 * 1024),
        metadata,
    );
    order.confirmation_code = confirmation_code.map(smdp::Secret::new);
    server.add_order(order).unwrap();
    start(server, &pki.dp_tls, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// An HTTPS client trusting the test CI in `dir`, connecting to `addr` whatever the host.
pub(super) fn https_client(dir: &Path, addr: SocketAddr, timeout: Duration) -> HttpsClient {
    HttpsClient::new(
        client_config(&[dir.join("ci.cert.pem")]).unwrap(),
        HttpOptions {
            timeout,
            connect_override: Some(addr.to_string()),
            ..HttpOptions::default()
        },
    )
}

/// The EID of the simulated eUICCs of the agent's tests.
pub(super) const EID: &str = "89049032123451234512345678901235";

/// A test PKI for [`EID`], written to a new scratch directory.
pub(super) fn scratch_pki() -> (tempfile::TempDir, TestPki) {
    let pki = TestPki::generate(&EID.parse().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path()).unwrap();
    (dir, pki)
}

/// The ES10 client of `sim` behind a simulated card, reached in process.
pub(super) fn in_process(sim: SimEuicc) -> Euicc<InProcessChannel> {
    let card = SimCard::new(
        Box::new(sim) as Box<dyn IsdrApplet + Send>,
        ResponseMode::GetResponse,
    );
    Euicc::new(IsdrSession::new(InProcessChannel::new(card), SessionConfig::default()).unwrap())
}

pub(super) use crate::test_support::block_on;

#[test]
fn a_profile_downloads_and_its_result_is_delivered() {
    block_on(async {
        let mut bench = Bench::new(Some("4711"), Duration::from_secs(20)).await;
        let (outcome, events) = bench.run(Some("4711")).await;
        let outcome = outcome.unwrap();
        assert_eq!(outcome.iccid, ICCID);
        assert!(outcome.notification_delivered);
        assert!(bench.installed().await);
        assert!(
            bench
                .euicc
                .list_notifications(None)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            bench.smdp.with_smdp(|s| s.order_installed(MATCHING_ID)),
            Some(true)
        );
        assert!(matches!(
            events.last(),
            Some(DownloadEvent::NotificationDelivered { .. })
        ));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, DownloadEvent::Loading { .. }))
        );
    });
}

#[test]
fn a_missing_confirmation_code_cancels_as_rejection() {
    block_on(async {
        let mut bench = Bench::new(Some("4711"), Duration::from_secs(20)).await;
        let failure = bench.run(None).await.0.unwrap_err();
        assert!(matches!(
            failure.error,
            DownloadError::ConfirmationCodeRequired
        ));
        assert_eq!(failure.cancelled, Some(CancelReason::EndUserRejection));
        assert_eq!(bench.cancelled_with(), Some(0));
        assert!(!bench.installed().await);
    });
}

#[test]
fn server_failures_cancel_the_session() {
    block_on(async {
        let cases = [
            (Fault::HttpStatus(500), CancelReason::Undefined),
            (Fault::GarbageJson, CancelReason::Undefined),
            (Fault::Delay(Duration::from_secs(3)), CancelReason::Timeout),
            (Fault::Truncated, CancelReason::Undefined),
            (
                Fault::Oversized(HttpOptions::default().max_body + 1),
                CancelReason::Undefined,
            ),
        ];
        for (fault, reason) in cases {
            // Only the stall needs a short deadline; a loaded test machine must not turn the others
            // into timeouts.
            let deadline = match fault {
                Fault::Delay(_) => Duration::from_millis(500),
                _ => Duration::from_secs(10),
            };
            let mut bench = Bench::new(None, deadline).await;
            bench
                .smdp
                .set_fault(Es9Function::GetBoundProfilePackage, Some(fault.clone()));
            let failure = bench.run(None).await.0.unwrap_err();
            assert!(
                matches!(failure.error, DownloadError::Es9(_)),
                "{fault:?}: {failure}"
            );
            assert_eq!(failure.cancelled, Some(reason), "{fault:?}");
            assert_eq!(bench.cancelled_with(), Some(reason.code()), "{fault:?}");
            assert!(!bench.installed().await);
        }
    });
}

/// An ES9+ carrier that spoils serverSignature1 on its way to the eUICC, so that the eUICC refuses
/// AuthenticateServer (`invalidSignature`); everything else goes to the real client unchanged.
struct SpoiledSignature<'a>(&'a mut Es9Client);

impl crate::remote::es9p::Es9 for SpoiledSignature<'_> {
    async fn initiate_authentication(
        &mut self,
        euicc_challenge: &[u8],
        euicc_info1: &[u8],
        smdp_address: &str,
    ) -> Result<euicc_asn1::types::sgp22::InitiateAuthenticationOkEs9, crate::remote::es9p::Es9Error>
    {
        let mut init = self
            .0
            .initiate_authentication(euicc_challenge, euicc_info1, smdp_address)
            .await?;
        init.server_signature1.0[0] ^= 0x01;
        Ok(init)
    }

    async fn authenticate_client(
        &mut self,
        transaction_id: &[u8],
        authenticate_server_response: &[u8],
    ) -> Result<euicc_asn1::types::sgp22::AuthenticateClientOk, crate::remote::es9p::Es9Error> {
        self.0
            .authenticate_client(transaction_id, authenticate_server_response)
            .await
    }

    async fn get_bound_profile_package(
        &mut self,
        transaction_id: &[u8],
        prepare_download_response: &[u8],
    ) -> Result<Vec<u8>, crate::remote::es9p::Es9Error> {
        self.0
            .get_bound_profile_package(transaction_id, prepare_download_response)
            .await
    }

    async fn handle_notification(
        &mut self,
        address: &str,
        pending_notification: &[u8],
    ) -> Result<(), crate::remote::es9p::Es9Error> {
        self.0
            .handle_notification(address, pending_notification)
            .await
    }

    async fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        cancel_session_response: &[u8],
    ) -> Result<(), crate::remote::es9p::Es9Error> {
        self.0
            .cancel_session(transaction_id, cancel_session_response)
            .await
    }
}

/// SGP.22 §3.1.3: a refused AuthenticateServer still goes to the SM-DP+ (AuthenticateClient), which ends
/// its session with the eUICC's reason.
#[test]
fn a_refused_authentication_is_told_to_the_smdp() {
    block_on(async {
        let mut bench = Bench::new(None, Duration::from_secs(20)).await;
        let request = DownloadRequest {
            activation_code: format!("1${HOST}${MATCHING_ID}").parse().unwrap(),
            confirmation_code: None,
            imei: None,
        };
        let failure = download(
            &mut bench.euicc,
            &mut SpoiledSignature(&mut bench.es9),
            &request,
            &mut Interrupt::never(),
            &mut |_| {},
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                failure.error,
                DownloadError::Euicc(crate::euicc::EuiccError::Es10(
                    euiccd_core::es10::Es10Error::Refused { code: 2, .. }
                ))
            ),
            "{failure}"
        );
        let refused = bench.smdp.with_smdp(|s| {
            s.events().iter().find_map(|event| match event {
                SmdpEvent::AuthenticationRefused { reason, .. } => Some(*reason),
                _ => None,
            })
        });
        assert_eq!(refused, Some(2), "invalidSignature reached the SM-DP+");
        assert_eq!(bench.smdp.with_smdp(|s| s.session_count()), 0);
        assert!(!bench.installed().await);
    });
}

/// A confirmation code the SM-DP+ did not ask for is reported as unused rather than silently dropped.
#[test]
fn an_unasked_confirmation_code_is_reported_unused() {
    block_on(async {
        let mut bench = Bench::new(None, Duration::from_secs(20)).await;
        let outcome = bench.run(Some("4711")).await.0.unwrap();
        assert!(outcome.confirmation_code_unused);
        let mut asked = Bench::new(Some("4711"), Duration::from_secs(20)).await;
        assert!(
            !asked
                .run(Some("4711"))
                .await
                .0
                .unwrap()
                .confirmation_code_unused
        );
    });
}
