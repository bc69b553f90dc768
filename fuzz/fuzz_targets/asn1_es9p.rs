//! ASN.1 bodies an SM-DP+ sends over ES9+ (see `euiccd_fuzz::asn1_es9p`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::asn1_es9p(data));
