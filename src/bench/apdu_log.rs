//! What crossed the card link in one procedure, as the agent saw it: a [`CardChannel`] wrapper that records
//! every channel opening, APDU and closing, and the checks for redundant traffic made on that record.
//!
//! Redundant is what a careful IPA never sends twice within one procedure: a second SELECT of the ISD-R or
//! channel opening (unless the card was reset in between, which closes the channel), a second
//! GetEuiccInfo1/2 (the agent keeps them), and STORE DATA blocks shorter than the configured block size
//! anywhere but at the end of a command.

use crate::apdu::CardError;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::apdu::{ApduError, CardChannel};
use euiccd_core::apdu::response::Response;

/// INS of STORE DATA and SELECT.
#[cfg(any(test, feature = "sim"))]
const INS_STORE_DATA: u8 = 0xE2;
#[cfg(any(test, feature = "sim"))]
const INS_SELECT: u8 = 0xA4;
/// P1 of a STORE DATA block that is not the last of its command.
#[cfg(any(test, feature = "sim"))]
const P1_MORE_BLOCKS: u8 = 0x11;
/// Tags that start GetEuiccInfo1 (`BF20`) and GetEuiccInfo2 (`BF22`).
#[cfg(any(test, feature = "sim"))]
const EUICC_INFO_TAGS: [[u8; 2]; 2] = [[0xBF, 0x20], [0xBF, 0x22]];

/// One event on the card link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkEvent {
    /// A logical channel was opened with this AID selected.
    Open {
        /// The AID.
        aid: Vec<u8>,
    },
    /// An APDU and the length of its answer (data and status word; 0 when it failed).
    Apdu {
        /// The command as sent (channel bits of CLA clear).
        command: Vec<u8>,
        /// Bytes of the response, status word included.
        response_len: usize,
        /// The transport reported the channel gone (card reset).
        channel_lost: bool,
    },
    /// A logical channel was closed.
    Close,
}

/// The shared record of a [`RecordingChannel`].
pub(crate) type LinkLog = Arc<Mutex<Vec<LinkEvent>>>;

/// A [`CardChannel`] that records every event into a [`LinkLog`] and passes it on unchanged.
#[derive(Debug)]
pub(crate) struct RecordingChannel<C> {
    inner: C,
    log: LinkLog,
}

impl<C: CardChannel> RecordingChannel<C> {
    /// Wraps `inner`; the returned log fills as the channel is used.
    pub(crate) fn new(inner: C) -> (Self, LinkLog) {
        let log = LinkLog::default();
        (
            Self {
                inner,
                log: Arc::clone(&log),
            },
            log,
        )
    }

    fn push(&self, event: LinkEvent) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

impl<C: CardChannel> CardChannel for RecordingChannel<C> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn open_channel(&mut self, aid: &[u8], timeout: Duration) -> Result<u8, ApduError> {
        let channel = self.inner.open_channel(aid, timeout).await?;
        self.push(LinkEvent::Open { aid: aid.to_vec() });
        Ok(channel)
    }

    async fn transmit(
        &mut self,
        channel: u8,
        apdu: &[u8],
        timeout: Duration,
    ) -> Result<Response, ApduError> {
        let result = self.inner.transmit(channel, apdu, timeout).await;
        self.push(LinkEvent::Apdu {
            command: apdu.to_vec(),
            response_len: result.as_ref().map_or(0, |r| r.to_bytes().len()),
            channel_lost: matches!(result, Err(ApduError::Card(CardError::ChannelLost))),
        });
        result
    }

    async fn close_channel(&mut self, channel: u8, timeout: Duration) -> Result<(), ApduError> {
        let result = self.inner.close_channel(channel, timeout).await;
        self.push(LinkEvent::Close);
        result
    }
}

/// Takes the events recorded so far, leaving the log empty for the next procedure.
pub(crate) fn take(log: &LinkLog) -> Vec<LinkEvent> {
    std::mem::take(&mut *log.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The APDUs among `events`.
pub(crate) fn apdu_count(events: &[LinkEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, LinkEvent::Apdu { .. }))
        .count()
}

/// The redundant traffic in one procedure's `events` (see the module documentation), one readable line
/// each; `block_size` is the configured STORE DATA block size.
#[cfg(any(test, feature = "sim"))]
pub(crate) fn redundant(events: &[LinkEvent], block_size: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut open = false;
    let mut reset_since_open = false;
    let mut opens = 0;
    let mut info_seen: Vec<[u8; 2]> = Vec::new();
    // The first block of the ES10 command being sent, if a command is under way.
    let mut in_command = false;
    for event in events {
        match event {
            LinkEvent::Open { .. } => {
                opens += 1;
                if opens > 1 && !reset_since_open {
                    found.push(format!(
                        "channel opened again (opening {opens}) without a card reset"
                    ));
                }
                open = true;
                reset_since_open = false;
            }
            LinkEvent::Close => open = false,
            LinkEvent::Apdu {
                command,
                channel_lost,
                ..
            } => {
                if *channel_lost {
                    reset_since_open = true;
                    continue;
                }
                let (ins, p1, data) = match command.as_slice() {
                    [_, ins, p1, _, _, data @ ..] => (*ins, *p1, data),
                    [_, ins, p1, ..] => (*ins, *p1, &[][..]),
                    _ => continue,
                };
                if ins == INS_SELECT && open {
                    found.push("SELECT on an open channel".to_owned());
                }
                if ins != INS_STORE_DATA {
                    continue;
                }
                if !in_command {
                    if let Some(tag) = EUICC_INFO_TAGS.iter().find(|t| data.starts_with(&t[..])) {
                        if info_seen.contains(tag) {
                            found.push(format!(
                                "GetEuiccInfo ({}) asked again",
                                hex::encode_upper(tag)
                            ));
                        }
                        info_seen.push(*tag);
                    }
                }
                let more = p1 == P1_MORE_BLOCKS;
                if more && data.len() < block_size {
                    found.push(format!(
                        "STORE DATA block of {} bytes before the last one (block size {block_size})",
                        data.len()
                    ));
                }
                in_command = more;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_data(p1: u8, data: &[u8]) -> LinkEvent {
        let mut command = vec![0x80, INS_STORE_DATA, p1, 0, data.len() as u8];
        command.extend_from_slice(data);
        LinkEvent::Apdu {
            command,
            response_len: 2,
            channel_lost: false,
        }
    }

    fn open() -> LinkEvent {
        LinkEvent::Open { aid: vec![0xA0] }
    }

    #[test]
    fn a_lean_procedure_has_nothing_redundant() {
        let events = [
            open(),
            store_data(0x91, &[0xBF, 0x20, 0x00]),
            store_data(0x11, &[0xBF; 255]),
            store_data(0x91, &[0x01; 10]),
            // A reset closes the channel: opening it again is needed.
            LinkEvent::Apdu {
                command: vec![0x80, INS_STORE_DATA, 0x91, 0, 1, 0],
                response_len: 0,
                channel_lost: true,
            },
            open(),
            store_data(0x91, &[0xBF, 0x22, 0x00]),
        ];
        assert_eq!(redundant(&events, 255), Vec::<String>::new());
        assert_eq!(apdu_count(&events), 5);
    }

    #[test]
    fn repeats_and_short_blocks_are_found() {
        let events = [
            open(),
            store_data(0x91, &[0xBF, 0x20, 0x00]),
            store_data(0x91, &[0xBF, 0x20, 0x00]),
            store_data(0x11, &[0x01; 100]),
            store_data(0x91, &[0x01; 10]),
            open(),
            LinkEvent::Apdu {
                command: vec![0x00, INS_SELECT, 0x04, 0x00, 1, 0xA0],
                response_len: 2,
                channel_lost: false,
            },
        ];
        let found = redundant(&events, 255);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("BF20"), "{found:?}");
        assert!(found[1].contains("100 bytes"), "{found:?}");
        assert!(found[2].contains("opened again"), "{found:?}");
        assert!(found[3].contains("SELECT"), "{found:?}");
    }
}
