//! Unit tests of the ES10 client over a scripted simulated card: each test lists the ES10 commands it
//! expects, in order, with the answers; responses are built with the codec.

use super::*;
use crate::apdu::SessionConfig;
use crate::apdu::inprocess::InProcessChannel;
use euicc_asn1::types::sgp22::{
    CompactOtherSignedNotification, EnableProfileResponse, IoTSpecificInfo,
    ListNotificationResponse, NotificationMetadata, NotificationSearchCriteria,
    NotificationSentResponse, PendingNotification, ProfileInfo, ProfileInfoListResponse,
    Sgp22EuiccMemoryResetResponse,
};
use euicc_asn1::types::sgp32::common::{AddInitialEimResponse, AddInitialEimResult};
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{Asn1, BitString, Iccid, Null, Signed, from_ber, to_der};
use euiccd_core::es10::Es10Error;
use euiccd_sim::card::{AppletOutcome, IsdrApplet, ResponseMode, SimCard};
use euiccd_sim::iso7816::StatusWord;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Expected command (hex) and the card's answer.
type Step = (String, AppletOutcome);

/// An ISD-R that checks each command against the script and gives the scripted answer.
struct Script(Arc<Mutex<VecDeque<Step>>>);

impl IsdrApplet for Script {
    fn process(&mut self, command: &[u8]) -> AppletOutcome {
        let mut steps = self.0.lock().expect("script lock");
        let (expected, outcome) = steps
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected command {}", hex::encode_upper(command)));
        assert_eq!(
            hex::encode_upper(command),
            expected,
            "command out of script"
        );
        outcome
    }
}

/// A client over a scripted card, and the script's remaining steps (empty when the test ends well).
fn scripted(
    steps: Vec<(&str, AppletOutcome)>,
) -> (Euicc<InProcessChannel>, Arc<Mutex<VecDeque<Step>>>) {
    let steps: VecDeque<Step> = steps
        .into_iter()
        .map(|(command, outcome)| (command.replace(' ', ""), outcome))
        .collect();
    let script = Arc::new(Mutex::new(steps));
    let card = SimCard::new(
        Box::new(Script(script.clone())) as Box<dyn IsdrApplet + Send>,
        ResponseMode::GetResponse,
    );
    let session =
        IsdrSession::new(InProcessChannel::new(card), SessionConfig::default()).expect("session");
    (Euicc::new(session), script)
}

fn done(script: &Arc<Mutex<VecDeque<Step>>>) {
    let left = script.lock().expect("script lock");
    assert!(
        left.is_empty(),
        "commands not sent: {:?}",
        left.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
}

fn answer<T: Asn1>(value: &T) -> AppletOutcome {
    AppletOutcome::ok(to_der(value))
}

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// EUICCInfo2 announcing these SGP.32 versions.
fn info2(iot_versions: &[[u8; 3]]) -> EUICCInfo2 {
    EUICCInfo2 {
        profile_version: Octets(vec![2, 3, 1]),
        svn: Octets(vec![2, 3, 0]),
        euicc_firmware_ver: Octets(vec![1, 0, 0]),
        ext_card_resource: Octets(hex::decode("8101008203012345830200FF").expect("hex")),
        uicc_capability: BitString::from_bits(&[1]),
        ts102241_version: None,
        globalplatform_version: None,
        rsp_capability: BitString::from_bits(&[0]),
        euicc_ci_pk_id_list_for_verification: vec![Octets(vec![0x81; 20])],
        euicc_ci_pk_id_list_for_signing: vec![Octets(vec![0x81; 20])],
        euicc_category: None,
        forbidden_profile_policy_rules: None,
        pp_version: Octets(vec![1, 0, 0]),
        sas_accreditation_number: "SAS-TEST".into(),
        certification_data_object: None,
        tre_properties: None,
        tre_product_reference: None,
        additional_euicc_profile_package_versions: None,
        ipa_mode: Some(0),
        euicc_ci_pk_id_list_for_signing_v3: None,
        additional_euicc_info: None,
        highest_svn: None,
        iot_specific_info: Some(IoTSpecificInfo {
            iot_version: iot_versions.iter().map(|v| Octets(v.to_vec())).collect(),
            ecall_supported: None,
            fallback_supported: Some(Null),
        }),
    }
}

const ICCID: &str = "89000123456789012341";
const GET_INFO2: &str = "BF2200";

fn iccid() -> Iccid {
    ICCID.parse().expect("iccid")
}

#[test]
fn eid_and_cached_info2() {
    let eid = "89049044900000000000000000102355";
    let (mut euicc, script) = scripted(vec![
        (
            "BF3E035C015A",
            AppletOutcome::ok(hex::decode(format!("BF3E125A10{eid}")).expect("hex")),
        ),
        (GET_INFO2, answer(&info2(&[[1, 2, 0]]))),
    ]);
    run(async {
        assert_eq!(euicc.eid().await.expect("eid").digits(), eid);
        assert_eq!(euicc.layout().await.expect("version"), Layout::V1_2);
        // Cached: no second GetEUICCInfo2.
        assert_eq!(euicc.layout().await.expect("version"), Layout::V1_2);
        assert_eq!(euicc.euicc_info2().await.expect("info2").ipa_mode, Some(0));
    });
    done(&script);
}

#[test]
fn a_version_override_wins_without_asking_the_card() {
    let (euicc, script) = scripted(vec![]);
    let mut euicc = euicc.with_layout(Layout::V1_0);
    run(async {
        assert_eq!(euicc.layout().await.expect("version"), Layout::V1_0);
    });
    done(&script);
}

#[test]
fn version_from_iot_versions() {
    assert_eq!(Layout::from_info2(&info2(&[[1, 0, 0]])), Layout::V1_0);
    assert_eq!(
        Layout::from_info2(&info2(&[[1, 0, 0], [1, 2, 1]])),
        Layout::V1_2
    );
    assert_eq!(Layout::from_info2(&info2(&[])), Layout::V1_2);
    assert_eq!(Layout::V1_0.to_string(), "v1.0");
}

#[test]
fn profiles_are_listed_with_fallback_fields() {
    let profile = ProfileInfo {
        iccid: Some(iccid()),
        profile_state: Some(1),
        profile_nickname: Some("bench".into()),
        profile_class: Some(2),
        fallback_attribute: true,
        ..ProfileInfo::default()
    };
    let (mut euicc, script) = scripted(vec![(
        "BF2D00",
        answer(&ProfileInfoListResponse::ProfileInfoListOk(vec![
            profile.clone(),
        ])),
    )]);
    let profiles = run(euicc.profiles(None)).expect("profiles");
    assert_eq!(profiles, vec![profile]);
    done(&script);
}

#[test]
fn enable_sends_the_iccid_and_names_a_refusal() {
    let (mut euicc, script) = scripted(vec![
        (
            "BF31 11 A0 0C 5A 0A 98001032547698103214 81 01 FF",
            answer(&EnableProfileResponse { enable_result: 0 }),
        ),
        (
            "BF31 11 A0 0C 5A 0A 98001032547698103214 81 01 00",
            answer(&EnableProfileResponse { enable_result: 3 }),
        ),
    ]);
    run(async {
        euicc.enable(iccid(), true).await.expect("enabled");
        match euicc.enable(iccid(), false).await {
            Err(EuiccError::Es10(Es10Error::Refused {
                function: "EnableProfile",
                code: 3,
                name: Some("disallowedByPolicy"),
            })) => {}
            other => panic!("{other:?}"),
        }
    });
    done(&script);
}

#[test]
fn a_card_without_local_management_says_so() {
    let (mut euicc, script) = scripted(vec![(
        "BF33 0C 5A 0A 98001032547698103214",
        AppletOutcome::error(StatusWord(0x6A80)),
    )]);
    let error = run(euicc.delete(iccid())).expect_err("refused");
    assert!(
        matches!(
            error,
            EuiccError::LocalManagementRefused {
                function: "DeleteProfile",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("from its eIM"), "{error}");
    done(&script);
}

#[test]
fn nickname_length_is_checked_before_sending() {
    let (mut euicc, script) = scripted(vec![]);
    let long = "n".repeat(65);
    assert!(matches!(
        run(euicc.set_nickname(iccid(), &long)),
        Err(EuiccError::Es10(Es10Error::InvalidRequest {
            function: "SetNickname",
            ..
        }))
    ));
    done(&script);
}

#[test]
fn memory_reset_falls_back_to_bf34() {
    let options = MemoryResetOptions {
        delete_operational_profiles: true,
        ..Default::default()
    };
    let (mut euicc, script) = scripted(vec![
        (GET_INFO2, answer(&info2(&[[1, 2, 0]]))),
        (
            "BF64 04 82 02 07 80",
            AppletOutcome::error(StatusWord(0x6A80)),
        ),
        (
            "BF34 04 82 02 07 80",
            answer(&Sgp22EuiccMemoryResetResponse { reset_result: 0 }),
        ),
    ]);
    let outcome = run(euicc.memory_reset(options)).expect("reset");
    assert!(outcome.sgp22_form);
    assert_eq!(outcome.reset_result, 0);
    done(&script);
}

#[test]
fn memory_reset_v1_2_and_v1_0() {
    let options = MemoryResetOptions {
        reset_eim_config: true,
        ..Default::default()
    };
    let (mut euicc, script) = scripted(vec![
        (GET_INFO2, answer(&info2(&[[1, 2, 0]]))),
        (
            "BF64 04 82 02 02 04",
            answer(&v1_2::EuiccMemoryResetResponse {
                reset_result: 0,
                reset_eim_result: Some(0),
                reset_immediate_enable_config_result: None,
            }),
        ),
    ]);
    let outcome = run(euicc.memory_reset(options)).expect("reset");
    assert_eq!(
        (outcome.sgp22_form, outcome.reset_eim_result),
        (false, Some(0))
    );
    done(&script);

    // v1.0: straight to BF34, resetEimConfig is bit 3; catBusy is an error.
    let (mut euicc, script) = scripted(vec![
        (GET_INFO2, answer(&info2(&[[1, 0, 0]]))),
        (
            "BF34 04 82 02 04 10",
            answer(&Sgp22EuiccMemoryResetResponse { reset_result: 5 }),
        ),
    ]);
    assert!(matches!(
        run(euicc.memory_reset(options)),
        Err(EuiccError::Es10(Es10Error::Refused {
            code: 5,
            name: Some("catBusy"),
            ..
        }))
    ));
    done(&script);
}

fn metadata(seq: i64) -> NotificationMetadata {
    NotificationMetadata {
        seq_number: seq,
        profile_management_operation: BitString::from_bits(&[1]),
        notification_address: "smdp.example.com".into(),
        iccid: Some(iccid()),
    }
}

#[test]
fn notifications_list_retrieve_and_remove() {
    let pending =
        PendingNotification::CompactOtherSignedNotification(CompactOtherSignedNotification {
            eid_value: None,
            tbs_other_notification: Signed::new(metadata(7)),
            euicc_notification_signature: Octets(vec![0x55; 64]),
        });
    let epr =
        v1_2::EuiccPackageResult::EuiccPackageErrorUnsigned(v1_2::EuiccPackageErrorUnsigned {
            eim_id: "eim".into(),
            eim_transaction_id: None,
            association_token: Some(1),
        });
    let (mut euicc, script) = scripted(vec![
        (
            "BF2800",
            answer(&ListNotificationResponse::NotificationMetadataList(vec![
                metadata(7),
            ])),
        ),
        (GET_INFO2, answer(&info2(&[[1, 2, 0]]))),
        (
            "BF2B 05 A0 03 80 01 07",
            answer(&v1_2::RetrieveNotificationsListResponse::NotificationList(
                vec![Signed::new(pending.clone())],
            )),
        ),
        (
            "BF2B 04 A0 02 82 00",
            answer(
                &v1_2::RetrieveNotificationsListResponse::EuiccPackageResultList(vec![
                    Signed::new(epr.clone()),
                ]),
            ),
        ),
        (
            "BF30 03 80 01 07",
            answer(&NotificationSentResponse {
                delete_notification_status: 0,
            }),
        ),
        (
            "BF30 03 80 01 07",
            answer(&NotificationSentResponse {
                delete_notification_status: 1,
            }),
        ),
    ]);
    run(async {
        assert_eq!(
            euicc.list_notifications(None).await.expect("list"),
            vec![metadata(7)]
        );
        let got = euicc
            .retrieve_notifications(Some(NotificationSearchCriteria::SeqNumber(7)))
            .await
            .expect("retrieve");
        assert_eq!(got.notifications.len(), 1);
        assert_eq!(got.notifications[0].raw(), to_der(&pending).as_slice());
        let eprs = euicc
            .retrieve_notifications(Some(NotificationSearchCriteria::EuiccPackageResults))
            .await
            .expect("EPRs");
        assert_eq!(eprs.package_results, vec![to_der(&epr)]);
        euicc.remove_notification(7).await.expect("removed");
        assert!(matches!(
            euicc.remove_notification(7).await,
            Err(EuiccError::Es10(Es10Error::Refused {
                name: Some("nothingToDelete"),
                ..
            }))
        ));
    });
    done(&script);
}

#[test]
fn eim_configuration_in_both_layouts() {
    let v1_2_config = v1_2::EimConfigurationData {
        eim_id: "eim-1".into(),
        eim_fqdn: Some("eim.example.com:8443".into()),
        eim_id_type: Some(2),
        counter_value: Some(5),
        association_token: Some(1),
        eim_public_key_data: None,
        trusted_public_key_data_tls: None,
        eim_supported_protocol: Some(BitString::from_bits(&[0])),
        euicc_ci_pk_id: None,
        indirect_profile_download: Some(Null),
    };
    let v1_0_config = v1_0::EimConfigurationData::from(EimConfig::from(v1_2_config.clone()));
    let (mut euicc, script) = scripted(vec![
        (GET_INFO2, answer(&info2(&[[1, 2, 0]]))),
        (
            "BF5500",
            answer(&v1_2::GetEimConfigurationDataResponse {
                eim_configuration_data_list: vec![v1_2_config.clone()],
            }),
        ),
    ]);
    let configs = run(euicc.eim_configuration()).expect("eims");
    assert_eq!(configs, vec![EimConfig::from(v1_2_config)]);
    assert!(configs[0].indirect_profile_download);
    done(&script);

    let (mut euicc, script) = scripted(vec![
        (GET_INFO2, answer(&info2(&[[1, 0, 0]]))),
        (
            "BF5500",
            answer(&v1_0::GetEimConfigurationDataResponse {
                eim_configuration_data_list: vec![v1_0_config],
            }),
        ),
    ]);
    let configs = run(euicc.eim_configuration()).expect("eims");
    assert_eq!(configs[0].fqdn.as_deref(), Some("eim.example.com:8443"));
    assert!(!configs[0].indirect_profile_download);
    done(&script);
}

#[test]
fn add_initial_eim_results_and_errors() {
    let config = EimConfig {
        eim_id: "eim-1".into(),
        fqdn: Some("127.0.0.1:8000".into()),
        counter_value: Some(1),
        ..EimConfig::default()
    };
    let request = to_der(&v1_2::AddInitialEimRequest {
        eim_configuration_data_list: vec![config.clone().into()],
    });
    let (mut euicc, script) = scripted(vec![
        (GET_INFO2, answer(&info2(&[[1, 2, 0]]))),
        (
            &hex::encode_upper(&request),
            answer(&AddInitialEimResponse::AddInitialEimOk(vec![
                AddInitialEimResult::AssociationToken(9),
            ])),
        ),
        (
            &hex::encode_upper(&request),
            answer(&AddInitialEimResponse::AddInitialEimError(2)),
        ),
    ]);
    run(async {
        assert_eq!(
            euicc
                .add_initial_eim(vec![config.clone()])
                .await
                .expect("added"),
            vec![AddInitialEimResult::AssociationToken(9)]
        );
        assert!(matches!(
            euicc.add_initial_eim(vec![config]).await,
            Err(EuiccError::Es10(Es10Error::Refused {
                name: Some("associatedEimAlreadyExists"),
                ..
            }))
        ));
    });
    done(&script);
}

#[test]
fn undecodable_answers_name_the_function_and_offset() {
    let (mut euicc, script) = scripted(vec![(
        "BF2D00",
        AppletOutcome::ok(vec![0xBF, 0x2D, 0x03, 0xA0, 0x05]),
    )]);
    match run(euicc.profiles(None)) {
        Err(EuiccError::Es10(Es10Error::Undecodable {
            function: "GetProfilesInfo",
            source,
        })) => {
            assert!(source.to_string().contains("at byte"), "{source}");
        }
        other => panic!("{other:?}"),
    }
    done(&script);
}

#[test]
fn v1_2_functions_are_refused_on_v1_0_cards() {
    let (mut euicc, script) = scripted(vec![(GET_INFO2, answer(&info2(&[[1, 0, 0]])))]);
    assert!(matches!(
        run(euicc.execute_fallback(true)),
        Err(EuiccError::Es10(Es10Error::Unsupported {
            function: "ExecuteFallbackMechanism",
            version: Layout::V1_0
        }))
    ));
    done(&script);
}

#[test]
fn package_results_are_relayed_byte_for_byte() {
    let epr = to_der(&v1_2::EuiccPackageResult::EuiccPackageErrorUnsigned(
        v1_2::EuiccPackageErrorUnsigned {
            eim_id: "eim".into(),
            eim_transaction_id: None,
            association_token: None,
        },
    ));
    let package = "BF5103020101";
    let (mut euicc, script) = scripted(vec![
        (GET_INFO2, answer(&info2(&[[1, 2, 0]]))),
        (package, AppletOutcome::ok(epr.clone())),
        (
            "BF58 03 80 01 FF",
            answer(&v1_2::ProfileRollbackResponse {
                cmd_result: 0,
                e_uicc_package_result: Some(Signed::new(from_ber(&epr).expect("epr"))),
            }),
        ),
    ]);
    run(async {
        let request = hex::decode(package).expect("hex");
        assert_eq!(euicc.load_euicc_package(&request).await.expect("EPR"), epr);
        let rollback = euicc.profile_rollback(true).await.expect("rollback");
        assert_eq!(rollback.package_result, Some(epr.clone()));
    });
    done(&script);
}
