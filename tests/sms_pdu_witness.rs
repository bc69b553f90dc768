//! The simulated modem's SMS-DELIVER encoder (3GPP TS 23.040 §9.2.2.1, 23.038) read back by the IPA's PDU
//! decoder: two independent readings of the same clauses must agree. Needs only the dev-dependency
//! `euiccd-sim`, not the `sim` feature.

use euiccd_core::sms::pdu::{Coding, decode};
use euiccd_sim::modem::gsm7;
use euiccd_sim::modem::sms::encode_deliver;

#[test]
fn encoded_messages_decode_with_the_ipa_decoder() {
    let plain = decode(&encode_deliver("+491701234567", "Poll now {ok} €", None)).unwrap();
    assert_eq!(plain.sender, "+491701234567");
    assert_eq!(plain.text, "Poll now {ok} €");
    assert_eq!(plain.coding, Coding::Gsm7);
    assert_eq!(plain.timestamp, "2026-11-24T10:00:00+01:00");
    let ucs2 = decode(&encode_deliver("12345", "Привет", Some((9, 2, 2)))).unwrap();
    assert_eq!(
        (ucs2.coding, ucs2.text.as_str(), ucs2.sender.as_str()),
        (Coding::Ucs2, "Привет", "12345")
    );
    // Every character of the default alphabet and its extension table (144 septets, one message), read
    // back by the IPA's decoder. CR is left out (23.038 6.1.2.3.1 makes a trailing CR padding) and so is
    // the form feed (a page break a decoder may drop).
    let every: String = (0..=0x10FFFFu32)
        .filter_map(char::from_u32)
        .filter(|&c| gsm7::septets(c).is_some() && c != '\r' && c != '\u{0C}')
        .collect();
    let all = decode(&encode_deliver("+1", &every, None)).unwrap();
    assert_eq!(
        (all.coding, all.text.as_str()),
        (Coding::Gsm7, every.as_str())
    );
    let part = decode(&encode_deliver("+1", "part one", Some((3, 2, 1)))).unwrap();
    assert_eq!(part.text, "part one");
    assert_eq!(
        part.concat.map(|c| (c.reference, c.total, c.seq)),
        Some((3, 2, 1))
    );
}
