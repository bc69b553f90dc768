//! SGP.32 messages of both versions against pycrate: the main messages built by hand here encode to the bytes
//! of the golden vectors (`vectors/vectors.json`, the `sgp32-*` cases of `vectors/generate.py`) and decode
//! back to the same values.

mod common;

use euicc_asn1::types::sgp22::{ProfileInfoListRequest, ProfileInfoListResponse, codes};
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{Asn1, BitString, Eid, Iccid, Jer, Null, Octets, Raw, Signed, from_ber, to_der};
use serde_json::Value;
use std::fmt::Debug;

/// Which SGP.32 version's vectors: `"v1.0"` or `"v1.2"`.
type Vectors = &'static str;

fn eid() -> Eid {
    "89049032123451234512345678901235".parse().unwrap()
}

fn iccid(stored: &str) -> Iccid {
    Iccid::from_bytes(hex::decode(stored).unwrap().try_into().unwrap()).unwrap()
}

fn sig() -> Octets {
    Octets((0..64).collect())
}

/// The golden vector `sgp32-<id>` of `version`: its DER and its JER.
fn vector(version: Vectors, id: &str) -> (Vec<u8>, Value) {
    common::by_id(&format!("{version}/sgp32-{id}"))
}

/// `value` encodes to pycrate's DER, that DER decodes back to `value`, and its JER is pycrate's.
fn check<T: Asn1 + Jer + PartialEq + Debug>(version: Vectors, id: &str, value: &T) {
    let (der, jer) = vector(version, id);
    assert_eq!(
        hex::encode(to_der(value)),
        hex::encode(&der),
        "{id}: encoding"
    );
    assert_eq!(&from_ber::<T>(&der).unwrap(), value, "{id}: decoding");
    assert_eq!(value.to_jer(), jer, "{id}: JER");
    assert_eq!(&T::from_jer(&jer).unwrap(), value, "{id}: from JER");
}

fn v1_2_psmo_package() -> v1_2::EuiccPackageRequest {
    use v1_2::Psmo;
    let a = iccid("98001032547698103214");
    v1_2::EuiccPackageRequest {
        euicc_package_signed: Signed::new(v1_2::EuiccPackageSigned {
            eim_id: "eim.example.com".into(),
            eid_value: eid(),
            counter_value: 200,
            eim_transaction_id: Some(Octets(vec![1, 2])),
            euicc_package: v1_2::EuiccPackage::PsmoList(vec![
                Psmo::Enable(v1_2::EnableParams {
                    iccid: a,
                    rollback_flag: Some(Null),
                }),
                Psmo::Disable(v1_2::ProfileIccid { iccid: a }),
                Psmo::Delete(v1_2::ProfileIccid {
                    iccid: iccid("98001032547698103294"),
                }),
                Psmo::ListProfileInfo(ProfileInfoListRequest::default()),
                Psmo::GetRat(v1_2::Empty {}),
                Psmo::ConfigureImmediateEnable(v1_2::ConfigureImmediateProfileEnablingRequest {
                    immediate_enable_flag: Some(Null),
                    default_smdp_oid: None,
                    default_smdp_address: Some("smdp.example.com".into()),
                }),
                Psmo::SetFallbackAttribute(v1_2::ProfileIccid { iccid: a }),
                Psmo::UnsetFallbackAttribute(v1_2::Empty {}),
                Psmo::SetDefaultDpAddress(v1_2::SetDefaultDpAddressRequest {
                    default_dp_address: "dp.example.com".into(),
                }),
            ]),
        }),
        eim_signature: sig(),
    }
}

#[test]
fn v1_2_psmo_package_matches_pycrate() {
    check("v1.2", "package_psmo", &v1_2_psmo_package());
}

#[test]
fn v1_0_psmo_package_matches_pycrate() {
    use v1_0::Psmo;
    let a = iccid("98001032547698103214");
    let package = v1_0::EuiccPackageRequest {
        euicc_package_signed: Signed::new(v1_0::EuiccPackageSigned {
            eim_id: "eim.example.com".into(),
            eid_value: eid(),
            counter_value: 200,
            transaction_id: Some(Octets(vec![1, 2])),
            euicc_package: v1_0::EuiccPackage::PsmoList(vec![
                Psmo::Enable(v1_0::EnableParams {
                    iccid: a,
                    rollback_flag: Some(Null),
                }),
                Psmo::Disable(v1_0::ProfileIccid { iccid: a }),
                Psmo::Delete(v1_0::ProfileIccid {
                    iccid: iccid("98001032547698103294"),
                }),
                Psmo::ListProfileInfo(ProfileInfoListRequest::default()),
                Psmo::GetRat(v1_0::Empty {}),
                Psmo::ConfigureAutoEnable(v1_0::ConfigureAutoProfileEnablingRequest {
                    auto_enable_flag: Some(Null),
                    smdp_oid: Some("1.3.6.1.4.1.31746".parse().unwrap()),
                    smdp_address: Some("smdp.example.com".into()),
                }),
            ]),
        }),
        eim_signature: sig(),
    };
    check("v1.0", "package_psmo", &package);
}

#[test]
fn v1_2_signed_package_result_matches_pycrate() {
    use v1_2::EuiccResultData as R;
    let result =
        v1_2::EuiccPackageResult::EuiccPackageResultSigned(v1_2::EuiccPackageResultSigned {
            euicc_package_result_data_signed: Signed::new(v1_2::EuiccPackageResultDataSigned {
                eim_id: "eim1".into(),
                counter_value: 200,
                eim_transaction_id: Some(Octets(vec![1, 2])),
                seq_number: 12,
                euicc_result: vec![
                    R::EnableResult(0),
                    R::DisableResult(2),
                    R::DeleteResult(1),
                    R::ListProfileInfoResult(ProfileInfoListResponse::ProfileInfoListError(11)),
                    R::GetRatResult(vec![]),
                    R::ConfigureImmediateEnableResult(0),
                    R::AddEimResult(v1_2::AddEimResult::AssociationToken(9)),
                    R::AddEimResult(v1_2::AddEimResult::AddEimResultCode(3)),
                    R::DeleteEimResult(0),
                    R::UpdateEimResult(6),
                    R::ListEimResult(v1_2::ListEimResult::EimIdList(vec![
                        v1_2::EimIdInfo {
                            eim_id: "eim1".into(),
                            eim_id_type: Some(2),
                        },
                        v1_2::EimIdInfo {
                            eim_id: "eim2".into(),
                            eim_id_type: None,
                        },
                    ])),
                    R::ListEimResult(v1_2::ListEimResult::ListEimError(127)),
                    R::RollbackResult(0),
                    R::SetFallbackAttributeResult(3),
                    R::UnsetFallbackAttributeResult(2),
                    R::SetDefaultDpAddressResult(v1_2::SetDefaultDpAddressResponse {
                        set_default_dp_address_result: 0,
                    }),
                    R::ProcessingTerminated(3),
                ],
            }),
            euicc_sign_epr: sig(),
        });
    check("v1.2", "epr_signed", &result);
    assert_eq!(
        codes::name(v1_2::UNSET_FALLBACK_ATTRIBUTE_RESULT, 2),
        Some("noFallbackAttribute")
    );
    assert_eq!(
        codes::name(v1_2::PROCESSING_TERMINATED, 3),
        Some("interruption")
    );
}

fn small_epr_v1_2() -> Signed<v1_2::EuiccPackageResult> {
    Signed::new(v1_2::EuiccPackageResult::EuiccPackageErrorUnsigned(
        v1_2::EuiccPackageErrorUnsigned {
            eim_id: "eim1".into(),
            eim_transaction_id: None,
            association_token: None,
        },
    ))
}

#[test]
fn get_eim_package_requests_match_pycrate() {
    let rplmn = Some(Octets(hex::decode("62f210").unwrap()));
    let v12 = v1_2::EsipaMessageFromIpaToEim::GetEimPackageRequest(v1_2::GetEimPackageRequest {
        eid_value: eid(),
        notify_state_change: Some(Null),
        state_change_cause: Some(3),
        r_plmn: rplmn.clone(),
    });
    check("v1.2", "get_eim_package_request", &v12);
    let v10 = v1_0::EsipaMessageFromIpaToEim::GetEimPackageRequest(v1_0::GetEimPackageRequest {
        eid_value: eid(),
        notify_state_change: Some(Null),
        r_plmn: rplmn,
    });
    check("v1.0", "get_eim_package_request", &v10);
}

#[test]
fn nothing_to_do_is_bf4f_03_02_01_01() {
    let der = [0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01];
    let v12: v1_2::GetEimPackageResponse = from_ber(&der).unwrap();
    assert_eq!(v12, v1_2::GetEimPackageResponse::EimPackageError(1));
    assert_eq!(
        codes::name(v1_2::EIM_PACKAGE_ERROR, 1),
        Some("noEimPackageAvailable")
    );
    let v10: v1_0::EsipaMessageFromEimToIpa = from_ber(&der).unwrap();
    assert_eq!(
        v10,
        v1_0::EsipaMessageFromEimToIpa::GetEimPackageResponse(
            v1_0::GetEimPackageResponse::EimPackageError(1)
        )
    );
    check(
        "v1.2",
        "no_package",
        &v1_2::EsipaMessageFromEimToIpa::GetEimPackageResponse(v12),
    );
}

#[test]
fn provide_eim_package_results_match_pycrate() {
    let v12 =
        v1_2::EsipaMessageFromIpaToEim::ProvideEimPackageResult(v1_2::ProvideEimPackageResult {
            eid_value: Some(eid()),
            eim_package_result: v1_2::EimPackageResult::EprAndNotifications(
                v1_2::EprAndNotifications {
                    euicc_package_result: small_epr_v1_2(),
                    notification_list: vec![],
                },
            ),
        });
    check("v1.2", "provide_result", &v12);
    let acks = v1_2::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
        v1_2::ProvideEimPackageResultResponse::EimAcknowledgements(v1_2::EimAcknowledgements(
            vec![
                v1_2::SequenceNumber(12),
                v1_2::SequenceNumber(13),
                v1_2::SequenceNumber(300),
            ],
        )),
    );
    check("v1.2", "provide_result_acks", &acks);

    let epr = Signed::new(v1_0::EuiccPackageResult::EuiccPackageErrorUnsigned(
        v1_0::EuiccPackageErrorUnsigned {
            eim_id: "eim1".into(),
            association_token: None,
        },
    ));
    let v10 = v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
        v1_0::ProvideEimPackageResult::EprAndNotifications(v1_0::EprAndNotifications {
            euicc_package_result: epr.clone(),
            notification_list: v1_0::RetrieveNotificationsListResponse::EuiccPackageResultList(
                vec![epr],
            ),
        }),
    );
    check("v1.0", "provide_result", &v10);
    check(
        "v1.0",
        "provide_result_empty",
        &v1_0::ProvideEimPackageResultResponse {
            eim_acknowledgements: None,
        },
    );
}

#[test]
fn ipa_euicc_data_response_matches_pycrate() {
    let response = v1_2::IpaEuiccDataResponse::IpaEuiccData(v1_2::IpaEuiccData {
        notifications_list: None,
        default_smdp_address: Some("smdp.example.com".into()),
        euicc_package_result_list: Some(vec![small_epr_v1_2()]),
        euicc_info1: None,
        euicc_info2: None,
        root_smds_address: Some("smds.example.com".into()),
        association_token: Some(7),
        eum_certificate: None,
        euicc_certificate: None,
        eim_transaction_id: Some(Octets(vec![5])),
        ipa_capabilities: Some(v1_2::IpaCapabilities {
            ipa_features: BitString::from_bits(&[1, 5]),
            ipa_supported_protocols: Some(BitString::from_bits(&[0])),
        }),
        device_info: None,
    });
    check("v1.2", "ipa_euicc_data_response", &response);
}

/// An EuiccPackageSigned with a component a later version added: the package still decodes, and relaying it
/// writes the exact bytes the eIM signed.
#[test]
fn unknown_component_in_signed_package_is_relayed_unchanged() {
    let original = to_der(&v1_2_psmo_package());
    // Insert `9F 7F 02 CA FE` at the end of EuiccPackageSigned, fixing the two lengths around it.
    let (outer_header, signed_header) = (4, 3);
    assert_eq!(original[..outer_header], [0xBF, 0x51, 0x81, 0xDD]);
    assert_eq!(
        original[outer_header..outer_header + signed_header],
        [0x30, 0x81, 0x97]
    );
    let extension = [0x9F, 0x7F, 0x02, 0xCA, 0xFE];
    let grown = extension.len() as u8;
    let signed_end = outer_header + signed_header + 0x97;
    let mut bytes = vec![0xBF, 0x51, 0x81, 0xDD + grown, 0x30, 0x81, 0x97 + grown];
    bytes.extend_from_slice(&original[outer_header + signed_header..signed_end]);
    bytes.extend_from_slice(&extension);
    bytes.extend_from_slice(&original[signed_end..]);

    let request: v1_2::EuiccPackageRequest = from_ber(&bytes).unwrap();
    assert_eq!(
        request.euicc_package_signed.value(),
        v1_2_psmo_package().euicc_package_signed.value()
    );
    assert_eq!(
        request.euicc_package_signed.raw(),
        &bytes[outer_header..signed_end + extension.len()]
    );
    assert_eq!(to_der(&request), bytes);
    // And inside GetEimPackageResponse, the whole request is relayed as received.
    let mut response = vec![0xBF, 0x4F, 0x81, bytes.len() as u8];
    response.extend_from_slice(&bytes);
    let v1_2::GetEimPackageResponse::EuiccPackageRequest(relayed) = from_ber(&response).unwrap()
    else {
        panic!("not a package");
    };
    assert_eq!(relayed.raw(), &bytes[..]);
}

/// A result alternative a later eUICC adds is kept, so that the result can still be relayed and the other
/// entries read.
#[test]
fn unknown_result_alternative_is_kept() {
    let unknown = [0x9F, 0x70, 0x01, 0x00];
    let mut data = vec![
        0x30, 0x12, 0x80, 0x01, b'e', 0x81, 0x01, 0x01, 0x83, 0x01, 0x02, 0x30, 0x07, 0x83, 0x01,
        0x00,
    ];
    data.extend_from_slice(&unknown);
    let parsed: v1_2::EuiccPackageResultDataSigned = from_ber(&data).unwrap();
    assert_eq!(
        parsed.euicc_result,
        vec![
            v1_2::EuiccResultData::EnableResult(0),
            v1_2::EuiccResultData::Other(Raw(unknown.to_vec()))
        ]
    );
    assert_eq!(to_der(&parsed), data);
}

/// Since SGP.32 v1.0.1 both versions carry an EimConfigurationData in the same tags; v1.2 adds
/// indirectProfileDownload (`89`) at the end, which v1.0 skips as an extension.
#[test]
fn eim_configuration_tags_agree_across_versions() {
    let (v12, _) = vector("v1.2", "package_eco");
    let (v10, _) = vector("v1.0", "package_eco");
    for der in [&v10, &v12] {
        let p: v1_0::EuiccPackageRequest = from_ber(der).unwrap();
        let v1_0::EuiccPackage::EcoList(ecos) = &p.euicc_package_signed.value().euicc_package
        else {
            panic!("not an eCO list");
        };
        let v1_0::Eco::AddEim(cfg) = &ecos[0] else {
            panic!("not addEim")
        };
        let Some(v1_0::EimPublicKeyData::EimPublicKey(key)) = &cfg.eim_public_key_data else {
            panic!("no public key");
        };
        assert_eq!(key.as_der()[..2], [0x30, 0x59]);
        assert_eq!(cfg.euicc_ci_pk_id, Some(Octets((0..20).collect())));
    }
    let p: v1_2::EuiccPackageRequest = from_ber(&v10).unwrap();
    let v1_2::EuiccPackage::EcoList(ecos) = &p.euicc_package_signed.value().euicc_package else {
        panic!("not an eCO list");
    };
    let v1_2::Eco::AddEim(cfg) = &ecos[0] else {
        panic!("not addEim")
    };
    assert!(cfg.eim_supported_protocol.is_some());
}

/// The withdrawn v1.0 tags are no layout of v1.2: a v1.2 reader rejects them rather than reading the keys as
/// absent.
#[test]
fn withdrawn_eim_configuration_tags_are_an_error_in_v1_2() {
    let (withdrawn, _) = common::by_id("v1.0/withdrawn-eimConfigurationData");
    let err = from_ber::<v1_2::EimConfigurationData>(&withdrawn).unwrap_err();
    assert_eq!(
        err.path_string(),
        "EimConfigurationData.eimPublicKeyData",
        "{err}"
    );
}
