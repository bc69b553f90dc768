//! Network lines from the modem into the connectivity observer (see `euiccd_fuzz::network_urc`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::network_urc(data));
