//! Golden vectors from an independent implementation (pycrate, via the PyPI package asn1play): for each
//! vector our encoder must produce exactly its DER from its JER value, and our decoder must read the DER back
//! to the same JER value. `vectors/generate.py` makes `vectors/vectors.json`.

mod common;

use common::all as vectors;
use euicc_asn1::Layout;
use euicc_asn1::registry::lookup;

#[test]
fn there_are_enough_vectors() {
    let vectors = vectors();
    assert!(vectors.len() >= 80, "{} vectors", vectors.len());
    assert!(vectors.iter().any(|v| v.version == Layout::V1_0));
    assert!(vectors.iter().any(|v| v.der.len() > 255));
}

#[test]
fn encoder_produces_the_golden_bytes_and_decoder_reads_them_back() {
    let mut failures = Vec::new();
    for v in vectors()
        .into_iter()
        .filter(|v| v.withdrawn_form_of.is_none())
    {
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

/// SGP.32 v1.0 as first published gave four EimConfigurationData components tags that v1.0.1 withdrew. A
/// message in those tags still decodes, to the same value as the message in v1.0.1's tags, and encoding that
/// value gives v1.0.1's tags.
#[test]
fn withdrawn_v1_0_eim_configuration_tags_are_read_and_never_written() {
    let all = vectors();
    let withdrawn: Vec<_> = all
        .iter()
        .filter(|v| v.withdrawn_form_of.is_some())
        .collect();
    assert!(
        withdrawn.len() >= 5,
        "{} withdrawn-form vectors",
        withdrawn.len()
    );
    for v in withdrawn {
        let corrected = all
            .iter()
            .find(|c| Some(&c.id) == v.withdrawn_form_of.as_ref())
            .unwrap_or_else(|| panic!("{}: no vector {:?}", v.id, v.withdrawn_form_of));
        assert_ne!(v.der, corrected.der, "{}: the forms differ", v.id);
        let entry = lookup(&v.type_name, v.version).expect("type in the registry");
        let jer = (entry.decode)(&v.der).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        assert_eq!(jer, corrected.jer, "{}: decodes to the v1.0.1 value", v.id);
        assert_eq!(
            hex::encode_upper((entry.encode)(&jer).unwrap()),
            hex::encode_upper(&corrected.der),
            "{}: encodes in v1.0.1's tags",
            v.id
        );
    }
}
