use super::*;

#[test]
fn a_gsm7_message_from_a_known_pdu() {
    // The classic example of the SMS PDU format: "How are you?" from +31641600986.
    let d =
        decode_hex("07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07")
            .unwrap();
    assert_eq!(d.sender, "+31641600986");
    assert_eq!(d.coding, Coding::Gsm7);
    assert_eq!(d.text, "How are you?");
    assert!(
        d.timestamp.starts_with("2002-08-26T19:37:41"),
        "{}",
        d.timestamp
    );
    assert_eq!(d.concat, None);
}

#[test]
fn a_ucs2_part_of_a_concatenated_message() {
    let pdu = concat!(
        "00",               // no SMSC
        "44",               // SMS-DELIVER, UDHI
        "0B919471103254F6", // +49170123456
        "00",               // PID
        "08",               // UCS2
        "62114201000040",   // 2026-11-24 10:00:00 +01:00
        "0A",               // 10 octets
        "0500032A0201",     // concatenation: ref 42, 2 parts, part 1
        "004800E9",         // "Hé"
    );
    let d = decode_hex(pdu).unwrap();
    assert_eq!(d.sender, "+49170123456");
    assert_eq!(d.coding, Coding::Ucs2);
    assert_eq!(d.text, "Hé");
    assert_eq!(d.timestamp, "2026-11-24T10:00:00+01:00");
    assert_eq!(
        d.concat,
        Some(Concat {
            reference: 42,
            total: 2,
            seq: 1
        })
    );
    // The 16-bit reference element, 8-bit data, a negative zone.
    let pdu = "00440B919471103254F60004621142010000480906080412340302AABB";
    let d = decode_hex(pdu).unwrap();
    assert_eq!(d.coding, Coding::Bits8);
    assert_eq!(d.text, "aabb");
    assert_eq!(d.timestamp, "2026-11-24T10:00:00-01:00");
    assert_eq!(
        d.concat.map(|c| (c.reference, c.total, c.seq)),
        Some((0x1234, 3, 2))
    );
}

#[test]
fn alphanumeric_senders_and_the_extension_table() {
    // Sender "Info" (alphanumeric, 7 semi-octets), text "[1€]".
    let septets: Vec<u8> = [0x1B, 0x3C, 0x31, 0x1B, 0x65, 0x1B, 0x3E].to_vec();
    assert_eq!(gsm7_text(&septets).unwrap(), "[1€]");
    assert_eq!(gsm7_code('€'), Some(vec![0x1B, 0x65]));
    assert_eq!(gsm7_code('A'), Some(vec![0x41]));
    assert_eq!(gsm7_code('中'), None);
    let pdu = "000407D049B7F90D00006211420100000000";
    let d = decode_hex(pdu).unwrap();
    assert_eq!(d.sender, "Info");
    assert_eq!(d.text, "");
}

#[test]
fn malformed_pdus_are_errors() {
    for bad in [
        "",
        "zz",
        "00",
        "0001",                                                 // SMS-SUBMIT, not DELIVER
        "00040B919471103254",                                   // sender cut short
        "00040B919471103254F6000062114201000040",               // no UDL
        "00040B919471103254F60000621142010000400A41",           // user data shorter than its length
        "00040B919471103254F600006213420100004001",             // month 31
        "00040B919471103254F60024621142010000400141",           // compressed
        "00440B919471103254F60008621142010000400405000302",     // header cut short
        "00440B919471103254F600086211420100004006050003010103", // part 3 of 1
        "00040B919471103254F600086211420100004001AA",           // odd UCS2
    ] {
        assert!(decode_hex(bad).is_err(), "{bad}");
    }
    assert!(decode_hex(&"00".repeat(MAX_PDU + 1)).is_err());
}
