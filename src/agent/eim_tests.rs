//! A poll cycle through the real code paths: [`poll_once`] ⇄ the ESipa client over HTTPS on loopback ⇄ the
//! simulated eIM, and the ES10 client ⇄ the simulated eUICC (seeded with two profiles) in process.

use euicc_asn1::types::sgp22::NotificationSearchCriteria;
use euicc_asn1::types::sgp32::common::{AddInitialEimResult, EnableParams};
use euicc_asn1::types::sgp32::v1_2::{EuiccPackage, EuiccPackageResult, Psmo};
use euicc_asn1::{Eid, Iccid, Octets, from_ber};

use super::eim::*;
use super::tests::block_on;
use crate::apdu::inprocess::InProcessChannel;
use crate::apdu::{IsdrSession, SessionConfig};
use crate::euicc::{EimConfig, EimKey, Euicc, EuiccError};
use crate::remote::esipa::EsipaClient;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::client_config;
use crate::sim::card::{IsdrApplet, ResponseMode, SimCard};
use crate::sim::crypto::ecdsa::SigningKey;
use crate::sim::crypto::pki::{DEFAULT_EIM_HOST, TestPki};
use crate::sim::eim::server::{EimHandle, start};
use crate::sim::eim::{Report, SimEim};
use crate::sim::euicc::SimEuicc;
use crate::sim::euicc::eim_signed_data;
use crate::sim::euicc::state::{CardState, Profile, StateFile};

const EIM_ID: &str = "eim-agent-test";
const ENABLED: &str = "8949449999999990015";
const DISABLED: &str = "8949449999999990023";

struct Bench {
    _dir: tempfile::TempDir,
    pki: TestPki,
    eid: Eid,
    token: Option<i64>,
    euicc: Euicc<InProcessChannel>,
    esipa: EsipaClient,
    eim: EimHandle,
}

fn profile(iccid: &str, n: u8, enabled: bool) -> Profile {
    Profile {
        iccid: iccid.parse().unwrap(),
        isdp_aid: vec![0xA0, 0, 0, 5, 0x59, 0x10, 0x10, n],
        enabled,
        class: 2,
        nickname: None,
        service_provider_name: "Operator".into(),
        profile_name: format!("Profile {n}"),
        fallback_attribute: false,
        fallback_allowed: false,
        ecall: false,
        notification_address: "smdp.example.test".into(),
        profile_bytes: 100,
    }
}

impl Bench {
    async fn new() -> Self {
        let eid: Eid = "89049032123451234512345678901235".parse().unwrap();
        let pki = TestPki::generate(&eid).unwrap();
        let dir = tempfile::tempdir().unwrap();
        pki.write_to(dir.path()).unwrap();
        let state = dir.path().join("card.json");
        StateFile::new(&state)
            .save(&CardState {
                profiles: vec![profile(ENABLED, 1, true), profile(DISABLED, 2, false)],
                ..CardState::default()
            })
            .unwrap();
        let sim = SimEuicc::load(&state, pki.euicc_identity()).unwrap();
        let card = SimCard::new(
            Box::new(sim) as Box<dyn IsdrApplet + Send>,
            ResponseMode::GetResponse,
        );
        let session =
            IsdrSession::new(InProcessChannel::new(card), SessionConfig::default()).unwrap();
        let mut euicc = Euicc::new(session);

        let spki = pki.eim_sign.key.verifying_key().to_spki_der().unwrap();
        let added = euicc
            .add_initial_eim(vec![EimConfig {
                eim_id: EIM_ID.into(),
                fqdn: Some(DEFAULT_EIM_HOST.into()),
                counter_value: Some(0),
                public_key: Some(EimKey::PublicKey(from_ber(&spki).unwrap())),
                ..EimConfig::default()
            }])
            .await
            .unwrap();
        let token = match added[..] {
            [AddInitialEimResult::AssociationToken(token)] => Some(token),
            _ => None,
        };

        let mut sim_eim = SimEim::new(EIM_ID, pki.eim_sign.key.clone());
        sim_eim.associate(eid, token);
        let eim = start(sim_eim, &pki.eim_tls, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let http = HttpsClient::new(
            client_config(&[dir.path().join("ci.cert.pem")]).unwrap(),
            HttpOptions {
                connect_override: Some(eim.local_addr().to_string()),
                ..HttpOptions::default()
            },
        );
        let esipa = EsipaClient::new(http, Server::parse(DEFAULT_EIM_HOST).unwrap());
        Self {
            _dir: dir,
            pki,
            eid,
            token,
            euicc,
            esipa,
            eim,
        }
    }

    async fn poll(&mut self) -> Result<PollOutcome, PollError> {
        poll_once(&mut self.euicc, &mut self.esipa, self.eid).await
    }

    async fn enabled(&mut self) -> Option<Iccid> {
        let profiles = self.euicc.profiles(None).await.unwrap();
        profiles.iter().find(|p| p.profile_state == Some(1))?.iccid
    }

    /// The eUICC Package Results the eIM received, decoded.
    fn received_results(&self) -> Vec<(Vec<u8>, EuiccPackageResult)> {
        self.eim.with_eim(|eim| {
            eim.received()
                .iter()
                .filter_map(|r| match &r.report {
                    Report::PackageResult(raw) => Some((raw.clone(), from_ber(raw).unwrap())),
                    _ => None,
                })
                .collect()
        })
    }
}

fn enable(iccid: &str) -> EuiccPackage {
    EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
        iccid: iccid.parse().unwrap(),
        rollback_flag: None,
    })])
}

#[test]
fn an_enable_package_is_executed_reported_and_acknowledged() {
    block_on(async {
        let mut bench = Bench::new().await;
        assert!(bench.token.is_some());
        assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
        bench.eim.with_eim(|eim| {
            eim.queue_package(bench.eid, enable(DISABLED), Some(Octets(vec![0x11])))
        });

        let outcome = bench.poll().await.unwrap();
        let PollOutcome::Executed { acknowledged } = &outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(bench.enabled().await, Some(DISABLED.parse().unwrap()));

        let results = bench.received_results();
        let [(_, EuiccPackageResult::EuiccPackageResultSigned(signed))] = &results[..] else {
            panic!("{results:?}")
        };
        let data = &signed.euicc_package_result_data_signed;
        bench
            .pki
            .euicc
            .cert
            .public_key()
            .unwrap()
            .verify_raw(
                &eim_signed_data(data.raw(), bench.token),
                signed.euicc_sign_epr.as_slice(),
            )
            .unwrap();
        assert_eq!(data.value().eim_transaction_id, Some(Octets(vec![0x11])));
        assert!(acknowledged.contains(&data.value().seq_number));

        let stored = bench
            .euicc
            .retrieve_notifications(Some(NotificationSearchCriteria::EuiccPackageResults))
            .await;
        match stored {
            Ok(stored) => assert!(stored.package_results.is_empty(), "{stored:02X?}"),
            Err(error) => assert!(
                matches!(error, EuiccError::Refused { code: 1, .. }),
                "{error}"
            ),
        }
        let left = bench.euicc.list_notifications(None).await.unwrap();
        assert!(
            left.iter().all(|n| !acknowledged.contains(&n.seq_number)),
            "{left:?}"
        );
        assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
    });
}

#[test]
fn a_wrongly_signed_package_reaches_the_eim_as_the_euicc_error() {
    block_on(async {
        let mut bench = Bench::new().await;
        let mut impostor = SimEim::new(EIM_ID, SigningKey::generate());
        impostor.associate(bench.eid, bench.token);
        let package = impostor.queue_package(bench.eid, enable(DISABLED), None);
        bench.eim.with_eim(|eim| eim.queue_raw(bench.eid, package));

        let outcome = bench.poll().await.unwrap();
        assert_eq!(
            outcome,
            PollOutcome::Executed {
                acknowledged: vec![]
            }
        );
        assert_eq!(bench.enabled().await, Some(ENABLED.parse().unwrap()));
        let results = bench.received_results();
        let [(_, EuiccPackageResult::EuiccPackageErrorUnsigned(error))] = &results[..] else {
            panic!("{results:?}")
        };
        assert_eq!(error.eim_id, EIM_ID);
    });
}

#[test]
fn a_malformed_package_is_reported_and_never_reaches_the_euicc() {
    block_on(async {
        let mut bench = Bench::new().await;
        bench
            .eim
            .with_eim(|eim| eim.queue_raw(bench.eid, vec![0xBF, 0x51, 0x03, 0x30, 0x01, 0xFF]));
        let before = bench.euicc.session().counters().es10_commands;
        let outcome = bench.poll().await.unwrap();
        let after = bench.euicc.session().counters().es10_commands;
        assert_eq!(before, after, "the eUICC was sent a command");
        assert_eq!(
            outcome,
            PollOutcome::Rejected {
                code: INVALID_PACKAGE_FORMAT
            }
        );
        assert_eq!(bench.enabled().await, Some(ENABLED.parse().unwrap()));
        let received = bench.eim.with_eim(|eim| eim.received().to_vec());
        assert!(matches!(
            &received[..],
            [r] if r.report == Report::PackageError { eim_transaction_id: None, code: INVALID_PACKAGE_FORMAT }
        ));
    });
}
