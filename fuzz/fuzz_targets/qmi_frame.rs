//! QMI frames from a control device or qmi-proxy: QMUX framing, TLVs, UIM and CTL answers (see
//! `euiccd_fuzz::qmi_frame`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::qmi_frame(data));
