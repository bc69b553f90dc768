//! The DEFAULT values and SIZE constraints the SGP.22 and SGP.32 modules declare, on the types that carry
//! them (StoreMetadataRequest, ProfileInfo, CancelSessionRequest, the ESipa and eIM transaction ids).

use euicc_asn1::types::sgp22::{
    CancelSessionRequest, CancelSessionResponse, ProfileInfo, StoreMetadataRequest,
};
use euicc_asn1::types::sgp32::v1_2::{CancelSessionRequestEsipa, ProfileDownloadTriggerRequest};
use euicc_asn1::{DecodeErrorKind, Iccid, Jer, Octets, Signed, SizeRange, from_ber, to_der};

fn metadata(profile_class: i64) -> StoreMetadataRequest {
    StoreMetadataRequest {
        iccid: "89000123456789012341".parse::<Iccid>().unwrap(),
        service_provider_name: "Operator".into(),
        profile_name: "Profile".into(),
        icon_type: None,
        icon: None,
        profile_class,
        notification_configuration_info: None,
        profile_owner: None,
        profile_policy_rules: None,
        service_specific_data_stored_in_euicc: None,
        service_specific_data_not_stored_in_euicc: None,
        ecall_indication: None,
        fallback_allowed: None,
    }
}

fn size_error(min: usize, max: Option<usize>, size: usize) -> DecodeErrorKind {
    DecodeErrorKind::SizeOutOfRange {
        size,
        range: SizeRange { min, max },
    }
}

/// `profileClass [21] ProfileClass DEFAULT operational`: DER leaves operational (2) out, and absent reads
/// as operational; test (0) is written.
#[test]
fn profile_class_defaults_to_operational() {
    let operational = to_der(&metadata(2));
    assert!(
        !hex::encode(&operational).contains("950102"),
        "{}",
        hex::encode(&operational)
    );
    assert_eq!(
        from_ber::<StoreMetadataRequest>(&operational)
            .unwrap()
            .profile_class,
        2
    );
    let test = to_der(&metadata(0));
    assert!(hex::encode(&test).ends_with("950100"));
    assert_eq!(
        from_ber::<StoreMetadataRequest>(&test)
            .unwrap()
            .profile_class,
        0
    );
    assert!(metadata(2).to_jer().get("profileClass").is_none());
}

/// `fallbackAttribute [38] BOOLEAN DEFAULT FALSE` of ProfileInfo.
#[test]
fn fallback_attribute_defaults_to_false() {
    let plain = ProfileInfo::default();
    assert_eq!(to_der(&plain), [0xE3, 0x00]);
    assert!(
        !from_ber::<ProfileInfo>(&[0xE3, 0x00])
            .unwrap()
            .fallback_attribute
    );
    // A card writing the default (BER allows it) reads the same.
    let written = [0xE3, 0x04, 0x9F, 0x26, 0x01, 0x00];
    assert_eq!(from_ber::<ProfileInfo>(&written).unwrap(), plain);
    let fallback = ProfileInfo {
        fallback_attribute: true,
        ..ProfileInfo::default()
    };
    assert_eq!(to_der(&fallback), [0xE3, 0x04, 0x9F, 0x26, 0x01, 0xFF]);
    assert_eq!(
        from_ber::<ProfileInfo>(&to_der(&fallback)).unwrap(),
        fallback
    );
}

/// `TransactionId ::= OCTET STRING (SIZE(1..16))`, from the SM-DP+ through the eUICC and the eIM.
#[test]
fn transaction_ids_are_one_to_sixteen_octets() {
    let cancel = |len: usize| CancelSessionRequest {
        transaction_id: Octets(vec![0x5A; len]),
        reason: 0,
    };
    for len in [1, 16] {
        let der = to_der(&cancel(len));
        assert_eq!(from_ber::<CancelSessionRequest>(&der).unwrap(), cancel(len));
    }
    for len in [0, 17] {
        let err = from_ber::<CancelSessionRequest>(&to_der(&cancel(len))).unwrap_err();
        assert_eq!(err.kind, size_error(1, Some(16), len));
        assert_eq!(err.path_string(), "CancelSessionRequest.transactionId");
        assert_eq!(
            err.offset, 3,
            "the transactionId TLV after BF41 and its length"
        );
    }

    let esipa = CancelSessionRequestEsipa {
        transaction_id: Octets(vec![1; 17]),
        cancel_session_response: Signed::new(CancelSessionResponse::CancelSessionResponseError(5)),
    };
    let err = from_ber::<CancelSessionRequestEsipa>(&to_der(&esipa)).unwrap_err();
    assert_eq!(err.kind, size_error(1, Some(16), 17));

    let trigger = ProfileDownloadTriggerRequest {
        profile_download_data: None,
        eim_transaction_id: Some(Octets(vec![])),
    };
    let err = from_ber::<ProfileDownloadTriggerRequest>(&to_der(&trigger)).unwrap_err();
    assert_eq!(err.kind, size_error(1, Some(16), 0));
    assert_eq!(
        err.path_string(),
        "ProfileDownloadTriggerRequest.eimTransactionId"
    );
}

/// Names, nicknames and icons of a profile, as ProfileInfo and StoreMetadataRequest bound them; a nickname
/// counts characters, not octets.
#[test]
fn profile_texts_and_icons_are_bounded() {
    let nickname = |s: String| ProfileInfo {
        profile_nickname: Some(s),
        ..ProfileInfo::default()
    };
    let longest = nickname("é".repeat(64));
    assert_eq!(from_ber::<ProfileInfo>(&to_der(&longest)).unwrap(), longest);
    let err = from_ber::<ProfileInfo>(&to_der(&nickname("n".repeat(65)))).unwrap_err();
    assert_eq!(err.kind, size_error(0, Some(64), 65));
    assert_eq!(err.path_string(), "ProfileInfo.profileNickname");

    let mut long_spn = metadata(2);
    long_spn.service_provider_name = "s".repeat(33);
    let err = from_ber::<StoreMetadataRequest>(&to_der(&long_spn)).unwrap_err();
    assert_eq!(err.kind, size_error(0, Some(32), 33));
    assert_eq!(
        err.path_string(),
        "StoreMetadataRequest.serviceProviderName"
    );

    let mut big_icon = metadata(2);
    big_icon.icon = Some(Octets(vec![0; 1025]));
    let err = from_ber::<StoreMetadataRequest>(&to_der(&big_icon)).unwrap_err();
    assert_eq!(err.kind, size_error(0, Some(1024), 1025));
    // The JER form (`euiccd asn1 encode`, the ESipa JSON binding) is bounded the same way.
    let err = StoreMetadataRequest::from_jer(&big_icon.to_jer()).unwrap_err();
    assert_eq!(err.path, vec!["icon".to_owned()]);
}
