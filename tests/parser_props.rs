//! Random bytes into both parsers (the AT line parser and APDU response parsing): no panic, bounded
//! output, and a well-formed answer is still recognised after arbitrary garbage.

use euiccd_core::apdu::at_answer::parse_hex_answer;
use euiccd_core::apdu::command::Command;
use euiccd_core::apdu::response::Response;
use euiccd_core::at::Response as AtResponse;
use euiccd_core::at::{AtParser, Event, FinalResult};
use proptest::prelude::*;
use std::time::{Duration, Instant};

const MAX_LINE: usize = 64;

fn drain(parser: &mut AtParser) -> Vec<Event> {
    std::iter::from_fn(|| parser.poll_event()).collect()
}

proptest! {
    #[test]
    fn at_parser_never_panics_and_bounds_lines(bytes in proptest::collection::vec(any::<u8>(), 0..2048), chunk in 1usize..64, busy: bool) {
        let mut parser = AtParser::new(MAX_LINE);
        if busy {
            parser.start_command("AT+CSIM=10,\"0070000001\"", Instant::now() + Duration::from_secs(60));
        }
        for piece in bytes.chunks(chunk) {
            parser.feed(piece);
            for event in drain(&mut parser) {
                match event {
                    Event::Line(line) => prop_assert!(line.len() <= 3 * MAX_LINE),
                    Event::Urc(urc) => prop_assert!(urc.line().len() <= 3 * MAX_LINE),
                    Event::Timeout => prop_assert!(false, "no time passed"),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn answer_survives_leading_garbage(garbage in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut parser = AtParser::new(MAX_LINE);
        parser.start_command("AT+CSIM=10,\"0070000001\"", Instant::now() + Duration::from_secs(60));
        parser.feed(&garbage);
        parser.feed(b"\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n");
        let events = drain(&mut parser);
        // Garbage may itself contain a final result; otherwise the real answer must come through.
        let garbage_final = events.iter().position(|e| matches!(e, Event::Final(_)));
        let expected = Event::Line("+CSIM: 6,\"019000\"".into());
        if events.contains(&expected) {
            prop_assert!(events.contains(&Event::Final(FinalResult::Ok)));
        } else {
            prop_assert!(garbage_final.is_some(), "{events:?}");
        }
    }

    #[test]
    fn apdu_parsers_never_panic_and_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(response) = Response::parse(&bytes) {
            prop_assert_eq!(response.to_bytes(), bytes.clone());
        }
        if let Ok(command) = Command::parse(&bytes) {
            prop_assert_eq!(command.to_bytes().ok(), Some(bytes.clone()));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let answer = AtResponse::new(text.lines().map(str::to_owned).collect());
        let _ = parse_hex_answer("AT+CSIM", &answer, "+CSIM");
    }

    #[test]
    fn csim_answers_round_trip(data in proptest::collection::vec(any::<u8>(), 2..260), prefixed: bool) {
        let hex = hex::encode_upper(&data);
        let body = format!("{},\"{hex}\"", hex.len());
        let line = if prefixed { format!("+CSIM: {body}") } else { body };
        let answer = AtResponse::new(vec![line]);
        let response = parse_hex_answer("AT+CSIM", &answer, "+CSIM").expect("well-formed");
        prop_assert_eq!(response.to_bytes(), data);
    }
}
