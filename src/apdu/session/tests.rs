//! The session as the driver of the chaining machine (whose own tests are in `euiccd_core::apdu::chaining`):
//! channels, counters, the GET RESPONSE CLA kept across commands, reopening after a card reset.

use super::*;
use crate::apdu::CardError;
use euiccd_core::apdu::command::channel_of_cla;
use euiccd_core::apdu::status::StatusWord;
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
        Ok(Response::parse(&answer)?)
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
        Err(ApduError::Card(CardError::ChannelLost))
    ));
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
        Err(ApduError::Card(CardError::InvalidCommand(_)))
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
