//! SMS-DELIVER PDUs from the modem (`+CMGR`, `+CMGL`, `+CMT`), raw and as hex, and their reassembly: decoding
//! must never panic, and a decoded text stays within what an SMS can carry.
#![no_main]

use euiccd::agent::sms::pdu::{decode, decode_hex};
use euiccd::agent::sms::{
    DirectDelivery, MAX_TEXT, Read, Reassembly, SmsMode, parse_cmgl, parse_cmgr, parse_cmti,
};
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
        let mut reads: Vec<Read> = parse_cmgr(&lines, mode).into_iter().collect();
        reads.extend(
            parse_cmgl(&lines, mode)
                .into_iter()
                .flatten()
                .map(|(_, r)| r),
        );
        let mut direct = DirectDelivery::default();
        reads.extend(lines.iter().filter_map(|l| direct.feed(l, mode)).flatten());
        for read in reads {
            for (sms, _) in reassembly.add(read, 2) {
                assert!(sms.text.len() <= MAX_TEXT);
            }
        }
    }
});
