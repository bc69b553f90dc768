//! Bodies of the ESipa JSON binding (see `euiccd_fuzz::esipa_json`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::esipa_json(data));
