//! The pairs against bytes written from SGP.22/SGP.32's ASN.1 (not produced by our encoder), and the
//! refusals each function reads from an answer.

use super::*;
use euicc_asn1::types::sgp22::ProfileSearchCriteria;
use euicc_asn1::{Iccid, Layout};

fn iccid() -> Iccid {
    "8949449999999990031".parse().unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn get_eid_asks_for_tag_5a() {
    // SGP.22 §5.7.20: GetEuiccDataRequest ::= [62] SEQUENCE { tagList [APPLICATION 28] Octet1 }, '5A' = EID.
    assert_eq!(GetEid.request().unwrap(), hex("BF3E 03 5C01 5A"));
    let eid = GetEid
        .read(hex("BF3E 12 5A10 89049032123451234512345678901235"))
        .unwrap();
    assert_eq!(eid.digits(), "89049032123451234512345678901235");
}

#[test]
fn enable_profile_request_and_its_refusal() {
    // SGP.22 §5.7.16, AUTOMATIC TAGS: profileIdentifier [0] (a CHOICE, so explicit), iccid '5A' (BCD with
    // swapped nibbles, padded with F), refreshFlag [1].
    let enable = EnableProfile {
        iccid: iccid(),
        refresh: true,
    };
    assert_eq!(
        enable.request().unwrap(),
        hex("BF31 11 A00C 5A0A 989444999999990930F1 8101FF")
    );
    enable.read(hex("BF31 03 800100")).unwrap();
    let refused = enable.read(hex("BF31 03 800103")).unwrap_err();
    assert!(
        matches!(
            refused,
            Es10Error::Refused {
                function: "EnableProfile",
                code: 3,
                name: Some("disallowedByPolicy")
            }
        ),
        "{refused:?}"
    );
}

#[test]
fn an_answer_of_another_function_is_undecodable_and_named() {
    let error = DeleteProfile { iccid: iccid() }
        .read(hex("BF31 03 800100"))
        .unwrap_err();
    assert!(
        matches!(
            error,
            Es10Error::Undecodable {
                function: "DeleteProfile",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_nickname_too_long_is_refused_before_any_byte_is_built() {
    let long = "x".repeat(MAX_NICKNAME + 1);
    let set = SetNickname {
        iccid: iccid(),
        nickname: &long,
    };
    assert!(matches!(
        set.request(),
        Err(Es10Error::InvalidRequest {
            function: "SetNickname",
            ..
        })
    ));
    let fitting = "x".repeat(MAX_NICKNAME);
    let fits = SetNickname {
        iccid: iccid(),
        nickname: &fitting,
    };
    assert!(fits.request().is_ok());
}

#[test]
fn fallback_functions_need_sgp32_v1_2() {
    let execute = ExecuteFallbackMechanism {
        layout: Layout::V1_0,
        refresh: true,
    };
    assert!(matches!(
        execute.request(),
        Err(Es10Error::Unsupported {
            function: "ExecuteFallbackMechanism",
            version: Layout::V1_0
        })
    ));
    let back = ReturnFromFallback {
        layout: Layout::V1_2,
        refresh: false,
    };
    assert!(back.request().is_ok());
}

#[test]
fn v1_0_cannot_carry_the_indirect_download_flag() {
    let config = EimConfig {
        eim_id: "eim".into(),
        indirect_profile_download: true,
        ..EimConfig::default()
    };
    let add = |layout| AddInitialEim {
        layout,
        configs: vec![config.clone()],
    };
    assert!(matches!(
        add(Layout::V1_0).request(),
        Err(Es10Error::InvalidRequest {
            function: "AddInitialEim",
            ..
        })
    ));
    assert!(add(Layout::V1_2).request().is_ok());
}

#[test]
fn memory_reset_forms_and_results() {
    let none = EuiccMemoryReset {
        options: MemoryResetOptions::default(),
        sgp22_form: false,
    };
    assert!(matches!(
        none.request(),
        Err(Es10Error::InvalidRequest { .. })
    ));
    let provisioning = MemoryResetOptions {
        delete_provisioning_profiles: true,
        ..MemoryResetOptions::default()
    };
    let sgp22 = EuiccMemoryReset {
        options: provisioning,
        sgp22_form: true,
    };
    assert!(matches!(
        sgp22.request(),
        Err(Es10Error::InvalidRequest { .. })
    ));
    let operational = EuiccMemoryReset {
        options: MemoryResetOptions {
            delete_operational_profiles: true,
            ..MemoryResetOptions::default()
        },
        sgp22_form: false,
    };
    // SGP.32 §5.9.20: [100] SEQUENCE { resetOptions [2] BIT STRING }; bit 0 set, 7 unused bits.
    assert_eq!(operational.request().unwrap(), hex("BF64 04 8202 0780"));
    // nothingToDelete (1) is a success.
    let outcome = operational.read(hex("BF64 03 800101")).unwrap();
    assert_eq!(outcome.reset_result, 1);
    assert!(!outcome.sgp22_form);
    let refused = operational.read(hex("BF64 03 80017F")).unwrap_err();
    assert!(
        matches!(refused, Es10Error::Refused { code: 127, .. }),
        "{refused:?}"
    );
}

#[test]
fn segments_answer_nothing_until_the_installation_result() {
    let segment = hex("A0 03 010203");
    let load = LoadBoundProfilePackage(&segment);
    assert_eq!(load.request().unwrap(), segment);
    assert_eq!(
        LoadBoundProfilePackage(&segment).read(Vec::new()).unwrap(),
        None
    );
    let result = hex("BF37 00");
    assert_eq!(
        LoadBoundProfilePackage(&segment)
            .read(result.clone())
            .unwrap(),
        Some(result)
    );
}

#[test]
fn a_listing_refusal_is_named_from_its_own_code_list() {
    let list = GetProfilesInfo {
        search: Some(ProfileSearchCriteria::Iccid(iccid())),
    };
    // SGP.22 §5.7.15: profileInfoListError [1] ProfileInfoListError; 1 = incorrectInputValues.
    let refused = list.read(hex("BF2D 03 810101")).unwrap_err();
    assert!(
        matches!(
            refused,
            Es10Error::Refused {
                function: "GetProfilesInfo",
                code: 1,
                name: Some("incorrectInputValues")
            }
        ),
        "{refused:?}"
    );
}
