//! SMS-DELIVER PDUs and SMS lines from the modem (see `euiccd_fuzz::sms_pdu`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::sms_pdu(data));
