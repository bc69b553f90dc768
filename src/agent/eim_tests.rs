//! A poll cycle through the real code paths: [`poll_once`] ⇄ the ESipa client over HTTPS on loopback ⇄ the
//! simulated eIM, and the ES10 client ⇄ the simulated eUICC (seeded with two profiles) in process.

use euicc_asn1::types::sgp22::{NotificationSearchCriteria, ProfileInstallationResult};
use euicc_asn1::types::sgp32::common::{
    AddEimResult, AddInitialEimResult, EnableParams, ProfileDownloadData,
    ProfileDownloadTriggerRequest,
};
use euicc_asn1::types::sgp32::v1_0;
use euicc_asn1::types::sgp32::v1_2::{
    EuiccPackage, EuiccPackageResult, IpaEuiccData, IpaEuiccDataResponse,
    IpaEuiccDataResponseError, ProfileDownloadTriggerResultData, Psmo,
};
use euicc_asn1::types::sgp32::view::PackageResultView;
use euicc_asn1::{Asn1, Eid, Iccid, Layout, Octets, Signed, Tag, Writer, for_layout, from_ber};

use super::eim::*;
use super::indirect::DownloadRoute;
use super::ipa_data::{self, INCORRECT_TAG_LIST, IpaOwnData, ipa_capabilities};
use super::journal::{Journal, JournalError, MemoryJournal, Pending, Step};
use super::notify::deliver_notifications;
use super::tests::{
    EID, HOST, ICCID, MATCHING_ID, block_on, https_client, in_process, scratch_pki, start_smdp,
};
use crate::apdu::inprocess::InProcessChannel;
use crate::euicc::{EimConfig, EimKey, Euicc};
use crate::remote::es9p::Es9Client;
use crate::remote::esipa::{
    DEFAULT_ADMIN_PROTOCOL, EsipaBinding, EsipaClient, EsipaError, Unacknowledged,
};
use crate::remote::https::{HttpOptions, Server};
use crate::remote::tls::client_config;
use euiccd_sim::crypto::ecdsa::SigningKey;
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, TestPki};
use euiccd_sim::eim::json::ResultErrorName;
use euiccd_sim::eim::server::{EimHandle, SmdpRelay, start_relaying};
use euiccd_sim::eim::{
    Acknowledging, DataResponse, DownloadResult, PackageContent, Poll, Received, Report, SimEim,
};
use euiccd_sim::euicc::eim_signed_data;
use euiccd_sim::euicc::state::{CardState, Profile, StateFile};
use euiccd_sim::euicc::{SimEuicc, SimEuiccConfig};
use euiccd_sim::smdp::SmdpEvent;
use euiccd_sim::smdp::server::SmdpHandle;

const EIM_ID: &str = "eim-agent-test";
const ENABLED: &str = "8949449999999990015";
const DISABLED: &str = "8949449999999990023";

/// One test per SGP.32 layout of a scenario that takes the layout the card and the eIM speak.
macro_rules! in_both_layouts {
    ($scenario:ident => $v1_2:ident, $v1_0:ident;) => {
        #[test]
        fn $v1_2() {
            block_on($scenario(Layout::V1_2));
        }

        #[test]
        fn $v1_0() {
            block_on($scenario(Layout::V1_0));
        }
    };
}

struct Bench {
    dir: tempfile::TempDir,
    pki: TestPki,
    layout: Layout,
    eid: Eid,
    token: Option<i64>,
    euicc: Euicc<InProcessChannel>,
    esipa: EsipaClient,
    eim: EimHandle,
    own: IpaOwnData,
    journal: MemoryJournal,
    state_change: Option<StateChange>,
    /// The SM-DP+ the eIM relays indirect downloads to, when there is one.
    smdp: Option<SmdpHandle>,
}

fn profile(iccid: &str, n: u8, enabled: bool) -> Profile {
    Profile::seeded(iccid.parse().unwrap(), n, enabled)
}

impl Bench {
    async fn new() -> Self {
        Self::with_layout(Layout::V1_2).await
    }

    /// A card and an eIM that both speak the `layout`.
    async fn with_layout(layout: Layout) -> Self {
        Self::build(layout, layout, false, None).await
    }

    /// A card of the `card` layout and an eIM of the `layout` (the bench's packages follow the
    /// eIM's); with `relaying`, an SM-DP+ runs too (its order asks for `confirmation_code`, if any), the
    /// eIM relays indirect downloads to it and, on a v1.2 card, announces indirectProfileDownload in its
    /// configuration on the card.
    async fn build(
        card: Layout,
        layout: Layout,
        relaying: bool,
        confirmation_code: Option<&str>,
    ) -> Self {
        let eid: Eid = EID.parse().unwrap();
        let (dir, pki) = scratch_pki();
        let state = dir.path().join("card.json");
        StateFile::new(&state)
            .save(&CardState {
                profiles: vec![profile(ENABLED, 1, true), profile(DISABLED, 2, false)],
                ..CardState::default()
            })
            .unwrap();
        let config = SimEuiccConfig {
            version: crate::simulated::layout(card),
            ..SimEuiccConfig::default()
        };
        let sim = SimEuicc::load_with(&state, pki.euicc_identity(), config).unwrap();
        let mut euicc = in_process(sim);

        let spki = pki.eim_sign.key.verifying_key().to_spki_der().unwrap();
        let added = euicc
            .add_initial_eim(vec![EimConfig {
                eim_id: EIM_ID.into(),
                fqdn: Some(DEFAULT_EIM_HOST.into()),
                counter_value: Some(0),
                public_key: Some(EimKey::PublicKey(from_ber(&spki).unwrap())),
                indirect_profile_download: relaying && card.indirect_profile_download_flag(),
                ..EimConfig::default()
            }])
            .await
            .unwrap();
        let token = match added[..] {
            [AddInitialEimResult::AssociationToken(token)] => Some(token),
            _ => None,
        };

        let mut sim_eim = SimEim::new(EIM_ID, pki.eim_sign.key.clone())
            .with_version(crate::simulated::layout(layout));
        sim_eim.associate(eid, token);
        let smdp = match relaying {
            true => Some(start_smdp(&pki, confirmation_code).await),
            false => None,
        };
        let relay = smdp.as_ref().map(|smdp| SmdpRelay {
            tls: client_config(&[dir.path().join("ci.cert.pem")]).unwrap(),
            connect_override: Some(smdp.local_addr().to_string()),
        });
        let listen = "127.0.0.1:0".parse().unwrap();
        let eim = start_relaying(sim_eim, &pki.eim_tls, listen, relay)
            .await
            .unwrap();
        let http = https_client(dir.path(), eim.local_addr(), HttpOptions::default().timeout);
        let esipa = EsipaClient::new(http, Server::parse(DEFAULT_EIM_HOST).unwrap());
        Self {
            dir,
            pki,
            layout,
            eid,
            token,
            euicc,
            esipa,
            eim,
            own: IpaOwnData::new(EIM_ID, Some("356938035643809".into())).unwrap(),
            journal: MemoryJournal::new(),
            state_change: None,
            smdp,
        }
    }

    async fn poll(&mut self) -> Result<PollOutcome, PollError> {
        let mut no_smdp = |_: &str| None::<Es9Client>;
        self.poll_with(&mut no_smdp).await
    }

    async fn poll_with(
        &mut self,
        es9_for: &mut (impl FnMut(&str) -> Option<Es9Client> + Send),
    ) -> Result<PollOutcome, PollError> {
        // The daemon runs cycles in spawned tasks.
        fn spawnable<F: Future + Send>(cycle: F) -> F {
            cycle
        }
        spawnable(poll_once(
            &mut self.euicc,
            &mut self.esipa,
            self.eid,
            &self.own,
            es9_for,
            &mut self.journal,
            &mut self.state_change,
        ))
        .await
    }

    /// An ESipa client of the bench's eIM that sends `admin_protocol`.
    fn esipa_client(&self, admin_protocol: &str) -> EsipaClient {
        let http = https_client(
            self.dir.path(),
            self.eim.local_addr(),
            HttpOptions::default().timeout,
        );
        EsipaClient::new(http, Server::parse(DEFAULT_EIM_HOST).unwrap())
            .with_admin_protocol(admin_protocol)
    }

    /// One cycle with `journal` instead of the bench's own.
    async fn poll_journaled(
        &mut self,
        journal: &mut dyn Journal,
    ) -> Result<PollOutcome, PollError> {
        let mut no_smdp = |_: &str| None::<Es9Client>;
        poll_once(
            &mut self.euicc,
            &mut self.esipa,
            self.eid,
            &self.own,
            &mut no_smdp,
            journal,
            &mut None,
        )
        .await
    }

    /// The sequence numbers of the eUICC Package Results stored on the card.
    async fn stored_results(&mut self) -> Vec<i64> {
        // A v1.0 card returns its stored results with the notifications.
        let criteria = self
            .layout
            .results_on_request()
            .then_some(NotificationSearchCriteria::EuiccPackageResults);
        let stored = ipa_data::retrieve(&mut self.euicc, criteria).await.unwrap();
        stored
            .package_results
            .iter()
            .map(|raw| signed_result(self.layout, raw).3)
            .collect()
    }

    async fn enabled(&mut self) -> Option<Iccid> {
        self.euicc.enabled_profile().await.unwrap()
    }

    /// Panics unless `signature` over `data` verifies with the eUICC certificate.
    fn verify_euicc_signature(&self, data: &[u8], signature: &[u8]) {
        let key = self.pki.euicc.cert.public_key().unwrap();
        key.verify_raw(data, signature)
            .expect("the signature verifies with the eUICC certificate");
    }

    /// The last report the eIM received.
    fn last_report(&self) -> Report {
        let received = self.eim.with_eim(|eim| eim.received().to_vec());
        received.last().expect("nothing received").report.clone()
    }

    /// Queues a data request for `tags` in the bench's layout, polls once, and returns the eIM's stored
    /// answer.
    async fn request_data(&mut self, tags: &str) -> DataResponse {
        let tag_list = hex::decode(tags).unwrap();
        self.eim
            .with_eim(|eim| eim.queue_tag_list(self.eid, &tag_list, Some(Octets(vec![0x42]))));
        let outcome = self.poll().await.unwrap();
        assert!(
            matches!(outcome, PollOutcome::Executed { .. }),
            "{outcome:?}"
        );
        match self.last_report() {
            Report::DataResponse(response) => *response,
            other => panic!("{other:?}"),
        }
    }

    /// Queues an enable package for `iccid` in the bench's layout.
    fn queue_enable(&self, iccid: &str, transaction_id: Option<Octets>) {
        self.eim
            .with_eim(|eim| queue_enable_at(eim, self.layout, self.eid, iccid, transaction_id));
    }

    /// The v1.2 eUICC Package Results the eIM received, decoded.
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

/// Queues at `eim` an enable package for `iccid` in the `layout`; returns the package as queued.
fn queue_enable_at(
    eim: &mut SimEim,
    layout: Layout,
    eid: Eid,
    iccid: &str,
    transaction_id: Option<Octets>,
) -> Vec<u8> {
    let params = EnableParams {
        iccid: iccid.parse().unwrap(),
        rollback_flag: None,
    };
    for_layout!(layout, l => {
        let package = l::EuiccPackage::PsmoList(vec![l::Psmo::Enable(params)]);
        eim.queue_package(eid, package, transaction_id)
    })
}

/// The transaction identifier and the installation result of a download result of either layout.
fn installation_result(
    result: DownloadResult,
) -> (Option<Octets>, Signed<ProfileInstallationResult>) {
    match result {
        DownloadResult::V1_2(result) => match result.profile_download_trigger_result_data {
            ProfileDownloadTriggerResultData::ProfileInstallationResult(pir) => {
                (result.eim_transaction_id, pir)
            }
            other => panic!("{other:?}"),
        },
        DownloadResult::V1_0(result) => match result.profile_download_trigger_result_data {
            v1_0::ProfileDownloadTriggerResultData::ProfileInstallationResult(pir) => {
                (result.eim_transaction_id, pir)
            }
            other => panic!("{other:?}"),
        },
    }
}

/// The parts of a signed eUICC Package Result of either layout: the signed data as received, the signature,
/// the transaction identifier and the sequence number.
fn signed_result(layout: Layout, raw: &[u8]) -> (Vec<u8>, Vec<u8>, Option<Octets>, i64) {
    for_layout!(layout, l => {
        let result: l::EuiccPackageResult = from_ber(raw).unwrap();
        let (Some(seq_number), l::EuiccPackageResult::EuiccPackageResultSigned(signed)) =
            (result.seq_number(), &result)
        else {
            panic!("not a signed result: {raw:02X?}")
        };
        (
            signed.euicc_package_result_data_signed.raw().to_vec(),
            signed.euicc_sign_epr.0.clone(),
            result.signed_transaction_id().cloned(),
            seq_number,
        )
    })
}

/// An enable package in the `layout`: executed, its signed result at the eIM, acknowledged and
/// removed from the card.
async fn enable_package_round_trip(layout: Layout) {
    let mut bench = Bench::with_layout(layout).await;
    assert!(bench.token.is_some());
    assert_eq!(bench.euicc.layout().await.unwrap(), layout);
    // The card keeps the eIM's configuration in its own layout.
    let configurations = bench.euicc.eim_configuration().await.unwrap();
    let [configuration] = &configurations[..] else {
        panic!("{configurations:?}")
    };
    assert_eq!(configuration.eim_id, EIM_ID);
    assert_eq!(configuration.association_token, bench.token);
    assert!(configuration.public_key.is_some());
    assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
    bench.queue_enable(DISABLED, Some(Octets(vec![0x11])));

    let outcome = bench.poll().await.unwrap();
    let PollOutcome::Executed(Removal {
        removed: acknowledged,
        ..
    }) = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(bench.enabled().await, Some(DISABLED.parse().unwrap()));

    let received = bench.eim.with_eim(|eim| eim.received().to_vec());
    let results: Vec<_> = received
        .iter()
        .filter_map(|r| match &r.report {
            Report::PackageResult(raw) => Some(raw.clone()),
            _ => None,
        })
        .collect();
    let [raw] = &results[..] else {
        panic!("{received:?}")
    };
    assert!(
        received.iter().all(|r| r.eid == Some(bench.eid)),
        "{received:?}"
    );
    let (data, signature, transaction_id, seq_number) = signed_result(layout, raw);
    bench.verify_euicc_signature(&eim_signed_data(&data, bench.token), &signature);
    assert_eq!(transaction_id, Some(Octets(vec![0x11])));
    assert!(acknowledged.contains(&seq_number));

    assert!(bench.stored_results().await.is_empty());
    let left = bench.euicc.list_notifications(None).await.unwrap();
    assert!(
        left.iter().all(|n| !acknowledged.contains(&n.seq_number)),
        "{left:?}"
    );
    assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
}

in_both_layouts! {
    enable_package_round_trip => an_enable_package_is_executed_reported_and_acknowledged, a_v1_0_enable_package_is_executed_reported_and_acknowledged;
}

/// A package signed with another key reaches the eIM as the eUICC's unsigned error, in the `layout`.
async fn wrongly_signed_round_trip(layout: Layout) {
    let mut bench = Bench::with_layout(layout).await;
    let mut impostor = SimEim::new(EIM_ID, SigningKey::generate());
    impostor.associate(bench.eid, bench.token);
    let package = queue_enable_at(
        &mut impostor,
        layout,
        bench.eid,
        DISABLED,
        Some(Octets(vec![5])),
    );
    bench.eim.with_eim(|eim| eim.queue_raw(bench.eid, package));

    let outcome = bench.poll().await.unwrap();
    assert_eq!(outcome, PollOutcome::Executed(Removal::default()));
    assert_eq!(bench.enabled().await, Some(ENABLED.parse().unwrap()));
    let raw = match bench.last_report() {
        Report::PackageResult(raw) => raw,
        other => panic!("{other:?}"),
    };
    let (eim_id, token) = for_layout!(layout, l => {
        let l::EuiccPackageResult::EuiccPackageErrorUnsigned(error) = from_ber(&raw).unwrap() else {
            panic!("{raw:02X?}")
        };
        (error.eim_id, error.association_token)
    });
    assert_eq!((eim_id.as_str(), token), (EIM_ID, bench.token));
    // The transaction identifier (`82 01 05`) is echoed where the layout has a place for it: v1.2's
    // unsigned error; v1.0's has none.
    let echoed = raw.windows(3).any(|w| w == [0x82, 0x01, 0x05]);
    assert_eq!(echoed, layout == Layout::V1_2, "{raw:02X?}");
}

in_both_layouts! {
    wrongly_signed_round_trip => a_wrongly_signed_package_reaches_the_eim_as_the_euicc_error, a_v1_0_wrongly_signed_package_reaches_the_eim_as_the_euicc_error;
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

#[test]
fn a_data_request_is_answered_with_the_cards_values() {
    block_on(async {
        let mut bench = Bench::new().await;
        // A local enable leaves notifications on the card.
        let iccid = DISABLED.parse().unwrap();
        bench.euicc.enable(iccid, false).await.unwrap();
        let all = "A0 81 A2 BF20 BF22 83 84 A5 A6 A8 A9".replace(' ', "");
        let response = bench.request_data(&all).await;
        let DataResponse::V1_2(IpaEuiccDataResponse::IpaEuiccData(data)) = response else {
            panic!("{response:?}")
        };

        let euicc = &mut bench.euicc;
        let addresses = euicc.configured_addresses().await.unwrap();
        let certs = euicc.certs(None).await.unwrap();
        let notifications = euicc.retrieve_notifications(None).await.ok();
        let results = euicc
            .retrieve_notifications(Some(NotificationSearchCriteria::EuiccPackageResults))
            .await
            .ok();
        let expected = IpaEuiccData {
            notifications_list: Some(notifications.map(|n| n.notifications).unwrap_or_default()),
            default_smdp_address: addresses.default_dp_address,
            euicc_package_result_list: Some(
                results
                    .map(|r| r.package_results)
                    .unwrap_or_default()
                    .iter()
                    .map(|raw| from_ber(raw).unwrap())
                    .collect(),
            ),
            euicc_info1: Some(euicc.euicc_info1().await.unwrap()),
            euicc_info2: Some(euicc.euicc_info2().await.unwrap().clone()),
            root_smds_address: Some(addresses.root_ds_address),
            association_token: bench.token,
            eum_certificate: Some(certs.eum_certificate),
            euicc_certificate: Some(certs.euicc_certificate),
            eim_transaction_id: Some(Octets(vec![0x42])),
            ipa_capabilities: Some(ipa_capabilities()),
            device_info: Some(bench.own.device_info().clone()),
        };
        assert_eq!(data, expected);
        assert!(data.association_token.is_some());
        assert!(data.notifications_list.is_some_and(|n| !n.is_empty()));
    });
}

#[test]
fn a_data_request_with_an_unknown_tag_is_refused() {
    block_on(async {
        let mut bench = Bench::new().await;
        let response = bench.request_data("81BF7F").await;
        assert_eq!(
            response,
            DataResponse::V1_2(IpaEuiccDataResponse::IpaEuiccDataResponseError(
                IpaEuiccDataResponseError {
                    eim_transaction_id: Some(Octets(vec![0x42])),
                    ipa_euicc_data_error_code: INCORRECT_TAG_LIST,
                }
            ))
        );
    });
}

/// An eIM configured to speak v1.0 with a v1.2 card: the IPA's own messages follow the eIM's layout (here
/// the data answer), while the eUICC's data travels as the eUICC built it.
#[test]
fn an_eim_forced_to_v1_0_is_answered_in_its_layout_by_a_v1_2_card() {
    block_on(async {
        let mut bench = Bench::build(Layout::V1_2, Layout::V1_0, false, None).await;
        bench.esipa = (bench.esipa_client(DEFAULT_ADMIN_PROTOCOL)).with_layout(Some(Layout::V1_0));
        assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
        let response = bench.request_data("BF2284A8").await;
        let DataResponse::V1_0(v1_0::IpaEuiccDataResponse::IpaEuiccData(data)) = response else {
            panic!("{response:?}")
        };
        let info2 = bench.euicc.euicc_info2().await.unwrap().clone();
        assert_eq!(data.euicc_info2, Some(info2), "the card's v1.2 EUICCInfo2");
        assert_eq!(data.association_token, bench.token);
        assert_eq!(data.ipa_capabilities, Some(ipa_capabilities()));
    });
}

#[test]
fn a_v1_0_data_request_is_answered_in_the_v1_0_layout() {
    block_on(async {
        let mut bench = Bench::with_layout(Layout::V1_0).await;
        // A package leaves its result on the card until the eIM acknowledges it; a local enable leaves a
        // notification.
        bench
            .euicc
            .enable(DISABLED.parse().unwrap(), false)
            .await
            .unwrap();
        let response = bench
            .request_data("BF22 84 A8 A9 BF2B".replace(' ', "").as_str())
            .await;
        let DataResponse::V1_0(v1_0::IpaEuiccDataResponse::IpaEuiccData(data)) = response else {
            panic!("{response:?}")
        };
        let info2 = bench.euicc.euicc_info2().await.unwrap().clone();
        let iot = info2.iot_specific_info.as_ref().unwrap();
        assert_eq!(iot.iot_version, [Octets(vec![1, 0, 0])]);
        assert_eq!(data.euicc_info2, Some(info2));
        assert_eq!(data.association_token, bench.token);
        assert_eq!(data.ipa_capabilities, Some(ipa_capabilities()));
        assert_eq!(data.device_info.as_ref(), Some(bench.own.device_info()));
        assert_eq!(data.euicc_info1, None);
        let Some(v1_0::RetrieveNotificationsListResponse::NotificationList(notifications)) =
            data.notifications_list
        else {
            panic!("{:?}", data.notifications_list)
        };
        let listed = bench.euicc.list_notifications(None).await.unwrap();
        assert!(!listed.is_empty());
        assert_eq!(
            notifications
                .iter()
                .filter_map(|n| n.value().metadata().map(|m| m.seq_number))
                .collect::<Vec<_>>(),
            listed.iter().map(|m| m.seq_number).collect::<Vec<_>>()
        );
    });
}

/// An eCO list as a SGP.32 v1.0.1 eIM writes it: the `EuiccPackageSigned` put together from the tags of the
/// specification with the writer alone, so that no reading of our ASN.1 types is involved.
struct WireEcoList(Vec<u8>);

impl PackageContent for WireEcoList {
    fn signed_der(
        self,
        eim_id: &str,
        eid: Eid,
        counter_value: i64,
        transaction_id: Option<Octets>,
    ) -> Vec<u8> {
        let mut w = Writer::new();
        w.tlv(Tag(0x30), |w| {
            w.tlv(Tag(0x80), |w| w.raw(eim_id.as_bytes()));
            eid.encode_implicit(Tag(0x5A), w);
            counter_value.encode_implicit(Tag(0x81), w);
            if let Some(id) = &transaction_id {
                id.encode_implicit(Tag(0x82), w);
            }
            // ecoList [1]
            w.tlv(Tag(0xA1), |w| w.raw(&self.0));
        });
        w.into_bytes()
    }
}

/// A v1.0 eIM's addEim in SGP.32 v1.0.1's tags (`A5 { A0 SPKI }`, `87` protocols) reaches the eUICC and adds
/// the eIM with its key, rather than being refused as an invalid package format.
#[test]
fn a_v1_0_1_add_eim_package_reaches_the_euicc() {
    block_on(async {
        let mut bench = Bench::with_layout(Layout::V1_0).await;
        let spki = bench
            .pki
            .eim_sign
            .key
            .verifying_key()
            .to_spki_der()
            .unwrap();
        assert_eq!(spki[..2], [0x30, 0x59]);
        let mut eco = Writer::new();
        // addEim [8] EimConfigurationData
        eco.tlv(Tag(0xA8), |w| {
            w.tlv(Tag(0x80), |w| w.raw(b"eim-second"));
            w.tlv(Tag(0x81), |w| w.raw(b"eim2.example.test:8443"));
            w.tlv(Tag(0x83), |w| w.raw(&[0x00]));
            // eimPublicKeyData [5] { eimPublicKey [0] IMPLICIT SubjectPublicKeyInfo }
            w.tlv(Tag(0xA5), |w| w.tlv(Tag(0xA0), |w| w.raw(&spki[2..])));
            // eimSupportedProtocol [7]: eimRetrieveHttps
            w.tlv(Tag(0x87), |w| w.raw(&[0x07, 0x80]));
        });
        bench.eim.with_eim(|eim| {
            eim.queue_package(
                bench.eid,
                WireEcoList(eco.into_bytes()),
                Some(Octets(vec![7])),
            )
        });
        let outcome = bench.poll().await.unwrap();
        assert!(
            matches!(outcome, PollOutcome::Executed { .. }),
            "{outcome:?}"
        );
        let Report::PackageResult(raw) = bench.last_report() else {
            panic!("{:?}", bench.last_report())
        };
        let Ok(v1_0::EuiccPackageResult::EuiccPackageResultSigned(signed)) = from_ber(&raw) else {
            panic!("not a signed result: {raw:02X?}")
        };
        let results = &signed.euicc_package_result_data_signed.value().euicc_result;
        assert!(
            matches!(
                results[..],
                [v1_0::EuiccResultData::AddEimResult(
                    AddEimResult::AssociationToken(_)
                )]
            ),
            "{results:?}"
        );
        let configurations = bench.euicc.eim_configuration().await.unwrap();
        let added = configurations
            .iter()
            .find(|c| c.eim_id == "eim-second")
            .expect("the eIM was added");
        assert_eq!(added.fqdn.as_deref(), Some("eim2.example.test:8443"));
        let Some(EimKey::PublicKey(key)) = &added.public_key else {
            panic!("{added:?}")
        };
        assert_eq!(key.as_der(), &spki[..]);
        assert_eq!(
            added.supported_protocol,
            Some(euicc_asn1::BitString::from_bits(&[0]))
        );
    });
}

/// A public v1.0 eIM asks for every component with `80 BF20 BF22 83 84 A5 A6 88 A9 BF2B` (ipaCapabilities
/// as `88`): each is answered.
#[test]
fn a_v1_0_eims_documented_tag_list_is_answered_in_full() {
    block_on(async {
        let mut bench = Bench::with_layout(Layout::V1_0).await;
        bench
            .euicc
            .enable(DISABLED.parse().unwrap(), false)
            .await
            .unwrap();
        let response = bench.request_data("80BF20BF228384A5A688A9BF2B").await;
        let DataResponse::V1_0(v1_0::IpaEuiccDataResponse::IpaEuiccData(data)) = response else {
            panic!("{response:?}")
        };
        let addresses = bench.euicc.configured_addresses().await.unwrap();
        let certs = bench.euicc.certs(None).await.unwrap();
        assert_eq!(data.default_smdp_address, addresses.default_dp_address);
        assert_eq!(
            data.euicc_info1,
            Some(bench.euicc.euicc_info1().await.unwrap())
        );
        assert_eq!(
            data.euicc_info2.as_ref(),
            Some(bench.euicc.euicc_info2().await.unwrap())
        );
        assert_eq!(data.root_smds_address, Some(addresses.root_ds_address));
        assert!(data.association_token.is_some());
        assert_eq!(data.association_token, bench.token);
        assert_eq!(data.eum_certificate, Some(certs.eum_certificate));
        assert_eq!(data.euicc_certificate, Some(certs.euicc_certificate));
        assert_eq!(data.ipa_capabilities, Some(ipa_capabilities()));
        assert_eq!(data.device_info.as_ref(), Some(bench.own.device_info()));
        assert!(data.notifications_list.is_some());
    });
}

/// A download trigger in the `layout`: the profile is installed and the eIM holds the signed PIR.
async fn trigger_round_trip(layout: Layout) {
    {
        let mut bench = Bench::with_layout(layout).await;
        let smdp = start_smdp(&bench.pki, None).await;
        let trigger = ProfileDownloadTriggerRequest {
            profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
                "1${HOST}${MATCHING_ID}"
            ))),
            eim_transaction_id: Some(Octets(vec![0x77])),
        };
        bench
            .eim
            .with_eim(|eim| eim.queue_download_trigger(bench.eid, &trigger));
        let mut http = Some(https_client(
            bench.dir.path(),
            smdp.local_addr(),
            std::time::Duration::from_secs(20),
        ));
        let mut es9_for =
            |address: &str| Some(Es9Client::new(http.take()?, Server::parse(address).ok()?));

        let outcome = bench.poll_with(&mut es9_for).await.unwrap();
        assert!(
            matches!(outcome, PollOutcome::Executed { .. }),
            "{outcome:?}"
        );
        let profiles = bench.euicc.profiles(None).await.unwrap();
        assert!(
            profiles
                .iter()
                .any(|p| p.iccid.map(|i| i.digits()).as_deref() == Some(ICCID))
        );
        assert_eq!(
            smdp.with_smdp(|s| s.order_installed(MATCHING_ID)),
            Some(true)
        );

        let Report::DownloadResult(result) = bench.last_report() else {
            panic!("no download result")
        };
        let (transaction_id, pir) = installation_result(*result);
        assert_eq!(transaction_id, Some(Octets(vec![0x77])));
        let pir = pir.value();
        bench.verify_euicc_signature(
            pir.profile_installation_result_data.raw(),
            pir.euicc_sign_pir.as_slice(),
        );
    }
}

in_both_layouts! {
    trigger_round_trip => a_download_trigger_installs_the_profile_and_reports_its_result, a_v1_0_download_trigger_installs_the_profile_and_reports_its_result;
}

#[test]
fn a_trigger_without_a_reachable_smdp_reports_the_error_form() {
    block_on(async {
        let mut bench = Bench::new().await;
        let trigger = ProfileDownloadTriggerRequest {
            profile_download_data: Some(ProfileDownloadData::ContactDefaultSmdp),
            eim_transaction_id: None,
        };
        bench
            .eim
            .with_eim(|eim| eim.queue_download_trigger(bench.eid, &trigger));
        bench.poll().await.unwrap();
        let Report::DownloadResult(result) = bench.last_report() else {
            panic!("no download result")
        };
        assert!(matches!(
            *result,
            DownloadResult::V1_2(r) if matches!(
                r.profile_download_trigger_result_data,
                ProfileDownloadTriggerResultData::ProfileDownloadError(_)
            )
        ));
    });
}

/// A [`MemoryJournal`] that fails once, at `step`: the cycle stops there, as a crash at that point would
/// stop it, and the journal keeps what was recorded before.
struct Interrupting {
    inner: MemoryJournal,
    step: &'static str,
    failed: bool,
}

impl Interrupting {
    fn at(step: &'static str) -> Self {
        Self {
            inner: MemoryJournal::new(),
            step,
            failed: false,
        }
    }

    fn fail(&mut self, step: &'static str) -> Result<(), JournalError> {
        if step == self.step && !self.failed {
            self.failed = true;
            return Err(JournalError("power lost".into()));
        }
        Ok(())
    }
}

impl Journal for Interrupting {
    fn package_received(&mut self, answer: &[u8]) -> Result<u64, JournalError> {
        self.inner.package_received(answer)
    }
    fn result_owed(&mut self, id: u64, message: &[u8]) -> Result<(), JournalError> {
        self.fail("result_owed")?;
        self.inner.result_owed(id, message)
    }
    fn acknowledged(&mut self, id: u64, seq_numbers: &[i64]) -> Result<(), JournalError> {
        self.fail("acknowledged")?;
        self.inner.acknowledged(id, seq_numbers)
    }
    fn finished(&mut self, id: u64) -> Result<(), JournalError> {
        self.inner.finished(id)
    }
    fn pending(&self) -> Result<Vec<Pending>, JournalError> {
        self.inner.pending()
    }
}

#[test]
fn a_cycle_interrupted_after_the_result_was_owed_resends_the_same_bytes() {
    block_on(async {
        let mut bench = Bench::new().await;
        // A notification the eIM will receive but not acknowledge.
        bench
            .euicc
            .enable(DISABLED.parse().unwrap(), false)
            .await
            .unwrap();
        bench
            .eim
            .with_eim(|eim| eim.set_acknowledging(Acknowledging::ResultsOnly));
        let notifications = bench.euicc.list_notifications(None).await.unwrap();
        assert!(!notifications.is_empty());
        bench.queue_enable(ENABLED, None);

        // The eIM gets the result; the cycle stops before the acknowledgement is recorded.
        let mut journal = Interrupting::at("acknowledged");
        let error = bench.poll_journaled(&mut journal).await.unwrap_err();
        assert!(matches!(error, PollError::Journal(_)), "{error}");
        let [
            Pending {
                step: Step::ResultOwed(owed),
                ..
            },
        ] = &journal.pending().unwrap()[..]
        else {
            panic!("{:?}", journal.pending())
        };
        let owed = owed.clone();
        let [stored] = bench.stored_results().await[..] else {
            panic!("the result is not on the card")
        };

        // The next cycle resends the journaled bytes before it polls, then removes what was acknowledged.
        assert_eq!(
            bench.poll_journaled(&mut journal).await.unwrap(),
            PollOutcome::NoPackage
        );
        assert!(journal.pending().unwrap().is_empty());
        let results: Vec<_> = bench
            .received_results()
            .into_iter()
            .map(|(raw, _)| raw)
            .collect();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0], results[1]);
        assert!(
            owed.windows(results[0].len()).any(|w| w == results[0]),
            "the owed message carries the result"
        );
        assert!(bench.stored_results().await.is_empty(), "{stored} kept");
        assert_eq!(bench.enabled().await, Some(ENABLED.parse().unwrap()));
        // Only what was acknowledged is gone: the notifications stay for a later delivery.
        let left = bench.euicc.list_notifications(None).await.unwrap();
        for n in &notifications {
            assert!(left.iter().any(|l| l.seq_number == n.seq_number), "{n:?}");
        }
    });
}

/// A cycle cut short after the package was loaded, before its result was owed: the next cycle sends the
/// result stored on the card instead of loading the package again (which would be a replay error).
async fn unreported_package_round_trip(layout: Layout) {
    let mut bench = Bench::with_layout(layout).await;
    bench.queue_enable(DISABLED, Some(Octets(vec![0x21])));
    let mut journal = Interrupting::at("result_owed");
    assert!(bench.poll_journaled(&mut journal).await.is_err());
    assert!(matches!(
        &journal.pending().unwrap()[..],
        [Pending {
            step: Step::Received(_),
            ..
        }]
    ));
    assert_eq!(bench.enabled().await, Some(DISABLED.parse().unwrap()));
    let [stored] = bench.stored_results().await[..] else {
        panic!("the result is not on the card")
    };

    assert_eq!(
        bench.poll_journaled(&mut journal).await.unwrap(),
        PollOutcome::NoPackage
    );
    assert!(journal.pending().unwrap().is_empty());
    let received = bench.eim.with_eim(|eim| eim.received().to_vec());
    let results: Vec<_> = received
        .iter()
        .filter_map(|r| match &r.report {
            Report::PackageResult(raw) => Some(signed_result(layout, raw)),
            _ => None,
        })
        .collect();
    let [(_, _, transaction_id, seq_number)] = &results[..] else {
        panic!("{received:?}")
    };
    assert_eq!(transaction_id, &Some(Octets(vec![0x21])));
    assert_eq!(*seq_number, stored);
    assert!(bench.stored_results().await.is_empty());
}

in_both_layouts! {
    unreported_package_round_trip => a_package_received_but_not_reported_is_reported_from_the_cards_stored_result, a_v1_0_package_received_but_not_reported_is_reported_from_the_cards_stored_result;
}

/// Local changes leave notifications; they go to the eIM one by one, each removed after the eIM took it, and
/// one the eIM refused stays for the next round.
async fn notifications_round_trip(layout: Layout) {
    let mut bench = Bench::with_layout(layout).await;
    bench
        .euicc
        .enable(DISABLED.parse().unwrap(), false)
        .await
        .unwrap();
    let pending = bench.euicc.list_notifications(None).await.unwrap();
    assert!(pending.len() >= 2, "{pending:?}");
    let expected: Vec<i64> = pending.iter().map(|m| m.seq_number).collect();
    let signed = bench
        .euicc
        .retrieve_notifications(None)
        .await
        .unwrap()
        .notifications;

    bench.eim.with_eim(|eim| eim.refuse_next_notifications(1));
    let first = deliver_notifications(&mut bench.euicc, &mut bench.esipa)
        .await
        .unwrap();
    assert_eq!(first.failed, expected[..1]);
    assert_eq!(first.delivered, expected[1..]);
    let left = bench.euicc.list_notifications(None).await.unwrap();
    assert_eq!(
        left.iter().map(|m| m.seq_number).collect::<Vec<_>>(),
        expected[..1]
    );

    let second = deliver_notifications(&mut bench.euicc, &mut bench.esipa)
        .await
        .unwrap();
    assert_eq!(second.delivered, expected[..1]);
    assert!(second.failed.is_empty());
    assert!(
        bench
            .euicc
            .list_notifications(None)
            .await
            .unwrap()
            .is_empty()
    );

    // The eIM holds each notification once, as the eUICC signed it.
    let received = bench.eim.with_eim(|eim| eim.received().to_vec());
    let mut held: Vec<Vec<u8>> = received
        .into_iter()
        .map(|r| match r.report {
            Report::Notification(raw) => raw,
            other => panic!("{other:?}"),
        })
        .collect();
    let mut sent: Vec<Vec<u8>> = signed.iter().map(|n| n.raw().to_vec()).collect();
    held.sort();
    sent.sort();
    assert_eq!(held, sent);
}

in_both_layouts! {
    notifications_round_trip => pending_notifications_are_delivered_one_by_one, v1_0_pending_notifications_are_delivered_one_by_one;
}

/// A local state change goes with the next poll the eIM answers, in the `layout`.
async fn state_change_round_trip(layout: Layout) {
    let mut bench = Bench::with_layout(layout).await;
    let change = StateChange {
        cause: 3,
        r_plmn: Some([0x62, 0xF2, 0x20]),
    };
    bench.state_change = Some(change.clone());
    // An eIM that refuses the poll has not heard of it: it is kept.
    let refused = bench.esipa_client("refused/v0");
    let working = std::mem::replace(&mut bench.esipa, refused);
    assert!(bench.poll().await.is_err());
    assert_eq!(bench.state_change, Some(change));
    bench.esipa = working;

    assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
    assert_eq!(bench.state_change, None);
    assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
    let polls = bench.eim.with_eim(|eim| eim.polls());
    let [told, plain] = &polls[..] else {
        panic!("{polls:?}")
    };
    // v1.0 has no cause: its eIM hears only that the state changed.
    let cause = (layout == Layout::V1_2).then_some(3);
    assert_eq!(
        told,
        &Poll {
            eid: bench.eid,
            notify_state_change: true,
            state_change_cause: cause,
            r_plmn: Some(vec![0x62, 0xF2, 0x20]),
        }
    );
    assert!(!plain.notify_state_change && plain.r_plmn.is_none());
}

in_both_layouts! {
    state_change_round_trip => a_state_change_is_told_with_the_next_answered_poll, a_v1_0_state_change_is_told_with_the_next_answered_poll;
}

/// Queues a download trigger for `matching_id` at the bench's SM-DP+ and polls once; no direct ES9+ client
/// may be asked for.
async fn trigger_indirectly(bench: &mut Bench, matching_id: &str) -> PollOutcome {
    let trigger = ProfileDownloadTriggerRequest {
        profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
            "1${HOST}${matching_id}"
        ))),
        eim_transaction_id: Some(Octets(vec![0x78])),
    };
    bench
        .eim
        .with_eim(|eim| eim.queue_download_trigger(bench.eid, &trigger));
    let mut direct = |address: &str| -> Option<Es9Client> {
        panic!("a direct ES9+ client was asked for {address}")
    };
    bench.poll_with(&mut direct).await.unwrap()
}

/// An indirect download in the `layout`: every ES9+ exchange relayed by the eIM, the profile
/// installed, the PIR forwarded to the SM-DP+ and held by the eIM in the trigger's result.
async fn indirect_download_round_trip(layout: Layout, route: DownloadRoute) {
    let mut bench = Bench::build(layout, layout, true, None).await;
    bench.own = bench.own.clone().with_download_route(route);
    let outcome = trigger_indirectly(&mut bench, MATCHING_ID).await;
    assert!(
        matches!(outcome, PollOutcome::Executed { .. }),
        "{outcome:?}"
    );
    let profiles = bench.euicc.profiles(None).await.unwrap();
    assert!(
        profiles
            .iter()
            .any(|p| p.iccid.map(|i| i.digits()).as_deref() == Some(ICCID))
    );
    let smdp = bench.smdp.as_ref().unwrap();
    assert_eq!(
        smdp.with_smdp(|s| s.order_installed(MATCHING_ID)),
        Some(true)
    );
    assert_eq!(
        bench.eim.with_eim(|eim| eim.relayed_functions().to_vec()),
        [
            "initiateAuthentication",
            "authenticateClient",
            "getBoundProfilePackage",
            "handleNotification"
        ]
    );

    let received = bench.eim.with_eim(|eim| eim.received().to_vec());
    let [
        Received {
            report: Report::Notification(forwarded),
            ..
        },
        Received {
            report: Report::DownloadResult(result),
            ..
        },
    ] = &received[..]
    else {
        panic!("{received:?}")
    };
    let (transaction_id, pir) = installation_result((**result).clone());
    assert_eq!(transaction_id, Some(Octets(vec![0x78])));
    assert_eq!(pir.raw(), forwarded.as_slice());
    let pir = pir.value();
    bench.verify_euicc_signature(
        pir.profile_installation_result_data.raw(),
        pir.euicc_sign_pir.as_slice(),
    );
    // Delivered through the eIM, so removed from the card.
    let seq_number = pir
        .profile_installation_result_data
        .value()
        .notification_metadata
        .seq_number;
    let left = bench.euicc.list_notifications(None).await.unwrap();
    assert!(left.iter().all(|n| n.seq_number != seq_number), "{left:?}");
}

#[test]
fn an_indirect_download_is_relayed_by_the_eim_when_it_announces_support() {
    block_on(indirect_download_round_trip(
        Layout::V1_2,
        DownloadRoute::Auto,
    ));
}

#[test]
fn a_v1_0_indirect_download_is_relayed_by_the_eim_when_configured() {
    block_on(indirect_download_round_trip(
        Layout::V1_0,
        DownloadRoute::Indirect,
    ));
}

#[test]
fn a_refused_indirect_download_is_cancelled_through_the_eim() {
    block_on(async {
        // The order asks for a confirmation code the trigger does not carry: the IPA cancels.
        let mut bench = Bench::build(Layout::V1_2, Layout::V1_2, true, Some("5678")).await;
        trigger_indirectly(&mut bench, MATCHING_ID).await;
        let relayed = bench.eim.with_eim(|eim| eim.relayed_functions().to_vec());
        assert_eq!(
            relayed,
            [
                "initiateAuthentication",
                "authenticateClient",
                "cancelSession"
            ]
        );
        let smdp = bench.smdp.as_ref().unwrap();
        assert!(smdp.with_smdp(|s| {
            s.events()
                .iter()
                .any(|e| matches!(e, SmdpEvent::SessionCancelled { .. }))
        }));
        let Report::DownloadResult(result) = bench.last_report() else {
            panic!("no download result")
        };
        assert!(matches!(
            *result,
            DownloadResult::V1_2(r) if matches!(
                r.profile_download_trigger_result_data,
                ProfileDownloadTriggerResultData::ProfileDownloadError(_)
            )
        ));
    });
}

/// The bench's eIM over the JSON binding instead.
fn over_json(bench: &mut Bench) {
    bench.esipa = bench
        .esipa_client(DEFAULT_ADMIN_PROTOCOL)
        .with_binding(EsipaBinding::Json);
}

#[test]
fn a_poll_cycle_runs_over_the_json_binding() {
    block_on(async {
        let mut bench = Bench::new().await;
        over_json(&mut bench);
        assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
        bench.queue_enable(DISABLED, Some(Octets(vec![0x31])));
        let outcome = bench.poll().await.unwrap();
        let PollOutcome::Executed(Removal {
            removed: acknowledged,
            ..
        }) = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(bench.enabled().await, Some(DISABLED.parse().unwrap()));
        let results = bench.received_results();
        let [(raw, _)] = &results[..] else {
            panic!("{results:?}")
        };
        let (data, signature, transaction_id, seq_number) = signed_result(Layout::V1_2, raw);
        bench.verify_euicc_signature(&eim_signed_data(&data, bench.token), &signature);
        assert_eq!(transaction_id, Some(Octets(vec![0x31])));
        assert!(acknowledged.contains(&seq_number));
        assert!(bench.stored_results().await.is_empty());
        assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
        assert_eq!(bench.eim.with_eim(|eim| eim.polls().len()), 3);
    });
}

#[test]
fn an_indirect_download_runs_over_the_json_binding() {
    block_on(async {
        let mut bench = Bench::build(Layout::V1_2, Layout::V1_2, true, None).await;
        over_json(&mut bench);
        let outcome = trigger_indirectly(&mut bench, MATCHING_ID).await;
        assert!(
            matches!(outcome, PollOutcome::Executed { .. }),
            "{outcome:?}"
        );
        let smdp = bench.smdp.as_ref().unwrap();
        assert_eq!(
            smdp.with_smdp(|s| s.order_installed(MATCHING_ID)),
            Some(true)
        );
        let Report::DownloadResult(result) = bench.last_report() else {
            panic!("no download result")
        };
        let (transaction_id, _) = installation_result(*result);
        assert_eq!(transaction_id, Some(Octets(vec![0x78])));
    });
}

#[test]
fn the_json_binding_is_refused_for_v1_0() {
    block_on(async {
        let mut bench = Bench::with_layout(Layout::V1_0).await;
        over_json(&mut bench);
        let error = bench.poll().await.unwrap_err();
        assert!(
            matches!(error, PollError::Esipa(EsipaError::Json { .. })),
            "{error}"
        );
    });
}

#[test]
fn an_owed_result_the_eim_refuses_is_dropped_and_polling_goes_on() {
    block_on(async {
        let mut bench = Bench::new().await;
        let mut journal = MemoryJournal::new();
        let id = journal
            .package_received(b"\xBF\x4F\x03\x02\x01\x01")
            .unwrap();
        // Not a message the eIM can read: it answers 400 every time.
        journal.result_owed(id, b"\xBF\x50\x02\x30\x00").unwrap();
        // A package answer that owes nothing.
        journal
            .package_received(b"\xBF\x4F\x03\x02\x01\x01")
            .unwrap();
        assert_eq!(
            bench.poll_journaled(&mut journal).await.unwrap(),
            PollOutcome::NoPackage
        );
        assert!(journal.pending().unwrap().is_empty());
    });
}

#[test]
fn an_owed_result_is_kept_while_the_eim_is_unreachable() {
    block_on(async {
        let mut bench = Bench::new().await;
        bench.queue_enable(DISABLED, None);
        // The eIM gets the result but the acknowledgement is not recorded; then the eIM goes away.
        let mut journal = Interrupting::at("acknowledged");
        assert!(bench.poll_journaled(&mut journal).await.is_err());
        let owed = journal.pending().unwrap();
        bench.esipa = EsipaClient::new(
            https_client(
                bench.dir.path(),
                "127.0.0.1:9".parse().unwrap(),
                std::time::Duration::from_secs(2),
            ),
            Server::parse(DEFAULT_EIM_HOST).unwrap(),
        );
        let error = bench.poll_journaled(&mut journal).await.unwrap_err();
        assert!(!error.is_permanent(), "{error}");
        assert_eq!(journal.pending().unwrap(), owed);
    });
}

#[test]
fn garbage_packages_never_reach_the_card_and_polling_goes_on() {
    block_on(async {
        let mut bench = Bench::new().await;
        // Deterministic pseudo-random bodies (xorshift), some behind a plausible package tag.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..40 {
            let len = (next() % 60) as usize;
            let mut garbage: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if round % 2 == 0 {
                let mut framed = vec![0xBF, 0x51, garbage.len() as u8];
                framed.append(&mut garbage);
                garbage = framed;
            }
            bench
                .eim
                .with_eim(|eim| eim.queue_raw(bench.eid, garbage.clone()));
            let before = bench.euicc.session().counters().es10_commands;
            let outcome = bench.poll().await.unwrap();
            let after = bench.euicc.session().counters().es10_commands;
            match outcome {
                PollOutcome::Rejected { code } => {
                    assert_eq!(code, INVALID_PACKAGE_FORMAT);
                    assert_eq!(before, after, "{garbage:02X?} reached the card");
                }
                // Garbage that happens to be a well-formed data request or trigger.
                PollOutcome::Executed { .. } => {}
                other => panic!("{garbage:02X?}: {other:?}"),
            }
        }
        assert_eq!(bench.enabled().await, Some(ENABLED.parse().unwrap()));
        assert!(bench.journal.pending().unwrap().is_empty());
        assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
    });
}

/// An enable with rollbackFlag starts the supervisor's watch; at the deadline without service the
/// supervisor rolls back, the old profile is back, the rolled-back package's result reaches the eIM, and
/// the next poll tells the eIM of the change. The eUICC allows one rollback only.
#[test]
fn an_enable_with_rollback_flag_is_rolled_back_at_the_deadline_and_reported() {
    use super::supervisor::act::{Answer, perform};
    use super::supervisor::{
        Action, CAUSE_LOCAL, MemorySupervision, Policy, SupervisedJournal, SupervisionJournal,
        Supervisor, Switch,
    };
    use euicc_asn1::types::sgp32::v1_2::EuiccResultData;
    use euiccd_core::supervisor::Connectivity;
    use euiccd_core::supervisor::fallback::FallbackState;
    use euiccd_core::supervisor::rollback::{Evidence, RollbackPolicy};
    const T0: u64 = 1_800_000_000;
    block_on(async {
        let mut bench = Bench::new().await;
        let supervisor = Supervisor::new(Policy {
            rollback: RollbackPolicy {
                deadline_secs: 60,
                require: Evidence::ALL,
            },
            fallback: None,
        });
        let mut supervision = MemorySupervision::default();
        let package = EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
            iccid: DISABLED.parse().unwrap(),
            rollback_flag: Some(euicc_asn1::Null),
        })]);
        bench
            .eim
            .with_eim(|eim| eim.queue_package(bench.eid, package, Some(Octets(vec![0x77]))));
        let mut journal = SupervisedJournal {
            inner: &mut bench.journal,
            supervisor: &supervisor,
            supervision: &mut supervision,
            clock: || T0,
        };
        let mut no_smdp = |_: &str| None::<Es9Client>;
        let outcome = poll_once(
            &mut bench.euicc,
            &mut bench.esipa,
            bench.eid,
            &bench.own,
            &mut no_smdp,
            &mut journal,
            &mut None,
        )
        .await
        .unwrap();
        assert!(matches!(outcome, PollOutcome::Executed { .. }));
        assert_eq!(bench.enabled().await, Some(DISABLED.parse().unwrap()));
        let watch = supervision.load().unwrap().rollback.expect("watch armed");
        assert_eq!(
            (watch.iccid.as_str(), watch.deadline_unix),
            (DISABLED, T0 + 60)
        );
        assert_eq!(watch.eim_id, EIM_ID);

        let nothing = Connectivity::default();
        let next = supervisor
            .next(&mut supervision, T0 + 60, &nothing)
            .unwrap();
        assert_eq!(next.action, Some(Action::Switch(Switch::RollBack)));
        let answer = perform(&mut bench.euicc, Switch::RollBack).await.unwrap();
        let Answer::Switched {
            package_result: Some(epr),
            enabled,
        } = answer
        else {
            panic!("{answer:?}")
        };
        assert_eq!(enabled.as_deref(), Some(ENABLED), "the old profile is back");
        supervisor
            .rolled_back(&mut supervision, Some(epr.clone()))
            .unwrap();

        let next = supervisor
            .next(&mut supervision, T0 + 61, &nothing)
            .unwrap();
        let Some(Action::Deliver { eim_id, epr: owed }) = next.action else {
            panic!("{next:?}")
        };
        assert_eq!((eim_id.as_str(), &owed), (EIM_ID, &epr));
        let acknowledged =
            report_package_result(&mut bench.euicc, &mut bench.esipa, bench.eid, &owed)
                .await
                .unwrap();
        supervisor.delivered(&mut supervision).unwrap();
        let (raw, result) = bench.received_results().pop().unwrap();
        assert_eq!(raw, epr, "relayed as the eUICC signed it");
        let EuiccPackageResult::EuiccPackageResultSigned(signed) = result else {
            panic!("{result:?}")
        };
        let data = signed.euicc_package_result_data_signed.value();
        assert_eq!(data.euicc_result, [EuiccResultData::RollbackResult(0)]);
        assert_eq!(data.eim_transaction_id, Some(Octets(vec![0x77])));
        assert!(acknowledged.contains(&data.seq_number));
        assert!(bench.stored_results().await.is_empty());

        // The next poll tells the eIM of the local change.
        bench.state_change = supervisor.state_change(&supervision).unwrap();
        assert_eq!(bench.poll().await.unwrap(), PollOutcome::NoPackage);
        assert!(bench.state_change.is_none());
        supervisor.state_change_sent(&mut supervision).unwrap();
        let told = bench
            .eim
            .with_eim(|eim| eim.polls().last().cloned().unwrap());
        assert!(told.notify_state_change);
        assert_eq!(told.state_change_cause, Some(CAUSE_LOCAL));
        assert_eq!(
            supervision.load().unwrap(),
            super::supervisor::Supervision {
                rollback: None,
                fallback: FallbackState::default(),
                state_change: None,
            }
        );

        // One attempt only.
        let again = perform(&mut bench.euicc, Switch::RollBack).await.unwrap();
        assert_eq!(again, Answer::Refused { code: 1 });
    });
}

/// A daemon that died between ProfileRollback and journaling its result tries again after the restart: the
/// eUICC refuses a second rollback, and the first one's result is found on the eUICC instead, the same bytes.
#[test]
fn a_repeated_rollback_finds_the_first_ones_result_on_the_card() {
    use super::supervisor::Switch;
    use super::supervisor::act::{Answer, perform};
    block_on(async {
        let mut bench = Bench::new().await;
        let package = EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
            iccid: DISABLED.parse().unwrap(),
            rollback_flag: Some(euicc_asn1::Null),
        })]);
        bench
            .eim
            .with_eim(|eim| eim.queue_package(bench.eid, package, None));
        assert!(matches!(
            bench.poll().await.unwrap(),
            PollOutcome::Executed { .. }
        ));
        let first = perform(&mut bench.euicc, Switch::RollBack).await.unwrap();
        let Answer::Switched {
            package_result: Some(epr),
            ..
        } = &first
        else {
            panic!("{first:?}")
        };
        // The answer is lost with the process; the step was journaled, so the rollback is sent again.
        let again = perform(&mut bench.euicc, Switch::RollBack).await.unwrap();
        assert_eq!(
            again,
            Answer::Switched {
                package_result: Some(epr.clone()),
                enabled: Some(ENABLED.into()),
            }
        );
    });
}

/// Only an enable that permits a rollback and succeeded starts the watch.
/// After a package enabled a profile, nothing goes to the eIM until the connectivity observer shows the
/// device online on the new profile: not while the modem searches, not while it is registered without the
/// data session it had before. The drop ends the settle time early.
#[test]
fn after_an_enable_the_result_waits_until_the_new_profile_is_online() {
    use super::reconnect::tests::state;
    use super::reconnect::{Reconnect, ReconnectPolicy};
    use std::time::{Duration, Instant};
    block_on(async {
        let mut bench = Bench::new().await;
        let (network, watched) = tokio::sync::watch::channel(state(true, true));
        let policy = ReconnectPolicy {
            settle: Duration::from_secs(20),
            timeout: Duration::from_secs(60),
        };
        bench.own = (bench.own.clone()).with_reconnect(Reconnect::watching(watched, policy));
        bench.queue_enable(DISABLED, None);
        let Bench {
            dir,
            euicc,
            esipa,
            eim,
            own,
            journal,
            eid,
            state_change,
            ..
        } = &mut bench;
        let results = |eim: &EimHandle| {
            eim.with_eim(|e| {
                let received = e.received().iter();
                received
                    .filter(|r| matches!(r.report, Report::PackageResult(_)))
                    .count()
            })
        };
        let card = StateFile::new(dir.path().join("card.json"));
        let new_profile: Iccid = DISABLED.parse().unwrap();
        let switched = || {
            let state = card.load().unwrap().unwrap();
            state
                .enabled_profile()
                .is_some_and(|p| p.iccid == new_profile)
        };
        let modem = async {
            // The card has switched: the modem leaves the network, as the REFRESH makes it. (Not when the eIM
            // hands the package out: the agent reads the network before it loads the package.)
            while !switched() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            network.send_replace(state(false, false));
            tokio::time::sleep(Duration::from_millis(400)).await;
            let searching = results(eim);
            network.send_replace(state(true, false));
            tokio::time::sleep(Duration::from_millis(300)).await;
            let registered = results(eim);
            network.send_replace(state(true, true));
            (searching, registered)
        };
        let mut no_smdp = |_: &str| None::<Es9Client>;
        let started = Instant::now();
        let cycle = poll_once(euicc, esipa, *eid, own, &mut no_smdp, journal, state_change);
        let (outcome, (searching, registered)) = tokio::join!(cycle, modem);
        assert!(
            matches!(outcome, Ok(PollOutcome::Executed { .. })),
            "{outcome:?}"
        );
        assert_eq!(
            (searching, registered),
            (0, 0),
            "a result sent while offline"
        );
        assert_eq!(results(eim), 1);
        assert!(
            started.elapsed() < policy.settle / 2,
            "the drop ended the settle time"
        );
    });
}

impl Bench {
    /// The sequence numbers of everything pending on the card: notifications and package results.
    async fn on_card(&mut self) -> Vec<i64> {
        let notifications = self.euicc.list_notifications(None).await.unwrap();
        let mut numbers: Vec<i64> = notifications.iter().map(|n| n.seq_number).collect();
        numbers.extend(self.stored_results().await);
        numbers.sort_unstable();
        numbers
    }

    /// Queues an enable of the profile that is not enabled, polls once, and returns what was removed.
    async fn switch_profile(&mut self) -> Removal {
        let target = match self.enabled().await {
            Some(iccid) if iccid == DISABLED.parse().unwrap() => ENABLED,
            _ => DISABLED,
        };
        self.queue_enable(target, None);
        let outcome = self.poll().await.unwrap();
        assert_eq!(self.enabled().await, Some(target.parse().unwrap()));
        match outcome {
            PollOutcome::Executed(removal) => removal,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn twenty_orders_of_a_v1_0_eim_that_never_acknowledges_leave_at_most_one_result() {
    block_on(async {
        let mut bench = Bench::with_layout(Layout::V1_0).await;
        assert_eq!(
            bench.eim.with_eim(|eim| eim.acknowledging()),
            Acknowledging::Nothing
        );
        for order in 1..=20 {
            let removal = bench.switch_profile().await;
            assert!(removal.kept.is_empty(), "order {order}: {removal:?}");
            assert!(!removal.removed.is_empty(), "order {order}");
            let left = bench.on_card().await;
            assert!(left.len() <= 1, "order {order}: {left:?} still on the card");
        }
        // Each result reached the eIM once, and none carried an earlier order's notifications again.
        let results = bench.received_results();
        assert_eq!(results.len(), 20);
        let notifications = bench.eim.with_eim(|eim| {
            eim.received()
                .iter()
                .filter(|r| matches!(r.report, Report::Notification(_)))
                .count()
        });
        assert_eq!(notifications, 2 * 20, "a disable and an enable per order");
    });
}

#[test]
fn results_kept_for_an_eim_that_never_acknowledges_pile_up_and_are_reported() {
    block_on(async {
        let mut bench = Bench::with_layout(Layout::V1_0).await;
        bench.esipa = bench
            .esipa_client(DEFAULT_ADMIN_PROTOCOL)
            .with_unacknowledged(Unacknowledged::Keep);
        let mut kept = Vec::new();
        for _ in 0..3 {
            let removal = bench.switch_profile().await;
            assert!(removal.removed.is_empty(), "{removal:?}");
            kept = removal.kept;
        }
        // Every result carries the notifications that piled up before it: the third, six of them.
        assert_eq!(kept.len(), 7, "{kept:?}");
        assert!(kept.len() > PILE_UP_BOUND);
        let on_card = bench.on_card().await;
        assert_eq!(
            on_card.len(),
            9,
            "three results and six notifications: {on_card:?}"
        );
        assert!(kept.iter().all(|n| on_card.contains(n)), "{on_card:?}");
    });
}

/// Against an eIM that acknowledges (told to, for v1.0), only the acknowledged entries leave the card.
async fn acknowledged_only_round_trip(layout: Layout) {
    let mut bench = Bench::with_layout(layout).await;
    bench
        .eim
        .with_eim(|eim| eim.set_acknowledging(Acknowledging::ResultsOnly));
    let removal = bench.switch_profile().await;
    let [(raw, _)] = &bench.received_results()[..] else {
        panic!("{:?}", bench.received_results())
    };
    let seq_number = signed_result(layout, raw).3;
    assert_eq!(removal.removed, [seq_number]);
    assert_eq!(
        removal.kept.len(),
        2,
        "the disable and enable notifications"
    );
    let mut kept = removal.kept.clone();
    kept.sort_unstable();
    assert_eq!(bench.on_card().await, kept);
}

in_both_layouts! {
    acknowledged_only_round_trip => an_acknowledging_eim_has_only_what_it_acknowledged_removed, a_v1_0_eim_told_to_acknowledge_has_only_what_it_acknowledged_removed;
}

#[test]
fn acknowledged_numbers_the_result_did_not_carry_are_left_on_the_card() {
    block_on(async {
        let mut bench = Bench::new().await;
        bench
            .eim
            .with_eim(|eim| eim.set_acknowledging(Acknowledging::Nothing));
        // Order 1: its result and notifications stay on the card (a v1.2 eIM that acknowledges nothing).
        let removal = bench.switch_profile().await;
        assert!(removal.removed.is_empty(), "{removal:?}");
        let before = bench.on_card().await;
        assert!(
            before.contains(&2),
            "order 2 is also a sequence number on the card: {before:?}"
        );
        // Order 2, a data request, is acknowledged with its order number, which its result never carried.
        bench
            .eim
            .with_eim(|eim| eim.set_acknowledging(Acknowledging::OrderNumbers));
        bench.request_data("80").await;
        assert_eq!(bench.on_card().await, before);
    });
}

#[test]
fn an_eim_package_error_answer_over_json_refuses_the_result_and_removes_nothing() {
    block_on(async {
        let mut bench = Bench::new().await;
        over_json(&mut bench);
        bench.eim.with_eim(|eim| {
            eim.refuse_results(Some(3));
            eim.set_result_error_name(ResultErrorName::EimPackageError);
        });
        bench.queue_enable(DISABLED, None);
        let error = bench.poll().await.unwrap_err();
        assert!(
            matches!(error, PollError::ResultRefused { code: 3 }),
            "{error}"
        );
        assert_eq!(bench.stored_results().await.len(), 1);
        assert_eq!(
            bench.on_card().await.len(),
            3,
            "the result and two notifications"
        );
    });
}

#[test]
fn an_unparseable_package_is_answered_invalid_package_format_in_both_bindings() {
    block_on(async {
        for binding in [EsipaBinding::Asn1, EsipaBinding::Json] {
            let mut bench = Bench::new().await;
            bench.esipa = bench
                .esipa_client(DEFAULT_ADMIN_PROTOCOL)
                .with_binding(binding);
            let garbage = hex::decode("BF5103010203").unwrap();
            bench.eim.with_eim(|eim| eim.queue_raw(bench.eid, garbage));
            bench.queue_enable(DISABLED, None);
            assert_eq!(
                bench.poll().await.unwrap(),
                PollOutcome::Rejected {
                    code: INVALID_PACKAGE_FORMAT
                },
                "{binding:?}"
            );
            assert!(
                matches!(bench.last_report(), Report::PackageError { code: 1, .. }),
                "{binding:?}"
            );
            // The eIM's queue moved on.
            assert!(matches!(
                bench.poll().await.unwrap(),
                PollOutcome::Executed(_)
            ));
            assert_eq!(bench.enabled().await, Some(DISABLED.parse().unwrap()));
        }
    });
}

#[test]
fn the_removal_of_unacknowledged_results_is_journaled_before_it_happens() {
    block_on(async {
        let mut bench = Bench::with_layout(Layout::V1_0).await;
        bench.queue_enable(DISABLED, None);
        let mut journal = Interrupting::at("acknowledged");
        let error = bench.poll_journaled(&mut journal).await.unwrap_err();
        assert!(matches!(error, PollError::Journal(_)), "{error}");
        // Not recorded, so not removed.
        assert_eq!(bench.on_card().await.len(), 3);
        // The next cycle sends the owed result again and removes what it delivered.
        assert_eq!(
            bench.poll_journaled(&mut journal).await.unwrap(),
            PollOutcome::NoPackage
        );
        assert!(bench.on_card().await.is_empty());
        assert!(journal.pending().unwrap().is_empty());
    });
}
