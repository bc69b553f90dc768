//! Request and reply lines of the control socket (see `euiccd_fuzz::control_request`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::control_request(data));
