//! The derive against bytes produced by pycrate (asn1play) for the same values.

use euicc_asn1::{Asn1, BitString, DecodeErrorKind, Jer, Null, Octets, Signed, from_ber, to_der};

#[derive(Debug, Clone, PartialEq, Asn1)]
struct EnableParams {
    #[asn1(application = 26)]
    iccid: Octets,
    rollback_flag: Option<Null>,
}

#[derive(Debug, Clone, PartialEq, Asn1)]
enum Psmo {
    #[asn1(context = 3)]
    Enable(EnableParams),
    #[asn1(context = 4)]
    Disable(EnableParams),
}

#[derive(Debug, Clone, PartialEq, Asn1)]
enum EuiccPackage {
    #[asn1(context = 0)]
    PsmoList(Vec<Psmo>),
}

#[derive(Debug, Clone, PartialEq, Asn1)]
struct EuiccPackageSigned {
    #[asn1(context = 0)]
    eim_id: String,
    #[asn1(application = 26)]
    eid_value: Octets,
    #[asn1(context = 1)]
    counter_value: i64,
    #[asn1(context = 2)]
    eim_transaction_id: Option<Octets>,
    euicc_package: EuiccPackage,
}

#[derive(Debug, Clone, PartialEq, Asn1)]
#[asn1(context = 81)]
struct EuiccPackageRequest {
    euicc_package_signed: Signed<EuiccPackageSigned>,
    #[asn1(application = 55)]
    eim_signature: Octets,
}

#[derive(Debug, Clone, PartialEq, Asn1)]
#[asn1(context = 47)]
struct NotificationMetadata {
    #[asn1(context = 0)]
    seq_number: i64,
    #[asn1(context = 1)]
    profile_management_operation: BitString,
    #[asn1(universal = 12)]
    notification_address: String,
    #[asn1(application = 26)]
    iccid: Option<Octets>,
}

#[derive(Debug, Clone, PartialEq, Asn1)]
#[asn1(context = 79)]
enum GetEimPackageResponse {
    #[asn1(universal = 2)]
    EimPackageError(i64),
}

fn request() -> EuiccPackageRequest {
    EuiccPackageRequest {
        euicc_package_signed: Signed::new(EuiccPackageSigned {
            eim_id: "eim1".into(),
            eid_value: Octets(vec![0; 16]),
            counter_value: 200,
            eim_transaction_id: None,
            euicc_package: EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
                iccid: Octets(hex::decode("98001032547698103214").unwrap()),
                rollback_flag: Some(Null),
            })]),
        }),
        eim_signature: Octets(vec![0; 64]),
    }
}

const PYCRATE_REQUEST: &str = "bf5173302e800465696d315a1000000000000000000000000000000000810200c8a010a30e5a0a9800103254769810321405005f374000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

#[test]
fn matches_pycrate_bytes() {
    assert_eq!(hex::encode(to_der(&request())), PYCRATE_REQUEST);
    let back: EuiccPackageRequest = from_ber(&hex::decode(PYCRATE_REQUEST).unwrap()).unwrap();
    assert_eq!(back, request());
    let meta = NotificationMetadata {
        seq_number: 5,
        profile_management_operation: BitString::new(vec![0x80], 8),
        notification_address: "a.b".into(),
        iccid: Some(Octets(hex::decode("98001032547698103214").unwrap())),
    };
    assert_eq!(
        hex::encode(to_der(&meta)),
        "bf2f18800105810200800c03612e625a0a98001032547698103214"
    );
    assert_eq!(
        hex::encode(to_der(&GetEimPackageResponse::EimPackageError(1))),
        "bf4f03020101"
    );
}

#[test]
fn jer_matches_pycrate_shape() {
    let jer = request().to_jer();
    let expected = serde_json::json!({
        "eimSignature": "0".repeat(128),
        "euiccPackageSigned": {
            "counterValue": 200, "eidValue": "0".repeat(32), "eimId": "eim1",
            "euiccPackage": {"psmoList": [{"enable": {"iccid": "98001032547698103214", "rollbackFlag": null}}]}
        }
    });
    assert_eq!(jer, expected);
    assert_eq!(EuiccPackageRequest::from_jer(&expected).unwrap(), request());
}

#[test]
fn unknown_extension_fields_are_skipped() {
    // NotificationMetadata followed by a component this model does not know.
    let mut der = to_der(&NotificationMetadata {
        seq_number: 5,
        profile_management_operation: BitString::from_bits(&[0]),
        notification_address: "a.b".into(),
        iccid: None,
    });
    der[2] += 4;
    der.extend([0x9F, 0x1F, 0x01, 0x01]);
    let back: NotificationMetadata = from_ber(&der).unwrap();
    assert_eq!(back.seq_number, 5);
}

/// An unknown component with a known one after it is not at the extension point: an error at its offset, on
/// the path of the SEQUENCE that holds it, not a component read as absent.
#[test]
fn unknown_component_before_a_known_one_is_an_error() {
    // BF2F { 80 seq, 99 unknown, 81 event, 0C address }: [25] where the model has none.
    let der = hex::decode("bf2f0f800105990100810200800c03612e62").unwrap();
    let err = from_ber::<NotificationMetadata>(&der).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::UnknownComponent {
            found: euicc_asn1::Tag(0x99),
            before: "profileManagementOperation",
        }
    );
    assert_eq!(err.offset, 6);
    assert_eq!(err.path_string(), "NotificationMetadata");
    // Nested: `9F 1F 01 01` between the iccid and the rollbackFlag `05 00` of the enable PSMO (offset 49);
    // the lengths of BF51, 30, A0 and A3 grow by 4.
    let der = hex::decode(PYCRATE_REQUEST).unwrap();
    assert_eq!(der[49..51], [0x05, 0x00]);
    let mut bad = der[..49].to_vec();
    bad.extend([0x9F, 0x1F, 0x01, 0x01]);
    bad.extend(&der[49..]);
    for len_at in [2, 4, 34, 36] {
        bad[len_at] += 4;
    }
    let err = from_ber::<EuiccPackageRequest>(&bad).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::UnknownComponent {
            found: euicc_asn1::Tag(0x9F1F),
            before: "rollbackFlag",
        },
        "{err}"
    );
    assert_eq!(err.offset, 49);
    assert_eq!(
        err.path_string(),
        "EuiccPackageRequest.euiccPackageSigned.euiccPackage.psmoList[0].enable"
    );
}

#[derive(Debug, Clone, PartialEq, Asn1)]
struct Renumbered {
    #[asn1(context = 0)]
    id: Octets,
    #[asn1(context = 7, alias(context = 11))]
    bits: Option<Octets>,
    #[asn1(context = 5)]
    key: Option<Key>,
}

#[derive(Debug, Clone, PartialEq, Asn1)]
enum Key {
    #[asn1(context = 0, alias(context = 6))]
    PublicKey(Renumbered2),
}

#[derive(Debug, Clone, PartialEq, Asn1)]
struct Renumbered2 {
    #[asn1(context = 0)]
    x: Octets,
}

/// An alias tag is read as the component and never written.
#[test]
fn alias_tags_are_read_and_never_written() {
    let value = Renumbered {
        id: Octets(vec![1]),
        bits: Some(Octets(vec![2])),
        key: Some(Key::PublicKey(Renumbered2 { x: Octets(vec![3]) })),
    };
    let current = hex::decode("300d800101870102a505a003800103").unwrap();
    let withdrawn = hex::decode("300d8001018b0102a505a603800103").unwrap();
    assert_eq!(to_der(&value), current);
    assert_eq!(from_ber::<Renumbered>(&current).unwrap(), value);
    assert_eq!(from_ber::<Renumbered>(&withdrawn).unwrap(), value);
    // Both tags of one component: a duplicate.
    let twice = hex::decode("3010800101870102a505a6038001038b0102").unwrap();
    assert!(from_ber::<Renumbered>(&twice).is_err());
}

#[test]
fn errors_name_the_field_path_and_offset() {
    let mut der = hex::decode(PYCRATE_REQUEST).unwrap();
    // counterValue `81 02 00 C8`: claim 9 content octets, which swallows the package into the integer.
    let pos = der
        .windows(3)
        .position(|w| w == [0x81, 0x02, 0x00])
        .unwrap();
    der[pos + 1] = 0x09;
    let err = from_ber::<EuiccPackageRequest>(&der).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::InvalidValue("INTEGER out of range")
    );
    assert_eq!(
        err.path_string(),
        "EuiccPackageRequest.euiccPackageSigned.counterValue"
    );
    assert_eq!(err.offset, pos);
    // Cut the message short: a truncation error at the outer TLV, not a panic or an allocation.
    let err = from_ber::<EuiccPackageRequest>(&der[..20]).unwrap_err();
    assert!(
        matches!(err.kind, DecodeErrorKind::Truncated { .. }),
        "{err}"
    );
}

#[derive(Debug, Clone, PartialEq, Asn1)]
struct SameTags {
    first: Octets,
    #[asn1(application = 55)]
    signature: Octets,
    second: Octets,
    third: Option<Octets>,
}

#[test]
fn components_sharing_a_tag_are_read_in_order() {
    let value = SameTags {
        first: Octets(vec![1]),
        signature: Octets(vec![2]),
        second: Octets(vec![3]),
        third: Some(Octets(vec![4])),
    };
    let der = to_der(&value);
    assert_eq!(hex::encode(&der), "300d0401015f370102040103040104");
    assert_eq!(from_ber::<SameTags>(&der).unwrap(), value);
    // A fourth OCTET STRING is a duplicate, not a silent extension.
    let mut dup = der.clone();
    dup[1] += 3;
    dup.extend([0x04, 0x01, 0x05]);
    assert_eq!(
        from_ber::<SameTags>(&dup).unwrap_err().kind,
        DecodeErrorKind::DuplicateField("third")
    );
}

/// `[32]` on a SEQUENCE, `[APPLICATION 73]` on an OCTET STRING, `[PRIVATE 1]` on a SEQUENCE OF, `[3]` on a
/// SEQUENCE and on an INTEGER, `[0] EXPLICIT` on an INTEGER: the identifier octets X.690 gives them.
#[derive(Debug, Clone, PartialEq, Asn1)]
#[asn1(context = 32)]
struct Tagged {
    #[asn1(application = 73)]
    key: Octets,
    #[asn1(private = 1)]
    counters: Vec<i64>,
    #[asn1(context = 3)]
    params: EnableParams,
    #[asn1(context = 3)]
    count: i64,
    #[asn1(context = 0, explicit)]
    wrapped: i64,
}

#[test]
fn tags_take_the_constructed_bit_from_the_type() {
    assert_eq!(<Tagged as Asn1>::TAG, Some(euicc_asn1::Tag(0xBF20)));
    let value = Tagged {
        key: Octets(vec![0xAA]),
        counters: vec![1],
        params: EnableParams {
            iccid: Octets(vec![0x98]),
            rollback_flag: None,
        },
        count: 5,
        wrapped: 6,
    };
    let der = hex::encode(to_der(&value));
    assert_eq!(
        der,
        // BF20: 5F49 key, E1 counters (constructed), A3 params (constructed), 83 count, A0 { 02 } wrapped.
        "bf20165f4901aae103020101a3035a0198830105a003020106"
    );
    assert_eq!(
        from_ber::<Tagged>(&hex::decode(&der).unwrap()).unwrap(),
        value
    );
}

#[derive(Debug, Clone, PartialEq, Asn1)]
struct WithDefaults {
    #[asn1(context = 0)]
    id: i64,
    #[asn1(context = 1, default = 2)]
    class: i64,
    #[asn1(context = 2, default = false)]
    fallback: bool,
}

/// DER leaves a value equal to the DEFAULT out, and absent decodes to it; BER may still carry it.
#[test]
fn default_values_are_left_out_and_read_back() {
    let defaults = WithDefaults {
        id: 1,
        class: 2,
        fallback: false,
    };
    assert_eq!(hex::encode(to_der(&defaults)), "3003800101");
    assert_eq!(
        from_ber::<WithDefaults>(&to_der(&defaults)).unwrap(),
        defaults
    );
    let other = WithDefaults {
        id: 1,
        class: 0,
        fallback: true,
    };
    assert_eq!(hex::encode(to_der(&other)), "30098001018101008201ff");
    assert_eq!(from_ber::<WithDefaults>(&to_der(&other)).unwrap(), other);
    // A BER encoder may write the default value.
    let explicit = hex::decode("3009800101810102820100").unwrap();
    assert_eq!(from_ber::<WithDefaults>(&explicit).unwrap(), defaults);
    // JER: the default is left out too, and absent reads as it.
    assert_eq!(defaults.to_jer(), serde_json::json!({"id": 1}));
    assert_eq!(
        WithDefaults::from_jer(&serde_json::json!({"id": 1})).unwrap(),
        defaults
    );
    assert_eq!(
        other.to_jer(),
        serde_json::json!({"id": 1, "class": 0, "fallback": true})
    );
}

#[derive(Debug, Clone, PartialEq, Asn1)]
struct Bounded {
    #[asn1(context = 0, size(1..=4))]
    transaction_id: Octets,
    #[asn1(context = 1, size(0..=3))]
    name: Option<String>,
    #[asn1(context = 2, size(1..))]
    items: Vec<i64>,
    #[asn1(context = 3, size(2))]
    bits: Option<BitString>,
}

fn bounded() -> Bounded {
    Bounded {
        transaction_id: Octets(vec![1, 2, 3, 4]),
        name: Some("€éa".into()),
        items: vec![7],
        bits: Some(BitString::from_bits(&[1])),
    }
}

/// A value outside its SIZE is a typed error naming the component, at its offset; inside, the value
/// round-trips. UTF8String sizes count characters.
#[test]
fn size_constraints_are_checked_on_decoding() {
    let ok = to_der(&bounded());
    assert_eq!(from_ber::<Bounded>(&ok).unwrap(), bounded());
    let range = |min, max| euicc_asn1::SizeRange { min, max };

    let mut long_id = bounded();
    long_id.transaction_id = Octets(vec![0; 5]);
    let err = from_ber::<Bounded>(&to_der(&long_id)).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::SizeOutOfRange {
            size: 5,
            range: range(1, Some(4))
        }
    );
    assert_eq!(err.path_string(), "Bounded.transactionId");
    assert_eq!(err.offset, 2);
    assert_eq!(
        err.to_string(),
        "size 5 outside SIZE(1..4) at byte 2 in Bounded.transactionId"
    );

    let mut empty_id = bounded();
    empty_id.transaction_id = Octets(vec![]);
    assert!(from_ber::<Bounded>(&to_der(&empty_id)).is_err());

    let mut long_name = bounded();
    long_name.name = Some("abcd".into());
    let err = from_ber::<Bounded>(&to_der(&long_name)).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::SizeOutOfRange {
            size: 4,
            range: range(0, Some(3))
        }
    );
    assert_eq!(err.path_string(), "Bounded.name");

    let mut no_items = bounded();
    no_items.items = vec![];
    let err = from_ber::<Bounded>(&to_der(&no_items)).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::SizeOutOfRange {
            size: 0,
            range: range(1, None)
        }
    );

    let mut short_bits = bounded();
    short_bits.bits = Some(BitString::from_bits(&[0]));
    assert_eq!(
        from_ber::<Bounded>(&to_der(&short_bits)).unwrap_err().kind,
        DecodeErrorKind::SizeOutOfRange {
            size: 1,
            range: range(2, Some(2))
        }
    );

    // JER input is checked as well.
    let mut jer = long_id.to_jer();
    let err = Bounded::from_jer(&jer).unwrap_err();
    assert_eq!(err.path, vec!["transactionId".to_owned()]);
    jer["transactionId"] = serde_json::json!("01");
    assert!(Bounded::from_jer(&jer).is_ok());
}
