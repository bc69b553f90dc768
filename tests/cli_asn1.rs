//! `euiccd asn1 decode` through the real binary: JSON on success (exit 0), an error naming the field path
//! and byte offset otherwise (non-zero exit), and the SGP.32 layout chosen by `--version`.

#![cfg(feature = "asn1-tool")]

use serde_json::{Value, json};
use std::process::{Command, Output};

fn euiccd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_euiccd"))
        .args(args)
        .output()
        .expect("euiccd runs")
}

fn decoded(args: &[&str]) -> Value {
    let out = euiccd(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

#[test]
fn decodes_to_jer_json() {
    let value = decoded(&["asn1", "decode", "EsipaMessageFromEimToIpa", "BF4F03020101"]);
    assert_eq!(
        value,
        json!({"getEimPackageResponse": {"eimPackageError": 1}})
    );
    let eid = decoded(&[
        "asn1",
        "decode",
        "GetEuiccDataResponse",
        "BF3E 12 5A10 89049032123451234512345678901235",
    ]);
    assert_eq!(eid, json!({"eidValue": "89049032123451234512345678901235"}));
}

#[test]
fn errors_name_the_path_and_offset() {
    // EuiccPackageSigned without its mandatory eimId.
    let out = euiccd(&["asn1", "decode", "EuiccPackageRequest", "BF5103300080"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing mandatory field eimId"), "{stderr}");
    assert!(
        stderr.contains("at byte 3 in EuiccPackageRequest.euiccPackageSigned"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let out = euiccd(&["asn1", "decode", "EuiccPackageRequest", "BF51FF"]);
    assert_eq!(out.status.code(), Some(2));
    let out = euiccd(&["asn1", "decode", "NoSuchType", "3000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown type"));
    let out = euiccd(&["asn1", "decode", "EUICCInfo1", "zz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid hex"));
}

#[test]
fn version_selects_the_sgp32_layout() {
    // GetEimPackageRequest: [1] is rPLMN in v1.0 and stateChangeCause in v1.2.
    let hex = "BF4F16 5A10 89049032123451234512345678901235 810200F1";
    let v10 = decoded(&[
        "asn1",
        "decode",
        "GetEimPackageRequest",
        hex,
        "--version",
        "v1.0",
    ]);
    assert_eq!(v10["rPLMN"], json!("00f1"));
    let v12 = decoded(&["asn1", "decode", "GetEimPackageRequest", hex]);
    assert_eq!(v12["stateChangeCause"], json!(241));
    assert!(
        euiccd(&["asn1", "types", "--version", "v1.0"])
            .status
            .success()
    );
}

/// The golden vector `id` (made by asn1/vectors/generate.py with pycrate): its hex and its JSON.
fn golden(id: &str) -> (String, Value) {
    let all: Vec<Value> =
        serde_json::from_str(include_str!("../asn1/vectors/vectors.json")).unwrap();
    let v = all
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no golden vector {id}"));
    (v["hex"].as_str().unwrap().to_owned(), v["jer"].clone())
}

/// Every component of an SGP.32 v1.0.1 EimConfigurationData.
const V1_0_EIM_CONFIGURATION: [&str; 9] = [
    "eimId",
    "eimFqdn",
    "eimIdType",
    "counterValue",
    "associationToken",
    "eimPublicKeyData",
    "trustedPublicKeyDataTls",
    "eimSupportedProtocol",
    "euiccCiPKId",
];

fn assert_complete(config: &Value, what: &str) {
    for field in V1_0_EIM_CONFIGURATION {
        assert!(
            config.get(field).is_some(),
            "{what}: no {field} in {config}"
        );
    }
}

/// SGP.32 v1.0.1 AddInitialEim, GetEimConfigurationData and eCO (addEim, updateEim) messages, as pycrate
/// encodes them from the v1.0.1 module, decode with `--version v1.0` to every field; so do the same messages
/// in the tags v1.0 first published (withdrawn by v1.0.1), which decode to the same values.
#[test]
fn v1_0_1_eim_configuration_messages_decode_with_every_field() {
    for (id, ty) in [
        ("addInitialEimRequest", "AddInitialEimRequest"),
        (
            "getEimConfigurationDataResponse",
            "GetEimConfigurationDataResponse",
        ),
        ("euiccPackageRequest-ecos", "EuiccPackageRequest"),
    ] {
        let (hex, jer) = golden(&format!("v1.0/{id}"));
        let value = decoded(&["asn1", "decode", ty, &hex, "--version", "v1.0"]);
        assert_eq!(value, jer, "{id}");
        let configs: Vec<&Value> = match ty {
            "EuiccPackageRequest" => {
                let ecos = value["euiccPackageSigned"]["euiccPackage"]["ecoList"]
                    .as_array()
                    .unwrap();
                let add = &ecos[0]["addEim"];
                let updates: Vec<&Value> = ecos.iter().filter_map(|e| e.get("updateEim")).collect();
                assert!(updates.len() == 2, "{id}: {ecos:?}");
                assert_eq!(
                    updates[1]["eimPublicKeyData"]
                        .as_object()
                        .and_then(|o| o.keys().next())
                        .map(String::as_str),
                    Some("eimCertificate")
                );
                vec![add, updates[1]]
            }
            _ => vec![&value["eimConfigurationDataList"][0]],
        };
        for config in configs {
            assert_complete(config, id);
        }
        let (withdrawn, _) = golden(&format!("v1.0/withdrawn-{id}"));
        assert_ne!(withdrawn, hex);
        let value = decoded(&["asn1", "decode", ty, &withdrawn, "--version", "v1.0.1"]);
        assert_eq!(value, jer, "withdrawn-{id}");
    }
}

/// The AddInitialEim a public v1.0 IPA sends (its sample starts `BF57 7C A0 7A 30 78 80 03 "eIM" 81 0E
/// "127.0.0.1:8000" 83 01 01 84 01 FF A5 5B A0 59 30 13 …`): the key is `A5 { A0 SPKI }`.
#[test]
fn a_v1_0_peers_add_initial_eim_decodes() {
    // eimPublicKey [0] IMPLICIT SubjectPublicKeyInfo: `A0 59` replaces the SPKI's `30 59`.
    let spki_content = format!(
        "301306072A8648CE3D020106082A8648CE3D030107034200 04{}",
        "11".repeat(64)
    );
    let hex = format!(
        "BF577C A07A 3078 8003 65494D 810E {} 830101 8401FF A55B A059 {spki_content}",
        hex::encode("127.0.0.1:8000")
    );
    let value = decoded(&[
        "asn1",
        "decode",
        "AddInitialEimRequest",
        &hex,
        "--version",
        "v1.0",
    ]);
    let config = &value["eimConfigurationDataList"][0];
    assert_eq!(config["eimId"], json!("eIM"));
    assert_eq!(config["eimFqdn"], json!("127.0.0.1:8000"));
    assert_eq!(config["counterValue"], json!(1));
    assert_eq!(config["associationToken"], json!(-1));
    assert_eq!(
        config["eimPublicKeyData"]["eimPublicKey"],
        json!(format!("3059{}", spki_content.replace(' ', "")).to_lowercase())
    );
}
