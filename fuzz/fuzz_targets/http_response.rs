//! HTTP/1.1 answers of eIMs and SM-DP+ servers (see `euiccd_fuzz::http_response`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::http_response(data));
