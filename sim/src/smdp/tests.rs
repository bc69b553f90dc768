//! Tests of the simulated SM-DP+: the eUICC side is played with the crypto module directly (signatures,
//! ECKA, KDF and BSP decoding), so every signature and segment the SM-DP+ produces is checked independently
//! of its own code.

use std::sync::OnceLock;
use std::time::Duration;

use euicc_asn1::types::sgp22::{
    AuthenticateClientOk, AuthenticateClientRequest, AuthenticateResponseOk,
    AuthenticateServerResponse, BoundProfilePackage, CancelSessionRequestEs9,
    CancelSessionResponse, CancelSessionResponseOk, CtxParams1, CtxParamsForCommonAuthentication,
    DeviceCapabilities, DeviceInfo, EUICCInfo1, EUICCInfo2, EUICCSigned2, EuiccCancelSessionSigned,
    EuiccSigned1, FinalResult, GetBoundProfilePackageRequest, InitiateAuthenticationOkEs9,
    InitiateAuthenticationRequest, NotificationMetadata, PendingNotification,
    PrepareDownloadResponse, PrepareDownloadResponseOk, ProfileInstallationResult,
    ProfileInstallationResultData, StoreMetadataRequest, SuccessResult,
};
use euicc_asn1::{BitString, Eid, Iccid, Octets, Oid, Signed, from_ber, to_der};

use super::json::{self, Es9Function, JsonReply};
use super::*;
use crate::crypto::bsp::{BspDecoder, SegmentTag};
use crate::crypto::ecka::OneTimeKeyPair;
use crate::crypto::hash::hash_cc;
use crate::crypto::kdf::{ControlReferenceTemplate, derive_session_keys};
use crate::crypto::pki::TestPki;

const ADDRESS: &str = "smdp.example.test";
const MATCHING_ID: &str = "MATCH-1";
const ICCID: &str = "8949449999999990023";

fn eid() -> Eid {
    "89049032123451234512345678901235".parse().unwrap()
}

/// Another EID with valid check digits.
fn other_eid() -> Eid {
    let digits = "890490321234512345123456789099";
    (0..100)
        .map(|check| format!("{digits}{check:02}"))
        .find_map(|text| text.parse::<Eid>().ok().filter(|e| *e != eid()))
        .unwrap()
}

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(&eid()).unwrap())
}

fn metadata() -> ProfileMetadata {
    ProfileMetadata {
        iccid: ICCID.parse().unwrap(),
        service_provider_name: "euiccd test operator".into(),
        profile_name: "Test profile".into(),
        class: ProfileClass::Operational,
    }
}

fn order(matching_id: &str, size: usize) -> ProfileOrder {
    let metadata = metadata();
    ProfileOrder::new(
        Secret::new(matching_id),
        synthetic_profile_package(&metadata.iccid, size),
        metadata,
    )
}

fn server_with(order: ProfileOrder) -> SmdpServer {
    let mut server = SmdpServer::new(SmdpIdentity::from_test_pki(pki(), ADDRESS)).unwrap();
    server.add_order(order).unwrap();
    server
}

fn ci_ids() -> Vec<Octets> {
    vec![Octets(
        pki().ci.cert.subject_key_identifier().unwrap().to_vec(),
    )]
}

fn euicc_info1() -> EUICCInfo1 {
    EUICCInfo1 {
        svn: Octets(vec![2, 3, 0]),
        euicc_ci_pk_id_list_for_verification: ci_ids(),
        euicc_ci_pk_id_list_for_signing: ci_ids(),
    }
}

fn euicc_info2() -> EUICCInfo2 {
    EUICCInfo2 {
        profile_version: Octets(vec![2, 3, 1]),
        svn: Octets(vec![2, 3, 0]),
        euicc_firmware_ver: Octets(vec![1, 0, 0]),
        ext_card_resource: Octets(vec![0x81, 0x01, 0x00]),
        uicc_capability: BitString::from_bits(&[1]),
        ts102241_version: None,
        globalplatform_version: None,
        rsp_capability: BitString::from_bits(&[0]),
        euicc_ci_pk_id_list_for_verification: ci_ids(),
        euicc_ci_pk_id_list_for_signing: ci_ids(),
        euicc_category: None,
        forbidden_profile_policy_rules: None,
        pp_version: Octets(vec![0, 0, 1]),
        sas_accreditation_number: "TEST".into(),
        certification_data_object: None,
        tre_properties: None,
        tre_product_reference: None,
        additional_euicc_profile_package_versions: None,
        ipa_mode: Some(0),
        euicc_ci_pk_id_list_for_signing_v3: None,
        additional_euicc_info: None,
        highest_svn: None,
        iot_specific_info: None,
    }
}

fn asn1_cert(cert: &crate::crypto::cert::Certificate) -> euicc_asn1::types::sgp22::Certificate {
    from_ber(cert.der()).unwrap()
}

fn initiate(server: &mut SmdpServer) -> InitiateAuthenticationOkEs9 {
    server
        .initiate_authentication(&InitiateAuthenticationRequest {
            euicc_challenge: Octets(vec![7; 16]),
            smdp_address: ADDRESS.into(),
            euicc_info1: euicc_info1(),
        })
        .unwrap()
}

/// The eUICC's AuthenticateServer answer to `init` for `matching_id`, signed with `signing_key`.
fn authenticate_server(
    init: &InitiateAuthenticationOkEs9,
    matching_id: &str,
) -> AuthenticateResponseOk {
    let server_signed1 = init.server_signed1.value();
    let euicc_signed1 = Signed::new(EuiccSigned1 {
        transaction_id: server_signed1.transaction_id.clone(),
        server_address: server_signed1.server_address.clone(),
        server_challenge: server_signed1.server_challenge.clone(),
        euicc_info2: euicc_info2(),
        ctx_params1: CtxParams1::CtxParamsForCommonAuthentication(
            CtxParamsForCommonAuthentication {
                matching_id: Some(matching_id.into()),
                device_info: DeviceInfo {
                    tac: Octets(vec![0x35, 0x29, 0x06, 0x11]),
                    device_capabilities: DeviceCapabilities::default(),
                    imei: None,
                },
            },
        ),
    });
    let euicc_signature1 = Octets(pki().euicc.key.sign_raw(euicc_signed1.raw()).to_vec());
    AuthenticateResponseOk {
        euicc_signed1,
        euicc_signature1,
        euicc_certificate: asn1_cert(&pki().euicc.cert),
        eum_certificate: asn1_cert(&pki().eum.cert),
    }
}

fn authenticate(
    server: &mut SmdpServer,
    matching_id: &str,
) -> Result<(AuthenticateResponseOk, AuthenticateClientOk), SmdpError> {
    let init = initiate(server);
    let response = authenticate_server(&init, matching_id);
    let ok = server.authenticate_client(&AuthenticateClientRequest {
        transaction_id: init.transaction_id.clone(),
        authenticate_server_response: AuthenticateServerResponse::AuthenticateResponseOk(
            response.clone(),
        ),
    })?;
    Ok((response, ok))
}

fn prepare_download(
    auth: &AuthenticateClientOk,
    one_time: &OneTimeKeyPair,
    confirmation_code: Option<&str>,
) -> GetBoundProfilePackageRequest {
    let transaction_id = auth.transaction_id.clone();
    let euicc_signed2 = Signed::new(EUICCSigned2 {
        transaction_id: transaction_id.clone(),
        euicc_otpk: Octets(one_time.public_key().to_vec()),
        hash_cc: confirmation_code
            .map(|code| Octets(hash_cc(code.as_bytes(), &transaction_id.0).to_vec())),
    });
    let mut signed = euicc_signed2.raw().to_vec();
    signed.extend_from_slice(&[0x5F, 0x37, 0x40]);
    signed.extend_from_slice(&auth.smdp_signature2.0);
    GetBoundProfilePackageRequest {
        transaction_id,
        prepare_download_response: PrepareDownloadResponse::DownloadResponseOk(
            PrepareDownloadResponseOk {
                euicc_signed2,
                euicc_signature2: Octets(pki().euicc.key.sign_raw(&signed).to_vec()),
            },
        ),
    }
}

/// The bytes smdpSign covers, written out by hand (SGP.22 §5.5.1, pySim `es8p.py`): `82 01 01`, `80`
/// transactionId, `A6 {80 01 88, 81 01 10, 84 hostId}`, `5F49` smdpOtpk, then `5F49` euiccOtpk.
fn smdp_sign_input(
    isc: &euicc_asn1::types::sgp22::InitialiseSecureChannelRequest,
    euicc: &OneTimeKeyPair,
) -> Vec<u8> {
    let host_id = &isc.control_ref_template.host_id.0;
    let mut out = vec![0x82, 0x01, 0x01, 0x80, 0x10];
    out.extend_from_slice(&isc.transaction_id.0);
    out.extend_from_slice(&[
        0xA6,
        6 + 2 + host_id.len() as u8,
        0x80,
        0x01,
        0x88,
        0x81,
        0x01,
        0x10,
    ]);
    out.extend_from_slice(&[0x84, host_id.len() as u8]);
    out.extend_from_slice(host_id);
    out.extend_from_slice(&[0x5F, 0x49, 0x41]);
    out.extend_from_slice(&isc.smdp_otpk.0);
    out.extend_from_slice(&[0x5F, 0x49, 0x41]);
    out.extend_from_slice(&euicc.public_key());
    out
}

/// What the eUICC gets out of a BPP: ConfigureISDP, the metadata and the package, after checking smdpSign
/// and every MAC.
fn open_bpp(
    bpp: &BoundProfilePackage,
    one_time: &OneTimeKeyPair,
) -> (Vec<u8>, StoreMetadataRequest, Vec<u8>) {
    let isc = bpp.initialise_secure_channel_request.value();
    pki()
        .dp_pb
        .cert
        .public_key()
        .unwrap()
        .verify_raw(&smdp_sign_input(isc, one_time), &isc.smdp_sign.0)
        .expect("smdpSign verifies with CERT.DPpb");
    let shared = one_time.agree(&isc.smdp_otpk.0).unwrap();
    let crt = ControlReferenceTemplate {
        key_type: isc.control_ref_template.key_type.0[0],
        key_length: isc.control_ref_template.key_len.0[0],
        host_id: &isc.control_ref_template.host_id.0,
    };
    let keys = derive_session_keys(&shared, &crt, eid().as_bytes()).unwrap();
    let mut decoder = BspDecoder::new(&keys);
    let mut open = |segment: Vec<u8>, tag: SegmentTag| {
        let plain = decoder.unprotect(&segment).unwrap();
        assert_eq!(plain.tag, tag);
        plain.data
    };
    let configure: Vec<u8> = bpp
        .first_sequence_of87
        .iter()
        .flat_map(|s| open(to_der(s), SegmentTag::ConfigureIsdpOrReplaceKeys))
        .collect();
    let metadata: Vec<u8> = bpp
        .sequence_of88
        .iter()
        .flat_map(|s| open(to_der(s), SegmentTag::StoreMetadata))
        .collect();
    let package: Vec<u8> = bpp
        .sequence_of86
        .iter()
        .flat_map(|s| open(to_der(s), SegmentTag::ProfileElements))
        .collect();
    (configure, from_ber(&metadata).unwrap(), package)
}

fn pir(transaction_id: &Octets, success: bool) -> PendingNotification {
    let data = Signed::new(ProfileInstallationResultData {
        transaction_id: transaction_id.clone(),
        notification_metadata: NotificationMetadata {
            seq_number: 4,
            profile_management_operation: BitString::from_bits(&[0]),
            notification_address: ADDRESS.into(),
            iccid: Some(ICCID.parse().unwrap()),
        },
        smdp_oid: Oid(vec![2, 999, 10]),
        final_result: if success {
            FinalResult::SuccessResult(SuccessResult {
                aid: Octets(vec![0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 0x01]),
                sima_response: Octets(vec![0x30, 0x00]),
            })
        } else {
            FinalResult::ErrorResult(euicc_asn1::types::sgp22::ErrorResult {
                bpp_command_id: 5,
                error_reason: 8,
                sima_response: None,
            })
        },
    });
    let signature = Octets(pki().euicc.key.sign_raw(data.raw()).to_vec());
    PendingNotification::ProfileInstallationResult(ProfileInstallationResult {
        profile_installation_result_data: data,
        euicc_sign_pir: signature,
    })
}

#[test]
fn download_binds_a_package_the_euicc_can_open_and_accepts_its_pir() {
    for size in [20 * 1024, 100 * 1024] {
        let mut server = server_with(order(MATCHING_ID, size));
        let init = initiate(&mut server);
        pki()
            .dp_auth
            .cert
            .public_key()
            .unwrap()
            .verify_raw(init.server_signed1.raw(), &init.server_signature1.0)
            .expect("serverSignature1 verifies with CERT.DPauth");
        assert_eq!(init.server_signed1.value().euicc_challenge.0, vec![7; 16]);
        assert_eq!(
            Some(init.euicc_ci_pk_id_to_be_used.0.as_slice()),
            pki().ci.cert.subject_key_identifier()
        );

        let response = authenticate_server(&init, MATCHING_ID);
        let auth = server
            .authenticate_client(&AuthenticateClientRequest {
                transaction_id: init.transaction_id.clone(),
                authenticate_server_response: AuthenticateServerResponse::AuthenticateResponseOk(
                    response.clone(),
                ),
            })
            .unwrap();
        let mut signed = auth.smdp_signed2.raw().to_vec();
        signed.extend_from_slice(&[0x5F, 0x37, 0x40]);
        signed.extend_from_slice(&response.euicc_signature1.0);
        pki()
            .dp_pb
            .cert
            .public_key()
            .unwrap()
            .verify_raw(&signed, &auth.smdp_signature2.0)
            .expect("smdpSignature2 covers smdpSigned2 and euiccSignature1");
        assert!(!auth.smdp_signed2.value().cc_required_flag);
        assert_eq!(auth.profile_meta_data, metadata().store_metadata_request());

        let one_time = OneTimeKeyPair::generate();
        let bpp = server
            .get_bound_profile_package(&prepare_download(&auth, &one_time, None))
            .unwrap()
            .bound_profile_package;
        assert!(bpp.sequence_of86.len() > size / 1020);
        let (configure, stored_metadata, package) = open_bpp(&bpp, &one_time);
        assert_eq!(configure, vec![0xBF, 0x24, 0x00]);
        assert_eq!(stored_metadata, metadata().store_metadata_request());
        assert_eq!(
            package,
            synthetic_profile_package(&metadata().iccid, size),
            "the eUICC gets the package back byte for byte"
        );
        // The BPP survives its own encoding, as it travels in the JSON binding.
        assert_eq!(from_ber::<BoundProfilePackage>(&to_der(&bpp)).unwrap(), bpp);

        server
            .handle_notification(&pir(&auth.transaction_id, true))
            .unwrap();
        assert_eq!(server.order_installed(MATCHING_ID), Some(true));
        assert!(matches!(
            server.events(),
            [SmdpEvent::InstallationResult {
                success: true,
                seq_number: 4,
                ..
            }]
        ));
        assert_eq!(server.session_count(), 0);
        // The order is used up.
        assert_eq!(
            authenticate(&mut server, MATCHING_ID).unwrap_err(),
            SmdpError::MatchingIdRefused
        );
    }
}

#[test]
fn confirmation_code_missing_refused_and_blocked() {
    let mut with_cc = order(MATCHING_ID, 2000);
    with_cc.confirmation_code = Some(Secret::new("1234"));
    let mut server = server_with(with_cc);
    let (_, auth) = authenticate(&mut server, MATCHING_ID).unwrap();
    assert!(auth.smdp_signed2.value().cc_required_flag);
    let one_time = OneTimeKeyPair::generate();
    let attempt = |server: &mut SmdpServer, code| {
        server.get_bound_profile_package(&prepare_download(&auth, &one_time, code))
    };
    assert_eq!(
        attempt(&mut server, None).unwrap_err(),
        SmdpError::ConfirmationCodeMissing
    );
    assert_eq!(
        attempt(&mut server, Some("0000")).unwrap_err(),
        SmdpError::ConfirmationCodeRefused
    );
    assert!(attempt(&mut server, Some("1234")).is_ok());

    // A fresh order: three wrong codes block it, even for the right one afterwards.
    let mut with_cc = order("MATCH-2", 2000);
    with_cc.confirmation_code = Some(Secret::new("1234"));
    server.add_order(with_cc).unwrap();
    let (_, auth) = authenticate(&mut server, "MATCH-2").unwrap();
    let attempt = |server: &mut SmdpServer, code| {
        server.get_bound_profile_package(&prepare_download(&auth, &one_time, code))
    };
    assert_eq!(
        attempt(&mut server, Some("1")).unwrap_err(),
        SmdpError::ConfirmationCodeRefused
    );
    assert_eq!(
        attempt(&mut server, Some("2")).unwrap_err(),
        SmdpError::ConfirmationCodeRefused
    );
    assert_eq!(
        attempt(&mut server, Some("3")).unwrap_err(),
        SmdpError::ConfirmationCodeRetriesExceeded
    );
    assert_eq!(
        attempt(&mut server, Some("1234")).unwrap_err(),
        SmdpError::ConfirmationCodeRetriesExceeded
    );
}

#[test]
fn refusals_carry_the_es9_status_codes() {
    let mut server = server_with(order(MATCHING_ID, 2000));
    let mut request = InitiateAuthenticationRequest {
        euicc_challenge: Octets(vec![7; 16]),
        smdp_address: "other.example".into(),
        euicc_info1: euicc_info1(),
    };
    let error = server.initiate_authentication(&request).unwrap_err();
    assert_eq!(error, SmdpError::AddressRefused);
    assert_eq!(error.status_code().subject, "8.8.1");
    request.smdp_address = ADDRESS.to_uppercase();
    request.euicc_info1.euicc_ci_pk_id_list_for_verification = vec![Octets(vec![1; 20])];
    assert_eq!(
        server.initiate_authentication(&request).unwrap_err(),
        SmdpError::CiNotSupported
    );

    assert_eq!(
        authenticate(&mut server, "NO-SUCH-ORDER").unwrap_err(),
        SmdpError::MatchingIdRefused
    );

    // A tampered eUICC signature, and a session the server does not know.
    let init = initiate(&mut server);
    let mut response = authenticate_server(&init, MATCHING_ID);
    response.euicc_signature1.0[10] ^= 1;
    let mut request = AuthenticateClientRequest {
        transaction_id: init.transaction_id.clone(),
        authenticate_server_response: AuthenticateServerResponse::AuthenticateResponseOk(response),
    };
    assert_eq!(
        server.authenticate_client(&request).unwrap_err(),
        SmdpError::EuiccSignatureInvalid
    );
    request.transaction_id = Octets(vec![0; 16]);
    let error = server.authenticate_client(&request).unwrap_err();
    assert_eq!(
        error.status_code(),
        StatusCode {
            subject: "8.10.1",
            reason: "3.9"
        }
    );

    // Binding twice is refused.
    let (_, auth) = authenticate(&mut server, MATCHING_ID).unwrap();
    let one_time = OneTimeKeyPair::generate();
    let request = prepare_download(&auth, &one_time, None);
    server.get_bound_profile_package(&request).unwrap();
    assert_eq!(
        server.get_bound_profile_package(&request).unwrap_err(),
        SmdpError::BppRebindingRefused
    );
}

#[test]
fn an_euicc_of_another_ci_is_unknown() {
    let other = TestPki::generate(&eid()).unwrap();
    let mut server = server_with(order(MATCHING_ID, 2000));
    let init = initiate(&mut server);
    let mut response = authenticate_server(&init, MATCHING_ID);
    response.euicc_certificate = asn1_cert(&other.euicc.cert);
    response.eum_certificate = asn1_cert(&other.eum.cert);
    let error = server
        .authenticate_client(&AuthenticateClientRequest {
            transaction_id: init.transaction_id,
            authenticate_server_response: AuthenticateServerResponse::AuthenticateResponseOk(
                response,
            ),
        })
        .unwrap_err();
    assert_eq!(error, SmdpError::CiUnknown);
}

#[test]
fn sessions_expire() {
    let mut server = server_with(order(MATCHING_ID, 2000));
    server.set_session_ttl(Duration::ZERO);
    assert_eq!(
        authenticate(&mut server, MATCHING_ID).unwrap_err(),
        SmdpError::UnknownTransaction
    );
    assert_eq!(server.session_count(), 0);
}

#[test]
fn eid_bound_orders_and_expiry() {
    let mut server = server_with(order("OPEN", 2000));
    let mut for_other = order("OTHER", 2000);
    for_other.eid = Some(other_eid());
    server.add_order(for_other).unwrap();
    assert_eq!(
        authenticate(&mut server, "OTHER").unwrap_err(),
        SmdpError::EidMismatch
    );
    let mut expired = order("EXPIRED", 2000);
    expired.expires = Some(std::time::SystemTime::now() - Duration::from_secs(1));
    server.add_order(expired).unwrap();
    assert_eq!(
        authenticate(&mut server, "EXPIRED").unwrap_err(),
        SmdpError::OrderExpired
    );
    // An empty matching ID picks the open order bound to this EID.
    let mut mine = order("MINE", 2000);
    mine.eid = Some(eid());
    server.add_order(mine).unwrap();
    assert!(authenticate(&mut server, "").is_ok());
    assert_eq!(
        server.add_order(order("OPEN", 10)).unwrap_err().to_string(),
        "duplicate matching ID"
    );
}

#[test]
fn cancel_session_checks_signature_and_oid() {
    let mut server = server_with(order(MATCHING_ID, 2000));
    let (_, auth) = authenticate(&mut server, MATCHING_ID).unwrap();
    let cancel = |oid: Oid| {
        let signed = Signed::new(EuiccCancelSessionSigned {
            transaction_id: auth.transaction_id.clone(),
            smdp_oid: oid,
            reason: 0,
        });
        let signature = Octets(pki().euicc.key.sign_raw(signed.raw()).to_vec());
        CancelSessionRequestEs9 {
            transaction_id: auth.transaction_id.clone(),
            cancel_session_response: CancelSessionResponse::CancelSessionResponseOk(
                CancelSessionResponseOk {
                    euicc_cancel_session_signed: signed,
                    euicc_cancel_session_signature: signature,
                },
            ),
        }
    };
    assert_eq!(
        server
            .cancel_session(&cancel(Oid(vec![2, 999, 11])))
            .unwrap_err(),
        SmdpError::SmdpOidInvalid
    );
    server
        .cancel_session(&cancel(Oid(vec![2, 999, 10])))
        .unwrap();
    assert_eq!(server.session_count(), 0);
    assert!(matches!(
        server.events(),
        [SmdpEvent::SessionCancelled { reason: 0, .. }]
    ));
    assert_eq!(
        server
            .cancel_session(&cancel(Oid(vec![2, 999, 10])))
            .unwrap_err(),
        SmdpError::UnknownTransaction
    );
}

#[test]
fn failed_pir_is_recorded_and_the_order_stays_open() {
    let mut server = server_with(order(MATCHING_ID, 2000));
    let (_, auth) = authenticate(&mut server, MATCHING_ID).unwrap();
    let mut bad = pir(&auth.transaction_id, false);
    if let PendingNotification::ProfileInstallationResult(result) = &mut bad {
        result.euicc_sign_pir.0[0] ^= 1;
    }
    assert_eq!(
        server.handle_notification(&bad).unwrap_err(),
        SmdpError::EuiccSignatureInvalid
    );
    server
        .handle_notification(&pir(&auth.transaction_id, false))
        .unwrap();
    assert_eq!(server.order_installed(MATCHING_ID), Some(false));
    assert!(matches!(
        server.events(),
        [SmdpEvent::InstallationResult { success: false, .. }]
    ));
}

#[test]
fn synthetic_packages_are_deterministic_and_carry_the_iccid() {
    let iccid: Iccid = ICCID.parse().unwrap();
    let small = synthetic_profile_package(&iccid, 20 * 1024);
    assert_eq!(small, synthetic_profile_package(&iccid, 20 * 1024));
    assert!((20 * 1024..21 * 1024 + 64).contains(&small.len()));
    let large = synthetic_profile_package(&iccid, 100 * 1024);
    assert!((100 * 1024..101 * 1024 + 64).contains(&large.len()));
    assert_eq!(package_iccid(&small), Some(iccid));
    assert_eq!(package_iccid(b"\x30\x00"), None);
    assert_eq!(package_iccid(&[]), None);
}

#[test]
fn public_ts48_packages_name_their_iccid() {
    let Some(dir) = crate::interop::dir("ts48-profiles") else {
        return;
    };
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let package = std::fs::read(entry.path()).unwrap();
        let iccid = package_iccid(&package).expect("TS.48 header with an ICCID");
        let mut server = server_with(ProfileOrder::new(
            Secret::new(MATCHING_ID),
            package.clone(),
            ProfileMetadata {
                iccid,
                ..metadata()
            },
        ));
        let (_, auth) = authenticate(&mut server, MATCHING_ID).unwrap();
        let one_time = OneTimeKeyPair::generate();
        let bpp = server
            .get_bound_profile_package(&prepare_download(&auth, &one_time, None))
            .unwrap()
            .bound_profile_package;
        assert_eq!(open_bpp(&bpp, &one_time).2, package);
    }
}

#[test]
fn secrets_never_print() {
    let secret = Secret::new("MATCH-SECRET");
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
    let order = order("MATCH-SECRET", 100);
    assert!(!format!("{order:?}").contains("MATCH-SECRET"));
}

#[test]
fn json_binding_fields_and_failures() {
    use base64ct::{Base64, Encoding};
    let mut server = server_with(order(MATCHING_ID, 2000));
    let body = serde_json::json!({
        "euiccChallenge": Base64::encode_string(&[7; 16]),
        "euiccInfo1": Base64::encode_string(&to_der(&euicc_info1())),
        "smdpAddress": ADDRESS,
    });
    let JsonReply::Body(reply) = json::handle(
        &mut server,
        Es9Function::InitiateAuthentication,
        body.to_string().as_bytes(),
    ) else {
        panic!("no body");
    };
    assert_eq!(
        reply["header"]["functionExecutionStatus"]["status"],
        "Executed-Success"
    );
    let transaction_id = reply["transactionId"].as_str().unwrap();
    assert_eq!(transaction_id.len(), 32);
    assert_eq!(transaction_id, transaction_id.to_uppercase());
    let field = |name: &str| Base64::decode_vec(reply[name].as_str().unwrap()).unwrap();
    assert_eq!(&field("serverSignature1")[..3], &[0x5F, 0x37, 0x40]);
    assert_eq!(&field("euiccCiPKIdToBeUsed")[..2], &[0x04, 0x14]);
    assert_eq!(field("serverCertificate"), pki().dp_auth.cert.der());
    assert_eq!(field("serverSigned1")[0], 0x30);

    let JsonReply::Body(failed) = json::handle(
        &mut server,
        Es9Function::AuthenticateClient,
        br#"{"transactionId":"00","authenticateServerResponse":"AAAA"}"#,
    ) else {
        panic!("no body");
    };
    let status = &failed["header"]["functionExecutionStatus"];
    assert_eq!(status["status"], "Failed");
    assert_eq!(status["statusCodeData"]["subjectCode"], "1.2");

    assert_eq!(
        json::handle(&mut server, Es9Function::HandleNotification, b"garbage"),
        JsonReply::NoContent
    );
    assert_eq!(
        Es9Function::from_path("/gsma/rsp2/es9plus/getBoundProfilePackage"),
        Some(Es9Function::GetBoundProfilePackage)
    );
    assert_eq!(Es9Function::from_path("/gsma/rsp2/es9plus/other"), None);
}

pub(super) mod https {
    use super::*;
    use crate::smdp::server::{Fault, MAX_BODY_LEN, start};
    use rustls::pki_types::{CertificateDer, ServerName};
    use std::net::SocketAddr;
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One HTTPS POST with a client that trusts `ci`; the status and the body of the answer.
    pub(in crate::smdp) async fn post(
        ci: &[u8],
        address: SocketAddr,
        path: &str,
        admin_protocol: bool,
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(ci.to_vec())).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        let protocol = if admin_protocol {
            "X-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
        } else {
            ""
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{protocol}\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        tls.write_all(head.as_bytes()).await.unwrap();
        tls.write_all(body).await.unwrap();
        let mut answer = Vec::new();
        // The server may close before reading an oversized body; what was answered is enough.
        let _ = tls.read_to_end(&mut answer).await;
        let text = String::from_utf8_lossy(&answer);
        let status = text[9..12].parse().unwrap();
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        (status, answer[split..].to_vec())
    }

    #[test]
    fn serves_es9_over_tls_with_faults() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let handle = start(
                server_with(order(MATCHING_ID, 2000)),
                &pki().dp_tls,
                "127.0.0.1:0".parse().unwrap(),
            )
            .await
            .unwrap();
            let address = handle.local_addr();
            assert_ne!(address.port(), 0);
            let ci = pki().ci.cert.der();
            let path = "/gsma/rsp2/es9plus/initiateAuthentication";
            let body = serde_json::json!({
                "euiccChallenge": base64ct::Base64::encode_string(&[7; 16]),
                "euiccInfo1": base64ct::Base64::encode_string(&to_der(&euicc_info1())),
                "smdpAddress": ADDRESS,
            })
            .to_string();
            use base64ct::Encoding;

            let (status, answer) = post(ci, address, path, true, body.as_bytes()).await;
            assert_eq!(status, 200);
            let reply: serde_json::Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(
                reply["header"]["functionExecutionStatus"]["status"],
                "Executed-Success"
            );
            assert_eq!(handle.with_smdp(|smdp| smdp.session_count()), 1);

            assert_eq!(post(ci, address, path, false, body.as_bytes()).await.0, 400);
            assert_eq!(
                post(ci, address, "/gsma/rsp2/es9plus/x", true, b"{}")
                    .await
                    .0,
                404
            );
            let huge = vec![b' '; MAX_BODY_LEN + 1];
            assert_eq!(post(ci, address, path, true, &huge).await.0, 413);
            let notify = "/gsma/rsp2/es9plus/handleNotification";
            assert_eq!(
                post(ci, address, notify, true, b"{}").await,
                (204, Vec::new())
            );

            let function = Es9Function::InitiateAuthentication;
            handle.set_fault(function, Some(Fault::HttpStatus(500)));
            assert_eq!(post(ci, address, path, true, body.as_bytes()).await.0, 500);
            handle.set_fault(function, Some(Fault::GarbageJson));
            let (status, answer) = post(ci, address, path, true, body.as_bytes()).await;
            assert_eq!(status, 200);
            assert!(serde_json::from_slice::<serde_json::Value>(&answer).is_err());
            handle.set_fault(
                function,
                Some(Fault::Failed(StatusCode {
                    subject: "8.8.5",
                    reason: "4.1",
                })),
            );
            let (_, answer) = post(ci, address, path, true, body.as_bytes()).await;
            let reply: serde_json::Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(
                reply["header"]["functionExecutionStatus"]["statusCodeData"]["reasonCode"],
                "4.1"
            );
            handle.set_fault(function, Some(Fault::Delay(Duration::from_millis(50))));
            let started = std::time::Instant::now();
            assert_eq!(post(ci, address, path, true, body.as_bytes()).await.0, 200);
            assert!(started.elapsed() >= Duration::from_millis(50));
            handle.set_fault(function, None);
            assert_eq!(post(ci, address, path, true, body.as_bytes()).await.0, 200);
        });
    }
}
