use super::*;

fn lines(text: &[&str]) -> Vec<String> {
    text.iter().map(|l| l.to_string()).collect()
}

#[test]
fn notices_and_text_mode_reads() {
    assert_eq!(parse_cmti("\"SM\",3").unwrap(), ("SM".into(), 3));
    assert_eq!(parse_cmti("\"ME\", 12").unwrap(), ("ME".into(), 12));
    for bad in ["", "\"SM\"", "\"SM\",x", "\"SM\",1000", "\"TOOLONG\",1"] {
        assert!(parse_cmti(bad).is_err(), "{bad}");
    }
    let read = parse_cmgr(
        &lines(&[
            "+CMGR: \"REC UNREAD\",\"+491701234567\",,\"26/11/24,10:00:00+04\"",
            "poll now",
            "please",
        ]),
        SmsMode::Text,
    )
    .unwrap();
    assert_eq!(
        read,
        Read::Text {
            sender: "+491701234567".into(),
            timestamp: Some("26/11/24,10:00:00+04".into()),
            text: "poll now\nplease".into(),
        }
    );
    assert!(parse_cmgr(&lines(&["+CMGR: \"REC UNREAD\""]), SmsMode::Text).is_err());
    assert!(parse_cmgr(&lines(&["OK"]), SmsMode::Text).is_err());
    assert!(parse_cmgr(&lines(&["+CMGR: 0,,24"]), SmsMode::Pdu).is_err());
}

fn part(reference: u8, total: u8, seq: u8, text: &str) -> Read {
    Read::Pdu(Deliver {
        sender: "+49170123456".into(),
        timestamp: "2026-11-24T10:00:00+01:00".into(),
        coding: pdu::Coding::Gsm7,
        text: text.into(),
        concat: Some(pdu::Concat {
            reference: u16::from(reference),
            total,
            seq,
        }),
    })
}

#[test]
fn parts_are_reassembled_in_order_whatever_order_they_come_in() {
    let mut r = Reassembly::default();
    assert!(r.add(part(7, 3, 3, "!"), 5, Duration::ZERO).is_empty());
    assert!(
        r.add(part(7, 3, 1, "Hello, "), 3, Duration::ZERO)
            .is_empty()
    );
    let done = r.add(part(7, 3, 2, "world"), 4, Duration::ZERO);
    assert_eq!(done.len(), 1);
    let (sms, indexes) = &done[0];
    assert_eq!(sms.text, "Hello, world!");
    assert_eq!(sms.parts, 3);
    assert!(!sms.incomplete);
    assert_eq!(indexes, &[5, 3, 4]);
}

#[test]
fn reassembly_is_bounded_and_gives_up_the_oldest() {
    let mut r = Reassembly::default();
    for reference in 0..MAX_PENDING as u8 {
        assert!(
            r.add(
                part(reference, 2, 1, "a"),
                u16::from(reference),
                Duration::ZERO
            )
            .is_empty()
        );
    }
    let done = r.add(part(100, 2, 1, "b"), 50, Duration::ZERO);
    assert_eq!(done.len(), 1);
    assert!(done[0].0.incomplete);
    assert_eq!(done[0].1, [0]);
}

#[test]
fn parts_are_given_up_once_they_are_too_old() {
    let start = Duration::from_secs(1000);
    let mut r = Reassembly::default();
    assert!(r.add(part(1, 3, 1, "first "), 3, start).is_empty());
    assert!(r.add(part(1, 3, 2, "second"), 4, start).is_empty());
    // Younger than the bound: still waiting, on a tick and on a new notice alike.
    let almost = start + MAX_AGE - Duration::from_secs(1);
    assert!(r.expire(almost).is_empty());
    assert!(r.add(part(2, 2, 1, "other "), 5, almost).is_empty());
    // At the bound, a tick gives the first message up, as one incomplete event with both modem indexes.
    let done = r.expire(start + MAX_AGE);
    assert_eq!(done.len(), 1);
    let (sms, indexes) = &done[0];
    assert_eq!(sms.text, "first second");
    assert_eq!(sms.parts, 3);
    assert!(sms.incomplete);
    assert_eq!(indexes, &[3, 4]);
    assert!(r.expire(start + MAX_AGE).is_empty(), "given up once");
    // A new notice gives up the second one, once it too is old, along with what it completes itself.
    let later = almost + MAX_AGE;
    let read = Read::Text {
        sender: "+1".into(),
        timestamp: None,
        text: "single".into(),
    };
    let done = r.add(read, 9, later);
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done[0].0.incomplete);
    assert_eq!(done[0].1, [5]);
    assert_eq!(done[1].0.text, "single");
    // The late last part of the given-up message starts a new one; it is not joined to the old parts.
    assert!(r.add(part(1, 3, 3, "third"), 6, later).is_empty());
}

#[test]
fn a_part_seen_again_at_the_same_index_is_not_added_twice() {
    let mut r = Reassembly::default();
    assert!(
        r.add(part(7, 2, 1, "Hello, "), 3, Duration::ZERO)
            .is_empty()
    );
    // Listed again (after a restart of the modem) and announced late: the same index, still one part.
    assert!(
        r.add(part(7, 2, 1, "Hello, "), 3, Duration::ZERO)
            .is_empty()
    );
    let done = r.add(part(7, 2, 2, "world"), 4, Duration::ZERO);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0.text, "Hello, world");
    assert_eq!(done[0].1, [3, 4]);
    // Parts delivered directly (`+CMT`) all come as index 0: each is still its own part.
    assert!(
        r.add(part(8, 2, 1, "Direct "), 0, Duration::ZERO)
            .is_empty()
    );
    let done = r.add(part(8, 2, 2, "parts"), 0, Duration::ZERO);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0.text, "Direct parts");
}

#[test]
fn long_texts_are_cut_and_marked() {
    let mut r = Reassembly::default();
    let read = Read::Text {
        sender: "+1".into(),
        timestamp: None,
        text: "é".repeat(MAX_TEXT),
    };
    let (sms, _) = &r.add(read, 1, Duration::ZERO)[0];
    assert!(sms.text.len() <= MAX_TEXT);
    assert!(sms.incomplete);
}

#[test]
fn only_trusted_senders_with_the_keyword_wake() {
    let policy = WakePolicy {
        trusted_senders: vec!["+491701234567".into()],
        keyword: Secret::new("WAKEUP"),
    };
    let sms = |sender: &str, text: &str| Sms {
        sender: sender.into(),
        timestamp: None,
        text: text.into(),
        parts: 1,
        incomplete: false,
    };
    assert!(policy.wakes(&sms("+491701234567", "please wakeup now")));
    assert!(!policy.wakes(&sms("+491701234568", "WAKEUP")));
    assert!(!policy.wakes(&sms("+491701234567", "hello")));
    let mut partial = sms("+491701234567", "WAKEUP");
    partial.incomplete = true;
    assert!(!policy.wakes(&partial));
    let empty = WakePolicy {
        keyword: Secret::new(""),
        ..policy
    };
    assert!(!empty.wakes(&sms("+491701234567", "anything")));
}

#[test]
fn stored_messages_are_listed_in_both_modes() {
    let text = parse_cmgl(
        &lines(&[
            "+CMGL: 1,\"REC UNREAD\",\"+491701234567\",,\"26/11/24,10:00:00+04\"",
            "first",
            "+CMGL: 4,\"REC READ\",\"+491709999999\",,\"26/11/24,10:00:01+04\"",
            "second",
            "line",
        ]),
        SmsMode::Text,
    )
    .unwrap();
    assert_eq!(text.len(), 2);
    assert_eq!(text[1].0, 4);
    assert!(matches!(&text[1].1, Ok(Read::Text { text, .. }) if text == "second\nline"));
    let pdu = parse_cmgl(
        &lines(&[
            "+CMGL: 2,0,,24",
            "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
        ]),
        SmsMode::Pdu,
    )
    .unwrap();
    assert!(matches!(&pdu[0], (2, Ok(Read::Pdu(d))) if d.text == "How are you?"));
    assert!(parse_cmgl(&lines(&[]), SmsMode::Pdu).unwrap().is_empty());
    // A message that does not decode is listed raw, with its index, so that it can be deleted; the
    // messages after it are still read.
    let mixed = parse_cmgl(
        &lines(&[
            "+CMGL: 3,0,,1",
            "00",
            "+CMGL: 5,0,,24",
            "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
        ]),
        SmsMode::Pdu,
    )
    .unwrap();
    assert!(
        matches!(&mixed[0], (3, Err(u)) if u.raw == "+CMGR: 0,,1\n00" && !u.truncated),
        "{mixed:?}"
    );
    assert!(matches!(&mixed[1], (5, Ok(Read::Pdu(_)))));
    for bad in [
        &["OK"][..],
        &["+CMGL: x,0,,24", "00"],
        &["+CMGL: 1000,0,,1", "00"],
    ] {
        assert!(parse_cmgl(&lines(bad), SmsMode::Pdu).is_err(), "{bad:?}");
    }
}

#[test]
fn directly_delivered_messages_in_both_modes() {
    let mut direct = DirectDelivery::default();
    assert!(direct.feed("+CMT: ,24", SmsMode::Pdu).is_none());
    let read = direct
        .feed(
            "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
            SmsMode::Pdu,
        )
        .unwrap()
        .unwrap();
    assert!(matches!(read, Read::Pdu(d) if d.text == "How are you?"));
    assert!(
        direct.feed("+CREG: 1", SmsMode::Pdu).is_none(),
        "no header pending"
    );
    direct.feed(
        "+CMT: \"+491701234567\",,\"26/11/24,10:00:00+04\"",
        SmsMode::Text,
    );
    let read = direct.feed("WAKEUP", SmsMode::Text).unwrap().unwrap();
    assert!(
        matches!(read, Read::Text { sender, text, .. } if sender == "+491701234567" && text == "WAKEUP")
    );
    direct.feed("+CMT: ,24", SmsMode::Pdu);
    assert!(direct.feed("not hex", SmsMode::Pdu).unwrap().is_err());
}

#[test]
fn an_undecodable_message_is_kept_raw_and_bounded() {
    let long = format!("+CMGR: 0,,200\n{}", "F".repeat(3 * MAX_RAW));
    let lines: Vec<String> = long.split('\n').map(str::to_owned).collect();
    let error = parse_cmgr(&lines, SmsMode::Pdu).unwrap_err();
    let message = Undecodable::new(&lines, &error);
    assert_eq!(message.raw.len(), MAX_RAW);
    assert!(message.truncated);
    assert!(message.raw.starts_with("+CMGR: 0,,200\nFFFF"));
    assert_eq!(message.error, error.to_string());
}
