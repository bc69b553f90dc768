//! Shared driver of the codec fuzz targets: decode the input as each type of a message family, in both
//! SGP.32 layouts, and check that whatever decodes also re-encodes to something that decodes to the same value.

use euicc_asn1::registry::{Sgp32Version, lookup};

/// Decodes `data` as every type in `types` under both SGP.32 versions; panics if a decoded value does not
/// survive a re-encoding (a panic is what the fuzzer reports).
pub fn decode_family(types: &[&str], data: &[u8]) {
    for version in [Sgp32Version::V1_0, Sgp32Version::V1_2] {
        for name in types {
            let Some(entry) = lookup(name, version) else {
                continue;
            };
            let Ok(value) = (entry.decode)(data) else {
                continue;
            };
            let der = (entry.encode)(&value).expect("a decoded value re-encodes");
            let again = (entry.decode)(&der).expect("our own DER decodes");
            assert_eq!(again, value, "{name} changed across a re-encoding");
        }
    }
}
