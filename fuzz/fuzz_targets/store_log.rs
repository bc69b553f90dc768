//! The store's log file (see `euiccd_fuzz::store_log`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::store_log(data));
