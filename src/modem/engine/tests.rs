use super::*;
use euiccd_core::at::ErrorCode;
use tokio::io::DuplexStream;

/// Hands out prepared in-memory pipes; no pipe left means the device is missing.
struct Pipes(mpsc::UnboundedReceiver<DuplexStream>);

impl PortOpener for Pipes {
    type Port = DuplexStream;

    async fn open(&mut self) -> Result<DuplexStream, ModemError> {
        self.0.try_recv().map_err(|_| ModemError::PortMissing {
            path: "pipe".into(),
        })
    }

    fn describe(&self) -> String {
        "pipe".into()
    }
}

/// An answer: wait this long, then send these bytes; `None` stays silent.
type Answer = Option<(Duration, String)>;

/// A scripted modem on the far end of a pipe. Echo is on until `ATE0`, as on a real modem after power-up, and
/// back on with `ATE1`; the engine's marker line is answered `ERROR`, as a real modem does.
async fn fake_modem(mut io: DuplexStream, mut answer: impl FnMut(&str) -> Answer + Send) {
    let mut pending = Vec::new();
    let mut buf = [0u8; 256];
    let mut echo = true;
    loop {
        let n = match io.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|&b| b == b'\r') {
            let line = String::from_utf8_lossy(&pending[..end]).into_owned();
            pending.drain(..=end);
            if echo && io.write_all(format!("{line}\r").as_bytes()).await.is_err() {
                return;
            }
            let own = match line.as_str() {
                "ATE0" => {
                    echo = false;
                    None
                }
                "ATE1" => {
                    echo = true;
                    Some("\r\nOK\r\n")
                }
                // The engine's marker line after opening: no modem has the command.
                marker if marker.starts_with(SYNC_COMMAND) => Some("\r\nERROR\r\n"),
                _ => None,
            };
            if let Some(text) = own {
                if io.write_all(text.as_bytes()).await.is_err() {
                    return;
                }
                continue;
            }
            if let Some((delay, text)) = answer(&line) {
                tokio::time::sleep(delay).await;
                if io.write_all(text.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// A modem that answers `OK` to the handshakes and `extra` otherwise.
fn standard(
    extra: impl Fn(&str) -> Option<&'static str> + Send,
) -> impl FnMut(&str) -> Answer + Send {
    move |line| {
        let text = match line {
            "ATE0" | "AT" => "\r\nOK\r\n",
            other => extra(other)?,
        };
        Some((Duration::ZERO, text.to_owned()))
    }
}

fn engine_with(config: EngineConfig, pipes: usize) -> (Modem, Vec<DuplexStream>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut far_ends = Vec::new();
    for _ in 0..pipes {
        let (near, far) = tokio::io::duplex(4096);
        tx.send(near).expect("receiver alive");
        far_ends.push(far);
    }
    (Modem::spawn(Pipes(rx), config), far_ends)
}

fn fast_config() -> EngineConfig {
    EngineConfig {
        handshake_timeout: Duration::from_millis(300),
        reopen: Backoff::new(Duration::from_millis(10), Duration::from_millis(50)),
        ..EngineConfig::default()
    }
}

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test]
async fn urc_between_data_and_ok_goes_to_subscribers_only() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    tokio::spawn(fake_modem(
        far.remove(0),
        standard(|_| Some("\r\n+CSIM: 6,\"019000\"\r\n\r\n+CEREG: 1\r\n\r\nOK\r\n")),
    ));
    let mut urcs = modem.subscribe();
    let response = modem
        .command("AT+CSIM=10,\"0070000001\"", SECOND)
        .await
        .expect("answer");
    assert_eq!(response.lines(), ["+CSIM: 6,\"019000\""]);
    assert_eq!(response.payload("+CSIM"), ["6,\"019000\""]);
    assert_eq!(urcs.recv().await.expect("urc").line(), "+CEREG: 1");
}

/// A URC that arrives in the same read as the final result (the modem stored a message just as it
/// answered) reaches the subscribers at once, not only when the next byte or command comes.
#[tokio::test]
async fn a_urc_right_behind_the_final_result_is_not_held_back() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    tokio::spawn(fake_modem(
        far.remove(0),
        standard(|_| Some("\r\nOK\r\n\r\n+CMTI: \"SM\",0\r\n")),
    ));
    let mut urcs = modem.subscribe();
    modem.command("AT+CMGD=0", SECOND).await.expect("answer");
    // Nothing else comes over the line and nobody sends a command.
    let urc = tokio::time::timeout(SECOND, urcs.recv())
        .await
        .expect("the URC is published while the engine is idle")
        .expect("urc");
    assert_eq!(urc.line(), "+CMTI: \"SM\",0");
}

#[tokio::test]
async fn a_late_answer_left_by_a_killed_process_is_not_taken_for_ours() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    let mut port = far.remove(0);
    // What the modem still sends for a command of the previous owner of the port, killed mid-command.
    port.write_all(b"\r\n+CGLA: 4,\"6A82\"\r\n\r\nOK\r\n")
        .await
        .expect("stale answer written");
    tokio::spawn(fake_modem(
        port,
        standard(|_| Some("\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n")),
    ));
    let response = modem
        .command("AT+CSIM=10,\"0070000001\"", SECOND)
        .await
        .expect("answer");
    assert_eq!(response.payload("+CSIM"), ["4,\"9000\""]);
    let again = modem
        .command("AT+CSIM=10,\"0070000001\"", SECOND)
        .await
        .expect("answer");
    assert_eq!(again.payload("+CSIM"), ["4,\"9000\""], "answers off by one");
}

#[tokio::test]
async fn a_late_answer_still_coming_after_the_port_opened_is_not_taken_for_ours() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    let mut port = far.remove(0);
    tokio::spawn(async move {
        // The modem is still busy with the killed process's slow command (longer than any quiet wait): it
        // reads nothing until that command's answer is out.
        tokio::time::sleep(Duration::from_millis(300)).await;
        port.write_all(b"\r\n+CGLA: 4,\"6A82\"\r\n\r\nOK\r\n")
            .await
            .expect("late answer written");
        fake_modem(
            port,
            standard(|_| Some("\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n")),
        )
        .await;
    });
    for round in 0..2 {
        let response = modem
            .command("AT+CSIM=10,\"0070000001\"", SECOND)
            .await
            .expect("answer");
        assert_eq!(response.lines(), ["+CSIM: 4,\"9000\""], "round {round}");
    }
}

#[test]
fn sync_markers_differ_per_attempt() {
    let markers: Vec<String> = (0..HANDSHAKE_ATTEMPTS).map(sync_marker).collect();
    for (i, marker) in markers.iter().enumerate() {
        assert!(marker.starts_with(SYNC_COMMAND), "{marker}");
        assert!(!markers[i + 1..].contains(marker), "{markers:?}");
    }
}

#[tokio::test]
async fn echo_and_garbage_are_not_the_answer() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    tokio::spawn(fake_modem(
        far.remove(0),
        standard(|_| Some("\u{7f}junk\r\n\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n")),
    ));
    let response = modem
        .command("AT+CSIM=10,\"0070000001\"", SECOND)
        .await
        .expect("answer");
    assert_eq!(response.payload("+CSIM"), ["4,\"9000\""]);
    assert!(
        !response.lines().iter().any(|l| l.starts_with("AT")),
        "{:?}",
        response.lines()
    );
}

#[tokio::test]
async fn bare_answers_are_returned_whole() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    tokio::spawn(fake_modem(
        far.remove(0),
        standard(|_| Some("\r\n2\r\n\r\nOK\r\n")),
    ));
    let response = modem
        .command("AT+CCHO=\"A000\"", SECOND)
        .await
        .expect("answer");
    assert_eq!(response.payload("+CCHO"), ["2"]);
}

#[tokio::test]
async fn error_results_are_rejections() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    tokio::spawn(fake_modem(
        far.remove(0),
        standard(|_| Some("\r\n+CME ERROR: 3\r\n")),
    ));
    match modem.command("AT+CGLA=1,10,\"81E2910000\"", SECOND).await {
        Err(ModemError::Rejected { command, result }) => {
            assert_eq!(command, "AT+CGLA");
            assert_eq!(result, FinalResult::CmeError(ErrorCode::Numeric(3)));
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn lost_final_times_out_then_the_engine_resyncs() {
    let (modem, mut far) = engine_with(fast_config(), 1);
    tokio::spawn(fake_modem(far.remove(0), |line| {
        let (delay, text) = match line {
            "ATE0" | "AT" => (Duration::ZERO, "\r\nOK\r\n"),
            // Answers only after the engine gave up: the late OK must not answer the next command.
            "AT+SLOW" => (Duration::from_millis(400), "\r\n+SLOW: 1\r\n\r\nOK\r\n"),
            "AT+CGSN" => (Duration::ZERO, "\r\n490154203237518\r\n\r\nOK\r\n"),
            _ => return None,
        };
        Some((delay, text.to_owned()))
    }));
    let slow = modem.command("AT+SLOW", Duration::from_millis(200)).await;
    assert!(matches!(slow, Err(ModemError::Timeout { .. })), "{slow:?}");
    let imei = modem
        .command("AT+CGSN", SECOND * 3)
        .await
        .expect("answer after resync");
    assert_eq!(imei.lines(), ["490154203237518"]);
}

#[tokio::test]
async fn silent_modem_is_not_responding() {
    /// A port that opens every time, to a modem that never says anything.
    struct Silent(Vec<DuplexStream>);
    impl PortOpener for Silent {
        type Port = DuplexStream;
        async fn open(&mut self) -> Result<DuplexStream, ModemError> {
            let (near, far) = tokio::io::duplex(4096);
            self.0.push(far);
            Ok(near)
        }
        fn describe(&self) -> String {
            "silent".into()
        }
    }
    let modem = Modem::spawn(Silent(Vec::new()), fast_config());
    let started = Instant::now();
    let result = modem.command("AT+CGSN", SECOND).await;
    assert!(
        matches!(result, Err(ModemError::NotResponding(_))),
        "{result:?}"
    );
    // Bounded: the timeout plus at most one more round of handshakes.
    assert!(started.elapsed() < SECOND * 4, "{:?}", started.elapsed());
}

#[tokio::test]
async fn port_lost_and_reopened() {
    let (modem, mut far) = engine_with(fast_config(), 2);
    let second = far.pop().expect("second pipe");
    let first = far.pop().expect("first pipe");
    let first_modem = tokio::spawn(fake_modem(first, {
        let mut answered = false;
        move |line| match line {
            "ATE0" => Some((Duration::ZERO, "\r\nOK\r\n".to_owned())),
            _ if !answered => {
                answered = true;
                Some((Duration::ZERO, "\r\n1\r\n\r\nOK\r\n".to_owned()))
            }
            _ => None,
        }
    }));
    assert_eq!(
        modem
            .command("AT+CGSN", SECOND)
            .await
            .expect("first")
            .lines(),
        ["1"]
    );
    // The first modem vanishes (USB re-enumeration); the next command goes to the second.
    first_modem.abort();
    tokio::spawn(fake_modem(
        second,
        standard(|_| Some("\r\n2\r\n\r\nOK\r\n")),
    ));
    let again = modem
        .command("AT+CGSN", SECOND * 2)
        .await
        .expect("after reopen");
    assert_eq!(again.lines(), ["2"]);
}

#[tokio::test]
async fn missing_port_is_reported_after_retries() {
    let (modem, _far) = engine_with(fast_config(), 0);
    let result = modem.command("AT", Duration::from_millis(200)).await;
    assert!(
        matches!(result, Err(ModemError::PortMissing { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn busy_port_fails_at_once() {
    struct Busy;
    impl PortOpener for Busy {
        type Port = DuplexStream;
        async fn open(&mut self) -> Result<DuplexStream, ModemError> {
            Err(ModemError::PortBusy {
                path: "/dev/ttyUSB2".into(),
            })
        }
        fn describe(&self) -> String {
            "busy".into()
        }
    }
    let modem = Modem::spawn(Busy, fast_config());
    let started = Instant::now();
    let result = modem.command("AT", Duration::from_secs(10)).await;
    assert!(
        matches!(result, Err(ModemError::PortBusy { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < SECOND);
}

#[tokio::test]
async fn oversized_answer_is_refused() {
    let config = EngineConfig {
        max_response: 8,
        ..fast_config()
    };
    let (modem, mut far) = engine_with(config, 1);
    tokio::spawn(fake_modem(
        far.remove(0),
        standard(|_| Some("\r\n0123456789\r\n\r\nOK\r\n")),
    ));
    let result = modem.command("ATI", SECOND).await;
    assert!(
        matches!(result, Err(ModemError::ResponseTooLarge { max: 8, .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn invalid_commands_are_refused_before_sending() {
    let (modem, _far) = engine_with(fast_config(), 0);
    for bad in ["AT\rATZ", "CSIM", ""] {
        let result = modem.command(bad, SECOND).await;
        assert!(
            matches!(result, Err(ModemError::InvalidCommand(_))),
            "{bad:?}: {result:?}"
        );
    }
}

#[test]
fn long_lines_are_elided_in_logs() {
    let short = "AT+CSIM=10,\"01A4040000\"";
    assert_eq!(Elided(short).to_string(), short);
    let long = format!("AT+CSIM=200,\"{}\"", "AB".repeat(100));
    let logged = Elided(&long).to_string();
    assert!(logged.starts_with("AT+CSIM=200,\"ABAB"), "{logged}");
    assert!(
        logged.ends_with(&format!("… ({} characters)", long.len())),
        "{logged}"
    );
    assert!(logged.len() < 70);
}

/// The typed dialogues of `network.rs` and `sms.rs` over the fake modem: the commands sent and the
/// answers parsed.
mod dialogues {
    use super::*;
    use crate::modem::network::{Identity, Network};
    use crate::modem::sms::SmsStorage;
    use euiccd_core::network::{OperatorName, Report};
    use euiccd_core::sms::{Read, SmsMode};

    fn modem(answers: impl Fn(&str) -> Option<&'static str> + Send + 'static) -> Modem {
        let (modem, mut far) = engine_with(fast_config(), 1);
        tokio::spawn(fake_modem(far.remove(0), standard(answers)));
        modem
    }

    #[tokio::test]
    async fn the_operator_is_asked_in_both_formats_even_when_one_is_refused() {
        let network = Network::new(
            modem(|line| match line {
                "AT+COPS=3,2" => Some("\r\nERROR\r\n"),
                "AT+COPS=3,0" => Some("\r\nOK\r\n"),
                "AT+COPS?" => Some("\r\n+COPS: 0,2,\"00101\",7\r\n\r\nOK\r\n"),
                _ => None,
            }),
            SECOND,
        );
        let reports = network.operator().await;
        assert_eq!(reports.len(), 2, "{reports:?}");
        assert!(reports.iter().all(|r| matches!(
            r,
            Report::Operator(op) if op.name == Some(OperatorName::Numeric {
                mcc: "001".into(),
                mnc: "01".into(),
            })
        )));
    }

    #[tokio::test]
    async fn a_malformed_answer_line_is_skipped_and_a_refusal_is_an_error() {
        let network = Network::new(
            modem(|line| match line {
                "AT+CGACT?" => Some("\r\n+CGACT: 1,1\r\n+CGACT: 2,7\r\n+CGACT: 3,0\r\n\r\nOK\r\n"),
                "AT+CESQ" => Some("\r\n+CME ERROR: 4\r\n"),
                _ => None,
            }),
            SECOND,
        );
        assert_eq!(
            network.contexts().await.expect("answered"),
            [
                Report::ContextState(1, true),
                Report::ContextState(3, false)
            ]
        );
        assert!(matches!(
            network.signal().await,
            Err(ModemError::Rejected { .. })
        ));
    }

    #[tokio::test]
    async fn identity_takes_what_the_modem_answers() {
        let network = Network::new(
            modem(|line| match line {
                "AT+CGSN" => Some("\r\n352906110000000\r\n\r\nOK\r\n"),
                "AT+CCID" => Some("\r\n+ICCID: 8949449999999990023F\r\n\r\nOK\r\n"),
                _ => Some("\r\nERROR\r\n"),
            }),
            SECOND,
        );
        assert_eq!(
            network.identity().await,
            Identity {
                imei: Some("352906110000000".into()),
                iccid: Some("8949449999999990023F".into()),
                imsi: None,
            }
        );
    }

    #[tokio::test]
    async fn a_message_that_does_not_decode_comes_back_as_the_modem_showed_it() {
        let storage = SmsStorage::new(
            modem(|line| match line {
                "AT+CMGR=3" => Some("\r\n+CMGR: 0,,5\r\nNOTHEX\r\n\r\nOK\r\n"),
                "AT+CMGR=4" => Some("\r\n+CMS ERROR: 321\r\n"),
                "AT+CMGD=3" => Some("\r\nOK\r\n"),
                _ => None,
            }),
            SmsMode::Pdu,
            SECOND,
        );
        let undecodable = storage.read(3).await.expect("answered").unwrap_err();
        assert_eq!(undecodable.raw, "+CMGR: 0,,5\nNOTHEX");
        assert!(matches!(
            storage.read(4).await,
            Err(ModemError::Rejected { .. })
        ));
        storage.delete(3).await.expect("deleted");
    }

    #[tokio::test]
    async fn stored_messages_are_listed_in_the_mode_asked_for() {
        let storage = SmsStorage::new(
            modem(|line| match line {
                "AT+CMGL=\"ALL\"" => Some(
                    "\r\n+CMGL: 2,\"REC UNREAD\",\"+491701234567\",,\"26/11/24,10:00:00+04\"\r\nhello\r\n\r\nOK\r\n",
                ),
                _ => None,
            }),
            SmsMode::Text,
            SECOND,
        );
        let listed = storage.list().await.expect("answered").expect("parsed");
        assert_eq!(listed.len(), 1);
        let (index, read) = &listed[0];
        assert_eq!(*index, 2);
        assert!(matches!(read, Ok(Read::Text { text, .. }) if text == "hello"));
    }
}
