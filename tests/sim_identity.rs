//! `euiccd sim identity` mints an eUICC identity under a given EUM, and `--identity DIR` loads it: with a
//! generated test EUM always, and with the public GSMA SGP.26 test EUM when `EUICCD_INTEROP_DIR` names a
//! folder with it in `sgp26/`.
#![cfg(feature = "sim")]

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn euiccd(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_euiccd"))
        .args(args)
        .output()
        .expect("euiccd runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Mints an identity for `eid` with the given EUM and CI files, loads it into the simulator, and returns
/// what `info --json` reports.
fn mint_and_load(eid: &str, eum_cert: &Path, eum_key: &Path, ci: &Path, out: &Path) -> Value {
    let minted = euiccd(&[
        "sim",
        "identity",
        "--eid",
        eid,
        "--eum-cert",
        path(eum_cert),
        "--eum-key",
        path(eum_key),
        "--ci",
        path(ci),
        "--out",
        path(out),
        "--json",
    ]);
    assert_eq!(minted["eid"], eid);
    euiccd(&["--sim", "--identity", path(out), "info", "--json"])
}

#[test]
fn identity_minted_under_a_test_eum_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    // An empty --identity directory gets a generated test PKI, EUM key included.
    let generated = euiccd(&["--sim", "--identity", path(&pki), "info", "--json"]);
    let ci_id = generated["euicc_info1"]["ci_pk_ids_for_verification"][0].clone();

    let eid = "89049032000000000000000000000066";
    let info = mint_and_load(
        eid,
        &pki.join("eum.cert.pem"),
        &pki.join("eum.key.pem"),
        &pki.join("ci.cert.pem"),
        &dir.path().join("minted"),
    );
    assert_eq!(info["eid"], eid);
    assert_eq!(info["euicc_info1"]["ci_pk_ids_for_verification"][0], ci_id);
}

#[test]
fn a_key_that_is_not_the_eums_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    euiccd(&["--sim", "--identity", path(&pki), "info", "--json"]);
    let out = Command::new(env!("CARGO_BIN_EXE_euiccd"))
        .args([
            "sim",
            "identity",
            "--eid",
            "89049032000000000000000000000066",
            "--eum-cert",
        ])
        .arg(pki.join("eum.cert.pem"))
        .arg("--eum-key")
        .arg(pki.join("ci.key.pem"))
        .arg("--ci")
        .arg(pki.join("ci.cert.pem"))
        .arg("--out")
        .arg(dir.path().join("minted"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("minted").join("euicc.cert.pem").exists());
}

#[test]
fn gsma_sgp26_identity_when_available() {
    let Some(sgp26) = std::env::var_os("EUICCD_INTEROP_DIR")
        .map(|dir| Path::new(&dir).join("sgp26"))
        .filter(|p| p.is_dir())
    else {
        eprintln!("skipped: EUICCD_INTEROP_DIR does not name a folder with sgp26/");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let info = mint_and_load(
        "89049032123451234512345678901235",
        &sgp26.join("EUM/CERT_EUM_ECDSA_NIST.der"),
        &sgp26.join("EUM/SK_EUM_ECDSA_NIST.pem"),
        &sgp26.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der"),
        dir.path(),
    );
    // The SGP.26 NIST test CI's subject key identifier.
    assert_eq!(
        info["euicc_info1"]["ci_pk_ids_for_verification"][0],
        "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
    );
}
