//! The golden vectors of `vectors/vectors.json` (made by `vectors/generate.py` with pycrate via asn1play),
//! shared by the test files.
#![allow(dead_code)] // each test file uses part of it

use euicc_asn1::Layout;
use serde_json::Value;

/// One vector: a message as the independent implementation encodes it.
pub struct Golden {
    /// `v1.2/<name>`.
    pub id: String,
    /// The SGP.32 module it was made with.
    pub version: Layout,
    /// The ASN.1 type name.
    pub type_name: String,
    /// Its DER.
    pub der: Vec<u8>,
    /// Its JER, with certificates and public keys as the hex of their DER.
    pub jer: Value,
    /// For a message in SGP.32 v1.0's withdrawn EimConfigurationData tags: the id of the same message in
    /// v1.0.1's tags. Such a vector is only decoded, never produced.
    pub withdrawn_form_of: Option<String>,
}

/// Every vector.
pub fn all() -> Vec<Golden> {
    let all: Vec<Value> = serde_json::from_str(include_str!("../../vectors/vectors.json"))
        .expect("vectors.json parses");
    all.into_iter()
        .map(|v| Golden {
            id: v["id"].as_str().unwrap().to_owned(),
            version: v["version"].as_str().unwrap().parse().unwrap(),
            type_name: v["type"].as_str().unwrap().to_owned(),
            der: hex::decode(v["hex"].as_str().unwrap()).unwrap(),
            jer: v["jer"].clone(),
            withdrawn_form_of: v["withdrawnFormOf"].as_str().map(str::to_owned),
        })
        .collect()
}

/// The DER and JER of the vector `id`.
pub fn by_id(id: &str) -> (Vec<u8>, Value) {
    let v = all()
        .into_iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no golden vector {id}"));
    (v.der, v.jer)
}
