//! SGP.22 messages against pycrate: the same values encode to the same DER and the same JER, and decode back.
//! The values mirror the `sgp22-*` cases of `vectors/generate.py`; the expected bytes are in `vectors/vectors.json`.

mod common;

use euicc_asn1::types::sgp22::*;
use euicc_asn1::types::sgp32::v1_2;
use euicc_asn1::{Asn1, BitString, Eid, Iccid, Jer, Null, Octets, Oid, Signed, from_ber, to_der};
use std::fmt::Debug;

fn h(s: &str) -> Octets {
    Octets(hex::decode(s).unwrap())
}

fn iccid() -> Iccid {
    Iccid::from_bytes(
        hex::decode("98001032547698103214")
            .unwrap()
            .try_into()
            .unwrap(),
    )
    .unwrap()
}

fn tx() -> Octets {
    h("0102030405060708090a0b0c0d0e0f10")
}

fn ski() -> Octets {
    h("81370f5125d0b1d408d4c3b232e6d25e795bebfb")
}

fn sig() -> Octets {
    Octets(vec![0xAB; 64])
}

fn bytes(range: std::ops::Range<u8>) -> Octets {
    Octets(range.collect())
}

fn smdp_oid() -> Oid {
    "1.3.6.1.4.1.31746".parse().unwrap()
}

/// The minimal certificate the generator builds (serial number 1 or 2).
fn cert(serial: u8) -> Certificate {
    let der = format!(
        "3056304402010{serial}300a06082a8648ce3d0403023000301e170d3230303130313030303030305a170d333030313031\
         3030303030305a3000300f300906072a8648ce3d020103020004300a06082a8648ce3d04030203020000"
    );
    from_ber(&hex::decode(der).unwrap()).unwrap()
}

/// `value` encodes to the golden vector `sgp22-<name>`, decodes back from it, and has its JER.
fn check<T: Asn1 + Jer + PartialEq + Debug>(value: &T, name: &str) {
    // v1.0 eUICCs take SGP.22's memory reset; v1.2 redefines the name, so that vector is filed under v1.0.
    let version = if name == "MEMORY_RESET_BF34" {
        "v1.0"
    } else {
        "v1.2"
    };
    let (der, theirs) = common::by_id(&format!("{version}/sgp22-{name}"));
    let der = hex::encode(der);
    assert_eq!(hex::encode(to_der(value)), der, "{} DER", T::NAME);
    let back: T =
        from_ber(&hex::decode(&der).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", T::NAME));
    assert_eq!(&back, value);
    assert_eq!(value.to_jer(), theirs, "{} JER", T::NAME);
    assert_eq!(
        &T::from_jer(&value.to_jer()).unwrap(),
        value,
        "{} JER round trip",
        T::NAME
    );
}

fn euicc_info2_min() -> EUICCInfo2 {
    EUICCInfo2 {
        profile_version: h("020301"),
        svn: h("020300"),
        euicc_firmware_ver: h("010203"),
        ext_card_resource: h("810100"),
        uicc_capability: BitString::from_bits(&[1]),
        ts102241_version: None,
        globalplatform_version: None,
        rsp_capability: BitString::from_bits(&[0]),
        euicc_ci_pk_id_list_for_verification: vec![ski()],
        euicc_ci_pk_id_list_for_signing: vec![ski()],
        euicc_category: None,
        forbidden_profile_policy_rules: None,
        pp_version: h("000100"),
        sas_accreditation_number: "SAS".into(),
        certification_data_object: None,
        tre_properties: None,
        tre_product_reference: None,
        additional_euicc_profile_package_versions: None,
        ipa_mode: None,
        euicc_ci_pk_id_list_for_signing_v3: None,
        additional_euicc_info: None,
        highest_svn: None,
        iot_specific_info: None,
    }
}

#[test]
fn euicc_info2() {
    let info = EUICCInfo2 {
        ext_card_resource: h("8101008204000100008302ffff"),
        uicc_capability: BitString::from_bits(&[1, 2, 16, 17]),
        ts102241_version: Some(h("090200")),
        globalplatform_version: Some(h("020300")),
        rsp_capability: BitString::from_bits(&[0, 2]),
        euicc_category: Some(2),
        sas_accreditation_number: "GI-BA-UP-0419".into(),
        certification_data_object: Some(CertificationDataObject {
            platform_label: "PlatformX".into(),
            discovery_base_url: "https://x.example".into(),
        }),
        ipa_mode: Some(0),
        iot_specific_info: Some(IoTSpecificInfo {
            iot_version: vec![h("010200")],
            ecall_supported: None,
            fallback_supported: Some(Null),
        }),
        ..euicc_info2_min()
    };
    check(&info, "EUICC_INFO2");
}

#[test]
fn identity_and_challenge() {
    let eid: Eid = "89049032123451234512345678901235".parse().unwrap();
    check(&GetEuiccDataResponse { eid_value: eid }, "GET_EID_RESPONSE");
    let challenge = GetEuiccChallengeResponse {
        euicc_challenge: bytes(0..16),
    };
    check(&challenge, "CHALLENGE_RESPONSE");
    assert_eq!(
        to_der(&GetEuiccDataRequest::eid()),
        [0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A]
    );
    for (der, name) in [
        (to_der(&GetEuiccInfo1Request {}), "bf2000"),
        (to_der(&GetEuiccInfo2Request {}), "bf2200"),
        (to_der(&GetEuiccChallengeRequest {}), "bf2e00"),
        (to_der(&EuiccConfiguredAddressesRequest {}), "bf3c00"),
        (to_der(&GetRatRequest {}), "bf4300"),
        (to_der(&ProfileInfoListRequest::default()), "bf2d00"),
        (to_der(&ListNotificationRequest::default()), "bf2800"),
        (
            to_der(&RetrieveNotificationsListRequest::default()),
            "bf2b00",
        ),
    ] {
        assert_eq!(hex::encode(der), name);
    }
}

#[test]
fn profile_info_list_with_long_icon() {
    let aid = h("a0000005591010ffffffff8900001100");
    let list = ProfileInfoListResponse::ProfileInfoListOk(vec![
        ProfileInfo {
            iccid: Some(iccid()),
            isdp_aid: Some(aid),
            profile_state: Some(1),
            profile_nickname: Some("work".into()),
            service_provider_name: Some("Operator".into()),
            profile_name: Some("Profile 1".into()),
            icon_type: Some(1),
            icon: Some(Octets((0..300).map(|i| i as u8).collect())),
            profile_class: Some(2),
            profile_policy_rules: Some(BitString::from_bits(&[1])),
            ecall_indication: Some(false),
            fallback_attribute: true,
            fallback_allowed: Some(true),
            ..ProfileInfo::default()
        },
        ProfileInfo {
            iccid: Some(iccid()),
            profile_state: Some(0),
            profile_owner: Some(OperatorId {
                mcc_mnc: h("00f110"),
                gid1: None,
                gid2: None,
            }),
            dp_proprietary_data: Some(DpProprietaryData { dp_oid: smdp_oid() }),
            ..ProfileInfo::default()
        },
    ]);
    check(&list, "PROFILE_INFO_LIST");
    // The icon makes the lengths long-form: BF2D 82 xxxx, A0 82 xxxx, E3 82 xxxx, 94 82 012C.
    let golden = hex::encode(common::by_id("v1.2/sgp22-PROFILE_INFO_LIST").0);
    assert!(golden.starts_with("bf2d82"));
    assert!(golden.contains("9482012c0001"));
    let error = ProfileInfoListResponse::ProfileInfoListError(11);
    check(&error, "PROFILE_INFO_LIST_ERROR");
}

#[test]
fn profile_operations() {
    let enable = EnableProfileRequest {
        profile_identifier: ProfileIdentifier::Iccid(iccid()),
        refresh_flag: true,
    };
    check(&enable, "ENABLE_REQUEST");
    assert_eq!(
        hex::encode(common::by_id("v1.2/sgp22-ENABLE_REQUEST").0),
        "bf3111a00c5a0a980010325476981032148101ff"
    );
    let disable = DisableProfileRequest {
        profile_identifier: ProfileIdentifier::IsdpAid(h("a0000005591010ffffffff8900001100")),
        refresh_flag: false,
    };
    check(&disable, "DISABLE_REQUEST");
    let delete = DeleteProfileRequest(ProfileIdentifier::Iccid(iccid()));
    check(&delete, "DELETE_REQUEST");
    check(
        &EnableProfileResponse { enable_result: 2 },
        "ENABLE_RESPONSE",
    );
    let nickname = SetNicknameRequest {
        iccid: iccid(),
        profile_nickname: "work".into(),
    };
    check(&nickname, "SET_NICKNAME");
}

fn metadata(seq_number: i64, event: usize, with_iccid: bool) -> NotificationMetadata {
    NotificationMetadata {
        seq_number,
        profile_management_operation: BitString::from_bits(&[event]),
        notification_address: "smdp.example.com".into(),
        iccid: with_iccid.then(iccid),
    }
}

fn pir(seq_number: i64, final_result: FinalResult) -> ProfileInstallationResult {
    ProfileInstallationResult {
        profile_installation_result_data: Signed::new(ProfileInstallationResultData {
            transaction_id: tx(),
            notification_metadata: metadata(seq_number, 0, true),
            smdp_oid: smdp_oid(),
            final_result,
        }),
        euicc_sign_pir: sig(),
    }
}

fn pir_error() -> ProfileInstallationResult {
    pir(
        2,
        FinalResult::ErrorResult(ErrorResult {
            bpp_command_id: 5,
            error_reason: 12,
            sima_response: Some(h("3003")),
        }),
    )
}

#[test]
fn notifications() {
    let list = ListNotificationResponse::NotificationMetadataList(vec![
        metadata(1, 0, true),
        metadata(2, 3, false),
    ]);
    check(&list, "LIST_NOTIFICATION_RESPONSE");
    let by_seq = RetrieveNotificationsListRequest {
        search_criteria: Some(NotificationSearchCriteria::SeqNumber(5)),
    };
    check(&by_seq, "RETRIEVE_REQUEST");
    assert_eq!(
        hex::encode(common::by_id("v1.2/sgp22-RETRIEVE_REQUEST").0),
        "bf2b05a003800105"
    );
    let eprs = RetrieveNotificationsListRequest {
        search_criteria: Some(NotificationSearchCriteria::EuiccPackageResults),
    };
    check(&eprs, "RETRIEVE_REQUEST_EPR");

    let success = FinalResult::SuccessResult(SuccessResult {
        aid: h("a0000005591010ffffffff8900001100"),
        sima_response: h("300a"),
    });
    let other = OtherSignedNotification {
        tbs_other_notification: Signed::new(metadata(3, 1, true)),
        euicc_notification_signature: sig(),
        euicc_certificate: cert(1),
        eum_certificate: cert(2),
    };
    // The answer is SGP.32's type; the notifications in it are ours.
    let response = v1_2::RetrieveNotificationsListResponse::NotificationList(vec![
        Signed::new(PendingNotification::ProfileInstallationResult(pir(
            1, success,
        ))),
        Signed::new(PendingNotification::OtherSignedNotification(other)),
    ]);
    check(&response, "RETRIEVE_RESPONSE");
    check(&pir_error(), "PIR_ERROR");
    check(
        &NotificationSentRequest { seq_number: 300 },
        "NOTIFICATION_SENT",
    );
}

fn server_signed1() -> Signed<ServerSigned1> {
    Signed::new(ServerSigned1 {
        transaction_id: tx(),
        euicc_challenge: bytes(0..16),
        server_address: "smdp.example.com".into(),
        server_challenge: bytes(16..32),
    })
}

fn ctx_params1() -> CtxParams1 {
    CtxParams1::CtxParamsForCommonAuthentication(CtxParamsForCommonAuthentication {
        matching_id: Some("ABC-123".into()),
        device_info: DeviceInfo {
            tac: h("35290611"),
            device_capabilities: DeviceCapabilities {
                gsm_supported_release: Some(h("0d0000")),
                eutran_epc_supported_release: Some(h("0f0000")),
                ..DeviceCapabilities::default()
            },
            imei: Some(h("3592061112345678")),
        },
    })
}

#[test]
fn authenticate_server() {
    let request = AuthenticateServerRequest {
        server_signed1: server_signed1(),
        server_signature1: sig(),
        euicc_ci_pk_id_to_be_used: ski(),
        server_certificate: cert(1),
        ctx_params1: ctx_params1(),
    };
    check(&request, "AUTHENTICATE_SERVER_REQUEST");
    let ok = AuthenticateServerResponse::AuthenticateResponseOk(AuthenticateResponseOk {
        euicc_signed1: Signed::new(EuiccSigned1 {
            transaction_id: tx(),
            server_address: "smdp.example.com".into(),
            server_challenge: bytes(16..32),
            euicc_info2: euicc_info2_min(),
            ctx_params1: ctx_params1(),
        }),
        euicc_signature1: sig(),
        euicc_certificate: cert(1),
        eum_certificate: cert(2),
    });
    check(&ok, "AUTHENTICATE_SERVER_RESPONSE");
    let error = AuthenticateServerResponse::AuthenticateResponseError(AuthenticateResponseError {
        transaction_id: tx(),
        authenticate_error_code: 6,
    });
    check(&error, "AUTHENTICATE_SERVER_ERROR");
}

fn smdp_signed2() -> Signed<SmdpSigned2> {
    Signed::new(SmdpSigned2 {
        transaction_id: tx(),
        cc_required_flag: true,
        bpp_euicc_otpk: None,
    })
}

fn prepare_download_ok() -> PrepareDownloadResponse {
    PrepareDownloadResponse::DownloadResponseOk(PrepareDownloadResponseOk {
        euicc_signed2: Signed::new(EUICCSigned2 {
            transaction_id: tx(),
            euicc_otpk: Octets([vec![0x04], vec![0x22; 64]].concat()),
            hash_cc: Some(Octets(vec![0; 32])),
        }),
        euicc_signature2: sig(),
    })
}

#[test]
fn prepare_download_and_bpp() {
    let request = PrepareDownloadRequest {
        smdp_signed2: smdp_signed2(),
        smdp_signature2: sig(),
        hash_cc: Some(Octets(vec![0; 32])),
        smdp_certificate: cert(2),
    };
    check(&request, "PREPARE_DOWNLOAD_REQUEST");
    check(&prepare_download_ok(), "PREPARE_DOWNLOAD_RESPONSE");
    let error = PrepareDownloadResponse::DownloadResponseError(PrepareDownloadResponseError {
        transaction_id: tx(),
        download_error_code: 5,
    });
    check(&error, "PREPARE_DOWNLOAD_ERROR");

    let bpp = BoundProfilePackage {
        initialise_secure_channel_request: Signed::new(InitialiseSecureChannelRequest {
            remote_op_id: RemoteOpId(1),
            transaction_id: tx(),
            control_ref_template: ControlRefTemplate {
                key_type: h("88"),
                key_len: h("10"),
                host_id: h("736d6470"),
            },
            smdp_otpk: Octets([vec![0x04], vec![0x11; 64]].concat()),
            smdp_sign: sig(),
        }),
        first_sequence_of87: vec![Tlv87(Octets(vec![0xAA; 8]))],
        sequence_of88: vec![Tlv88(Octets(vec![0xBB; 8])), Tlv88(Octets(vec![0xCC; 4]))],
        second_sequence_of87: None,
        sequence_of86: vec![Tlv86(Octets(vec![0xDD; 300])), Tlv86(Octets(vec![0xEE; 5]))],
    };
    check(&bpp, "BPP");

    let metadata = StoreMetadataRequest {
        iccid: iccid(),
        service_provider_name: "Operator".into(),
        profile_name: "Profile 1".into(),
        icon_type: Some(1),
        icon: Some(h("89504e47")),
        // Operational, the DEFAULT: pycrate was given 2 and, as DER requires, left it out.
        profile_class: 2,
        notification_configuration_info: Some(vec![NotificationConfigurationInformation {
            profile_management_operation: BitString::from_bits(&[0, 1, 2, 3]),
            notification_address: "smdp.example.com".into(),
        }]),
        profile_owner: Some(OperatorId {
            mcc_mnc: h("00f110"),
            gid1: Some(h("01")),
            gid2: None,
        }),
        profile_policy_rules: Some(BitString::from_bits(&[1])),
        service_specific_data_stored_in_euicc: None,
        service_specific_data_not_stored_in_euicc: None,
        ecall_indication: None,
        fallback_allowed: Some(true),
    };
    check(&metadata, "STORE_METADATA");
}

fn cancel_session_ok() -> CancelSessionResponse {
    CancelSessionResponse::CancelSessionResponseOk(CancelSessionResponseOk {
        euicc_cancel_session_signed: Signed::new(EuiccCancelSessionSigned {
            transaction_id: tx(),
            smdp_oid: smdp_oid(),
            reason: 0,
        }),
        euicc_cancel_session_signature: sig(),
    })
}

#[test]
fn cancel_session_and_configuration() {
    let request = CancelSessionRequest {
        transaction_id: tx(),
        reason: 127,
    };
    check(&request, "CANCEL_SESSION_REQUEST");
    check(&cancel_session_ok(), "CANCEL_SESSION_RESPONSE");
    let rat = GetRatResponse {
        rat: vec![ProfilePolicyAuthorisationRule {
            ppr_ids: BitString::from_bits(&[1, 2]),
            allowed_operators: vec![OperatorId {
                mcc_mnc: h("00f110"),
                gid1: None,
                gid2: None,
            }],
            ppr_flags: BitString::from_bits(&[0]),
        }],
    };
    check(&rat, "GET_RAT_RESPONSE");
    let addresses = EuiccConfiguredAddressesResponse {
        default_dp_address: Some("smdp.example.com".into()),
        root_ds_address: "lpa.ds.gsma.com".into(),
    };
    check(&addresses, "CONFIGURED_ADDRESSES");
    let reset = Sgp22EuiccMemoryResetRequest {
        reset_options: BitString::from_bits(&[0]),
    };
    check(&reset, "MEMORY_RESET_BF34");
    assert_eq!(
        Sgp22EuiccMemoryResetRequest::NAME,
        "EuiccMemoryResetRequest"
    );
}

#[test]
fn es9_messages() {
    let initiate =
        InitiateAuthenticationResponse::InitiateAuthenticationOk(InitiateAuthenticationOkEs9 {
            transaction_id: tx(),
            server_signed1: server_signed1(),
            server_signature1: sig(),
            euicc_ci_pk_id_to_be_used: ski(),
            server_certificate: cert(1),
        });
    check(&initiate, "INITIATE_AUTHENTICATION_RESPONSE");
    let client = AuthenticateClientResponseEs9::AuthenticateClientOk(AuthenticateClientOk {
        transaction_id: tx(),
        profile_meta_data: StoreMetadataRequest {
            iccid: iccid(),
            service_provider_name: "Operator".into(),
            profile_name: "Profile 1".into(),
            icon_type: None,
            icon: None,
            profile_class: 2,
            notification_configuration_info: None,
            profile_owner: None,
            profile_policy_rules: None,
            service_specific_data_stored_in_euicc: None,
            service_specific_data_not_stored_in_euicc: None,
            ecall_indication: None,
            fallback_allowed: None,
        },
        smdp_signed2: smdp_signed2(),
        smdp_signature2: sig(),
        smdp_certificate: cert(2),
    });
    check(&client, "AUTHENTICATE_CLIENT_RESPONSE");
    let get_bpp = GetBoundProfilePackageRequest {
        transaction_id: tx(),
        prepare_download_response: prepare_download_ok(),
    };
    check(&get_bpp, "GET_BPP_REQUEST");
    let notification = HandleNotification {
        pending_notification: PendingNotification::ProfileInstallationResult(pir_error()),
    };
    check(&notification, "HANDLE_NOTIFICATION");
    let cancel = CancelSessionRequestEs9 {
        transaction_id: tx(),
        cancel_session_response: CancelSessionResponse::CancelSessionResponseError(5),
    };
    check(&cancel, "CANCEL_SESSION_ES9");
}
