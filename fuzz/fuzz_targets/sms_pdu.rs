//! SMS-DELIVER PDUs from the modem (`+CMGR` in PDU mode), raw and as hex, and their reassembly: decoding
//! must never panic, and a decoded text stays within what an SMS can carry.
#![no_main]

use euiccd::agent::sms::pdu::{decode, decode_hex};
use euiccd::agent::sms::{MAX_TEXT, Read, Reassembly, SmsMode, parse_cmgr, parse_cmti};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reassembly = Reassembly::default();
    if let Ok(deliver) = decode(data) {
        // 160 septets with escapes, or 70 UCS2 units, or 140 bytes as hex.
        assert!(deliver.text.chars().count() <= 280);
        for (sms, _) in reassembly.add(Read::Pdu(deliver), 1) {
            assert!(sms.text.len() <= MAX_TEXT);
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = decode_hex(&text);
    let _ = parse_cmti(&text);
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for mode in [SmsMode::Text, SmsMode::Pdu] {
        if let Ok(read) = parse_cmgr(&lines, mode) {
            for (sms, _) in reassembly.add(read, 2) {
                assert!(sms.text.len() <= MAX_TEXT);
            }
        }
    }
});
