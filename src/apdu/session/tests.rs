use super::*;
use crate::apdu::command::channel_of_cla;
use std::collections::VecDeque;

/// A card that answers from a script and records what it was sent (CLA already on the channel).
#[derive(Default)]
struct Scripted {
    answers: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
    opens: usize,
    closes: Vec<u8>,
}

impl Scripted {
    fn answering(answers: &[&str]) -> Self {
        let answers = answers
            .iter()
            .map(|a| hex::decode(a).expect("hex"))
            .collect();
        Self {
            answers,
            ..Self::default()
        }
    }

    fn sent_hex(&self) -> Vec<String> {
        self.sent.iter().map(hex::encode_upper).collect()
    }
}

impl CardChannel for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }

    async fn open_channel(&mut self, aid: &[u8], _timeout: Duration) -> Result<u8, ApduError> {
        assert_eq!(aid, ISDR_AID);
        self.opens += 1;
        Ok(1)
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        _timeout: Duration,
    ) -> Result<Response, ApduError> {
        assert_eq!(
            channel_of_cla(apdu[0]),
            0,
            "the session leaves the channel bits to the transport"
        );
        let mut apdu = apdu.to_vec();
        apdu[0] |= channel;
        self.sent.push(apdu);
        let answer = self.answers.pop_front().expect("the script has an answer");
        Response::parse(&answer)
    }

    async fn close_channel(&mut self, channel: u8, _timeout: Duration) -> Result<(), ApduError> {
        self.closes.push(channel);
        Ok(())
    }
}

fn session(card: Scripted) -> IsdrSession<Scripted> {
    IsdrSession::new(card, SessionConfig::default()).expect("valid config")
}

const GET_EID: [u8; 6] = [0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A];

#[tokio::test]
async fn answer_with_the_last_block() {
    let mut s = session(Scripted::answering(&["BF3E009000"]));
    assert_eq!(s.es10(&GET_EID).await.expect("ok"), [0xBF, 0x3E, 0x00]);
    assert_eq!(s.card().sent_hex(), ["81E2910006BF3E035C015A"]);
    assert_eq!(
        s.counters(),
        SessionCounters {
            apdus: 1,
            es10_commands: 1,
            channel_opens: 1
        }
    );
}

#[tokio::test]
async fn sw_61xx_is_followed_by_get_response() {
    let mut s = session(Scripted::answering(&["6103", "BF3E009000"]));
    assert_eq!(s.es10(&GET_EID).await.expect("ok"), [0xBF, 0x3E, 0x00]);
    assert_eq!(s.card().sent_hex()[1], "01C0000003");
}

#[tokio::test]
async fn sw_61xx_chains_until_done() {
    let first = format!("{}6110", "AB".repeat(256));
    let second = format!("{}9000", "CD".repeat(16));
    let mut s = session(Scripted::answering(&["6100", &first, &second]));
    let data = s.es10(&GET_EID).await.expect("ok");
    assert_eq!(data.len(), 272);
    assert_eq!(s.card().sent_hex()[1..], ["01C0000000", "01C0000010"]);
}

#[tokio::test]
async fn sw_6cxx_resends_with_the_right_le() {
    let mut s = session(Scripted::answering(&["6110", "6C05", "01020304059000"]));
    assert_eq!(s.es10(&GET_EID).await.expect("ok"), [1, 2, 3, 4, 5]);
    assert_eq!(s.card().sent_hex()[1..], ["01C0000010", "01C0000005"]);
}

#[tokio::test]
async fn sw_6e00_on_get_response_retries_with_cla_80() {
    let mut s = session(Scripted::answering(&[
        "6102", "6E00", "AABB9000", "6101", "CC9000",
    ]));
    assert_eq!(s.es10(&GET_EID).await.expect("ok"), [0xAA, 0xBB]);
    assert_eq!(s.card().sent_hex()[1..], ["01C0000002", "81C0000002"]);
    // The session remembers which CLA works.
    assert_eq!(s.es10(&GET_EID).await.expect("ok"), [0xCC]);
    assert_eq!(s.card().sent_hex()[4], "81C0000001");
}

#[tokio::test]
async fn sw_91xx_is_success() {
    let mut s = session(Scripted::answering(&["BF3E009110"]));
    assert_eq!(s.es10(&GET_EID).await.expect("ok"), [0xBF, 0x3E, 0x00]);
    let mut s = session(Scripted::answering(&["6103", "BF3E00911A"]));
    assert_eq!(s.es10(&GET_EID).await.expect("ok"), [0xBF, 0x3E, 0x00]);
}

#[tokio::test]
async fn errors_stop_the_command() {
    let mut s = session(Scripted::answering(&["6A80"]));
    match s.es10(&GET_EID).await {
        Err(ApduError::Status { sw, .. }) => assert_eq!(sw, StatusWord(0x6A80)),
        other => panic!("expected a status error, got {other:?}"),
    }
    // A non-final block that is not 90 00 ends the command: the second block is never sent.
    let config = SessionConfig {
        block_size: 6,
        ..SessionConfig::default()
    };
    let mut s = IsdrSession::new(Scripted::answering(&["6A86"]), config).expect("valid");
    assert!(matches!(
        s.es10(&[0; 12]).await,
        Err(ApduError::Status {
            sw: StatusWord(0x6A86),
            ..
        })
    ));
    assert_eq!(s.card().sent.len(), 1);
    // A 91xx on a non-final block is not accepted either.
    let config = SessionConfig {
        block_size: 6,
        ..SessionConfig::default()
    };
    let mut s = IsdrSession::new(Scripted::answering(&["9110"]), config).expect("valid");
    assert!(s.es10(&[0; 12]).await.is_err());
}

#[tokio::test]
async fn get_response_that_never_gives_data_is_an_error() {
    let mut s = session(Scripted::answering(&["6110", "6110"]));
    assert!(matches!(
        s.es10(&GET_EID).await,
        Err(ApduError::Status { .. })
    ));
}

#[tokio::test]
async fn oversized_response_is_refused() {
    let config = SessionConfig {
        max_response: 300,
        ..SessionConfig::default()
    };
    let big = format!("{}6100", "00".repeat(256));
    let mut s =
        IsdrSession::new(Scripted::answering(&["6100", &big, &big]), config).expect("valid");
    assert!(matches!(
        s.es10(&GET_EID).await,
        Err(ApduError::ResponseTooLarge(300))
    ));
}

#[tokio::test]
async fn lost_channel_is_reopened_and_the_command_resent() {
    // 68 81: the card was reset (REFRESH) and channel 1 is closed.
    let mut s = session(Scripted::answering(&["BF3E009000", "6881", "BF3E019000"]));
    assert_eq!(s.es10(&GET_EID).await.expect("first"), [0xBF, 0x3E, 0x00]);
    assert_eq!(
        s.es10(&GET_EID).await.expect("after reopen"),
        [0xBF, 0x3E, 0x01]
    );
    assert_eq!(s.card().opens, 2);
    assert_eq!(s.counters().channel_opens, 2);
    assert_eq!(s.card().sent.len(), 3);
    assert_eq!(s.card().closes, [1], "the stale session is freed");
}

#[tokio::test]
async fn a_channel_lost_twice_is_an_error() {
    let mut s = session(Scripted::answering(&["6881", "6881"]));
    assert!(matches!(
        s.es10(&GET_EID).await,
        Err(ApduError::ChannelLost)
    ));
}

#[tokio::test]
async fn store_data_chaining_of_5_kib() {
    let request: Vec<u8> = (0..5 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    for block_size in [6, 120, 255] {
        let blocks = request.len().div_ceil(block_size);
        let mut answers = vec!["9000"; blocks - 1];
        answers.push("AA9000");
        let config = SessionConfig {
            block_size,
            ..SessionConfig::default()
        };
        let mut s = IsdrSession::new(Scripted::answering(&answers), config).expect("valid");
        assert_eq!(
            s.es10(&request).await.expect("ok"),
            [0xAA],
            "block size {block_size}"
        );
        let sent = &s.card().sent;
        assert_eq!(sent.len(), blocks);
        let mut reassembled = Vec::new();
        for (number, apdu) in sent.iter().enumerate() {
            let last = number == blocks - 1;
            assert_eq!(apdu[..2], [0x81, 0xE2]);
            assert_eq!(
                apdu[2],
                if last { 0x91 } else { 0x11 },
                "P1 of block {number}"
            );
            assert_eq!(apdu[3], (number % 256) as u8, "P2 of block {number}");
            assert_eq!(usize::from(apdu[4]), apdu.len() - 5, "case 3: Lc and no Le");
            assert!(apdu.len() - 5 <= block_size);
            reassembled.extend_from_slice(&apdu[5..]);
        }
        assert_eq!(reassembled, request, "block size {block_size}");
    }
}

#[test]
fn block_size_is_checked() {
    for block_size in [0, 5, 256] {
        let config = SessionConfig {
            block_size,
            ..SessionConfig::default()
        };
        assert!(matches!(
            IsdrSession::new(Scripted::default(), config),
            Err(ApduError::InvalidConfig(_))
        ));
    }
}

#[tokio::test]
async fn empty_command_is_refused() {
    assert!(matches!(
        session(Scripted::default()).es10(&[]).await,
        Err(ApduError::InvalidCommand(_))
    ));
}

#[tokio::test]
async fn raw_transmit_and_close() {
    let mut s = session(Scripted::answering(&["6A88"]));
    let response = s
        .transmit_raw(&[0x80, 0xCA, 0x00, 0x5A, 0x00])
        .await
        .expect("sent");
    assert_eq!(response.sw, StatusWord(0x6A88));
    assert_eq!(s.card().sent_hex(), ["81CA005A00"]);
    s.close().await.expect("closed");
    assert_eq!(s.card().closes, [1]);
    s.close().await.expect("closing twice is fine");
    assert_eq!(s.card().closes, [1]);
}
