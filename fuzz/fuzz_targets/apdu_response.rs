//! Card and modem answers: response and command APDUs, `+CSIM:` lines (see `euiccd_fuzz::apdu_response`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::apdu_response(data));
