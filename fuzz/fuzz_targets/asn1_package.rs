//! eUICC packages and data requests an eIM signs (see `euiccd_fuzz::asn1_package`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::asn1_package(data));
