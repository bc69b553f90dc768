//! Responses of the eUICC to ES10 commands (see `euiccd_fuzz::asn1_es10`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::asn1_es10(data));
