use super::*;
use std::time::Duration;

fn later() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

fn events(parser: &mut AtParser) -> Vec<Event> {
    std::iter::from_fn(|| parser.poll_event()).collect()
}

fn urc(line: &str) -> Event {
    Event::Urc(Urc {
        line: line.to_owned(),
    })
}

fn line(text: &str) -> Event {
    Event::Line(text.to_owned())
}

const CSIM: &str = "AT+CSIM=10,\"0070000001\"";
const ANSWER: &[u8] = b"\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n";

#[test]
fn plain_answer() {
    let mut p = AtParser::default();
    p.start_command(CSIM, later());
    p.feed(ANSWER);
    assert_eq!(
        events(&mut p),
        vec![line("+CSIM: 6,\"019000\""), Event::Final(FinalResult::Ok)]
    );
    assert!(!p.is_busy());
}

#[test]
fn urc_in_every_position() {
    let urc_line = b"\r\n+CEREG: 1,\"1A2B\",\"01A2B3C\",7\r\n";
    // Split the answer at every line boundary and put a URC there.
    let parts: [&[u8]; 2] = [b"\r\n+CSIM: 6,\"019000\"\r\n", b"\r\nOK\r\n"];
    for position in 0..=parts.len() {
        let mut p = AtParser::default();
        p.start_command(CSIM, later());
        let mut stream = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i == position {
                stream.extend_from_slice(urc_line);
            }
            stream.extend_from_slice(part);
        }
        if position == parts.len() {
            stream.extend_from_slice(urc_line);
        }
        p.feed(&stream);
        let got = events(&mut p);
        let expected_urc = urc("+CEREG: 1,\"1A2B\",\"01A2B3C\",7");
        assert!(got.contains(&expected_urc), "position {position}: {got:?}");
        assert!(
            got.contains(&line("+CSIM: 6,\"019000\"")),
            "position {position}: {got:?}"
        );
        assert!(
            got.contains(&Event::Final(FinalResult::Ok)),
            "position {position}: {got:?}"
        );
        assert_eq!(got.len(), 3, "position {position}: {got:?}");
    }
}

#[test]
fn every_known_urc_is_set_aside_during_a_command() {
    for name in NAMED_URCS {
        let mut p = AtParser::default();
        p.start_command(CSIM, later());
        p.feed(format!("{name}: 1\r\n").as_bytes());
        p.feed(ANSWER);
        assert_eq!(events(&mut p)[0], urc(&format!("{name}: 1")), "{name}");
    }
    for banner in BARE_URCS {
        let mut p = AtParser::default();
        p.start_command(CSIM, later());
        p.feed(format!("{banner}\r\n").as_bytes());
        p.feed(ANSWER);
        assert_eq!(events(&mut p)[0], urc(banner), "{banner}");
    }
}

#[test]
fn urc_with_the_commands_own_prefix_is_the_answer() {
    let mut p = AtParser::default();
    p.start_command("AT+CEREG?", later());
    p.feed(b"\r\n+CEREG: 2,1,\"1A2B\",\"01A2B3C\",7\r\n\r\nOK\r\n");
    assert_eq!(
        events(&mut p),
        vec![
            line("+CEREG: 2,1,\"1A2B\",\"01A2B3C\",7"),
            Event::Final(FinalResult::Ok)
        ]
    );
}

#[test]
fn everything_outside_a_command_is_unsolicited() {
    let mut p = AtParser::default();
    p.feed(b"\r\nRDY\r\n+QIND: \"csq\",20,99\r\nsomething vendor\r\nOK\r\n");
    assert_eq!(
        events(&mut p),
        vec![
            urc("RDY"),
            urc("+QIND: \"csq\",20,99"),
            urc("something vendor"),
            Event::Stray(FinalResult::Ok)
        ]
    );
}

#[test]
fn echo_is_swallowed() {
    let mut p = AtParser::default();
    p.start_command(CSIM, later());
    p.feed(CSIM.as_bytes());
    p.feed(b"\r");
    p.feed(ANSWER);
    assert_eq!(
        events(&mut p),
        vec![line("+CSIM: 6,\"019000\""), Event::Final(FinalResult::Ok)]
    );
}

#[test]
fn ate0_echo_then_ok() {
    let mut p = AtParser::default();
    p.start_command("ATE0", later());
    p.feed(b"ATE0\r\r\nOK\r\n");
    assert_eq!(events(&mut p), vec![Event::Final(FinalResult::Ok)]);
}

#[test]
fn bare_answers_without_prefix() {
    let mut p = AtParser::default();
    p.start_command("AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", later());
    p.feed(b"\r\n1\r\n\r\nOK\r\n");
    assert_eq!(
        events(&mut p),
        vec![line("1"), Event::Final(FinalResult::Ok)]
    );
}

#[test]
fn error_finals() {
    let cases: [(&[u8], FinalResult); 5] = [
        (b"ERROR\r\n", FinalResult::Error),
        (
            b"+CME ERROR: 10\r\n",
            FinalResult::CmeError(ErrorCode::Numeric(10)),
        ),
        (
            b"+CME ERROR: SIM not inserted\r\n",
            FinalResult::CmeError(ErrorCode::Text("SIM not inserted".into())),
        ),
        (
            b"+CMS ERROR: 500\r\n",
            FinalResult::CmsError(ErrorCode::Numeric(500)),
        ),
        (
            b"+CME ERROR:3\r\n",
            FinalResult::CmeError(ErrorCode::Numeric(3)),
        ),
    ];
    for (bytes, expected) in cases {
        let mut p = AtParser::default();
        p.start_command(CSIM, later());
        p.feed(bytes);
        assert_eq!(events(&mut p), vec![Event::Final(expected.clone())]);
        assert!(!expected.is_ok());
    }
}

#[test]
fn partial_lines_in_any_split() {
    let mut stream = b"\r\n+CREG: 1\r\n".to_vec();
    stream.extend_from_slice(ANSWER);
    for chunk in 1..stream.len() {
        let mut p = AtParser::default();
        p.start_command(CSIM, later());
        for piece in stream.chunks(chunk) {
            p.feed(piece);
        }
        assert_eq!(
            events(&mut p),
            vec![
                urc("+CREG: 1"),
                line("+CSIM: 6,\"019000\""),
                Event::Final(FinalResult::Ok)
            ],
            "chunk {chunk}"
        );
    }
}

#[test]
fn garbage_then_resync() {
    let mut p = AtParser::default();
    p.start_command(CSIM, later());
    p.feed(b"\xff\x00\xfe~~junk");
    p.feed(ANSWER);
    let got = events(&mut p);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(matches!(&got[0], Event::Line(l) if l.contains("junk")));
    assert_eq!(got[1], line("+CSIM: 6,\"019000\""));
    assert_eq!(got[2], Event::Final(FinalResult::Ok));
}

#[test]
fn overlong_line_is_discarded_and_parser_resyncs() {
    let mut p = AtParser::new(16);
    p.start_command(CSIM, later());
    p.feed(&[b'A'; 40]);
    p.feed(b"\r\n");
    p.feed(ANSWER);
    // `+CSIM: 6,"019000"` is 17 bytes: one over the limit, so it goes too.
    assert_eq!(
        events(&mut p),
        vec![
            Event::Overlong { discarded: 40 },
            Event::Overlong { discarded: 17 },
            Event::Final(FinalResult::Ok)
        ]
    );
}

#[test]
fn line_of_exactly_the_maximum_is_kept() {
    let mut p = AtParser::new(4);
    p.feed(b"ABCD\r\n");
    assert_eq!(events(&mut p), vec![urc("ABCD")]);
}

#[test]
fn timeout_ends_the_command_and_late_final_is_stray() {
    let start = Instant::now();
    let mut p = AtParser::default();
    p.start_command(CSIM, start + Duration::from_secs(5));
    p.feed(b"\r\n+CSIM: 6,\"01");
    assert_eq!(p.poll_timeout(), Some(start + Duration::from_secs(5)));
    p.handle_timeout(start + Duration::from_secs(4));
    assert!(p.is_busy());
    assert!(p.poll_event().is_none());
    p.handle_timeout(start + Duration::from_secs(5));
    assert_eq!(events(&mut p), vec![Event::Timeout]);
    assert!(!p.is_busy());
    assert_eq!(p.poll_timeout(), None);
    // The rest of the late answer: the half line was dropped at the timeout.
    p.feed(b"9000\"\r\n\r\nOK\r\n");
    assert_eq!(
        events(&mut p),
        vec![urc("9000\""), Event::Stray(FinalResult::Ok)]
    );
}

#[test]
fn prefixes_of_commands() {
    assert_eq!(
        expected_prefix("AT+CSIM=10,\"00\"").as_deref(),
        Some("+CSIM")
    );
    assert_eq!(expected_prefix("at+cops?").as_deref(), Some("+COPS"));
    assert_eq!(expected_prefix("AT^SYSINFO").as_deref(), Some("^SYSINFO"));
    assert_eq!(expected_prefix("ATI"), None);
    assert_eq!(expected_prefix("AT"), None);
    assert_eq!(expected_prefix(""), None);
    assert_eq!(expected_prefix("AT+"), None);
}

#[test]
fn urc_accessors() {
    let u = Urc {
        line: "+CEREG: 1,\"1A2B\"".into(),
    };
    assert_eq!(u.name(), "+CEREG");
    assert_eq!(u.params(), "1,\"1A2B\"");
    let banner = Urc { line: "RDY".into() };
    assert_eq!(banner.name(), "RDY");
    assert_eq!(banner.params(), "");
}

#[test]
fn ring_and_no_carrier_are_unsolicited_during_a_command() {
    // AT+CGSN answers a bare line: without the rule, `RING` would be read as the IMEI.
    for urc_line in ["RING", "NO CARRIER"] {
        let mut p = AtParser::default();
        p.start_command("AT+CGSN", later());
        p.feed(
            format!("\r\n{urc_line}\r\n\r\n490154203237518\r\n\r\n{urc_line}\r\nOK\r\n").as_bytes(),
        );
        assert_eq!(
            events(&mut p),
            vec![
                urc(urc_line),
                line("490154203237518"),
                urc(urc_line),
                Event::Final(FinalResult::Ok)
            ],
            "{urc_line}"
        );
        // Idle, it is a URC as before, named by the whole line.
        p.feed(format!("\r\n{urc_line}\r\n").as_bytes());
        let got = events(&mut p);
        assert_eq!(got, vec![urc(urc_line)]);
        let Event::Urc(u) = &got[0] else {
            unreachable!()
        };
        assert_eq!((u.name(), u.params()), (urc_line, ""));
    }
}
