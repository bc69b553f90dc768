//! Putting fragments back together (USB MBIM 1.0 §9.2): the pieces of one message arrive in order, one
//! message at a time; anything else is a protocol error, and the partial message is dropped.

use super::Error;
use super::message::{Fragment, Frame, MAX_MESSAGE, Message, parse_fragmented_body};

/// The message being reassembled.
#[derive(Debug, Default)]
pub struct Reassembler {
    partial: Option<Fragment>,
}

impl Reassembler {
    /// A reassembler with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one frame; returns the message it completes, if any. An out-of-order piece or a message past
    /// [`MAX_MESSAGE`] is an error and drops what was pending (a later first piece starts afresh).
    pub fn push(&mut self, frame: Frame) -> Result<Option<Message>, Error> {
        let piece = match frame {
            Frame::Whole(message) => {
                if self.partial.take().is_some() {
                    // A whole message between pieces: the pending one can never complete.
                    return Err(Error::FragmentOutOfSequence {
                        current: 0,
                        total: 1,
                    });
                }
                return Ok(Some(message));
            }
            Frame::Fragment(piece) => piece,
        };
        let partial = match self.partial.take() {
            None if piece.current == 0 => piece,
            None => {
                return Err(Error::FragmentOutOfSequence {
                    current: piece.current,
                    total: piece.total,
                });
            }
            Some(mut partial) => {
                let continues = piece.kind == partial.kind
                    && piece.transaction == partial.transaction
                    && piece.total == partial.total
                    && piece.current == partial.current + 1;
                if !continues {
                    return Err(Error::FragmentOutOfSequence {
                        current: piece.current,
                        total: piece.total,
                    });
                }
                let size = partial.payload.len() + piece.payload.len();
                if size > MAX_MESSAGE {
                    return Err(Error::TooLarge(MAX_MESSAGE));
                }
                partial.payload.extend_from_slice(&piece.payload);
                partial.current = piece.current;
                partial
            }
        };
        if partial.current + 1 < partial.total {
            self.partial = Some(partial);
            return Ok(None);
        }
        parse_fragmented_body(partial.kind, partial.transaction, &partial.payload).map(Some)
    }

    /// Whether a message is partly received.
    pub fn is_pending(&self) -> bool {
        self.partial.is_some()
    }
}
