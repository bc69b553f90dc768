//! Messages an eIM sends over ESipa (see `euiccd_fuzz::asn1_esipa`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::asn1_esipa(data));
