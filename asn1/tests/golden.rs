//! Golden vectors from an independent implementation (pycrate, via the PyPI package asn1play): for each
//! vector our encoder must produce exactly its DER from its JER value, and our decoder must read the DER back
//! to the same JER value. `vectors/generate.py` makes `vectors/vectors.json`.

mod common;

use common::all as vectors;
use euicc_asn1::registry::{Sgp32Version, lookup};

#[test]
fn there_are_enough_vectors() {
    let vectors = vectors();
    assert!(vectors.len() >= 80, "{} vectors", vectors.len());
    assert!(vectors.iter().any(|v| v.version == Sgp32Version::V1_0));
    assert!(vectors.iter().any(|v| v.der.len() > 255));
}

#[test]
fn encoder_produces_the_golden_bytes_and_decoder_reads_them_back() {
    let mut failures = Vec::new();
    for v in vectors() {
        let Some(entry) = lookup(&v.type_name, v.version) else {
            failures.push(format!("{}: no type {}", v.id, v.type_name));
            continue;
        };
        match (entry.encode)(&v.jer) {
            Ok(der) if der == v.der => {}
            Ok(der) => failures.push(format!(
                "{}: encoded\n    {}\n  expected\n    {}",
                v.id,
                hex::encode_upper(der),
                hex::encode_upper(&v.der)
            )),
            Err(e) => failures.push(format!("{}: JER not accepted: {e}", v.id)),
        }
        match (entry.decode)(&v.der) {
            Ok(jer) if jer == v.jer => {}
            Ok(jer) => failures.push(format!(
                "{}: decoded\n    {jer}\n  expected\n    {}",
                v.id, v.jer
            )),
            Err(e) => failures.push(format!("{}: DER not accepted: {e}", v.id)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
