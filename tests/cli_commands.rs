//! Every card command of the CLI against the simulated eUICC, twice: in process (`--sim --sim-state FILE`)
//! and through the simulated modem over a real PTY pair (`euiccd sim serve --pty-link PATH --sim-state FILE`,
//! then `euiccd --device PATH …`). JSON outputs are checked field by field.
#![cfg(feature = "sim")]

mod support;

use euiccd_sim::euicc::state::{CardState, Profile, StateFile};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use support::{Run, Scratch, SimServe};

const EID: &str = "89049044900000000000000000102355";
const CLIENT_TIMEOUT: Duration = Duration::from_secs(40);
/// The enabled operational profile the card starts with.
const ICCID_A: &str = "89440000000000000010";
/// A disabled operational profile, allowed to be the fallback.
const ICCID_B: &str = "89440000000000000028";
const SMDP: &str = "smdp.example.com";

/// How the commands reach the card: the global options before the command.
struct Target(Vec<String>);

impl Target {
    fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = self.0.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        Run::finished(&all, CLIENT_TIMEOUT)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        self.run(&args).json()
    }
}

fn profile(iccid: &str, enabled: bool, name: &str, fallback_allowed: bool) -> Profile {
    let iccid = iccid.parse().expect("iccid");
    Profile {
        iccid,
        isdp_aid: hex::decode(format!(
            "A0000005591010FFFFFFFF890000{}",
            if enabled { "10" } else { "11" }
        ))
        .expect("aid"),
        enabled,
        class: 2,
        nickname: None,
        service_provider_name: format!("{name} SPN"),
        profile_name: name.to_owned(),
        fallback_attribute: false,
        fallback_allowed,
        ecall: false,
        notification_address: SMDP.to_owned(),
        profile_bytes: 1000,
    }
}

/// A card state with two profiles, written where the simulator will load it.
fn seed(state: &Path) {
    let card = CardState {
        profiles: vec![
            profile(ICCID_A, true, "Alpha", false),
            profile(ICCID_B, false, "Beta", true),
        ],
        last_isdp: 0x11,
        ..CardState::default()
    };
    StateFile::new(state)
        .save(&card)
        .expect("seed the card state");
}

#[test]
fn every_command_in_process() {
    let scratch = Scratch::new("cli");
    let state = scratch.path("card.json");
    seed(&state);
    let target = Target(vec![
        "--sim".into(),
        "--sim-state".into(),
        state.display().to_string(),
    ]);
    every_command(&target, &scratch, "sim");
}

#[test]
fn every_command_over_the_pty() {
    let scratch = Scratch::new("cli");
    let state = scratch.path("card.json");
    seed(&state);
    let modem = SimServe::in_dir(&scratch.0)
        .link_name("ttySIM")
        .state(&state)
        .start();
    let target = Target(vec![
        "--device".into(),
        modem.link.display().to_string(),
        "--transport".into(),
        "auto".into(),
    ]);
    every_command(&target, &scratch, "cgla");
}

fn every_command(target: &Target, scratch: &Scratch, transport: &str) {
    info(target, transport);
    profiles(target);
    notifications(target);
    let certs = certs(target);
    eim(target, scratch, &certs);
    apdu(target);
    memory_reset(target);
}

fn info(target: &Target, transport: &str) {
    let doc = target.json(&["info"]);
    assert_eq!(doc["eid"], EID);
    assert_eq!(doc["transport"], transport);
    assert!(doc["apdus"].as_u64().is_some_and(|n| n > 0), "{doc}");
    assert_eq!(doc["sgp32_version"], "v1.2");
    let i1 = &doc["euicc_info1"];
    assert_eq!(i1["svn"], "2.3.0");
    let ci = i1["ci_pk_ids_for_verification"]
        .as_array()
        .expect("CI list");
    assert_eq!(ci.len(), 1);
    assert_eq!(ci[0].as_str().map(str::len), Some(40), "{doc}");
    let i2 = &doc["euicc_info2"];
    assert_eq!(i2["iot_versions"], json!(["1.2.0"]));
    assert_eq!(i2["ipa_mode"], "ipad");
    assert_eq!(i2["svn"], "2.3.0");
    assert_eq!(i2["fallback_supported"], true);
    assert!(i2["free_nonvolatile_memory"].as_u64().is_some(), "{doc}");
    assert!(i2["free_volatile_memory"].as_u64().is_some(), "{doc}");
    assert_eq!(i2["ci_pk_ids_for_signing"], i1["ci_pk_ids_for_signing"]);
    assert!(i2["sas_accreditation_number"].is_string());
    let human = target.run(&["info"]);
    assert!(
        human.stdout.starts_with("EID ") && human.stdout.contains(EID),
        "{}",
        human.stdout
    );
}

fn profiles(target: &Target) {
    let doc = target.json(&["profiles"]);
    let list = doc["profiles"].as_array().expect("profiles");
    assert_eq!(list.len(), 2, "{doc}");
    let a = &list[0];
    assert_eq!(a["iccid"], ICCID_A);
    assert_eq!(a["state"], "enabled");
    assert_eq!(a["class"], "operational");
    assert_eq!(a["nickname"], Value::Null);
    assert_eq!(a["service_provider_name"], "Alpha SPN");
    assert_eq!(a["profile_name"], "Alpha");
    assert_eq!(a["fallback_attribute"], false);
    assert_eq!(a["fallback_allowed"], false);
    assert_eq!(list[1]["iccid"], ICCID_B);
    assert_eq!(list[1]["state"], "disabled");
    assert_eq!(list[1]["fallback_allowed"], true);

    let human = target.run(&["profiles"]);
    let header = human.stdout.lines().next().unwrap_or_default().to_owned();
    assert!(
        header.starts_with("ICCID") && header.contains("NICKNAME"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains(ICCID_B), "{}", human.stdout);

    let doc = target.json(&["profiles", "nickname", ICCID_B, "bench"]);
    assert_eq!(
        doc,
        json!({"iccid": ICCID_B, "action": "nickname", "result": "ok"})
    );
    let doc = target.json(&["profiles", "enable", ICCID_B]);
    assert_eq!(
        doc,
        json!({"iccid": ICCID_B, "action": "enable", "result": "ok"})
    );
    let doc = target.json(&["profiles"]);
    assert_eq!(doc["profiles"][0]["state"], "disabled");
    assert_eq!(doc["profiles"][1]["state"], "enabled");
    assert_eq!(doc["profiles"][1]["nickname"], "bench");

    // Refusals carry the code's name and exit 3.
    target
        .run(&["profiles", "enable", ICCID_B])
        .fails(3, "profileNotInDisabledState");
    target
        .run(&["profiles", "delete", "89440000000000000036"])
        .fails(3, "iccidOrAidNotFound");
    // A bad ICCID is a usage error.
    target.run(&["profiles", "delete", "1234"]).fails(2, "1234");
}

fn notifications(target: &Target) {
    // Enabling B disabled A then enabled B: two notifications.
    let doc = target.json(&["notifications", "list"]);
    let list = doc["notifications"].as_array().expect("notifications");
    assert_eq!(list.len(), 2, "{doc}");
    assert_eq!(list[0]["events"], json!(["disable"]));
    assert_eq!(list[0]["iccid"], ICCID_A);
    assert_eq!(list[0]["address"], SMDP);
    assert_eq!(list[1]["events"], json!(["enable"]));
    assert_eq!(list[1]["iccid"], ICCID_B);
    let first = list[0]["seq_number"].as_i64().expect("seq");
    let second = list[1]["seq_number"].as_i64().expect("seq");
    assert!(second > first);

    let seq = first.to_string();
    let doc = target.json(&["notifications", "remove", &seq]);
    assert_eq!(doc, json!({"seq_number": first, "removed": true}));
    target
        .run(&["notifications", "remove", &seq])
        .fails(3, "nothingToDelete");
    let doc = target.json(&["notifications", "list"]);
    assert_eq!(doc["notifications"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["notifications"][0]["seq_number"], second);

    let human = target.run(&["notifications", "list"]);
    assert!(human.stdout.starts_with("SEQ"), "{}", human.stdout);
}

/// Returns the certificates' hex.
fn certs(target: &Target) -> (String, String) {
    let doc = target.json(&["certs"]);
    let eum = doc["eum_certificate"].as_str().expect("EUM").to_owned();
    let euicc = doc["euicc_certificate"].as_str().expect("eUICC").to_owned();
    assert!(eum.starts_with("30") && euicc.starts_with("30"), "{doc}");
    assert_ne!(eum, euicc);
    (eum, euicc)
}

fn eim(target: &Target, scratch: &Scratch, (eum, _): &(String, String)) {
    let doc = target.json(&["eim", "list"]);
    assert_eq!(doc, json!({"eims": []}));

    // A real P-256 key: the SubjectPublicKeyInfo inside the EUM certificate.
    let spki_start = eum
        .find("3059301306072A8648CE3D0201")
        .expect("a P-256 key in the EUM certificate");
    let spki = &eum[spki_start..spki_start + 2 * 91];
    let key = scratch.path("eim-key.der");
    std::fs::write(&key, hex::decode(spki).expect("hex")).expect("key file");
    let anchor = scratch.path("tls-anchor.der");
    std::fs::write(&anchor, hex::decode(eum).expect("hex")).expect("anchor file");
    let key_arg = key.display().to_string();
    let anchor_arg = anchor.display().to_string();
    let add = [
        "eim",
        "add-initial",
        "--id",
        "eim-test",
        "--fqdn",
        "127.0.0.1:8443",
        "--public-key",
        &key_arg,
        "--counter",
        "1",
        "--tls-anchor",
        &anchor_arg,
    ];
    let doc = target.json(&add);
    assert_eq!(doc["eim_id"], "eim-test");
    assert_eq!(doc["result"], "ok");
    let token = doc["association_token"].clone();

    let doc = target.json(&["eim", "list"]);
    let eims = doc["eims"].as_array().expect("eims");
    assert_eq!(eims.len(), 1, "{doc}");
    let e = &eims[0];
    assert_eq!(e["eim_id"], "eim-test");
    assert_eq!(e["fqdn"], "127.0.0.1:8443");
    assert_eq!(e["counter_value"], 1);
    if !token.is_null() {
        assert_eq!(e["association_token"], token);
    }
    assert_eq!(e["public_key"], json!({"kind": "public_key", "der": spki}));
    assert_eq!(e["tls_anchor"], json!({"kind": "certificate", "der": eum}));

    // Only the first eIM may come unsigned.
    target.run(&add).fails(3, "associatedEimAlreadyExists");
    // Usage errors.
    let mut bad = add;
    bad[5] = "https://eim";
    target.run(&bad).fails(2, "--fqdn");
}

fn apdu(target: &Target) {
    // STORE DATA GetEuiccChallenge, then GET RESPONSE for its 21 bytes.
    let doc = target.json(&["apdu", "80E2910003BF2E00", "00C0000015"]);
    let exchanges = doc["exchanges"].as_array().expect("exchanges");
    assert_eq!(exchanges.len(), 2, "{doc}");
    assert_eq!(exchanges[0]["command"], "80E2910003BF2E00");
    assert_eq!(exchanges[0]["sw"], "6115");
    assert_eq!(exchanges[0]["response"], "");
    assert_eq!(exchanges[1]["sw"], "9000");
    let response = exchanges[1]["response"].as_str().expect("response");
    assert!(
        response.starts_with("BF2E128010") && response.len() == 42,
        "{doc}"
    );
    target.run(&["apdu", "zz"]).fails(2, "not hex");
}

fn memory_reset(target: &Target) {
    target
        .run(&["memory-reset", "--what", "operational-profiles"])
        .fails(2, "--yes");
    let doc = target.json(&[
        "memory-reset",
        "--what",
        "operational-profiles,eim-config",
        "--yes",
    ]);
    assert_eq!(doc["command"], "BF64");
    assert_eq!(doc["reset_result"], "ok");
    assert_eq!(doc["reset_eim_result"], "ok");
    assert_eq!(target.json(&["profiles"]), json!({"profiles": []}));
    assert_eq!(target.json(&["eim", "list"]), json!({"eims": []}));
}
