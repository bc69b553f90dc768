//! Tests of the simulated eUICC: one or more per command and per result code, a complete download driven
//! by an SM-DP+ built here from the crypto module, an SGP.26-style identity, persistence and power loss.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use euicc_asn1::types::sgp22::*;
use euicc_asn1::types::sgp32::v1_2::{
    self as v12, AddEimResult, AddInitialEimRequest, AddInitialEimResponse, AddInitialEimResult,
    Eco, EimConfigurationData, EimPublicKeyData, EimSearchCriteria, EnableParams, EuiccPackage,
    EuiccPackageRequest, EuiccPackageResult, EuiccPackageSigned, EuiccResultData,
    GetEimConfigurationDataRequest, GetEimConfigurationDataResponse, ProfileIccid,
    ProfileRollbackRequest, ProfileRollbackResponse, Psmo, RefreshFlag,
    RetrieveNotificationsListResponse,
};
use euicc_asn1::{
    Asn1, BitString, Eid, Iccid, Null, Octets, Signed, Tag, Writer, from_ber, to_der,
};

use super::state::{NotificationKind, Profile};
use super::*;
use crate::card::{ResponseMode, SimCard};
use crate::crypto::bsp::{BspEncoder, SegmentTag};
use crate::crypto::ecka::OneTimeKeyPair;
use crate::crypto::kdf::{ControlReferenceTemplate, derive_session_keys};
use crate::crypto::pki::{CertAndKey, EuiccIdentity, TestPki};

const EID: &str = "89049032123451234512345678901235";
const SMDP: &str = "smdp.example.test";

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(&EID.parse().unwrap()).unwrap())
}

fn card() -> SimEuicc {
    SimEuicc::new(pki().euicc_identity(), SimEuiccConfig::default())
}

/// A valid ICCID (Luhn check digit included) numbered `n`.
fn iccid(n: u8) -> Iccid {
    let body = format!("8944476500000000{n:02}");
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10).parse().unwrap()
}

/// Sends `request` and decodes the successful answer.
fn run<T: Asn1>(euicc: &mut SimEuicc, request: &impl Asn1) -> T {
    let outcome = euicc.process(&to_der(request));
    assert_eq!(outcome.sw, StatusWord::OK, "{outcome:?}");
    from_ber(&outcome.data).unwrap_or_else(|e| panic!("{e}: {}", hex::encode(&outcome.data)))
}

fn asn1_cert(cert: &crate::crypto::cert::Certificate) -> Certificate {
    from_ber(cert.der()).unwrap()
}

fn add_profile(euicc: &mut SimEuicc, n: u8, class: i64) -> Iccid {
    let id = iccid(n);
    euicc.state.profiles.push(Profile {
        iccid: id,
        isdp_aid: vec![0xA0, 0, 0, 5, 0x59, 0x10, 0x10, n],
        enabled: false,
        class,
        nickname: None,
        service_provider_name: "Operator".into(),
        profile_name: format!("Profile {n}"),
        fallback_attribute: false,
        fallback_allowed: n % 2 == 0,
        ecall: false,
        notification_address: SMDP.into(),
        profile_bytes: 100,
    });
    id
}

fn enabled(euicc: &SimEuicc) -> Option<Iccid> {
    euicc.state.enabled_profile().map(|p| p.iccid)
}

fn verify_euicc_signature(data: &[u8], signature: &[u8]) {
    pki()
        .euicc
        .cert
        .public_key()
        .unwrap()
        .verify_raw(data, signature)
        .expect("eUICC signature");
}

// ---- information -------------------------------------------------------------------------------

#[test]
fn euicc_info_reports_sgp32_v1_2_and_the_ci() {
    let mut euicc = card();
    let ski = Octets(pki().ci.cert.subject_key_identifier().unwrap().to_vec());
    let info1: EUICCInfo1 = run(&mut euicc, &GetEuiccInfo1Request {});
    assert_eq!(
        info1.euicc_ci_pk_id_list_for_verification,
        vec![ski.clone()]
    );
    let info2: EUICCInfo2 = run(&mut euicc, &GetEuiccInfo2Request {});
    let iot = info2.iot_specific_info.unwrap();
    assert_eq!(iot.iot_version, vec![Octets(vec![1, 2, 0])]);
    assert_eq!(iot.fallback_supported, Some(Null));
    assert_eq!(info2.ipa_mode, Some(0));
    assert_eq!(info2.euicc_ci_pk_id_list_for_signing, vec![ski]);
}

#[test]
fn eid_challenge_and_addresses() {
    let mut euicc = card();
    let eid: GetEuiccDataResponse = run(&mut euicc, &GetEuiccDataRequest::eid());
    assert_eq!(eid.eid_value.digits(), EID);
    let a: GetEuiccChallengeResponse = run(&mut euicc, &GetEuiccChallengeRequest {});
    let b: GetEuiccChallengeResponse = run(&mut euicc, &GetEuiccChallengeRequest {});
    assert_eq!(a.euicc_challenge.0.len(), 16);
    assert_ne!(a, b);
    let addresses: EuiccConfiguredAddressesResponse =
        run(&mut euicc, &EuiccConfiguredAddressesRequest {});
    assert_eq!(addresses.default_dp_address, None);
    let set: v12::SetDefaultDpAddressResponse = run(
        &mut euicc,
        &v12::SetDefaultDpAddressRequest {
            default_dp_address: "dp.example".into(),
        },
    );
    assert_eq!(set.set_default_dp_address_result, 0);
    let _: Sgp22SetDefaultDpAddressResponse = run(
        &mut euicc,
        &Sgp22SetDefaultDpAddressRequest {
            default_dp_address: "dp2.example".into(),
        },
    );
    let addresses: EuiccConfiguredAddressesResponse =
        run(&mut euicc, &EuiccConfiguredAddressesRequest {});
    assert_eq!(addresses.default_dp_address.as_deref(), Some("dp2.example"));
    let rat: GetRatResponse = run(&mut euicc, &GetRatRequest {});
    assert!(rat.rat.is_empty());
}

#[test]
fn get_certs_for_the_right_ci_only() {
    let mut euicc = card();
    let ski = pki().ci.cert.subject_key_identifier().unwrap().to_vec();
    let ok: v12::GetCertsResponse = run(
        &mut euicc,
        &v12::GetCertsRequest {
            euicc_ci_pk_id: Some(Octets(ski)),
        },
    );
    let v12::GetCertsResponse::Certs(certs) = ok else {
        panic!("{ok:?}")
    };
    assert_eq!(certs.euicc_certificate.as_der(), pki().euicc.cert.der());
    assert_eq!(certs.eum_certificate.as_der(), pki().eum.cert.der());
    let wrong: v12::GetCertsResponse = run(
        &mut euicc,
        &v12::GetCertsRequest {
            euicc_ci_pk_id: Some(Octets(vec![1; 20])),
        },
    );
    assert_eq!(wrong, v12::GetCertsResponse::GetCertsError(1));
}

#[test]
fn garbage_never_panics() {
    let mut euicc = card();
    for command in [
        &b""[..],
        &[0x00],
        &[0xBF],
        &[0xBF, 0x99, 0x00],
        &[0xBF, 0x3E, 0x00],
        &[0xBF, 0x2D, 0x05, 0xA0],
        &[0xBF, 0x51, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
        &[0x30, 0x00],
    ] {
        assert_eq!(
            euicc.process(command).sw,
            StatusWord(0x6A80),
            "{command:02X?}"
        );
    }
    // A BPP segment without a session.
    assert_eq!(euicc.process(&[0xA1, 0x00]).sw, StatusWord(0x6985));
    let mut x: u32 = 0x1234_5678;
    for round in 0..3000 {
        let len = round % 40;
        let mut command: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        if round % 2 == 0 && command.len() > 2 {
            command[0] = 0xBF;
        }
        let _ = euicc.process(&command);
    }
}

// ---- profiles ----------------------------------------------------------------------------------

#[test]
fn profiles_info_with_tag_list_and_filters() {
    let mut euicc = card();
    add_profile(&mut euicc, 1, 2);
    let test = add_profile(&mut euicc, 2, 0);
    let all: ProfileInfoListResponse = run(&mut euicc, &ProfileInfoListRequest::default());
    let ProfileInfoListResponse::ProfileInfoListOk(list) = all else {
        panic!()
    };
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].profile_name.as_deref(), Some("Profile 2"));
    assert_eq!(list[1].fallback_allowed, Some(true));
    let filtered: ProfileInfoListResponse = run(
        &mut euicc,
        &ProfileInfoListRequest {
            search_criteria: Some(ProfileSearchCriteria::ProfileClass(0)),
            tag_list: Some(Octets(vec![0x5A, 0x9F, 0x70])),
        },
    );
    assert_eq!(
        filtered,
        ProfileInfoListResponse::ProfileInfoListOk(vec![ProfileInfo {
            iccid: Some(test),
            profile_state: Some(0),
            ..ProfileInfo::default()
        }])
    );
    let bad: ProfileInfoListResponse = run(
        &mut euicc,
        &ProfileInfoListRequest {
            search_criteria: None,
            tag_list: Some(Octets(vec![0x9F])),
        },
    );
    assert_eq!(bad, ProfileInfoListResponse::ProfileInfoListError(1));
}

fn enable_request(iccid: Iccid, refresh: bool) -> EnableProfileRequest {
    EnableProfileRequest {
        profile_identifier: ProfileIdentifier::Iccid(iccid),
        refresh_flag: refresh,
    }
}

#[test]
fn es10c_enable_disable_delete_and_their_codes() {
    let mut euicc = card();
    let a = add_profile(&mut euicc, 1, 2);
    let b = add_profile(&mut euicc, 2, 2);
    let enable = |e: &mut SimEuicc, id, refresh| {
        let outcome = e.process(&to_der(&enable_request(id, refresh)));
        let response: EnableProfileResponse = from_ber(&outcome.data).unwrap();
        (response.enable_result, outcome.reset_card)
    };
    assert_eq!(enable(&mut euicc, a, true), (0, true));
    assert_eq!(enable(&mut euicc, a, true), (2, false));
    assert_eq!(enable(&mut euicc, iccid(9), false), (1, false));
    assert_eq!(enable(&mut euicc, b, false), (0, false));
    assert_eq!(enabled(&euicc), Some(b));
    let delete = |e: &mut SimEuicc, id| {
        let r: DeleteProfileResponse = run(e, &DeleteProfileRequest(ProfileIdentifier::Iccid(id)));
        r.delete_result
    };
    assert_eq!(delete(&mut euicc, b), 2);
    let disable = |e: &mut SimEuicc, id| {
        let r: DisableProfileResponse = run(
            e,
            &DisableProfileRequest {
                profile_identifier: ProfileIdentifier::Iccid(id),
                refresh_flag: false,
            },
        );
        r.disable_result
    };
    assert_eq!(disable(&mut euicc, a), 2);
    assert_eq!(disable(&mut euicc, b), 0);
    assert_eq!(delete(&mut euicc, b), 0);
    assert_eq!(delete(&mut euicc, b), 1);
    // By ISD-P AID too.
    let by_aid: EnableProfileResponse = run(
        &mut euicc,
        &EnableProfileRequest {
            profile_identifier: ProfileIdentifier::IsdpAid(Octets(vec![
                0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 1,
            ])),
            refresh_flag: false,
        },
    );
    assert_eq!(by_aid.enable_result, 0);
    // IoT policy: ES10c refused.
    euicc.config_mut().es10c_allowed = false;
    assert_eq!(disable(&mut euicc, a), 3);
    assert_eq!(enabled(&euicc), Some(a));
    // Notifications: enable a, enable b (+ disable a), disable b, delete b, enable a.
    let kinds: Vec<_> = euicc.notifications().iter().map(|n| n.kind).collect();
    use NotificationKind::*;
    assert_eq!(kinds, [Enable, Disable, Enable, Disable, Delete, Enable]);
    let seqs: Vec<_> = euicc.notifications().iter().map(|n| n.seq_number).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn nickname() {
    let mut euicc = card();
    let a = add_profile(&mut euicc, 1, 2);
    let set = |e: &mut SimEuicc, id| {
        let r: SetNicknameResponse = run(
            e,
            &SetNicknameRequest {
                iccid: id,
                profile_nickname: "mine".into(),
            },
        );
        r.set_nickname_result
    };
    assert_eq!(set(&mut euicc, a), 0);
    assert_eq!(euicc.profiles()[0].nickname.as_deref(), Some("mine"));
    assert_eq!(set(&mut euicc, iccid(9)), 1);
}

#[test]
fn notifications_list_retrieve_remove() {
    let mut euicc = card();
    let a = add_profile(&mut euicc, 1, 2);
    let _: EnableProfileResponse = run(&mut euicc, &enable_request(a, false));
    let _: DisableProfileResponse = run(
        &mut euicc,
        &DisableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(a),
            refresh_flag: false,
        },
    );
    let listed: ListNotificationResponse = run(
        &mut euicc,
        &ListNotificationRequest {
            profile_management_operation: Some(BitString::from_bits(&[2])),
        },
    );
    let ListNotificationResponse::NotificationMetadataList(list) = listed else {
        panic!()
    };
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].seq_number, 2);
    assert_eq!(list[0].iccid, Some(a));
    let retrieved: RetrieveNotificationsListResponse = run(
        &mut euicc,
        &RetrieveNotificationsListRequest {
            search_criteria: Some(NotificationSearchCriteria::SeqNumber(1)),
        },
    );
    let RetrieveNotificationsListResponse::NotificationList(list) = retrieved else {
        panic!()
    };
    let PendingNotification::OtherSignedNotification(signed) = list[0].value() else {
        panic!()
    };
    verify_euicc_signature(
        signed.tbs_other_notification.raw(),
        signed.euicc_notification_signature.as_slice(),
    );
    assert_eq!(list[0].raw(), euicc.notifications()[0].signed.as_slice());
    let remove = |e: &mut SimEuicc, seq| {
        let r: NotificationSentResponse = run(e, &NotificationSentRequest { seq_number: seq });
        r.delete_notification_status
    };
    assert_eq!(remove(&mut euicc, 1), 0);
    assert_eq!(remove(&mut euicc, 1), 1);
    assert_eq!(euicc.notifications().len(), 1);
}

#[test]
fn memory_reset_both_tags() {
    let mut euicc = card();
    let op = add_profile(&mut euicc, 1, 2);
    add_profile(&mut euicc, 2, 0);
    let _: EnableProfileResponse = run(&mut euicc, &enable_request(op, false));
    let outcome = euicc.process(&to_der(&v12::EuiccMemoryResetRequest {
        reset_options: BitString::from_bits(&[0, 5, 6]),
    }));
    assert!(outcome.reset_card);
    let response: v12::EuiccMemoryResetResponse = from_ber(&outcome.data).unwrap();
    assert_eq!(
        (
            response.reset_result,
            response.reset_eim_result,
            response.reset_immediate_enable_config_result
        ),
        (0, Some(1), Some(0))
    );
    assert_eq!(euicc.profiles().len(), 1);
    let again: Sgp22EuiccMemoryResetResponse = run(
        &mut euicc,
        &Sgp22EuiccMemoryResetRequest {
            reset_options: BitString::from_bits(&[0]),
        },
    );
    assert_eq!(again.reset_result, 1);
    let test: Sgp22EuiccMemoryResetResponse = run(
        &mut euicc,
        &Sgp22EuiccMemoryResetRequest {
            reset_options: BitString::from_bits(&[1]),
        },
    );
    assert_eq!(test.reset_result, 0);
    assert!(euicc.profiles().is_empty());
}

#[test]
fn fallback_emergency_connectivity_and_immediate_enable() {
    let mut euicc = card();
    let main = add_profile(&mut euicc, 1, 2);
    let fallback = add_profile(&mut euicc, 2, 2);
    let ecall = add_profile(&mut euicc, 3, 2);
    euicc.state.profile_mut(&ecall).unwrap().ecall = true;
    let refresh = RefreshFlag { refresh_flag: true };
    let execute = |e: &mut SimEuicc| {
        let outcome = e.process(&to_der(&v12::ExecuteFallbackMechanismRequest(
            refresh.clone(),
        )));
        let r: v12::ExecuteFallbackMechanismResponse = from_ber(&outcome.data).unwrap();
        (r.execute_fallback_mechanism_result, outcome.reset_card)
    };
    assert_eq!(execute(&mut euicc), (6, false));
    assert_eq!(
        euicc.set_fallback(&main),
        2,
        "fallback not allowed on odd profiles"
    );
    assert_eq!(euicc.set_fallback(&fallback), 0);
    let _: EnableProfileResponse = run(&mut euicc, &enable_request(main, false));
    assert_eq!(execute(&mut euicc), (0, true));
    assert_eq!(enabled(&euicc), Some(fallback));
    assert_eq!(execute(&mut euicc), (2, false));
    assert_eq!(euicc.unset_fallback(), 3);
    let back: v12::ReturnFromFallbackResponse =
        run(&mut euicc, &v12::ReturnFromFallbackRequest(refresh.clone()));
    assert_eq!(back.return_from_fallback_result, 0);
    assert_eq!(enabled(&euicc), Some(main));
    let again: v12::ReturnFromFallbackResponse =
        run(&mut euicc, &v12::ReturnFromFallbackRequest(refresh.clone()));
    assert_eq!(again.return_from_fallback_result, 7);
    assert_eq!(euicc.unset_fallback(), 0);
    assert_eq!(euicc.unset_fallback(), 2);

    let on: v12::EnableEmergencyProfileResponse = run(
        &mut euicc,
        &v12::EnableEmergencyProfileRequest(refresh.clone()),
    );
    assert_eq!(on.enable_emergency_profile_result, 0);
    let twice: v12::EnableEmergencyProfileResponse = run(
        &mut euicc,
        &v12::EnableEmergencyProfileRequest(refresh.clone()),
    );
    assert_eq!(twice.enable_emergency_profile_result, 2);
    let off: v12::DisableEmergencyProfileResponse = run(
        &mut euicc,
        &v12::DisableEmergencyProfileRequest(refresh.clone()),
    );
    assert_eq!(off.disable_emergency_profile_result, 0);
    assert_eq!(enabled(&euicc), Some(main));
    let off_again: v12::DisableEmergencyProfileResponse = run(
        &mut euicc,
        &v12::DisableEmergencyProfileRequest(refresh.clone()),
    );
    assert_eq!(off_again.disable_emergency_profile_result, 2);

    let params: v12::GetConnectivityParametersResponse =
        run(&mut euicc, &v12::GetConnectivityParametersRequest {});
    assert!(matches!(
        params,
        v12::GetConnectivityParametersResponse::ConnectivityParameters(_)
    ));

    let not_configured: v12::ImmediateEnableResponse =
        run(&mut euicc, &v12::ImmediateEnableRequest(refresh.clone()));
    assert_eq!(not_configured.immediate_enable_result, 1);
    let configured: v12::ConfigureImmediateProfileEnablingResponse = run(
        &mut euicc,
        &v12::ConfigureImmediateProfileEnablingRequest {
            immediate_enable_flag: Some(Null),
            default_smdp_oid: None,
            default_smdp_address: Some(SMDP.into()),
        },
    );
    assert_eq!(configured.config_immediate_enable_result, 0);
    let no_download: v12::ImmediateEnableResponse =
        run(&mut euicc, &v12::ImmediateEnableRequest(refresh));
    assert_eq!(no_download.immediate_enable_result, 4);

    let mut empty = card();
    let none: v12::GetConnectivityParametersResponse =
        run(&mut empty, &v12::GetConnectivityParametersRequest {});
    assert_eq!(
        none,
        v12::GetConnectivityParametersResponse::ConnectivityParametersError(1)
    );
    let ecall_missing: v12::EnableEmergencyProfileResponse = run(
        &mut empty,
        &v12::EnableEmergencyProfileRequest(RefreshFlag {
            refresh_flag: false,
        }),
    );
    assert_eq!(ecall_missing.enable_emergency_profile_result, 8);
}

#[test]
fn enabling_with_refresh_closes_the_logical_channels() {
    let mut euicc = card();
    let a = add_profile(&mut euicc, 1, 2);
    let mut sim = SimCard::new(euicc, ResponseMode::Direct);
    assert_eq!(
        sim.process(&[0x00, 0x70, 0x00, 0x00, 0x01]),
        [0x01, 0x90, 0x00]
    );
    let mut select = vec![0x01, 0xA4, 0x04, 0x00, 0x10];
    select.extend_from_slice(&crate::iso7816::ISDR_AID);
    assert!(sim.process(&select).ends_with(&[0x90, 0x00]));
    let request = to_der(&enable_request(a, true));
    let mut store = vec![0x81, 0xE2, 0x91, 0x00, request.len() as u8];
    store.extend_from_slice(&request);
    let answer = sim.process(&store);
    assert!(answer.ends_with(&[0x90, 0x00]), "{answer:02X?}");
    assert!(!sim.is_channel_open(1));
}

// ---- eIM and packages --------------------------------------------------------------------------

const EIM: &str = "eim.example.test";

fn eim_configuration(id: &str, signer: &CertAndKey) -> EimConfigurationData {
    EimConfigurationData {
        eim_id: id.into(),
        eim_fqdn: Some(EIM.into()),
        eim_id_type: Some(2),
        counter_value: Some(0),
        association_token: None,
        eim_public_key_data: Some(EimPublicKeyData::EimCertificate(asn1_cert(&signer.cert))),
        trusted_public_key_data_tls: None,
        eim_supported_protocol: Some(BitString::from_bits(&[0])),
        euicc_ci_pk_id: Some(Octets(
            pki().ci.cert.subject_key_identifier().unwrap().to_vec(),
        )),
        indirect_profile_download: None,
    }
}

/// AddInitialEim with the test PKI's eIM; returns the association token.
fn add_initial_eim(euicc: &mut SimEuicc) -> i64 {
    let response: AddInitialEimResponse = run(
        euicc,
        &AddInitialEimRequest {
            eim_configuration_data_list: vec![eim_configuration(EIM, &pki().eim_sign)],
        },
    );
    let AddInitialEimResponse::AddInitialEimOk(results) = response else {
        panic!("{response:?}")
    };
    let [AddInitialEimResult::AssociationToken(token)] = results[..] else {
        panic!("{results:?}")
    };
    token
}

/// A package signed as the eIM signs it.
fn package(
    eid: Eid,
    counter: i64,
    token: Option<i64>,
    operations: EuiccPackage,
    signer: &CertAndKey,
) -> EuiccPackageRequest {
    let signed = Signed::new(EuiccPackageSigned {
        eim_id: EIM.into(),
        eid_value: eid,
        counter_value: counter,
        eim_transaction_id: Some(Octets(vec![0xEE, counter as u8])),
        euicc_package: operations,
    });
    EuiccPackageRequest {
        eim_signature: Octets(
            signer
                .key
                .sign_raw(&eim_signed_data(signed.raw(), token))
                .to_vec(),
        ),
        euicc_package_signed: signed,
    }
}

fn psmos(list: Vec<Psmo>) -> EuiccPackage {
    EuiccPackage::PsmoList(list)
}

/// The results of a signed package result, after checking its signature.
fn results(result: &EuiccPackageResult, token: Option<i64>) -> (i64, Vec<EuiccResultData>) {
    let EuiccPackageResult::EuiccPackageResultSigned(signed) = result else {
        panic!("{result:?}")
    };
    let data = &signed.euicc_package_result_data_signed;
    verify_euicc_signature(
        &eim_signed_data(data.raw(), token),
        signed.euicc_sign_epr.as_slice(),
    );
    (data.value().seq_number, data.value().euicc_result.clone())
}

#[test]
fn add_initial_eim_and_get_configuration() {
    let mut euicc = card();
    let token = add_initial_eim(&mut euicc);
    let again: AddInitialEimResponse = run(
        &mut euicc,
        &AddInitialEimRequest {
            eim_configuration_data_list: vec![eim_configuration("other", &pki().eim_sign)],
        },
    );
    assert_eq!(again, AddInitialEimResponse::AddInitialEimError(2));
    let all: GetEimConfigurationDataResponse = run(
        &mut euicc,
        &GetEimConfigurationDataRequest {
            search_criteria: None,
        },
    );
    assert_eq!(all.eim_configuration_data_list.len(), 1);
    assert_eq!(
        all.eim_configuration_data_list[0].association_token,
        Some(token)
    );
    let none: GetEimConfigurationDataResponse = run(
        &mut euicc,
        &GetEimConfigurationDataRequest {
            search_criteria: Some(EimSearchCriteria::EimId("nobody".into())),
        },
    );
    assert!(none.eim_configuration_data_list.is_empty());

    let mut fresh = card();
    let mut unknown_ci = eim_configuration(EIM, &pki().eim_sign);
    unknown_ci.euicc_ci_pk_id = Some(Octets(vec![9; 20]));
    let refused: AddInitialEimResponse = run(
        &mut fresh,
        &AddInitialEimRequest {
            eim_configuration_data_list: vec![unknown_ci],
        },
    );
    assert_eq!(refused, AddInitialEimResponse::AddInitialEimError(3));
    assert!(fresh.state.eims.is_empty());
}

#[test]
fn package_psmos_results_replay_and_rollback() {
    let mut euicc = card();
    let token = Some(add_initial_eim(&mut euicc));
    let eid = *euicc.eid();
    let signer = &pki().eim_sign;
    let a = add_profile(&mut euicc, 1, 2);
    let b = add_profile(&mut euicc, 2, 2);
    let _: EnableProfileResponse = run(&mut euicc, &enable_request(a, false));

    let request = package(
        eid,
        1,
        token,
        psmos(vec![
            Psmo::Enable(EnableParams {
                iccid: b,
                rollback_flag: Some(Null),
            }),
            Psmo::Delete(ProfileIccid { iccid: b }),
            Psmo::SetFallbackAttribute(ProfileIccid { iccid: b }),
            Psmo::ListProfileInfo(ProfileInfoListRequest {
                search_criteria: None,
                tag_list: Some(Octets(vec![0x5A])),
            }),
        ]),
        signer,
    );
    let outcome = euicc.process(&to_der(&request));
    assert!(outcome.reset_card, "enabling resets the card");
    let result: EuiccPackageResult = from_ber(&outcome.data).unwrap();
    let (seq, list) = results(&result, token);
    assert_eq!(
        list[..3],
        [
            EuiccResultData::EnableResult(0),
            EuiccResultData::DeleteResult(2),
            EuiccResultData::SetFallbackAttributeResult(0),
        ]
    );
    assert!(matches!(list[3], EuiccResultData::ListProfileInfoResult(_)));
    assert_eq!(enabled(&euicc), Some(b));

    // The result is stored until acknowledged, and retrieved as signed.
    let stored: RetrieveNotificationsListResponse = run(
        &mut euicc,
        &RetrieveNotificationsListRequest {
            search_criteria: Some(NotificationSearchCriteria::EuiccPackageResults),
        },
    );
    let RetrieveNotificationsListResponse::EuiccPackageResultList(eprs) = stored else {
        panic!()
    };
    assert_eq!(eprs.len(), 1);
    assert_eq!(eprs[0].raw(), outcome.data.as_slice());
    assert_eq!(euicc.notifications().last().unwrap().seq_number, seq);

    // Replay, wrong EID, bad signature, unknown eIM.
    let replay: EuiccPackageResult =
        run(&mut euicc, &package(eid, 1, token, psmos(vec![]), signer));
    let EuiccPackageResult::EuiccPackageErrorSigned(error) = &replay else {
        panic!("{replay:?}")
    };
    assert_eq!(
        error
            .euicc_package_error_data_signed
            .value()
            .euicc_package_error_code,
        4
    );
    verify_euicc_signature(
        &eim_signed_data(error.euicc_package_error_data_signed.raw(), token),
        error.euicc_sign_epe.as_slice(),
    );
    let other_eid: Eid = "89049032999991234512345678901231".parse().unwrap();
    let wrong_eid: EuiccPackageResult = run(
        &mut euicc,
        &package(other_eid, 2, token, psmos(vec![]), signer),
    );
    assert!(
        matches!(&wrong_eid, EuiccPackageResult::EuiccPackageErrorSigned(e)
        if e.euicc_package_error_data_signed.value().euicc_package_error_code == 3)
    );
    let out_of_range: EuiccPackageResult =
        run(&mut euicc, &package(eid, -5, token, psmos(vec![]), signer));
    assert!(
        matches!(&out_of_range, EuiccPackageResult::EuiccPackageErrorSigned(e)
        if e.euicc_package_error_data_signed.value().euicc_package_error_code == 6)
    );
    let forged: EuiccPackageResult = run(
        &mut euicc,
        &package(eid, 3, token, psmos(vec![]), &pki().dp_auth),
    );
    assert!(
        matches!(&forged, EuiccPackageResult::EuiccPackageErrorUnsigned(e)
        if e.association_token == token)
    );

    // Rollback: once, back to a, with a result for the eIM.
    let outcome = euicc.process(&to_der(&ProfileRollbackRequest(RefreshFlag {
        refresh_flag: true,
    })));
    assert!(outcome.reset_card);
    let rollback: ProfileRollbackResponse = from_ber(&outcome.data).unwrap();
    assert_eq!(rollback.cmd_result, 0);
    let (_, list) = results(rollback.e_uicc_package_result.unwrap().value(), token);
    assert_eq!(list, [EuiccResultData::RollbackResult(0)]);
    assert_eq!(enabled(&euicc), Some(a));
    let twice: ProfileRollbackResponse = run(
        &mut euicc,
        &ProfileRollbackRequest(RefreshFlag {
            refresh_flag: false,
        }),
    );
    assert_eq!(twice.cmd_result, 1);

    // Without rollbackFlag there is nothing to roll back to.
    let _: EuiccPackageResult = run(
        &mut euicc,
        &package(
            eid,
            4,
            token,
            psmos(vec![Psmo::Enable(EnableParams {
                iccid: b,
                rollback_flag: None,
            })]),
            signer,
        ),
    );
    let refused: ProfileRollbackResponse = run(
        &mut euicc,
        &ProfileRollbackRequest(RefreshFlag {
            refresh_flag: false,
        }),
    );
    assert_eq!(refused.cmd_result, 1);
}

#[test]
fn package_ecos() {
    let mut euicc = card();
    let token = Some(add_initial_eim(&mut euicc));
    let eid = *euicc.eid();
    let second = eim_configuration("second", &pki().eim_sign);
    let result: EuiccPackageResult = run(
        &mut euicc,
        &package(
            eid,
            1,
            token,
            EuiccPackage::EcoList(vec![
                Eco::AddEim(second.clone()),
                Eco::AddEim(second),
                Eco::ListEim(Default::default()),
                Eco::DeleteEim(v12::DeleteEim {
                    eim_id: "second".into(),
                }),
                Eco::DeleteEim(v12::DeleteEim {
                    eim_id: "second".into(),
                }),
            ]),
            &pki().eim_sign,
        ),
    );
    let (_, list) = results(&result, token);
    assert!(matches!(
        list[0],
        EuiccResultData::AddEimResult(AddEimResult::AssociationToken(_))
    ));
    assert_eq!(
        list[1],
        EuiccResultData::AddEimResult(AddEimResult::AddEimResultCode(2))
    );
    let EuiccResultData::ListEimResult(v12::ListEimResult::EimIdList(ids)) = &list[2] else {
        panic!()
    };
    assert_eq!(ids.len(), 2);
    assert_eq!(
        list[3..],
        [
            EuiccResultData::DeleteEimResult(0),
            EuiccResultData::DeleteEimResult(1),
        ]
    );
    assert_eq!(euicc.state.eim(EIM).unwrap().counter, 1);
}

// ---- download ----------------------------------------------------------------------------------

/// The SM-DP+ side of one download, built from the crypto module.
struct Dp {
    transaction_id: Vec<u8>,
}

impl Dp {
    fn new() -> Self {
        Self {
            transaction_id: vec![0x7A; 16],
        }
    }

    fn authenticate_request(
        &self,
        challenge: &[u8],
        ci: &CertAndKey,
        auth: &CertAndKey,
    ) -> AuthenticateServerRequest {
        let signed = Signed::new(ServerSigned1 {
            transaction_id: Octets(self.transaction_id.clone()),
            euicc_challenge: Octets(challenge.to_vec()),
            server_address: SMDP.into(),
            server_challenge: Octets(vec![0x5C; 16]),
        });
        AuthenticateServerRequest {
            server_signature1: Octets(auth.key.sign_raw(signed.raw()).to_vec()),
            server_signed1: signed,
            euicc_ci_pk_id_to_be_used: Octets(ci.cert.subject_key_identifier().unwrap().to_vec()),
            server_certificate: asn1_cert(&auth.cert),
            ctx_params1: CtxParams1::CtxParamsForCommonAuthentication(
                CtxParamsForCommonAuthentication {
                    matching_id: Some("MATCHING-ID-1".into()),
                    device_info: DeviceInfo {
                        tac: Octets(vec![0x35, 0x29, 0x06, 0x11]),
                        device_capabilities: DeviceCapabilities::default(),
                        imei: None,
                    },
                },
            ),
        }
    }

    /// GetEuiccChallenge then AuthenticateServer; returns the answer.
    fn authenticate(&self, euicc: &mut SimEuicc, pki: &TestPki) -> AuthenticateServerResponse {
        let challenge: GetEuiccChallengeResponse = run(euicc, &GetEuiccChallengeRequest {});
        run(
            euicc,
            &self.authenticate_request(challenge.euicc_challenge.as_slice(), &pki.ci, &pki.dp_auth),
        )
    }

    fn prepare_request(&self, euicc_signature1: &[u8], pb: &CertAndKey) -> PrepareDownloadRequest {
        self.rebinding_request(euicc_signature1, pb, None)
    }

    /// PrepareDownload naming the eUICC one-time key of an earlier attempt.
    fn rebinding_request(
        &self,
        euicc_signature1: &[u8],
        pb: &CertAndKey,
        bpp_euicc_otpk: Option<Vec<u8>>,
    ) -> PrepareDownloadRequest {
        let signed = Signed::new(SmdpSigned2 {
            transaction_id: Octets(self.transaction_id.clone()),
            cc_required_flag: false,
            bpp_euicc_otpk: bpp_euicc_otpk.map(Octets),
        });
        let mut data = signed.raw().to_vec();
        data.extend_from_slice(&tlv(0x5F37, euicc_signature1));
        PrepareDownloadRequest {
            smdp_signature2: Octets(pb.key.sign_raw(&data).to_vec()),
            smdp_signed2: signed,
            hash_cc: None,
            smdp_certificate: asn1_cert(&pb.cert),
        }
    }

    /// Authenticate and prepare; returns euiccSigned2's one-time key after checking euiccSignature2.
    fn prepare(&self, euicc: &mut SimEuicc, pki: &TestPki) -> Vec<u8> {
        let AuthenticateServerResponse::AuthenticateResponseOk(ok) = self.authenticate(euicc, pki)
        else {
            panic!("authentication failed")
        };
        let request = self.prepare_request(ok.euicc_signature1.as_slice(), &pki.dp_pb);
        let response: PrepareDownloadResponse = run(euicc, &request);
        let PrepareDownloadResponse::DownloadResponseOk(ok) = response else {
            panic!("{response:?}")
        };
        let mut data = ok.euicc_signed2.raw().to_vec();
        data.extend_from_slice(&tlv(0x5F37, request.smdp_signature2.as_slice()));
        verify_euicc_signature(&data, ok.euicc_signature2.as_slice());
        ok.euicc_signed2.value().euicc_otpk.0.clone()
    }

    /// The BPP for `iccid`, as the LoadBoundProfilePackage commands the IPA sends (SGP.22 §2.5.5).
    fn segments(
        &self,
        euicc_otpk: &[u8],
        eid: &Eid,
        iccid: Iccid,
        pb: &CertAndKey,
    ) -> Vec<Vec<u8>> {
        let otk = OneTimeKeyPair::generate();
        let host_id = b"SMDP-HOST-ID".to_vec();
        let keys = derive_session_keys(
            &otk.agree(euicc_otpk).unwrap(),
            &ControlReferenceTemplate {
                key_type: 0x88,
                key_length: 16,
                host_id: &host_id,
            },
            eid.as_bytes(),
        )
        .unwrap();
        let mut w = Writer::new();
        RemoteOpId(1).encode(&mut w);
        w.tlv(Tag(0x80), |w| w.raw(&self.transaction_id));
        ControlRefTemplate {
            key_type: Octets(vec![0x88]),
            key_len: Octets(vec![0x10]),
            host_id: Octets(host_id),
        }
        .encode_implicit(Tag(0xA6), &mut w);
        w.tlv(Tag(0x5F49), |w| w.raw(&otk.public_key()));
        let signed_part = w.into_bytes();
        let mut data = signed_part.clone();
        data.extend_from_slice(&tlv(0x5F49, euicc_otpk));
        let mut bf23_content = signed_part;
        bf23_content.extend_from_slice(&tlv(0x5F37, &pb.key.sign_raw(&data)));
        let bf23 = tlv(0xBF23, &bf23_content);

        let mut encoder = BspEncoder::new(&keys);
        let configure = encoder
            .protect(SegmentTag::ConfigureIsdpOrReplaceKeys, &[0xBF, 0x24, 0x00])
            .unwrap()
            .concat();
        let metadata = to_der(&StoreMetadataRequest {
            iccid,
            service_provider_name: "Sim Operator".into(),
            profile_name: "Sim Profile".into(),
            icon_type: None,
            icon: None,
            profile_class: 2,
            notification_configuration_info: None,
            profile_owner: None,
            profile_policy_rules: None,
            service_specific_data_stored_in_euicc: None,
            service_specific_data_not_stored_in_euicc: None,
            ecall_indication: None,
            fallback_allowed: Some(true),
        });
        let stored = encoder
            .protect(SegmentTag::StoreMetadata, &metadata)
            .unwrap();
        let profile: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
        let elements = encoder
            .protect(SegmentTag::ProfileElements, &profile)
            .unwrap();
        assert!(elements.len() > 1);
        let a1_len: usize = stored.iter().map(Vec::len).sum();
        let a3_len: usize = elements.iter().map(Vec::len).sum();
        let a0 = tlv(0xA0, &configure);
        let total = bf23.len()
            + a0.len()
            + header_of(0xA1, a1_len).len()
            + a1_len
            + header_of(0xA3, a3_len).len()
            + a3_len;
        let mut first = header_of(0xBF36, total);
        first.extend_from_slice(&bf23);
        let mut segments = vec![first, a0, header_of(0xA1, a1_len)];
        segments.extend(stored);
        segments.push(header_of(0xA3, a3_len));
        segments.extend(elements);
        segments
    }

    /// A download of `iccid` up to the PIR (after the last segment, or earlier for an error); returns it.
    fn download(
        &self,
        euicc: &mut SimEuicc,
        pki: &TestPki,
        iccid: Iccid,
    ) -> ProfileInstallationResult {
        let otpk = self.prepare(euicc, pki);
        let segments = self.segments(&otpk, euicc.eid(), iccid, &pki.dp_pb);
        for (n, segment) in segments.iter().enumerate() {
            let outcome = euicc.process(segment);
            assert_eq!(outcome.sw, StatusWord::OK, "{outcome:?}");
            if !outcome.data.is_empty() {
                let pir: ProfileInstallationResult = from_ber(&outcome.data).unwrap();
                let success = matches!(final_result(&pir), FinalResult::SuccessResult(_));
                assert_eq!(
                    success,
                    n == segments.len() - 1,
                    "a PIR comes early only for an error"
                );
                return pir;
            }
        }
        panic!("no PIR after the last segment")
    }
}

fn tlv(tag: u32, content: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.tlv(Tag(tag), |w| w.raw(content));
    w.into_bytes()
}

/// The tag and length of a TLV whose content is `len` bytes.
fn header_of(tag: u32, len: usize) -> Vec<u8> {
    let mut whole = tlv(tag, &vec![0; len]);
    whole.truncate(whole.len() - len);
    whole
}

fn final_result(pir: &ProfileInstallationResult) -> &FinalResult {
    &pir.profile_installation_result_data.value().final_result
}

#[test]
fn complete_download_installs_a_disabled_profile_with_a_signed_pir() {
    let mut euicc = card();
    let dp = Dp::new();
    let id = iccid(42);
    let pir = dp.download(&mut euicc, pki(), id);
    verify_euicc_signature(
        pir.profile_installation_result_data.raw(),
        pir.euicc_sign_pir.as_slice(),
    );
    assert!(matches!(final_result(&pir), FinalResult::SuccessResult(_)));
    let data = pir.profile_installation_result_data.value();
    assert_eq!(data.transaction_id.as_slice(), dp.transaction_id.as_slice());
    assert_eq!(data.notification_metadata.iccid, Some(id));
    let profile = &euicc.profiles()[0];
    assert_eq!((profile.iccid, profile.enabled), (id, false));
    assert_eq!(profile.profile_bytes, 2500);
    assert_eq!(profile.service_provider_name, "Sim Operator");
    assert_eq!(profile.notification_address, SMDP);
    let install = euicc.notifications().last().unwrap();
    assert_eq!(install.kind, NotificationKind::Install);
    assert_eq!(install.signed, to_der(&pir));

    // Immediate enable of the profile just installed.
    let _: v12::ConfigureImmediateProfileEnablingResponse = run(
        &mut euicc,
        &v12::ConfigureImmediateProfileEnablingRequest {
            immediate_enable_flag: Some(Null),
            default_smdp_oid: None,
            default_smdp_address: None,
        },
    );
    let enabled_now: v12::ImmediateEnableResponse = run(
        &mut euicc,
        &v12::ImmediateEnableRequest(RefreshFlag {
            refresh_flag: false,
        }),
    );
    assert_eq!(enabled_now.immediate_enable_result, 0);
    assert_eq!(enabled(&euicc), Some(id));

    // The same ICCID again: refused at StoreMetadata.
    let again = dp.download(&mut euicc, pki(), id);
    assert!(matches!(
        final_result(&again),
        FinalResult::ErrorResult(ErrorResult {
            bpp_command_id: 2,
            error_reason: 9,
            ..
        })
    ));
    assert_eq!(euicc.profiles().len(), 1);
}

fn auth_error(response: &AuthenticateServerResponse) -> i64 {
    match response {
        AuthenticateServerResponse::AuthenticateResponseError(e) => e.authenticate_error_code,
        other => panic!("{other:?}"),
    }
}

#[test]
fn authenticate_server_result_codes() {
    let mut euicc = card();
    let dp = Dp::new();
    let p = pki();
    // No challenge, or not ours.
    let request = dp.authenticate_request(&[0; 16], &p.ci, &p.dp_auth);
    assert_eq!(auth_error(&run(&mut euicc, &request)), 6);
    let challenge = |e: &mut SimEuicc| {
        let c: GetEuiccChallengeResponse = run(e, &GetEuiccChallengeRequest {});
        c.euicc_challenge.0
    };
    // Unknown CI.
    let c = challenge(&mut euicc);
    let mut unknown = dp.authenticate_request(&c, &p.ci, &p.dp_auth);
    unknown.euicc_ci_pk_id_to_be_used = Octets(vec![3; 20]);
    assert_eq!(auth_error(&run(&mut euicc, &unknown)), 7);
    // Bad signature.
    let c = challenge(&mut euicc);
    let mut forged = dp.authenticate_request(&c, &p.ci, &p.dp_auth);
    forged.server_signature1.0[5] ^= 1;
    assert_eq!(auth_error(&run(&mut euicc, &forged)), 2);
    // A certificate of the wrong role.
    let c = challenge(&mut euicc);
    let wrong_role = dp.authenticate_request(&c, &p.ci, &p.dp_pb);
    assert_eq!(auth_error(&run(&mut euicc, &wrong_role)), 5);
    // A certificate from another CI.
    let other = TestPki::generate(&EID.parse().unwrap()).unwrap();
    let c = challenge(&mut euicc);
    let foreign = dp.authenticate_request(&c, &p.ci, &other.dp_auth);
    assert_eq!(auth_error(&run(&mut euicc, &foreign)), 1);
    // And the good one, whose signature verifies.
    let AuthenticateServerResponse::AuthenticateResponseOk(ok) = dp.authenticate(&mut euicc, p)
    else {
        panic!()
    };
    verify_euicc_signature(ok.euicc_signed1.raw(), ok.euicc_signature1.as_slice());
    assert_eq!(
        ok.euicc_signed1.value().euicc_info2.ipa_mode,
        Some(0),
        "euiccInfo2 is signed in"
    );
}

fn download_error(response: &PrepareDownloadResponse) -> i64 {
    match response {
        PrepareDownloadResponse::DownloadResponseError(e) => e.download_error_code,
        other => panic!("{other:?}"),
    }
}

#[test]
fn prepare_download_result_codes_and_cancel_session() {
    let mut euicc = card();
    let dp = Dp::new();
    let p = pki();
    let request = dp.prepare_request(&[0; 64], &p.dp_pb);
    assert_eq!(download_error(&run(&mut euicc, &request)), 4);
    let AuthenticateServerResponse::AuthenticateResponseOk(ok) = dp.authenticate(&mut euicc, p)
    else {
        panic!()
    };
    let signature1 = ok.euicc_signature1.0.clone();
    let other_tx = Dp {
        transaction_id: vec![1; 16],
    };
    let wrong_tx = other_tx.prepare_request(&signature1, &p.dp_pb);
    assert_eq!(download_error(&run(&mut euicc, &wrong_tx)), 5);
    let mut forged = dp.prepare_request(&signature1, &p.dp_pb);
    forged.smdp_signature2.0[0] ^= 1;
    assert_eq!(download_error(&run(&mut euicc, &forged)), 2);
    // The session is gone after a bad signature.
    let good = dp.prepare_request(&signature1, &p.dp_pb);
    assert_eq!(download_error(&run(&mut euicc, &good)), 4);

    // CancelSession: signed for the session, refused for another transaction.
    let _ = dp.prepare(&mut euicc, p);
    let cancel = |e: &mut SimEuicc, tx: &[u8]| -> CancelSessionResponse {
        run(
            e,
            &CancelSessionRequest {
                transaction_id: Octets(tx.to_vec()),
                reason: 0,
            },
        )
    };
    assert_eq!(
        cancel(&mut euicc, &[1; 16]),
        CancelSessionResponse::CancelSessionResponseError(5)
    );
    let CancelSessionResponse::CancelSessionResponseOk(ok) = cancel(&mut euicc, &dp.transaction_id)
    else {
        panic!()
    };
    verify_euicc_signature(
        ok.euicc_cancel_session_signed.raw(),
        ok.euicc_cancel_session_signature.as_slice(),
    );
    assert_eq!(
        cancel(&mut euicc, &dp.transaction_id),
        CancelSessionResponse::CancelSessionResponseError(5)
    );
}

#[test]
fn tampered_segment_gives_an_error_pir_and_installs_nothing() {
    let mut euicc = card();
    let dp = Dp::new();
    let otpk = dp.prepare(&mut euicc, pki());
    let mut segments = dp.segments(&otpk, euicc.eid(), iccid(7), &pki().dp_pb);
    let last = segments.len() - 1;
    segments[last][10] ^= 0x01;
    for segment in &segments[..last] {
        assert!(euicc.process(segment).data.is_empty());
    }
    let outcome = euicc.process(&segments[last]);
    let pir: ProfileInstallationResult = from_ber(&outcome.data).unwrap();
    assert!(matches!(
        final_result(&pir),
        FinalResult::ErrorResult(ErrorResult {
            bpp_command_id: 5,
            error_reason: 8,
            ..
        })
    ));
    verify_euicc_signature(
        pir.profile_installation_result_data.raw(),
        pir.euicc_sign_pir.as_slice(),
    );
    assert!(euicc.profiles().is_empty());
    assert_eq!(
        euicc.notifications().len(),
        1,
        "the error PIR is a notification"
    );
    // The session is over.
    assert_eq!(euicc.process(&segments[last]).sw, StatusWord(0x6985));
}

#[test]
fn bad_initialise_secure_channel_signature() {
    let mut euicc = card();
    let dp = Dp::new();
    let otpk = dp.prepare(&mut euicc, pki());
    // Signed by the wrong key.
    let segments = dp.segments(&otpk, euicc.eid(), iccid(7), &pki().dp_auth);
    let pir: ProfileInstallationResult = from_ber(&euicc.process(&segments[0]).data).unwrap();
    assert!(matches!(
        final_result(&pir),
        FinalResult::ErrorResult(ErrorResult {
            bpp_command_id: 0,
            error_reason: 2,
            ..
        })
    ));
}

// ---- identity, persistence, faults -------------------------------------------------------------

#[test]
fn sgp26_style_identity_authenticates_a_server_of_its_ci() {
    // An SGP.26-shaped world: a CI and an EUM; the eUICC certificate is minted with the EUM key for an
    // EID of the SGP.26 range, written to a directory and loaded from it as `--identity DIR` does.
    let world = TestPki::generate(&EID.parse().unwrap()).unwrap();
    let eid: Eid = "89049032000001000000000000000074".parse().unwrap();
    let identity = EuiccIdentity::mint(&eid, &world.eum, vec![world.ci.cert.clone()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    identity.write_to(dir.path()).unwrap();
    let (loaded, generated) = load_or_generate_identity(dir.path(), &eid).unwrap();
    assert!(generated.is_none());
    assert_eq!(loaded.eid, eid);
    let mut euicc = SimEuicc::new(loaded, SimEuiccConfig::default());
    let AuthenticateServerResponse::AuthenticateResponseOk(ok) =
        Dp::new().authenticate(&mut euicc, &world)
    else {
        panic!("AuthenticateServer failed")
    };
    identity
        .euicc
        .cert
        .public_key()
        .unwrap()
        .verify_raw(ok.euicc_signed1.raw(), ok.euicc_signature1.as_slice())
        .unwrap();
    assert_eq!(ok.euicc_certificate.as_der(), identity.euicc.cert.der());
    // A directory without an identity gets a generated one.
    let empty = tempfile::tempdir().unwrap();
    let (_, generated) = load_or_generate_identity(empty.path(), &eid).unwrap();
    assert!(generated.is_some());
}

#[test]
fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("card.json");
    let mut euicc = SimEuicc::load(&file, pki().euicc_identity()).unwrap();
    add_initial_eim(&mut euicc);
    let _ = Dp::new().download(&mut euicc, pki(), iccid(1));
    let before = euicc.state().clone();
    drop(euicc);
    let restarted = SimEuicc::load(&file, pki().euicc_identity()).unwrap();
    assert_eq!(restarted.state(), &before);
    assert_eq!(restarted.profiles().len(), 1);
}

#[test]
fn power_loss_during_a_bpp_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("card.json");
    let mut euicc = SimEuicc::load(&file, pki().euicc_identity()).unwrap();
    let dp = Dp::new();
    let otpk = dp.prepare(&mut euicc, pki());
    let before = euicc.state().clone();
    let segments = dp.segments(&otpk, euicc.eid(), iccid(3), &pki().dp_pb);
    // Cut after the 5th segment (ConfigureISDP, metadata and the first profile elements are in).
    let cut_after = 5;
    euicc.config_mut().faults.power_loss_after = Some(euicc.commands + cut_after as u64);
    for segment in &segments[..cut_after - 1] {
        assert_eq!(euicc.process(segment).sw, StatusWord::OK);
    }
    let cut = euicc.process(&segments[cut_after - 1]);
    assert_eq!((cut.sw, cut.reset_card), (StatusWord(0x6F00), true));
    // The rest of the BPP finds no session.
    assert_eq!(euicc.process(&segments[cut_after]).sw, StatusWord(0x6985));
    drop(euicc);

    let mut restarted = SimEuicc::load(&file, pki().euicc_identity()).unwrap();
    assert_eq!(
        restarted.state(),
        &before,
        "no half-installed profile, no PIR"
    );
    assert!(restarted.profiles().is_empty());
    // The card is usable: a new session installs the profile.
    let pir = Dp::new().download(&mut restarted, pki(), iccid(3));
    assert!(matches!(final_result(&pir), FinalResult::SuccessResult(_)));
    assert_eq!(restarted.profiles().len(), 1);
}

#[test]
fn fault_switches_fail_and_slow_commands() {
    let mut euicc = card();
    euicc.config_mut().faults.fail_command = Some((2, StatusWord(0x6A88)));
    assert_eq!(
        euicc.process(&to_der(&GetEuiccInfo1Request {})).sw,
        StatusWord::OK
    );
    assert_eq!(
        euicc.process(&to_der(&GetEuiccInfo1Request {})).sw,
        StatusWord(0x6A88)
    );
    assert_eq!(
        euicc.process(&to_der(&GetEuiccInfo1Request {})).sw,
        StatusWord::OK
    );
    euicc.config_mut().faults.delay = Duration::from_millis(30);
    let start = Instant::now();
    let _ = euicc.process(&to_der(&GetEuiccInfo1Request {}));
    assert!(start.elapsed() >= Duration::from_millis(30));
}

// ---- the remaining result codes ----------------------------------------------------------------

#[test]
fn fallback_codes_in_packages_and_ecall_active() {
    let mut euicc = card();
    let token = Some(add_initial_eim(&mut euicc));
    let eid = *euicc.eid();
    let main = add_profile(&mut euicc, 1, 2);
    let fallback = add_profile(&mut euicc, 2, 2);
    let _: EnableProfileResponse = run(&mut euicc, &enable_request(main, false));
    assert_eq!(euicc.set_fallback(&iccid(9)), 1);
    assert_eq!(euicc.set_fallback(&fallback), 0);
    let _: v12::ExecuteFallbackMechanismResponse = run(
        &mut euicc,
        &v12::ExecuteFallbackMechanismRequest(RefreshFlag {
            refresh_flag: false,
        }),
    );
    // While in fallback: the profile to return to cannot go, nor can the attribute move.
    let result: EuiccPackageResult = run(
        &mut euicc,
        &package(
            eid,
            1,
            token,
            psmos(vec![
                Psmo::Delete(ProfileIccid { iccid: main }),
                Psmo::SetFallbackAttribute(ProfileIccid { iccid: fallback }),
                Psmo::UnsetFallbackAttribute(Default::default()),
            ]),
            &pki().eim_sign,
        ),
    );
    let (_, list) = results(&result, token);
    assert_eq!(
        list,
        [
            EuiccResultData::DeleteResult(21),
            EuiccResultData::SetFallbackAttributeResult(3),
            EuiccResultData::UnsetFallbackAttributeResult(3),
        ]
    );
    // An active emergency profile refuses packages.
    let ecall = add_profile(&mut euicc, 3, 2);
    euicc.state.profile_mut(&ecall).unwrap().ecall = true;
    let _: v12::EnableEmergencyProfileResponse = run(
        &mut euicc,
        &v12::EnableEmergencyProfileRequest(RefreshFlag {
            refresh_flag: false,
        }),
    );
    let busy: EuiccPackageResult = run(
        &mut euicc,
        &package(eid, 2, token, psmos(vec![]), &pki().eim_sign),
    );
    assert!(
        matches!(&busy, EuiccPackageResult::EuiccPackageErrorSigned(e)
        if e.euicc_package_error_data_signed.value().euicc_package_error_code == 104)
    );
}

#[test]
fn unknown_eim_update_and_last_eim() {
    let mut euicc = card();
    let eid = *euicc.eid();
    // No eIM at all: unsigned error without a token.
    let unknown: EuiccPackageResult = run(
        &mut euicc,
        &package(eid, 1, None, psmos(vec![]), &pki().eim_sign),
    );
    assert!(
        matches!(&unknown, EuiccPackageResult::EuiccPackageErrorUnsigned(e)
        if e.association_token.is_none() && e.eim_id == EIM)
    );
    let empty: AddInitialEimResponse = run(
        &mut euicc,
        &AddInitialEimRequest {
            eim_configuration_data_list: vec![],
        },
    );
    assert_eq!(empty, AddInitialEimResponse::AddInitialEimError(7));
    let token = Some(add_initial_eim(&mut euicc));
    let mut updated = eim_configuration(EIM, &pki().eim_sign);
    updated.eim_fqdn = Some("new.example.test".into());
    updated.counter_value = Some(10);
    let mut missing = updated.clone();
    missing.eim_id = "nobody".into();
    let result: EuiccPackageResult = run(
        &mut euicc,
        &package(
            eid,
            1,
            token,
            EuiccPackage::EcoList(vec![Eco::UpdateEim(updated), Eco::UpdateEim(missing)]),
            &pki().eim_sign,
        ),
    );
    let (_, list) = results(&result, token);
    assert_eq!(
        list,
        [
            EuiccResultData::UpdateEimResult(0),
            EuiccResultData::UpdateEimResult(1),
        ]
    );
    // The update set the counter to 10: 2 is now a replay.
    let replay: EuiccPackageResult = run(
        &mut euicc,
        &package(eid, 2, token, psmos(vec![]), &pki().eim_sign),
    );
    assert!(
        matches!(&replay, EuiccPackageResult::EuiccPackageErrorSigned(e)
        if e.euicc_package_error_data_signed.value().euicc_package_error_code == 4)
    );
    let last: EuiccPackageResult = run(
        &mut euicc,
        &package(
            eid,
            11,
            token,
            EuiccPackage::EcoList(vec![Eco::DeleteEim(v12::DeleteEim { eim_id: EIM.into() })]),
            &pki().eim_sign,
        ),
    );
    let (_, list) = results(&last, token);
    assert_eq!(list, [EuiccResultData::DeleteEimResult(2)]);
    assert!(euicc.state.eims.is_empty());
}

#[test]
fn prepare_download_certificate_and_confirmation_code() {
    let mut euicc = card();
    let dp = Dp::new();
    let p = pki();
    let signature1 = |e: &mut SimEuicc| {
        let AuthenticateServerResponse::AuthenticateResponseOk(ok) = dp.authenticate(e, p) else {
            panic!()
        };
        ok.euicc_signature1.0
    };
    // CERT.DPauth where CERT.DPpb belongs.
    let s1 = signature1(&mut euicc);
    let wrong_cert = dp.prepare_request(&s1, &p.dp_auth);
    assert_eq!(download_error(&run(&mut euicc, &wrong_cert)), 1);
    // A confirmation code hash that was not asked for.
    let s1 = signature1(&mut euicc);
    let mut unexpected_cc = dp.prepare_request(&s1, &p.dp_pb);
    unexpected_cc.hash_cc = Some(Octets(vec![0; 32]));
    assert_eq!(download_error(&run(&mut euicc, &unexpected_cc)), 127);
}

#[test]
fn pir_error_reasons_for_transaction_and_memory() {
    let p = pki();
    // InitialiseSecureChannel for another transaction.
    let mut euicc = card();
    let dp = Dp::new();
    let otpk = dp.prepare(&mut euicc, p);
    let other = Dp {
        transaction_id: vec![9; 16],
    };
    let segments = other.segments(&otpk, euicc.eid(), iccid(1), &p.dp_pb);
    let pir: ProfileInstallationResult = from_ber(&euicc.process(&segments[0]).data).unwrap();
    assert!(matches!(
        final_result(&pir),
        FinalResult::ErrorResult(ErrorResult {
            bpp_command_id: 0,
            error_reason: 3,
            ..
        })
    ));
    // A full card.
    let mut full = SimEuicc::new(
        p.euicc_identity(),
        SimEuiccConfig {
            max_profiles: 0,
            ..SimEuiccConfig::default()
        },
    );
    let pir = dp.download(&mut full, p, iccid(1));
    assert!(matches!(
        final_result(&pir),
        FinalResult::ErrorResult(ErrorResult {
            bpp_command_id: 1,
            error_reason: 10,
            ..
        })
    ));
    assert!(full.profiles().is_empty());
}

#[test]
fn rebinding_reuses_the_one_time_key_until_an_install() {
    let mut euicc = card();
    let p = pki();
    let dp = Dp::new();
    let first = dp.prepare(&mut euicc, p);
    let mut segments = dp.segments(&first, euicc.eid(), iccid(5), &p.dp_pb);
    let last = segments.len() - 1;
    segments[last][12] ^= 1;
    for segment in &segments {
        let _ = euicc.process(segment);
    }
    assert!(euicc.profiles().is_empty());
    let otpk = |e: &mut SimEuicc, previous: Option<Vec<u8>>| {
        let AuthenticateServerResponse::AuthenticateResponseOk(ok) = dp.authenticate(e, p) else {
            panic!()
        };
        let request = dp.rebinding_request(ok.euicc_signature1.as_slice(), &p.dp_pb, previous);
        let PrepareDownloadResponse::DownloadResponseOk(ok) = run(e, &request) else {
            panic!()
        };
        ok.euicc_signed2.value().euicc_otpk.0.clone()
    };
    // The key of the failed attempt is reused; an unknown key gets a new one.
    assert_eq!(otpk(&mut euicc, Some(first.clone())), first);
    let second = otpk(&mut euicc, Some(vec![4; 65]));
    assert_ne!(second, first);
    // The rebound package installs, after which the key is gone.
    for segment in dp.segments(&second, euicc.eid(), iccid(5), &p.dp_pb) {
        let _ = euicc.process(&segment);
    }
    assert_eq!(euicc.profiles().len(), 1);
    assert_ne!(otpk(&mut euicc, Some(second.clone())), second);
}
