//! Bytes from the modem, cut into arbitrary reads, with a command in flight or not: the parser must never
//! panic, never return a line over its limit, and only end a command that is in flight.
#![no_main]

use euiccd::modem::parser::{AtParser, Event};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

const MAX_LINE: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Some((&control, mut rest)) = data.split_first() else {
        return;
    };
    let mut parser = AtParser::new(MAX_LINE);
    let now = Instant::now();
    if control & 1 == 1 {
        parser.start_command("AT+CSIM=10,\"0070000001\"", now + Duration::from_secs(1));
    }
    let chunk = usize::from(control >> 1).max(1);
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(chunk.min(rest.len()));
        let busy_before = parser.is_busy();
        parser.feed(piece);
        while let Some(event) = parser.poll_event() {
            match event {
                Event::Line(line) => {
                    assert!(line.len() <= MAX_LINE * 3, "lossy UTF-8 at most triples")
                }
                Event::Final(_) => assert!(busy_before),
                Event::Timeout => unreachable!("no time passed"),
                Event::Urc(_) | Event::Stray(_) | Event::Overlong { .. } => {}
            }
        }
        rest = tail;
    }
    parser.handle_timeout(now + Duration::from_secs(2));
    assert!(!parser.is_busy());
});
