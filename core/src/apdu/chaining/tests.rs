use super::*;

const GET_EID: [u8; 6] = [0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A];

/// What one command's chaining sent and gave, the card answering from `answers`.
struct Run {
    result: Result<Vec<u8>, Error>,
    sent: Vec<Transmit>,
    get_response_cla: u8,
}

impl Run {
    fn sent_hex(&self) -> Vec<String> {
        self.sent
            .iter()
            .map(|t| hex::encode_upper(&t.apdu))
            .collect()
    }
}

fn run_with(
    request: &[u8],
    block_size: usize,
    max_response: usize,
    cla: u8,
    answers: &[&str],
) -> Run {
    let mut answers = answers.iter().map(|a| hex::decode(a).expect("hex"));
    let (mut machine, first) = match StoreData::start(request, block_size, max_response, cla) {
        Ok(started) => started,
        Err(e) => {
            return Run {
                result: Err(e),
                sent: Vec::new(),
                get_response_cla: cla,
            };
        }
    };
    let mut sent = vec![first];
    let result = loop {
        let answer = answers.next().expect("the script has an answer");
        match machine.handle_response(Response::parse(&answer).expect("a response")) {
            Ok(Next::Transmit(next)) => sent.push(next),
            Ok(Next::Done(data)) => break Ok(data),
            Err(e) => break Err(e),
        }
    };
    assert_eq!(answers.next(), None, "every scripted answer was asked for");
    Run {
        result,
        sent,
        get_response_cla: machine.get_response_cla(),
    }
}

fn run(answers: &[&str]) -> Run {
    run_with(&GET_EID, MAX_BLOCK_SIZE, 256 * 1024, 0x00, answers)
}

#[test]
fn answer_with_the_last_block() {
    let r = run(&["BF3E009000"]);
    assert_eq!(r.result, Ok(vec![0xBF, 0x3E, 0x00]));
    assert_eq!(r.sent_hex(), ["80E2910006BF3E035C015A"]);
    assert_eq!(r.sent[0].wait, Wait::Execute);
}

#[test]
fn sw_61xx_is_followed_by_get_response() {
    let r = run(&["6103", "BF3E009000"]);
    assert_eq!(r.result, Ok(vec![0xBF, 0x3E, 0x00]));
    assert_eq!(r.sent_hex()[1], "00C0000003");
    assert_eq!(r.sent[1].wait, Wait::Control);
}

#[test]
fn sw_61xx_chains_until_done() {
    let first = format!("{}6110", "AB".repeat(256));
    let second = format!("{}9000", "CD".repeat(16));
    let r = run(&["6100", &first, &second]);
    assert_eq!(r.result.as_ref().map(Vec::len), Ok(272));
    assert_eq!(r.sent_hex()[1..], ["00C0000000", "00C0000010"]);
}

#[test]
fn sw_6cxx_resends_with_the_right_le_once() {
    let r = run(&["6110", "6C05", "01020304059000"]);
    assert_eq!(r.result, Ok(vec![1, 2, 3, 4, 5]));
    assert_eq!(r.sent_hex()[1..], ["00C0000010", "00C0000005"]);
    // A second 6Cxx to the resent command is not chased: it ends the command.
    let r = run(&["6C05", "6C04"]);
    assert!(matches!(
        r.result,
        Err(Error::Status {
            sw: StatusWord(0x6C04),
            ..
        })
    ));
    assert_eq!(r.sent.len(), 2);
}

#[test]
fn sw_6e00_on_get_response_retries_with_cla_80_and_remembers_it() {
    let r = run(&["6102", "6E00", "AABB9000"]);
    assert_eq!(r.result, Ok(vec![0xAA, 0xBB]));
    assert_eq!(r.sent_hex()[1..], ["00C0000002", "80C0000002"]);
    assert_eq!(r.get_response_cla, 0x80);
    // The next command starts with the CLA that works, and a 6E00 then is an error.
    let r = run_with(&GET_EID, MAX_BLOCK_SIZE, 1024, 0x80, &["6101", "6E00"]);
    assert_eq!(r.sent_hex()[1], "80C0000001");
    assert!(matches!(
        r.result,
        Err(Error::Status {
            sw: StatusWord(0x6E00),
            ..
        })
    ));
}

#[test]
fn sw_91xx_is_success_of_the_last_block() {
    assert_eq!(run(&["BF3E009110"]).result, Ok(vec![0xBF, 0x3E, 0x00]));
    assert_eq!(
        run(&["6103", "BF3E00911A"]).result,
        Ok(vec![0xBF, 0x3E, 0x00])
    );
}

#[test]
fn errors_stop_the_command() {
    let r = run(&["6A80"]);
    assert_eq!(
        r.result,
        Err(Error::Status {
            what: "STORE DATA",
            sw: StatusWord(0x6A80)
        })
    );
    // A non-final block that is not 90 00 ends the command: the second block is never sent.
    let r = run_with(&[0; 12], 6, 1024, 0, &["6A86"]);
    assert!(matches!(
        r.result,
        Err(Error::Status {
            sw: StatusWord(0x6A86),
            ..
        })
    ));
    assert_eq!(r.sent.len(), 1);
    // A 91xx on a non-final block is not accepted either.
    let r = run_with(&[0; 12], 6, 1024, 0, &["9110"]);
    assert!(r.result.is_err());
    assert_eq!(r.sent.len(), 1);
}

#[test]
fn a_lost_channel_ends_the_command_at_any_step() {
    assert_eq!(run(&["6881"]).result, Err(Error::ChannelLost));
    assert_eq!(run(&["6110", "6881"]).result, Err(Error::ChannelLost));
    assert_eq!(run(&["6C05", "6881"]).result, Err(Error::ChannelLost));
}

#[test]
fn get_response_that_never_gives_data_is_an_error() {
    assert!(matches!(
        run(&["6110", "6110"]).result,
        Err(Error::Status { .. })
    ));
}

#[test]
fn oversized_response_is_refused() {
    let big = format!("{}6100", "00".repeat(256));
    let r = run_with(&GET_EID, MAX_BLOCK_SIZE, 300, 0, &["6100", &big, &big]);
    assert_eq!(r.result, Err(Error::ResponseTooLarge(300)));
}

#[test]
fn store_data_chaining_of_5_kib() {
    let request: Vec<u8> = (0..5 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    for block_size in [6, 120, 255] {
        let blocks = request.len().div_ceil(block_size);
        let mut answers = vec!["9000"; blocks - 1];
        answers.push("AA9000");
        let r = run_with(&request, block_size, 1024, 0, &answers);
        assert_eq!(r.result, Ok(vec![0xAA]), "block size {block_size}");
        assert_eq!(r.sent.len(), blocks);
        let mut reassembled = Vec::new();
        for (number, sent) in r.sent.iter().enumerate() {
            let last = number == blocks - 1;
            let apdu = &sent.apdu;
            assert_eq!(apdu[..2], [0x80, 0xE2]);
            assert_eq!(
                apdu[2],
                if last { 0x91 } else { 0x11 },
                "P1 of block {number}"
            );
            assert_eq!(apdu[3], (number % 256) as u8, "P2 of block {number}");
            assert_eq!(usize::from(apdu[4]), apdu.len() - 5, "case 3: Lc and no Le");
            assert!(apdu.len() - 5 <= block_size);
            assert_eq!(sent.wait, if last { Wait::Execute } else { Wait::Control });
            reassembled.extend_from_slice(&apdu[5..]);
        }
        assert_eq!(reassembled, request, "block size {block_size}");
    }
}

#[test]
fn block_size_and_empty_commands_are_refused() {
    for block_size in [0, 5, 256] {
        assert!(matches!(
            StoreData::start(&GET_EID, block_size, 1024, 0),
            Err(Error::InvalidCommand(_))
        ));
    }
    assert!(matches!(
        StoreData::start(&[], MAX_BLOCK_SIZE, 1024, 0),
        Err(Error::InvalidCommand(_))
    ));
}
