//! Answers of an SM-DP+ over the ES9+ JSON binding (see `euiccd_fuzz::es9p_json`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::es9p_json(data));
