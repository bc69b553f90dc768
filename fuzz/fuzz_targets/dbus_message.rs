//! Messages and SASL lines from the D-Bus system bus (see `euiccd_fuzz::dbus_message`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| euiccd_fuzz::dbus_message(data));
