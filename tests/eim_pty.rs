//! The eIM integration matrix: the real binary (`euiccd --device PTY eim poll`) over the simulated modem of
//! `euiccd sim serve` (a real PTY; the simulated eUICC with real cryptography, its state in a file) against
//! the simulated eIM over HTTPS on 127.0.0.1, under a test PKI made at test time.
//!
//! Every case queues what an eIM operator would, lets the agent poll until the eIM has nothing more, and
//! checks three things: the eUICC's state afterwards (its state file, or `euiccd profiles`/`eim list` over
//! the PTY), the eUICC Package Result the eIM holds (signature verified with the eUICC certificate), and
//! the notifications the eIM holds (signatures verified), acknowledged and gone from the eUICC.
//!
//! The cases both SGP.32 layouts share run for a v1.0 and a v1.2 card and eIM (`matrix!`); the others
//! (immediate enable and fallback, data requests, the JSON binding, fuzzed packages) for the layout they
//! belong to. Each case has its own `sim serve` and eIM, so cases run in parallel and share no state.
#![cfg(feature = "sim")]

mod support;

use std::time::Duration;

use euicc_asn1::Layout;
use euicc_asn1::types::sgp22::{
    NotificationMetadata, PendingNotification, ProfileInfoListRequest, ProfileInfoListResponse,
};
use euicc_asn1::types::sgp32::common::{
    AddEimResult, DeleteEim, Empty, EnableParams, ProfileDownloadData,
    ProfileDownloadTriggerRequest, ProfileIccid,
};
use euicc_asn1::types::sgp32::v1_2::{
    ConfigureImmediateProfileEnablingRequest, IpaEuiccData, IpaEuiccDataRequest,
    IpaEuiccDataResponse,
};
use euicc_asn1::{Asn1, Eid, Iccid, Null, Octets, from_ber};
use euiccd::euicc::EimConfig;
use euiccd::remote::tls::client_config;
use euiccd::sim::crypto::ecdsa::SigningKey;
use euiccd::sim::crypto::pki::{DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST, TestPki};
use euiccd::sim::eim::server::SmdpRelay;
use euiccd::sim::eim::{DataResponse, DownloadResult, PackageContent, Received, Report, SimEim};
use euiccd::sim::euicc::eim_signed_data;
use euiccd::sim::euicc::state::{CardState, Profile, StateFile};
use proptest::prelude::*;
use serde_json::Value;
use support::eim::EimServer;
use support::{Run, Scratch, SimServe, SimServer};

/// The EID of `sim serve`'s simulated eUICC.
const EID: &str = "89049044900000000000000000102355";
const EIM_ID: &str = "eim-pty";
/// Enabled at the start.
const ENABLED: &str = "8949449999999990015";
/// Disabled at the start.
const DISABLED: &str = "8949449999999990023";
/// Disabled at the start; its owner allows the fallback attribute.
const FALLBACK: &str = "8949449999999990056";
/// The profile of `sim serve`'s SM-DP+ order.
const DOWNLOADED: &str = "8949449999999990031";
const MATCHING_ID: &str = "EUICCD-EIM-PTY-1";
const TIMEOUT: Duration = Duration::from_secs(60);

/// `sim serve` with a seeded card associated (AddInitialEim over the PTY) with the simulated eIM, both
/// speaking one SGP.32 version.
struct Bench {
    sim: SimServer,
    eim: EimServer,
    pki: TestPki,
    eid: Eid,
    token: Option<i64>,
    state: StateFile,
    ci: String,
    /// `eim poll --binding`: asn1 (the default) or json.
    binding: &'static str,
    /// Last: removed after the server stopped.
    _scratch: Scratch,
}

/// What one executed eUICC package left at the eIM.
struct Executed<R> {
    /// The results, in the order of the operations.
    results: Vec<R>,
    /// The notifications delivered with the result.
    notifications: Vec<NotificationMetadata>,
}

fn profile(iccid: &str, n: u8, enabled: bool) -> Profile {
    Profile {
        fallback_allowed: iccid == FALLBACK,
        ..Profile::seeded(iccid.parse().unwrap(), n, enabled)
    }
}

fn iccid(digits: &str) -> Iccid {
    digits.parse().unwrap()
}

impl Bench {
    /// An SGP.32 `version` ("v1.0", "v1.2") card and eIM; with `smdp`, `sim serve` also runs its SM-DP+
    /// with an order for [`MATCHING_ID`].
    fn start(version: &str, smdp: bool) -> Self {
        let scratch = Scratch::new("eim-pty");
        let eid: Eid = EID.parse().unwrap();
        let pki = TestPki::generate(&eid).unwrap();
        pki.write_to(&scratch.path("identity")).unwrap();
        let state = StateFile::new(scratch.path("state.json"));
        state
            .save(&CardState {
                profiles: vec![
                    profile(ENABLED, 1, true),
                    profile(DISABLED, 2, false),
                    profile(FALLBACK, 3, false),
                ],
                default_smdp_address: Some(DEFAULT_SMDP_HOST.into()),
                ..CardState::default()
            })
            .unwrap();
        let mut serve = SimServe::in_dir(&scratch.0)
            .identity()
            .state(state.path())
            .args(&["--sgp32", version]);
        if smdp {
            serve = serve.smdp(MATCHING_ID);
        }
        let sim = serve.start();
        let info = cli(&sim, &["info", "--json"]).json();
        assert_eq!(info["sgp32_version"], version, "{info}");
        let ci = sim.identity.join("ci.cert.pem").display().to_string();
        let key = sim.identity.join("eim-sign.cert.pem").display().to_string();
        let added = cli(
            &sim,
            &[
                "eim",
                "add-initial",
                "--id",
                EIM_ID,
                "--fqdn",
                DEFAULT_EIM_HOST,
                "--public-key",
                &key,
                "--counter",
                "0",
                "--json",
            ],
        )
        .json();
        let token = added["association_token"].as_i64();
        let layout = match version {
            "v1.0" => Layout::V1_0,
            _ => Layout::V1_2,
        };
        let mut sim_eim = SimEim::new(EIM_ID, pki.eim_sign.key.clone()).with_version(layout);
        sim_eim.associate(eid, token);
        // With an SM-DP+, the eIM can relay indirect downloads to it.
        let relay = smdp.then(|| SmdpRelay {
            tls: client_config(&[sim.identity.join("ci.cert.pem")]).unwrap(),
            connect_override: Some(sim.smdp_address.clone()),
        });
        let eim = EimServer::start(sim_eim, &pki.eim_tls, relay);
        Self {
            sim,
            eim,
            pki,
            eid,
            token,
            state,
            ci,
            binding: "asn1",
            _scratch: scratch,
        }
    }

    /// `euiccd --device PTY ARGS…`.
    fn cli(&self, args: &[&str]) -> Run {
        cli(&self.sim, args)
    }

    /// `eim poll` until the eIM has nothing more; the run, finished.
    fn poll_run(&self) -> Run {
        self.poll_run_with(&[])
    }

    /// [`Bench::poll_run`] with `extra` options.
    fn poll_run_with(&self, extra: &[&str]) -> Run {
        let address = self.eim.address();
        let mut args = vec![
            "eim",
            "poll",
            "--eim-id",
            EIM_ID,
            "--eim-connect",
            address.as_str(),
            "--eim-ca",
            self.ci.as_str(),
            "--http-timeout",
            "20",
            "--binding",
            self.binding,
            "--json",
        ];
        if !self.sim.smdp_address.is_empty() {
            args.extend([
                "--smdp-connect",
                self.sim.smdp_address.as_str(),
                "--smdp-ca",
                self.ci.as_str(),
            ]);
        }
        args.extend_from_slice(extra);
        self.cli(&args)
    }

    /// `eim poll` that succeeds; the outcome of each poll (`executed`, `rejected`, `noPackage`, …) and the
    /// document.
    fn poll(&self) -> (Vec<String>, Value) {
        let run = self.poll_run();
        let json = run.json();
        let outcomes = json["polls"]
            .as_array()
            .expect("polls")
            .iter()
            .map(|p| p["outcome"].as_str().expect("outcome").to_owned())
            .collect();
        (outcomes, json)
    }

    fn card(&self) -> CardState {
        self.state.load().unwrap().expect("state file")
    }

    fn enabled(&self) -> Option<String> {
        let card = self.card();
        let enabled = card.profiles.iter().find(|p| p.enabled)?;
        Some(enabled.iccid.digits())
    }

    fn received(&self) -> Vec<Received> {
        self.eim.with_eim(|eim| eim.received().to_vec())
    }

    /// Queues `package` signed by the eIM; returns the package's bytes.
    fn queue(&self, package: impl PackageContent) -> Vec<u8> {
        self.eim
            .with_eim(|eim| eim.queue_package(self.eid, package, Some(Octets(vec![0x5A, 0xA5]))))
    }

    /// Queues `package`, lets the agent poll, and checks what reached the eIM: one eUICC Package Result
    /// signed by the eUICC (`verified` checks it and reads it in the layout spoken) and the notifications it
    /// produced, every one removed from the eUICC (acknowledged by a v1.2 eIM; a v1.0 eIM acknowledges
    /// nothing, and a successful delivery removes what it carried).
    fn execute_with<R: std::fmt::Debug>(
        &self,
        package: impl PackageContent,
        verified: fn(&Bench, &[u8]) -> (i64, Vec<R>),
    ) -> Executed<R> {
        let before = self.received().len();
        self.queue(package);
        let (outcomes, json) = self.poll();
        assert_eq!(outcomes, ["executed", "noPackage"], "{json}");
        let new = self.received().split_off(before);
        let mut results = Vec::new();
        let mut notifications = Vec::new();
        let mut seq_numbers = Vec::new();
        for received in &new {
            assert_eq!(received.eid, Some(self.eid));
            match &received.report {
                Report::PackageResult(raw) => {
                    let (seq, data) = verified(self, raw);
                    seq_numbers.push(seq);
                    results.push(data);
                }
                Report::Notification(raw) => {
                    let metadata = self.verified_notification(raw);
                    seq_numbers.push(metadata.seq_number);
                    notifications.push(metadata);
                }
                other => panic!("unexpected report {other:?}"),
            }
        }
        let [results] = <[_; 1]>::try_from(results).expect("one package result");
        let acknowledged: Vec<i64> = json["polls"][0]["removed"]
            .as_array()
            .expect("removed")
            .iter()
            .map(|n| n.as_i64().unwrap())
            .collect();
        seq_numbers.sort_unstable();
        let mut sorted = acknowledged.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, seq_numbers, "removed what the eIM took");
        let left: Vec<i64> = self
            .card()
            .notifications
            .iter()
            .map(|n| n.seq_number)
            .collect();
        assert!(
            acknowledged.iter().all(|seq| !left.contains(seq)),
            "removed {acknowledged:?} but the eUICC still holds {left:?}"
        );
        Executed {
            results,
            notifications,
        }
    }

    /// Checks the eUICC's signature on a notification; returns its metadata.
    fn verified_notification(&self, raw: &[u8]) -> NotificationMetadata {
        match from_ber::<PendingNotification>(raw).unwrap() {
            PendingNotification::OtherSignedNotification(n) => {
                self.verify(
                    n.tbs_other_notification.raw(),
                    n.euicc_notification_signature.as_slice(),
                );
                n.tbs_other_notification.value().clone()
            }
            PendingNotification::ProfileInstallationResult(pir) => {
                let data = &pir.profile_installation_result_data;
                self.verify(data.raw(), pir.euicc_sign_pir.as_slice());
                data.value().notification_metadata.clone()
            }
            other => panic!("unexpected notification form {other:?}"),
        }
    }

    /// Panics unless `signature` over `data` verifies with the eUICC certificate.
    fn verify(&self, data: &[u8], signature: &[u8]) {
        let key = self.pki.euicc.cert.public_key().unwrap();
        key.verify_raw(data, signature)
            .expect("the eUICC's signature verifies");
    }

    /// The last report the eIM holds.
    fn last_report(&self) -> Report {
        self.received().pop().expect("a report").report
    }

    /// Queues the IpaEuiccDataRequest `request` (either layout), polls, and returns the eIM's stored
    /// answer.
    fn request_data(&self, request: &impl Asn1) -> DataResponse {
        self.eim
            .with_eim(|eim| eim.queue_data_request(self.eid, request));
        let (outcomes, json) = self.poll();
        assert_eq!(outcomes, ["executed", "noPackage"], "{json}");
        match self.last_report() {
            Report::DataResponse(response) => *response,
            other => panic!("{other:?}"),
        }
    }
}

/// `euiccd --device PTY ARGS…` against `sim`.
fn cli(sim: &SimServer, args: &[&str]) -> Run {
    let link = sim.link.display().to_string();
    let mut all = vec!["--device", link.as_str()];
    all.extend_from_slice(args);
    Run::finished(&all, TIMEOUT)
}

fn on(digits: &str) -> ProfileIccid {
    ProfileIccid {
        iccid: iccid(digits),
    }
}

/// The operations of enable, disable and delete notifications (`profileManagementOperation` bits).
fn operations(notifications: &[NotificationMetadata]) -> Vec<(String, Vec<usize>)> {
    notifications
        .iter()
        .map(|n| {
            (
                n.iccid.map(|i| i.digits()).unwrap_or_default(),
                n.profile_management_operation.set_bits(),
            )
        })
        .collect()
}

/// `notificationEnable` 1, `notificationDisable` 2, `notificationDelete` 3.
const ENABLE_BIT: usize = 1;
const DISABLE_BIT: usize = 2;
const DELETE_BIT: usize = 3;

/// The cases both SGP.32 layouts share: `$layout` is the module of the types, `$version` the `--sgp32`
/// value, `$layout_variant` the eIM's report variant, `$tx` the transaction identifier's field name.
macro_rules! matrix {
    ($layout:ident, $version:literal, $layout_variant:ident, $tx:ident) => {
        pub(crate) mod $layout {
            use super::*;
            use euicc_asn1::types::sgp32::$layout::{
                Eco, EimConfigurationData, EuiccPackage, EuiccPackageResult, EuiccResultData,
                ListEimResult, ProfileDownloadTriggerResultData, Psmo,
            };

            /// Runs `package` (see [`Bench::execute_with`]).
            pub(crate) fn execute(
                bench: &Bench,
                package: EuiccPackage,
            ) -> Executed<EuiccResultData> {
                bench.execute_with(package, verified_result)
            }

            /// Checks the eUICC's signature on a signed package result; returns its sequence number and results.
            fn verified_result(bench: &Bench, raw: &[u8]) -> (i64, Vec<EuiccResultData>) {
                match from_ber::<EuiccPackageResult>(raw).unwrap() {
                    EuiccPackageResult::EuiccPackageResultSigned(signed) => {
                        let data = &signed.euicc_package_result_data_signed;
                        bench.verify(
                            &eim_signed_data(data.raw(), bench.token),
                            signed.euicc_sign_epr.as_slice(),
                        );
                        assert_eq!(data.value().eim_id, EIM_ID);
                        assert_eq!(data.value().$tx, Some(Octets(vec![0x5A, 0xA5])));
                        (data.value().seq_number, data.value().euicc_result.clone())
                    }
                    other => panic!("not a signed result: {other:?}"),
                }
            }

            pub(crate) fn enable(digits: &str, rollback: bool) -> EuiccPackage {
                EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
                    iccid: iccid(digits),
                    rollback_flag: rollback.then_some(Null),
                })])
            }

            pub(crate) fn psmo(psmo: Psmo) -> EuiccPackage {
                EuiccPackage::PsmoList(vec![psmo])
            }

            /// A second eIM's configuration (its key is the test PKI's eIM key; only the identifier matters here).
            fn second_eim(bench: &Bench, fqdn: &str) -> EimConfigurationData {
                let spki = bench
                    .pki
                    .eim_sign
                    .key
                    .verifying_key()
                    .to_spki_der()
                    .unwrap();
                EimConfig {
                    eim_id: "eim-second".into(),
                    fqdn: Some(fqdn.into()),
                    counter_value: Some(0),
                    public_key: Some(euiccd::euicc::EimKey::PublicKey(from_ber(&spki).unwrap())),
                    ..EimConfig::default()
                }
                .into()
            }

            #[test]
            fn enable_without_rollback_switches_the_profile() {
                let bench = Bench::start($version, false);
                let done = execute(&bench, enable(DISABLED, false));
                assert_eq!(done.results, [EuiccResultData::EnableResult(0)]);
                assert_eq!(bench.enabled().as_deref(), Some(DISABLED));
                assert!(bench.card().rollback.is_none());
                let operations = operations(&done.notifications);
                assert!(
                    operations.contains(&(DISABLED.into(), vec![ENABLE_BIT])),
                    "{operations:?}"
                );
                assert!(
                    operations.contains(&(ENABLED.into(), vec![DISABLE_BIT])),
                    "{operations:?}"
                );
                // Over the PTY too: the CLI sees the switched profile.
                let profiles = bench.cli(&["profiles", "--json"]).json();
                let enabled: Vec<&Value> = profiles["profiles"]
                    .as_array()
                    .expect("profiles")
                    .iter()
                    .filter(|p| p["state"] == "enabled")
                    .collect();
                assert_eq!(enabled.len(), 1, "{profiles}");
                assert_eq!(enabled[0]["iccid"], DISABLED);
            }

            #[test]
            fn enable_with_rollback_flag_keeps_the_previous_profile() {
                let bench = Bench::start($version, false);
                let done = execute(&bench, enable(DISABLED, true));
                assert_eq!(done.results, [EuiccResultData::EnableResult(0)]);
                assert_eq!(bench.enabled().as_deref(), Some(DISABLED));
                let rollback = bench.card().rollback.expect("rollback permitted");
                assert_eq!(rollback.previous, Some(iccid(ENABLED)));
                assert_eq!(rollback.eim_id, EIM_ID);
            }

            #[test]
            fn disable_leaves_no_profile_enabled() {
                let bench = Bench::start($version, false);
                let done = execute(&bench, psmo(Psmo::Disable(on(ENABLED))));
                assert_eq!(done.results, [EuiccResultData::DisableResult(0)]);
                assert_eq!(bench.enabled(), None);
                assert_eq!(
                    operations(&done.notifications),
                    [(ENABLED.to_owned(), vec![DISABLE_BIT])]
                );
            }

            #[test]
            fn delete_removes_the_profile() {
                let bench = Bench::start($version, false);
                let done = execute(&bench, psmo(Psmo::Delete(on(DISABLED))));
                assert_eq!(done.results, [EuiccResultData::DeleteResult(0)]);
                assert!(
                    bench
                        .card()
                        .profiles
                        .iter()
                        .all(|p| p.iccid != iccid(DISABLED))
                );
                assert_eq!(
                    operations(&done.notifications),
                    [(DISABLED.to_owned(), vec![DELETE_BIT])]
                );
                // Deleting the enabled profile is refused: the eUICC's code reaches the eIM signed.
                let refused = execute(&bench, psmo(Psmo::Delete(on(ENABLED))));
                assert_eq!(refused.results, [EuiccResultData::DeleteResult(2)]);
                assert_eq!(bench.enabled().as_deref(), Some(ENABLED));
            }

            #[test]
            fn list_profile_info_reports_every_profile() {
                let bench = Bench::start($version, false);
                let done = execute(
                    &bench,
                    psmo(Psmo::ListProfileInfo(ProfileInfoListRequest {
                        search_criteria: None,
                        tag_list: None,
                    })),
                );
                let [
                    EuiccResultData::ListProfileInfoResult(
                        ProfileInfoListResponse::ProfileInfoListOk(list),
                    ),
                ] = &done.results[..]
                else {
                    panic!("{:?}", done.results)
                };
                let listed: Vec<Option<Iccid>> = list.iter().map(|p| p.iccid).collect();
                assert_eq!(
                    listed,
                    [
                        Some(iccid(ENABLED)),
                        Some(iccid(DISABLED)),
                        Some(iccid(FALLBACK))
                    ]
                );
                assert!(done.notifications.is_empty());
            }

            #[test]
            fn get_rat_reports_the_rules_authorisation_table() {
                let bench = Bench::start($version, false);
                let done = execute(&bench, psmo(Psmo::GetRat(Empty {})));
                assert!(
                    matches!(&done.results[..], [EuiccResultData::GetRatResult(_)]),
                    "{:?}",
                    done.results
                );
            }

            #[test]
            fn add_update_list_and_delete_eim() {
                let bench = Bench::start($version, false);
                let eim_ids = |bench: &Bench| -> Vec<String> {
                    let listed = bench.cli(&["eim", "list", "--json"]).json();
                    listed["eims"]
                        .as_array()
                        .expect("eims")
                        .iter()
                        .map(|e| {
                            format!(
                                "{}@{}",
                                e["eim_id"].as_str().unwrap(),
                                e["fqdn"].as_str().unwrap()
                            )
                        })
                        .collect()
                };
                let added = execute(
                    &bench,
                    EuiccPackage::EcoList(vec![Eco::AddEim(second_eim(
                        &bench,
                        "eim2.example.test",
                    ))]),
                );
                assert!(
                    matches!(
                        added.results[..],
                        [EuiccResultData::AddEimResult(
                            AddEimResult::AssociationToken(_)
                        )]
                    ),
                    "{:?}",
                    added.results
                );
                assert_eq!(
                    eim_ids(&bench),
                    [
                        format!("{EIM_ID}@{DEFAULT_EIM_HOST}"),
                        "eim-second@eim2.example.test".to_owned()
                    ]
                );

                let updated = execute(
                    &bench,
                    EuiccPackage::EcoList(vec![Eco::UpdateEim(second_eim(
                        &bench,
                        "eim2.example.test:8443",
                    ))]),
                );
                assert_eq!(updated.results, [EuiccResultData::UpdateEimResult(0)]);
                assert!(eim_ids(&bench).contains(&"eim-second@eim2.example.test:8443".to_owned()));

                let listed = execute(&bench, EuiccPackage::EcoList(vec![Eco::ListEim(Empty {})]));
                let [EuiccResultData::ListEimResult(ListEimResult::EimIdList(list))] =
                    &listed.results[..]
                else {
                    panic!("{:?}", listed.results)
                };
                let ids: Vec<&str> = list.iter().map(|e| e.eim_id.as_str()).collect();
                assert_eq!(ids, [EIM_ID, "eim-second"]);

                let deleted = execute(
                    &bench,
                    EuiccPackage::EcoList(vec![Eco::DeleteEim(DeleteEim {
                        eim_id: "eim-second".into(),
                    })]),
                );
                assert_eq!(deleted.results, [EuiccResultData::DeleteEimResult(0)]);
                assert_eq!(eim_ids(&bench), [format!("{EIM_ID}@{DEFAULT_EIM_HOST}")]);
                // The last eIM cannot be deleted.
                let last = execute(
                    &bench,
                    EuiccPackage::EcoList(vec![Eco::DeleteEim(DeleteEim {
                        eim_id: EIM_ID.into(),
                    })]),
                );
                assert_eq!(last.results, [EuiccResultData::DeleteEimResult(2)]);
            }

            /// Queues a download trigger, lets the agent carry it out by `route` (`direct`, `indirect`),
            /// and checks the profile is installed and the eIM holds the eUICC-signed installation result;
            /// returns the ES9+ functions the eIM relayed.
            fn download_by(route: &str) -> Vec<&'static str> {
                let bench = Bench::start($version, true);
                let trigger = ProfileDownloadTriggerRequest {
                    profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
                        "1${DEFAULT_SMDP_HOST}${MATCHING_ID}"
                    ))),
                    eim_transaction_id: Some(Octets(vec![0x77])),
                };
                bench
                    .eim
                    .with_eim(|eim| eim.queue_download_trigger(bench.eid, &trigger));
                let run = bench.poll_run_with(&["--download-route", route]);
                assert!(!run.stderr.contains(MATCHING_ID), "secret in stderr");
                assert!(!run.stdout.contains(MATCHING_ID), "secret in stdout");
                let json = run.json();
                assert_eq!(json["polls"][0]["outcome"], "executed", "{json}");
                assert!(
                    bench
                        .card()
                        .profiles
                        .iter()
                        .any(|p| p.iccid == iccid(DOWNLOADED)),
                    "installed"
                );
                let Some(Report::DownloadResult(result)) = bench
                    .received()
                    .into_iter()
                    .map(|r| r.report)
                    .find(|r| matches!(r, Report::DownloadResult(_)))
                else {
                    panic!("no download result")
                };
                let DownloadResult::$layout_variant(result) = *result else {
                    panic!("another layout: {result:?}")
                };
                assert_eq!(result.eim_transaction_id, Some(Octets(vec![0x77])));
                let ProfileDownloadTriggerResultData::ProfileInstallationResult(pir) =
                    &result.profile_download_trigger_result_data
                else {
                    panic!("{result:?}")
                };
                let pir = pir.value();
                bench.verify(
                    pir.profile_installation_result_data.raw(),
                    pir.euicc_sign_pir.as_slice(),
                );
                assert_eq!(
                    pir.profile_installation_result_data
                        .value()
                        .notification_metadata
                        .iccid,
                    Some(iccid(DOWNLOADED))
                );
                bench.eim.with_eim(|eim| eim.relayed_functions().to_vec())
            }

            #[test]
            fn a_direct_download_trigger_installs_and_reports_the_signed_result() {
                assert!(
                    download_by("direct").is_empty(),
                    "nothing relayed by the eIM"
                );
            }

            #[test]
            fn an_indirect_download_trigger_is_relayed_by_the_eim() {
                assert_eq!(
                    download_by("indirect"),
                    [
                        "initiateAuthentication",
                        "authenticateClient",
                        "getBoundProfilePackage",
                        "handleNotification"
                    ]
                );
            }

            /// What the eIM holds for a refused package: the eUICC's signed error code.
            fn signed_error(bench: &Bench) -> i64 {
                let Report::PackageResult(raw) = bench.last_report() else {
                    panic!("no package result")
                };
                match from_ber::<EuiccPackageResult>(&raw).unwrap() {
                    EuiccPackageResult::EuiccPackageErrorSigned(error) => {
                        let data = &error.euicc_package_error_data_signed;
                        bench.verify(
                            &eim_signed_data(data.raw(), bench.token),
                            error.euicc_sign_epe.as_slice(),
                        );
                        data.value().euicc_package_error_code
                    }
                    other => panic!("not a signed error: {other:?}"),
                }
            }

            #[test]
            fn a_replayed_package_reaches_the_eim_as_replay_error() {
                let bench = Bench::start($version, false);
                let package = bench.queue(enable(DISABLED, false));
                assert_eq!(bench.poll().0, ["executed", "noPackage"]);
                bench.eim.with_eim(|eim| eim.queue_raw(bench.eid, package));
                assert_eq!(bench.poll().0, ["executed", "noPackage"]);
                assert_eq!(signed_error(&bench), 4, "replayError");
                assert_eq!(bench.enabled().as_deref(), Some(DISABLED));
            }

            #[test]
            fn a_package_for_another_eid_reaches_the_eim_as_invalid_eid() {
                let bench = Bench::start($version, false);
                let other: Eid = "89049032123451234512345678901235".parse().unwrap();
                let package = bench.eim.with_eim(|eim| {
                    eim.associate(other, bench.token);
                    eim.queue_package(other, enable(DISABLED, false), None)
                });
                bench.eim.with_eim(|eim| eim.queue_raw(bench.eid, package));
                assert_eq!(bench.poll().0, ["executed", "noPackage"]);
                assert_eq!(signed_error(&bench), 3, "invalidEid");
                assert_eq!(bench.enabled().as_deref(), Some(ENABLED));
            }

            #[test]
            fn a_wrongly_signed_package_reaches_the_eim_unsigned() {
                let bench = Bench::start($version, false);
                let mut impostor = SimEim::new(EIM_ID, SigningKey::generate());
                impostor.associate(bench.eid, bench.token);
                let package = impostor.queue_package(bench.eid, enable(DISABLED, false), None);
                bench.eim.with_eim(|eim| eim.queue_raw(bench.eid, package));
                assert_eq!(bench.poll().0, ["executed", "noPackage"]);
                let Report::PackageResult(raw) = bench.last_report() else {
                    panic!("no package result")
                };
                let EuiccPackageResult::EuiccPackageErrorUnsigned(error) = from_ber(&raw).unwrap()
                else {
                    panic!("not the unsigned error")
                };
                assert_eq!(error.eim_id, EIM_ID);
                assert_eq!(bench.enabled().as_deref(), Some(ENABLED));
            }
        }
    };
}

matrix!(v1_2, "v1.2", V1_2, eim_transaction_id);
matrix!(v1_0, "v1.0", V1_0, transaction_id);

#[test]
fn sim_serve_runs_its_own_eim_with_queued_packages_in_both_layouts() {
    for version in ["v1.2", "v1.0"] {
        let sim = SimServe::in_scratch("eim-serve")
            .identity()
            .smdp(MATCHING_ID)
            .args(&[
                "--sgp32",
                version,
                "--eim-listen",
                "127.0.0.1:0",
                "--eim-queue",
                "download",
                "--eim-queue",
                &format!("enable-rollback:{DOWNLOADED}"),
            ])
            .start();
        assert!(!sim.eim_address.is_empty(), "{version}: no eIM address");
        let ci = sim.identity.join("ci.cert.pem").display().to_string();
        let eims = cli(&sim, &["eim", "list", "--json"]).json();
        assert_eq!(
            eims["eims"][0]["eim_id"], "euiccd-sim-eim",
            "{version}: {eims}"
        );
        if version == "v1.0" {
            // --binding reaches the client: SGP.32 v1.0 has no JSON binding, and nothing is sent.
            let address = sim.eim_address.as_str();
            let args = [
                "eim",
                "poll",
                "--eim-connect",
                address,
                "--eim-ca",
                &ci,
                "--binding",
                "json",
            ];
            cli(&sim, &args).fails(1, "SGP.32 v1.0 has no JSON binding");
        }
        let mut args = vec!["eim", "poll", "--eim-connect", &sim.eim_address];
        // v1.2: no --eim-ca, the TLS anchor the eUICC holds for the eIM is the trust; v1.0: a CA file.
        if version == "v1.0" {
            args.extend(["--eim-ca", &ci]);
        }
        args.extend([
            "--smdp-connect",
            &sim.smdp_address,
            "--smdp-ca",
            &ci,
            "--json",
        ]);
        let polled = cli(&sim, &args).json();
        let outcomes: Vec<&str> = polled["polls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(
            outcomes,
            ["executed", "executed", "noPackage"],
            "{version}: {polled}"
        );
        let profiles = cli(&sim, &["profiles", "--json"]).json();
        let enabled: Vec<&Value> = profiles["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["state"] == "enabled")
            .collect();
        assert_eq!(enabled.len(), 1, "{version}: {profiles}");
        assert_eq!(enabled[0]["iccid"], DOWNLOADED, "{version}");
    }
}

#[test]
fn an_unreachable_or_untrusted_eim_ends_the_poll_with_a_typed_error() {
    let bench = Bench::start("v1.2", false);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_address = closed.local_addr().unwrap().to_string();
    drop(closed);
    let other_ci = bench
        .sim
        .identity
        .join("eum.cert.pem")
        .display()
        .to_string();
    let eim_address = bench.eim.address();
    let cases = [
        (closed_address.as_str(), bench.ci.as_str(), "connect to"),
        (eim_address.as_str(), other_ci.as_str(), "TLS handshake"),
    ];
    for (address, ca, message) in cases {
        let run = bench.cli(&[
            "eim",
            "poll",
            "--eim-connect",
            address,
            "--eim-ca",
            ca,
            "--http-timeout",
            "5",
            "--json",
        ]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(
            run.stderr.contains("eIM poll 1: ESipa GetEimPackage"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(message), "{}", run.stderr);
        let json: Value = serde_json::from_str(&run.stdout).expect("the document is printed");
        assert!(json["error"].as_str().unwrap().contains(message), "{json}");
        assert_eq!(json["polls"], serde_json::json!([]));
    }
    // Nothing was lost: the eIM still answers the next poll.
    assert_eq!(bench.poll().0, ["noPackage"]);
}

/// Cases only SGP.32 v1.2 has (immediate enable, fallback) or whose forms this file builds in v1.2 (data
/// requests, the fuzzed packages).
mod v1_2_only {
    use super::v1_2::{enable, execute, psmo};
    use super::*;
    use euicc_asn1::types::sgp32::v1_2::{EuiccResultData, Psmo};

    #[test]
    fn configure_immediate_enable_is_stored() {
        let bench = Bench::start("v1.2", false);
        let done = execute(
            &bench,
            psmo(Psmo::ConfigureImmediateEnable(
                ConfigureImmediateProfileEnablingRequest {
                    immediate_enable_flag: Some(Null),
                    default_smdp_oid: None,
                    default_smdp_address: Some(DEFAULT_SMDP_HOST.into()),
                },
            )),
        );
        assert_eq!(
            done.results,
            [EuiccResultData::ConfigureImmediateEnableResult(0)]
        );
        let immediate = bench.card().immediate_enable;
        assert!(immediate.enabled);
        assert_eq!(immediate.smdp_address.as_deref(), Some(DEFAULT_SMDP_HOST));
    }

    #[test]
    fn set_and_unset_fallback_attribute() {
        let bench = Bench::start("v1.2", false);
        let fallback = |card: CardState| {
            card.profiles
                .iter()
                .filter(|p| p.fallback_attribute)
                .map(|p| p.iccid.digits())
                .collect::<Vec<_>>()
        };
        // Not allowed by the profile's owner: refused, signed.
        let refused = execute(&bench, psmo(Psmo::SetFallbackAttribute(on(DISABLED))));
        assert_eq!(
            refused.results,
            [EuiccResultData::SetFallbackAttributeResult(2)]
        );
        let set = execute(&bench, psmo(Psmo::SetFallbackAttribute(on(FALLBACK))));
        assert_eq!(
            set.results,
            [EuiccResultData::SetFallbackAttributeResult(0)]
        );
        assert_eq!(fallback(bench.card()), [FALLBACK]);
        let unset = execute(&bench, psmo(Psmo::UnsetFallbackAttribute(Empty {})));
        assert_eq!(
            unset.results,
            [EuiccResultData::UnsetFallbackAttributeResult(0)]
        );
        assert!(fallback(bench.card()).is_empty());
    }

    #[test]
    fn the_json_binding_carries_packages_data_requests_and_indirect_downloads() {
        let mut bench = Bench::start("v1.2", true);
        bench.binding = "json";
        let done = execute(&bench, enable(DISABLED, true));
        assert_eq!(done.results, [EuiccResultData::EnableResult(0)]);
        assert!(!done.notifications.is_empty());
        assert_eq!(bench.enabled().as_deref(), Some(DISABLED));

        let request = IpaEuiccDataRequest {
            tag_list: Octets(vec![0xBF, 0x22]),
            euicc_ci_pk_identifier_to_be_used: None,
            search_criteria_notification: None,
            search_criteria_euicc_package_result: None,
            eim_transaction_id: None,
        };
        let DataResponse::V1_2(IpaEuiccDataResponse::IpaEuiccData(data)) =
            bench.request_data(&request)
        else {
            panic!("not answered")
        };
        assert!(data.euicc_info2.is_some());

        let trigger = ProfileDownloadTriggerRequest {
            profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
                "1${DEFAULT_SMDP_HOST}${MATCHING_ID}"
            ))),
            eim_transaction_id: None,
        };
        bench
            .eim
            .with_eim(|eim| eim.queue_download_trigger(bench.eid, &trigger));
        let json = bench
            .poll_run_with(&["--download-route", "indirect"])
            .json();
        assert_eq!(json["polls"][0]["outcome"], "executed", "{json}");
        assert!(
            bench
                .card()
                .profiles
                .iter()
                .any(|p| p.iccid == iccid(DOWNLOADED))
        );
        assert_eq!(
            bench.eim.with_eim(|eim| eim.relayed_functions().len()),
            4,
            "relayed by the eIM"
        );
    }

    #[test]
    fn every_ipa_euicc_data_item_is_answered() {
        let bench = Bench::start("v1.2", false);
        type Check = fn(&Bench, &IpaEuiccData) -> bool;
        let items: [(&str, Check); 11] = [
            ("A0", |_, d| d.notifications_list.is_some()),
            ("81", |_, d| {
                d.default_smdp_address.as_deref() == Some(DEFAULT_SMDP_HOST)
            }),
            ("A2", |_, d| d.euicc_package_result_list.is_some()),
            ("BF20", |_, d| d.euicc_info1.is_some()),
            ("BF22", |_, d| d.euicc_info2.is_some()),
            ("83", |_, d| d.root_smds_address.is_some()),
            ("84", |b, d| {
                d.association_token.is_some() && d.association_token == b.token
            }),
            ("A5", |b, d| {
                d.eum_certificate.as_ref().map(|c| c.as_der()) == Some(b.pki.eum.cert.der())
            }),
            ("A6", |b, d| {
                d.euicc_certificate.as_ref().map(|c| c.as_der()) == Some(b.pki.euicc.cert.der())
            }),
            ("A8", |_, d| d.ipa_capabilities.is_some()),
            ("A9", |_, d| d.device_info.is_some()),
        ];
        for (tag, check) in items {
            let request = IpaEuiccDataRequest {
                tag_list: Octets(hex::decode(tag).unwrap()),
                euicc_ci_pk_identifier_to_be_used: None,
                search_criteria_notification: None,
                search_criteria_euicc_package_result: None,
                eim_transaction_id: Some(Octets(vec![0x42])),
            };
            let DataResponse::V1_2(IpaEuiccDataResponse::IpaEuiccData(data)) =
                bench.request_data(&request)
            else {
                panic!("{tag}: not answered")
            };
            assert!(check(&bench, &data), "{tag}: {data:?}");
            assert_eq!(data.eim_transaction_id, Some(Octets(vec![0x42])), "{tag}");
            // Only the item asked for is answered.
            let answered = [
                data.notifications_list.is_some(),
                data.default_smdp_address.is_some(),
                data.euicc_package_result_list.is_some(),
                data.euicc_info1.is_some(),
                data.euicc_info2.is_some(),
                data.root_smds_address.is_some(),
                data.association_token.is_some(),
                data.eum_certificate.is_some(),
                data.euicc_certificate.is_some(),
                data.ipa_capabilities.is_some(),
                data.device_info.is_some(),
            ];
            assert_eq!(
                answered.iter().filter(|a| **a).count(),
                1,
                "{tag}: {data:?}"
            );
        }
    }

    /// A valid package as the eIM would send it, for mutation.
    fn valid_package() -> Vec<u8> {
        static PACKAGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        PACKAGE
            .get_or_init(|| {
                let eid: Eid = EID.parse().unwrap();
                let mut eim = SimEim::new(EIM_ID, SigningKey::generate());
                eim.queue_package(eid, enable(DISABLED, false), None)
            })
            .clone()
    }

    /// Random bytes, or a valid package with bytes flipped, cut off or inserted.
    fn garbage() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            (any::<usize>(), any::<u8>()).prop_map(|(at, xor)| {
                let mut package = valid_package();
                let at = at % package.len();
                package[at] ^= xor.max(1);
                package
            }),
            any::<usize>().prop_map(|cut| {
                let package = valid_package();
                package[..cut % package.len()].to_vec()
            }),
            (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8)).prop_map(
                |(at, bytes)| {
                    let mut package = valid_package();
                    let at = at % package.len();
                    package.splice(at..at, bytes);
                    package
                }
            ),
        ]
    }

    #[test]
    fn garbage_from_the_eim_never_panics_the_agent_and_polling_goes_on() {
        let bench = Bench::start("v1.2", false);
        let config = ProptestConfig {
            cases: 24,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        let rejected = std::cell::Cell::new(0);
        proptest!(config, |(body in garbage())| {
            let before = bench.received().len();
            bench.eim.with_eim(|eim| eim.queue_raw(bench.eid, body.clone()));
            let run = bench.poll_run();
            prop_assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            let outcomes: Vec<String> = match run.code {
                Some(0) => serde_json::from_str::<Value>(&run.stdout).unwrap()["polls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["outcome"].as_str().unwrap().to_owned())
                    .collect(),
                // A typed error, reported with exit code 1 and a message.
                code => {
                    prop_assert_eq!(code, Some(1), "{}", run.stderr);
                    prop_assert!(run.stderr.contains("eIM poll "), "{}", run.stderr);
                    Vec::new()
                }
            };
            if outcomes.first().map(String::as_str) == Some("rejected") {
                // invalidPackageFormat reached the eIM.
                let report = bench.received()[before..].to_vec();
                let is_format_error = matches!(
                    &report[..],
                    [Received { report: Report::PackageError { code: 1, .. }, .. }]
                );
                prop_assert!(is_format_error, "{:?}", report);
                rejected.set(rejected.get() + 1);
            }
            // Nothing from garbage changes the profiles, and the next poll still works.
            let enabled = bench.enabled();
            prop_assert_eq!(enabled.as_deref(), Some(ENABLED));
            let (next, _) = bench.poll();
            prop_assert_eq!(next, ["noPackage"]);
        });
        assert!(
            rejected.get() > 0,
            "no case was answered invalidPackageFormat"
        );
        // And a real package still goes through.
        let done = execute(&bench, enable(DISABLED, false));
        assert_eq!(done.results, [EuiccResultData::EnableResult(0)]);
    }
}

/// Cases only SGP.32 v1.0 has (auto enable) or whose forms differ from v1.2 (data requests).
mod v1_0_only {
    use super::v1_0::{execute, psmo};
    use super::*;
    use euicc_asn1::types::sgp32::v1_0::{
        ConfigureAutoProfileEnablingRequest, EuiccResultData, IpaEuiccData, IpaEuiccDataRequest,
        IpaEuiccDataResponse, Psmo,
    };

    #[test]
    fn configure_auto_enable_is_stored() {
        let bench = Bench::start("v1.0", false);
        let done = execute(
            &bench,
            psmo(Psmo::ConfigureAutoEnable(
                ConfigureAutoProfileEnablingRequest {
                    auto_enable_flag: Some(Null),
                    smdp_oid: None,
                    smdp_address: Some(DEFAULT_SMDP_HOST.into()),
                },
            )),
        );
        assert_eq!(
            done.results,
            [EuiccResultData::ConfigureAutoEnableResult(0)]
        );
        let immediate = bench.card().immediate_enable;
        assert!(immediate.enabled);
        assert_eq!(immediate.smdp_address.as_deref(), Some(DEFAULT_SMDP_HOST));
    }

    #[test]
    fn every_ipa_euicc_data_item_is_answered_in_the_v1_0_layout() {
        let bench = Bench::start("v1.0", false);
        type Check = fn(&Bench, &IpaEuiccData) -> bool;
        let items: [(&str, Check); 10] = [
            ("80", |_, d| {
                d.default_smdp_address.as_deref() == Some(DEFAULT_SMDP_HOST)
            }),
            ("BF20", |_, d| d.euicc_info1.is_some()),
            ("BF22", |_, d| d.euicc_info2.is_some()),
            ("83", |_, d| d.root_smds_address.is_some()),
            ("84", |b, d| {
                d.association_token.is_some() && d.association_token == b.token
            }),
            ("A5", |b, d| {
                d.eum_certificate.as_ref().map(|c| c.as_der()) == Some(b.pki.eum.cert.der())
            }),
            ("A6", |b, d| {
                d.euicc_certificate.as_ref().map(|c| c.as_der()) == Some(b.pki.euicc.cert.der())
            }),
            ("A8", |_, d| d.ipa_capabilities.is_some()),
            ("A9", |_, d| d.device_info.is_some()),
            ("BF2B", |_, d| d.notifications_list.is_some()),
        ];
        for (tag, check) in items {
            let request = IpaEuiccDataRequest {
                tag_list: Octets(hex::decode(tag).unwrap()),
                euicc_ci_pk_id: None,
                search_criteria: None,
            };
            let DataResponse::V1_0(IpaEuiccDataResponse::IpaEuiccData(data)) =
                bench.request_data(&request)
            else {
                panic!("{tag}: not answered")
            };
            assert!(check(&bench, &data), "{tag}: {data:?}");
            let answered = [
                data.default_smdp_address.is_some(),
                data.euicc_info1.is_some(),
                data.euicc_info2.is_some(),
                data.root_smds_address.is_some(),
                data.association_token.is_some(),
                data.eum_certificate.is_some(),
                data.euicc_certificate.is_some(),
                data.ipa_capabilities.is_some(),
                data.device_info.is_some(),
                data.notifications_list.is_some(),
            ];
            assert_eq!(
                answered.iter().filter(|a| **a).count(),
                1,
                "{tag}: {data:?}"
            );
        }
    }
}
