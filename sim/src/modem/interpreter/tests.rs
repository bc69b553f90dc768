use super::*;
use crate::card::ResponseMode;
use crate::minimal_isdr::MinimalIsdr;

fn modem(quirks: Quirks) -> AtInterpreter<MinimalIsdr> {
    AtInterpreter::new(
        SimCard::new(MinimalIsdr::default(), ResponseMode::GetResponse),
        quirks,
        Duration::ZERO,
    )
}

/// Everything the modem sends for `line`, as text.
fn ask(modem: &mut AtInterpreter<MinimalIsdr>, line: &str) -> String {
    let mut out = Vec::new();
    for action in modem.feed(format!("{line}\r").as_bytes()) {
        if let Action::Send(bytes) | Action::Echo(bytes) = action {
            out.extend_from_slice(&bytes);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const OPEN: &str = "AT+CSIM=10,\"0070000001\"";
const SELECT: &str = "AT+CSIM=42,\"01A4040010A0000005591010FFFFFFFF8900000100\"";
const CCHO: &str = "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"";
const GET_EID_CGLA: &str = "AT+CGLA=1,22,\"81E2910006BF3E035C015A\"";
const EID_RESPONSE: &str = "BF3E125A1089049044900000000000000000102355";

#[test]
fn echo_until_ate0() {
    let mut m = modem(Quirks::default());
    assert_eq!(ask(&mut m, "ATE0"), "ATE0\r\r\nOK\r\n");
    assert_eq!(ask(&mut m, "AT"), "\r\nOK\r\n");
}

#[test]
fn echo_quirk_keeps_echo_on() {
    let mut m = modem(Quirks {
        echo: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    assert_eq!(ask(&mut m, "AT"), "AT\r\r\nOK\r\n");
}

#[test]
fn identity_commands() {
    let mut m = modem(Quirks::default());
    ask(&mut m, "ATE0");
    assert!(ask(&mut m, "ATI").contains("Revision:"));
    assert_eq!(ask(&mut m, "AT+CGSN"), "\r\n490154203237518\r\n\r\nOK\r\n");
    assert_eq!(ask(&mut m, "AT+CIMI"), "\r\n001010123456789\r\n\r\nOK\r\n");
    assert!(ask(&mut m, "AT+CCID").starts_with("\r\n+CCID: 89"));
    assert!(ask(&mut m, "AT+COPS?").starts_with("\r\n+COPS: 0,0,"));
    assert_eq!(ask(&mut m, "AT+CEREG?"), "\r\n+CEREG: 0,1\r\n\r\nOK\r\n");
    assert_eq!(ask(&mut m, "AT+CSQ"), "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    assert_eq!(ask(&mut m, "AT+NONSENSE"), "\r\nERROR\r\n");
    assert_eq!(
        ask(&mut m, "hello"),
        "",
        "lines that are not commands are ignored"
    );
}

#[test]
fn csim_with_61xx() {
    let mut m = modem(Quirks::default());
    ask(&mut m, "ATE0");
    assert_eq!(ask(&mut m, OPEN), "\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n");
    assert_eq!(ask(&mut m, SELECT), "\r\n+CSIM: 4,\"6114\"\r\n\r\nOK\r\n");
    assert_eq!(
        ask(&mut m, "AT+CSIM=22,\"81E2910006BF3E035C015A\""),
        "\r\n+CSIM: 4,\"6115\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        ask(&mut m, "AT+CSIM=10,\"01C0000015\""),
        format!("\r\n+CSIM: 46,\"{EID_RESPONSE}9000\"\r\n\r\nOK\r\n")
    );
    assert_eq!(
        ask(&mut m, "AT+CSIM=9,\"0070000001\""),
        "\r\n+CME ERROR: 50\r\n",
        "length must count hex digits"
    );
}

#[test]
fn modem_get_response_quirk() {
    let mut m = modem(Quirks {
        modem_get_response: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    ask(&mut m, OPEN);
    assert!(ask(&mut m, SELECT).contains("6F128410"));
    let answer = ask(&mut m, "AT+CSIM=22,\"81E2910006BF3E035C015A\"");
    assert!(answer.contains(&format!("{EID_RESPONSE}9000")), "{answer}");
}

#[test]
fn upper_hex_quirk() {
    let mut m = modem(Quirks {
        upper_hex: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    assert_eq!(
        ask(&mut m, "AT+CSIM=10,\"00700000aa\""),
        "\r\n+CME ERROR: 50\r\n"
    );
    assert!(
        modem(Quirks::default()).feed(b"ATE0\r").len() == 2,
        "echo, then the answer"
    );
}

#[test]
fn cgla_session() {
    let mut m = modem(Quirks::default());
    ask(&mut m, "ATE0");
    assert_eq!(ask(&mut m, CCHO), "\r\n+CCHO: 1\r\n\r\nOK\r\n");
    assert_eq!(
        ask(&mut m, GET_EID_CGLA),
        "\r\n+CGLA: 4,\"6115\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        ask(&mut m, "AT+CGLA=1,10,\"00C0000015\""),
        format!("\r\n+CGLA: 46,\"{EID_RESPONSE}9000\"\r\n\r\nOK\r\n")
    );
    assert_eq!(ask(&mut m, "AT+CCHC=1"), "\r\nOK\r\n");
    assert_eq!(
        ask(&mut m, GET_EID_CGLA),
        "\r\n+CME ERROR: 21\r\n",
        "closed session"
    );
    assert_eq!(ask(&mut m, "AT+CCHC=1"), "\r\n+CME ERROR: 21\r\n");
    assert_eq!(
        ask(&mut m, "AT+CCHO=\"A000\""),
        "\r\n+CME ERROR: 4\r\n",
        "unknown AID"
    );
}

#[test]
fn no_prefix_quirk() {
    let mut m = modem(Quirks {
        no_prefix: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    assert_eq!(ask(&mut m, CCHO), "\r\n1\r\n\r\nOK\r\n");
    assert_eq!(ask(&mut m, GET_EID_CGLA), "\r\n4,\"6115\"\r\n\r\nOK\r\n");
}

#[test]
fn csim_basic_only_and_no_cgla_quirks() {
    let mut m = modem(Quirks {
        csim_basic_only: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    assert!(ask(&mut m, OPEN).contains("019000"));
    assert_eq!(ask(&mut m, SELECT), "\r\n+CME ERROR: 4\r\n");
    let mut m = modem(Quirks {
        no_cgla: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    assert_eq!(ask(&mut m, CCHO), "\r\nERROR\r\n");
}

#[test]
fn urcs_quirk_puts_urcs_around_the_answer_but_not_its_own_prefix() {
    let mut m = modem(Quirks {
        urcs: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    let answer = ask(&mut m, OPEN);
    let data = answer.find("+CSIM:").expect("data line");
    let ok = answer.find("\r\nOK").expect("final");
    assert!(
        answer[..data].contains("\r\n+"),
        "a URC before the data: {answer:?}"
    );
    assert!(
        answer[data + 6..ok].contains("\r\n+"),
        "a URC between data and OK: {answer:?}"
    );
    for _ in 0..8 {
        let cereg = ask(&mut m, "AT+CEREG?");
        assert_eq!(cereg.matches("+CEREG").count(), 1, "{cereg:?}");
    }
}

#[test]
fn noise_lost_final_and_slow_quirks() {
    let mut m = modem(Quirks {
        noise: true,
        ..Quirks::default()
    });
    assert!(ask(&mut m, "ATE0").contains('\u{fffd}'), "garbage bytes");
    let mut m = modem(Quirks {
        lost_final: true,
        ..Quirks::default()
    });
    assert_eq!(
        ask(&mut m, "ATE0"),
        "ATE0\r",
        "the first final result is lost"
    );
    assert_eq!(ask(&mut m, "ATE0"), "\r\nOK\r\n");
    let mut m = modem(Quirks {
        slow: true,
        ..Quirks::default()
    });
    let actions = m.feed(format!("{OPEN}\r").as_bytes());
    assert!(actions.contains(&Action::Delay(SLOW_APDU)), "{actions:?}");
}

#[test]
fn latency_delays_every_answer() {
    let mut m = AtInterpreter::new(
        SimCard::new(MinimalIsdr::default(), ResponseMode::GetResponse),
        Quirks::default(),
        Duration::from_millis(20),
    );
    assert!(
        m.feed(b"AT\r")
            .contains(&Action::Delay(Duration::from_millis(20)))
    );
}

#[test]
fn vanish_quirk_takes_the_port_down_once_and_restart_resets() {
    let mut m = modem(Quirks {
        vanish: true,
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    ask(&mut m, OPEN);
    assert_eq!(
        m.feed(format!("{SELECT}\r").as_bytes()),
        vec![Action::Vanish]
    );
    m.restart();
    assert!(
        ask(&mut m, "AT").starts_with("AT\r"),
        "echo is back on after a restart"
    );
    assert_eq!(
        ask(&mut m, SELECT),
        "SELECT\r".replace("SELECT", SELECT) + "\r\n+CSIM: 4,\"6881\"\r\n\r\nOK\r\n",
        "channel 1 is gone"
    );
    ask(&mut m, OPEN);
    assert!(ask(&mut m, SELECT).contains("6114"), "vanishes only once");
}

#[test]
fn counters_and_stats_command() {
    let mut m = modem(Quirks::default());
    ask(&mut m, "ATE0");
    ask(&mut m, OPEN);
    ask(&mut m, CCHO);
    let stats = ask(&mut m, "AT+XSIMSTATS");
    assert!(stats.contains("commands=4,apdus=1,"), "{stats}");
    let c = m.counters();
    assert_eq!((c.commands, c.apdus), (4, 1));
    assert_eq!(
        c.bytes_from_host,
        (5 + OPEN.len() + 1 + CCHO.len() + 1 + "AT+XSIMSTATS\r".len()) as u64
    );
    assert!(c.bytes_to_host > 0);
}

#[test]
fn overlong_line_is_an_error() {
    let mut m = modem(Quirks::default());
    ask(&mut m, "ATE0");
    let long = format!("AT+CSIM={}", "0".repeat(MAX_LINE));
    assert_eq!(ask(&mut m, &long), "\r\nERROR\r\n");
    assert_eq!(ask(&mut m, "AT"), "\r\nOK\r\n");
}

#[test]
fn vanish_after_takes_the_port_down_at_the_nth_apdu_once() {
    let mut m = modem(Quirks {
        vanish_after: Some(3),
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    ask(&mut m, CCHO);
    assert!(ask(&mut m, GET_EID_CGLA).contains("+CGLA:"));
    assert!(ask(&mut m, GET_EID_CGLA).contains("+CGLA:"));
    assert_eq!(
        m.feed(format!("{GET_EID_CGLA}\r").as_bytes()),
        vec![Action::Vanish]
    );
    m.restart();
    ask(&mut m, "ATE0");
    ask(&mut m, CCHO);
    assert!(ask(&mut m, GET_EID_CGLA).contains("+CGLA:"), "only once");
}

#[test]
fn mute_after_answers_nothing_from_the_nth_apdu_until_restart() {
    let mut m = modem(Quirks {
        mute_after: Some(2),
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    ask(&mut m, CCHO);
    assert!(ask(&mut m, GET_EID_CGLA).contains("+CGLA:"));
    assert_eq!(ask(&mut m, GET_EID_CGLA), "");
    assert_eq!(ask(&mut m, "AT"), "", "a muted modem answers nothing");
    m.restart();
    assert!(ask(&mut m, "AT").contains("OK"), "a restart brings it back");
}

#[test]
fn urc_storm_puts_n_urcs_before_the_answer_and_n_before_ok() {
    let mut m = modem(Quirks {
        urc_storm: Some(20),
        ..Quirks::default()
    });
    ask(&mut m, "ATE0");
    let answer = ask(&mut m, OPEN);
    let data = answer.find("+CSIM:").expect("data line");
    let ok = answer.find("\r\nOK").expect("final");
    assert_eq!(answer[..data].matches("\r\n+").count(), 20, "{answer:?}");
    assert_eq!(answer[data..ok].matches("\r\n+").count(), 20, "{answer:?}");
}

#[test]
fn test_forms_of_the_card_access_commands_answer_ok() {
    let mut m = modem(Quirks::default());
    ask(&mut m, "ATE0");
    for command in [
        "AT+CSIM=?",
        "AT+CCHO=?",
        "AT+CGLA=?",
        "AT+CCHC=?",
        "at+cgla=?",
    ] {
        assert_eq!(ask(&mut m, command), "\r\nOK\r\n", "{command}");
    }
    assert_eq!(ask(&mut m, "AT+CMEE=?"), "\r\n+CMEE: (0-2)\r\n\r\nOK\r\n");
    // A modem without the logical channel commands says so in the test form too, and still has AT+CSIM.
    let mut dell = modem(Quirks {
        no_cgla: true,
        ..Quirks::default()
    });
    ask(&mut dell, "ATE0");
    assert_eq!(ask(&mut dell, "AT+CCHO=?"), "\r\nERROR\r\n");
    assert_eq!(ask(&mut dell, "AT+CSIM=?"), "\r\nOK\r\n");
}

#[test]
fn standard_forms_clients_send() {
    let mut m = modem(Quirks::default());
    // Echo is on after power-up: `AT` alone comes back, then OK.
    assert_eq!(ask(&mut m, "AT"), "AT\r\r\nOK\r\n");
    assert_eq!(ask(&mut m, "ate0"), "ate0\r\r\nOK\r\n");
    assert_eq!(ask(&mut m, "AT"), "\r\nOK\r\n");
    assert_eq!(ask(&mut m, "ATE1"), "\r\nOK\r\n");
    assert_eq!(ask(&mut m, "AT"), "AT\r\r\nOK\r\n");
    ask(&mut m, "ATE0");
    // Lower-case commands and lower-case APDU hex, on both AT+CSIM and AT+CCHO/AT+CGLA.
    assert_eq!(
        ask(&mut m, "at+csim=10,\"0070000001\""),
        "\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        ask(&mut m, "at+ccho=\"a0000005591010ffffffff8900000100\""),
        "\r\n+CCHO: 2\r\n\r\nOK\r\n"
    );
    assert_eq!(
        ask(&mut m, "at+cgla=2,22,\"82e2910006bf3e035c015a\""),
        "\r\n+CGLA: 4,\"6115\"\r\n\r\nOK\r\n"
    );
    assert_eq!(ask(&mut m, "AT+CCHC=2"), "\r\nOK\r\n");
}

#[test]
fn echo_goes_back_byte_by_byte_as_the_line_arrives() {
    let mut m = modem(Quirks::default());
    // The host's line arrives in pieces: each piece is echoed at once, before the line is complete.
    assert_eq!(m.feed(b"AT+C"), vec![Action::Echo(b"AT+C".to_vec())]);
    assert_eq!(m.feed(b"GSN"), vec![Action::Echo(b"GSN".to_vec())]);
    let rest = m.feed(b"\r");
    assert_eq!(rest[0], Action::Echo(b"\r".to_vec()));
    assert!(
        matches!(&rest[1], Action::Send(answer) if answer.starts_with(b"\r\n490154203237518")),
        "{rest:?}"
    );
    // Echo counts as bytes sent to the host.
    let c = m.counters();
    assert_eq!(c.bytes_from_host, 8);
    assert_eq!(
        c.bytes_to_host,
        8 + "\r\n490154203237518\r\n\r\nOK\r\n".len() as u64
    );
    // After ATE0 nothing of a line is echoed, not even its first bytes.
    m.feed(b"ATE0\r");
    assert!(m.feed(b"AT").is_empty());
}

#[test]
fn extended_names_by_the_modem_own_reading() {
    assert_eq!(extended_name("at+csim=10,\"00\"").as_deref(), Some("+CSIM"));
    assert_eq!(extended_name("AT^SYSINFO").as_deref(), Some("^SYSINFO"));
    assert_eq!(extended_name("AT+CGLA=?").as_deref(), Some("+CGLA"));
    assert_eq!(extended_name("ATE0"), None);
    assert_eq!(extended_name("AT+"), None);
    assert_eq!(extended_name("A"), None);
    assert_eq!(extended_name(""), None);
    assert_eq!(extended_name("\u{fffd}\u{fffd}+X"), None);
    assert_eq!(extended_name("XT+CSIM"), None);
}

#[test]
fn garbage_lines_never_panic_and_the_modem_stays_usable() {
    let mut m = modem(Quirks::default());
    ask(&mut m, "ATE0");
    let mut seed = 0x9E37_79B9_u32;
    for _ in 0..500 {
        let mut line = Vec::new();
        for _ in 0..(seed % 40) {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            line.push((seed >> 24) as u8);
        }
        // Lines that look like commands, with garbage after the name.
        let mut command = b"AT+CSIM=".to_vec();
        command.extend_from_slice(&line);
        command.push(b'\r');
        line.push(b'\r');
        m.feed(&line);
        m.feed(&command);
    }
    m.feed(b"ATE0\r");
    assert_eq!(ask(&mut m, "AT+CGSN"), "\r\n490154203237518\r\n\r\nOK\r\n");
}
