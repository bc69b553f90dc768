//! MBIM control messages and UICC low-level access answers (see `euiccd_fuzz::mbim_frame`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::mbim_frame(data));
