//! SGP.22 messages as cards send them (SGP.22 §5.7.8 GetEUICCInfo1 with a production card's CI, §5.7.20 GetEID, §5.7.15
//! GetProfilesInfo), decoded and re-encoded. pycrate decodes each of these to the same values and re-encodes the same
//! bytes.

use euicc_asn1::types::sgp22::*;
use euicc_asn1::{DecodeErrorKind, Octets, from_ber, to_der};

fn bytes(hex: &str) -> Vec<u8> {
    hex::decode(hex.replace(' ', "")).unwrap()
}

/// The test CI's subject key identifier (GSMA SGP.26).
const TEST_CI: &str = "81370F5125D0B1D408D4C3B232E6D25E795BEBFB";

#[test]
fn euicc_info1_trace() {
    // The trace's first CI list completed with the same CI for signing, as test eUICCs report it.
    let trace = bytes(&format!(
        "BF20 35 82 03 020300 A9 16 04 14 {TEST_CI} AA 16 04 14 {TEST_CI}"
    ));
    let info: EUICCInfo1 = from_ber(&trace).unwrap();
    assert_eq!(info.svn, Octets(vec![2, 3, 0]));
    assert_eq!(
        info.euicc_ci_pk_id_list_for_verification,
        vec![Octets(bytes(TEST_CI))]
    );
    assert_eq!(
        info.euicc_ci_pk_id_list_for_signing,
        vec![Octets(bytes(TEST_CI))]
    );
    assert_eq!(to_der(&info), trace);
}

#[test]
fn get_eid_trace() {
    let request = bytes("BF3E 03 5C 01 5A");
    assert_eq!(to_der(&GetEuiccDataRequest::eid()), request);
    let response: GetEuiccDataResponse =
        from_ber(&bytes("BF3E 12 5A 10 89049032123451234512345678901235")).unwrap();
    assert_eq!(
        response.eid_value.to_string(),
        "89049032123451234512345678901235"
    );
    assert!(response.eid_value.check_digits_valid());
}

#[test]
fn get_profiles_info_request_trace() {
    let trace = bytes("BF2D15A00C5A0A980010325476981032145C055A4F9F7090");
    let request: ProfileInfoListRequest = from_ber(&trace).unwrap();
    let Some(ProfileSearchCriteria::Iccid(iccid)) = &request.search_criteria else {
        panic!("{request:?}");
    };
    assert_eq!(iccid.to_string(), "89000123456789012341");
    assert_eq!(request.tag_list, Some(Octets(bytes("5A 4F 9F70 90"))));
    assert_eq!(to_der(&request), trace);
}

#[test]
fn profile_info_list_with_icon_over_255_bytes() {
    // One profile, as a card answers `BF2D 00`: ICCID, AID, state, names, class and a 600-byte PNG icon, so that
    // every enclosing length is in the two-octet long form.
    let icon = vec![0x5A; 600];
    let mut e3 = bytes(
        "5A 0A 98001032547698103214 4F 10 A0000005591010FFFFFFFF8900001100 9F70 01 01 91 02 4F50 92 02 5031 93 01 01",
    );
    e3.extend([0x94, 0x82, 0x02, 0x58]);
    e3.extend(&icon);
    e3.extend(bytes("95 01 02"));
    let wrap = |tag: &[u8], content: &[u8]| {
        let len = u16::try_from(content.len()).unwrap().to_be_bytes();
        [tag, &[0x82], &len, content].concat()
    };
    let message = wrap(&[0xBF, 0x2D], &wrap(&[0xA0], &wrap(&[0xE3], &e3)));
    let response: ProfileInfoListResponse = from_ber(&message).unwrap();
    let ProfileInfoListResponse::ProfileInfoListOk(profiles) = &response else {
        panic!("{response:?}");
    };
    let profile = &profiles[0];
    assert_eq!(profile.icon.as_ref().map(Octets::as_slice), Some(&icon[..]));
    assert_eq!(profile.profile_state, Some(1));
    assert_eq!(profile.service_provider_name.as_deref(), Some("OP"));
    assert_eq!(
        codes::name(codes::PROFILE_CLASS, profile.profile_class.unwrap()),
        Some("operational")
    );
    assert_eq!(to_der(&response), message);
    // Cut inside the icon: an error, not a panic.
    let err = from_ber::<ProfileInfoListResponse>(&message[..400]).unwrap_err();
    assert!(
        matches!(err.kind, DecodeErrorKind::Truncated { .. }),
        "{err}"
    );
}

#[test]
fn relayed_signed_parts_keep_their_bytes() {
    // A PendingNotification whose signed metadata uses a non-minimal length (BER from a card): relaying it must
    // reproduce the eUICC's bytes, not a re-encoding.
    let metadata = bytes("BF2F 81 11 80 01 05 81 02 06 40 0C 08 612E6578616D706C");
    let mut other = metadata.clone();
    other.extend(bytes("5F37 02 ABCD 30 03 020101 30 03 020102"));
    let mut message = vec![0x30, other.len() as u8];
    message.extend(&other);
    let notification: PendingNotification = from_ber(&message).unwrap();
    let PendingNotification::OtherSignedNotification(other) = &notification else {
        panic!("{notification:?}");
    };
    assert_eq!(other.tbs_other_notification.raw(), &metadata[..]);
    assert_eq!(other.tbs_other_notification.value().seq_number, 5);
    assert_eq!(other.eum_certificate.as_der(), &bytes("30 03 020102")[..]);
    assert_eq!(to_der(&notification), message);
}
