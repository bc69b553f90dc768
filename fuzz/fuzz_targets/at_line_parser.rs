//! Bytes from the modem into the AT line parser (see `euiccd_fuzz::at_line_parser`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::at_line_parser(data));
