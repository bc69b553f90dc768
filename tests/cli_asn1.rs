//! `euiccd asn1 decode` through the real binary: JSON on success (exit 0), an error naming the field path
//! and byte offset otherwise (non-zero exit), and the SGP.32 layout chosen by `--version`.

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
