//! Card and modem answers: raw response APDUs, command APDUs (the simulated card's input) and the
//! `+CSIM:` / `+CGLA:` answer lines must parse or fail cleanly.
#![no_main]

use euiccd::apdu::at_answer::parse_hex_answer;
use euiccd::apdu::{Command, Response};
use euiccd::modem::Response as AtResponse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = Response::parse(data) {
        assert_eq!(response.to_bytes(), data);
        let _ = response.sw.name();
        let _ = response.sw.class();
    }
    if let Ok(command) = Command::parse(data) {
        assert_eq!(command.to_bytes().ok().as_deref(), Some(data));
    }
    let text = String::from_utf8_lossy(data);
    let answer = AtResponse::new(text.lines().map(str::to_owned).collect());
    let _ = parse_hex_answer("AT+CSIM", &answer, "+CSIM");
});
