//! One MBIM control message (USB MBIM 1.0 §9): the 12-byte header (type, length, transaction id), for
//! COMMAND, COMMAND_DONE and INDICATE_STATUS the fragment header (total, current), then the body.
//!
//! [`frame_length`] finds message boundaries in a byte stream (a PTY or a socket may merge or split
//! messages); [`Frame::parse`] reads one; [`Message::to_fragments`] writes one in pieces no longer than the
//! maximum control transfer the device announced at OPEN.

use super::buffer::Fields;
use super::{Error, Status, Uuid};

/// The message header: type, length, transaction id.
pub const HEADER_LEN: usize = 12;
/// The fragment header: total fragments, this fragment's index.
pub const FRAGMENT_HEADER_LEN: usize = 8;
/// Bound on one message on the wire and on a reassembled one: far above an APDU's 261 bytes and the
/// libmbim default transfer of 4096, small enough for a router.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Service id, CID, command type or status, and information buffer length before the buffer.
const COMMAND_FIELDS: usize = 16 + 4 + 4 + 4;
/// Service id, CID and information buffer length before an indication's buffer.
const INDICATION_FIELDS: usize = 16 + 4 + 4;

/// The message types (USB MBIM 1.0 Table 9-3 and 9-9).
mod kind {
    pub const OPEN: u32 = 0x0000_0001;
    pub const CLOSE: u32 = 0x0000_0002;
    pub const COMMAND: u32 = 0x0000_0003;
    pub const HOST_ERROR: u32 = 0x0000_0004;
    pub const OPEN_DONE: u32 = 0x8000_0001;
    pub const CLOSE_DONE: u32 = 0x8000_0002;
    pub const COMMAND_DONE: u32 = 0x8000_0003;
    pub const FUNCTION_ERROR: u32 = 0x8000_0004;
    pub const INDICATE_STATUS: u32 = 0x8000_0007;
}

/// Whether a command reads or changes state (USB MBIM 1.0 §9.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandType {
    /// Read.
    Query,
    /// Change.
    Set,
}

impl CommandType {
    fn code(self) -> u32 {
        match self {
            Self::Query => 0,
            Self::Set => 1,
        }
    }
}

/// A request to a device service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Matches the answer to the request.
    pub transaction: u32,
    /// The device service.
    pub service: Uuid,
    /// The command within the service.
    pub cid: u32,
    /// Query or set.
    pub command_type: CommandType,
    /// The service-specific information buffer.
    pub info: Vec<u8>,
}

/// A device service's answer to a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandDone {
    /// The request's transaction id.
    pub transaction: u32,
    /// The device service.
    pub service: Uuid,
    /// The command within the service.
    pub cid: u32,
    /// Whether the command worked.
    pub status: Status,
    /// The service-specific information buffer.
    pub info: Vec<u8>,
}

/// An unsolicited notification from a device service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indication {
    /// The device service.
    pub service: Uuid,
    /// What changed.
    pub cid: u32,
    /// The service-specific information buffer.
    pub info: Vec<u8>,
}

/// A protocol error code of FUNCTION_ERROR and HOST_ERROR (USB MBIM 1.0 Table 9-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolError(pub u32);

impl ProtocolError {
    /// Fragments of a message did not all arrive in time.
    pub const TIMEOUT_FRAGMENT: Self = Self(1);
    /// A fragment arrived out of order.
    pub const FRAGMENT_OUT_OF_SEQUENCE: Self = Self(2);
    /// The length field does not match the bytes.
    pub const LENGTH_MISMATCH: Self = Self(3);
    /// A transaction id was reused while in flight.
    pub const DUPLICATED_TID: Self = Self(4);
    /// A command arrived before OPEN.
    pub const NOT_OPENED: Self = Self(5);
    /// Anything else.
    pub const UNKNOWN: Self = Self(6);
    /// The host cancelled.
    pub const CANCEL: Self = Self(7);
    /// The maximum control transfer is not supported.
    pub const MAX_TRANSFER: Self = Self(8);
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match *self {
            Self::TIMEOUT_FRAGMENT => "timeout-fragment",
            Self::FRAGMENT_OUT_OF_SEQUENCE => "fragment-out-of-sequence",
            Self::LENGTH_MISMATCH => "length-mismatch",
            Self::DUPLICATED_TID => "duplicated-tid",
            Self::NOT_OPENED => "not-opened",
            Self::CANCEL => "cancel",
            Self::MAX_TRANSFER => "max-transfer",
            _ => "unknown",
        };
        write!(f, "{name} ({})", self.0)
    }
}

/// A whole control message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The host opens the function, naming the longest message it accepts.
    Open {
        /// Transaction id.
        transaction: u32,
        /// The host's maximum control transfer.
        max_control_transfer: u32,
    },
    /// The host closes the function.
    Close {
        /// Transaction id.
        transaction: u32,
    },
    /// A request to a device service.
    Command(Command),
    /// The host reports a protocol error.
    HostError {
        /// Transaction id.
        transaction: u32,
        /// What went wrong.
        error: ProtocolError,
    },
    /// The answer to OPEN.
    OpenDone {
        /// Transaction id.
        transaction: u32,
        /// Whether it worked.
        status: Status,
    },
    /// The answer to CLOSE.
    CloseDone {
        /// Transaction id.
        transaction: u32,
        /// Whether it worked.
        status: Status,
    },
    /// The answer to a command.
    CommandDone(CommandDone),
    /// The function reports a protocol error.
    FunctionError {
        /// Transaction id.
        transaction: u32,
        /// What went wrong.
        error: ProtocolError,
    },
    /// A notification.
    IndicateStatus(Indication),
}

/// The length of the first message in `stream`, once all of it is there (`None`: read more). An impossible
/// length is an error: the stream has lost its framing.
pub fn frame_length(stream: &[u8]) -> Result<Option<usize>, Error> {
    let Some(length) = stream.get(4..8) else {
        return Ok(None);
    };
    let length = u32::from_le_bytes([length[0], length[1], length[2], length[3]]);
    let bytes = usize::try_from(length).map_err(|_| Error::BadLength(length))?;
    if !(HEADER_LEN..=MAX_MESSAGE).contains(&bytes) {
        return Err(Error::BadLength(length));
    }
    Ok((stream.len() >= bytes).then_some(bytes))
}

/// One message as it came off the wire: whole, or a fragment of a longer one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A message without fragment header, or the only fragment of one.
    Whole(Message),
    /// One piece of a fragmented COMMAND, COMMAND_DONE or INDICATE_STATUS.
    Fragment(Fragment),
}

/// One piece of a fragmented message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// The message type.
    pub kind: u32,
    /// The transaction id, the same in every piece.
    pub transaction: u32,
    /// How many pieces the message has.
    pub total: u32,
    /// This piece's index, from 0.
    pub current: u32,
    /// The bytes after the fragment header.
    pub payload: Vec<u8>,
}

impl Frame {
    /// Parses one message of exactly `bytes` (as [`frame_length`] delimited it).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let mut header = Fields::new(bytes, "message header");
        let kind = header.u32()?;
        let length = header.u32()?;
        let transaction = header.u32()?;
        if usize::try_from(length).ok() != Some(bytes.len()) {
            return Err(Error::BadLength(length));
        }
        let body = &bytes[HEADER_LEN..];
        let mut fields = Fields::new(body, "message body");
        let message = match kind {
            kind::OPEN => Message::Open {
                transaction,
                max_control_transfer: fields.u32()?,
            },
            kind::CLOSE => Message::Close { transaction },
            kind::HOST_ERROR => Message::HostError {
                transaction,
                error: ProtocolError(fields.u32()?),
            },
            kind::OPEN_DONE => Message::OpenDone {
                transaction,
                status: Status(fields.u32()?),
            },
            kind::CLOSE_DONE => Message::CloseDone {
                transaction,
                status: Status(fields.u32()?),
            },
            kind::FUNCTION_ERROR => Message::FunctionError {
                transaction,
                error: ProtocolError(fields.u32()?),
            },
            kind::COMMAND | kind::COMMAND_DONE | kind::INDICATE_STATUS => {
                let total = fields.u32()?;
                let current = fields.u32()?;
                if total == 0 || current >= total {
                    return Err(Error::FragmentOutOfSequence { current, total });
                }
                let payload = &body[FRAGMENT_HEADER_LEN..];
                if total > 1 {
                    return Ok(Self::Fragment(Fragment {
                        kind,
                        transaction,
                        total,
                        current,
                        payload: payload.to_vec(),
                    }));
                }
                parse_fragmented_body(kind, transaction, payload)?
            }
            other => return Err(Error::UnknownType(other)),
        };
        Ok(Self::Whole(message))
    }
}

/// Parses the body of a COMMAND, COMMAND_DONE or INDICATE_STATUS after its fragment header (all pieces'
/// payloads put together).
pub(crate) fn parse_fragmented_body(
    kind: u32,
    transaction: u32,
    payload: &[u8],
) -> Result<Message, Error> {
    let mut fields = Fields::new(payload, "command");
    let service = Uuid(fields.array()?);
    let cid = fields.u32()?;
    let (third, prefix) = if kind == kind::INDICATE_STATUS {
        (0, INDICATION_FIELDS)
    } else {
        (fields.u32()?, COMMAND_FIELDS)
    };
    let declared = fields.u32()?;
    let info = &payload[prefix..];
    if usize::try_from(declared).ok() != Some(info.len()) {
        return Err(Error::InfoLength {
            declared,
            actual: info.len(),
        });
    }
    let info = info.to_vec();
    Ok(match kind {
        kind::COMMAND => Message::Command(Command {
            transaction,
            service,
            cid,
            command_type: if third == 0 {
                CommandType::Query
            } else {
                CommandType::Set
            },
            info,
        }),
        kind::COMMAND_DONE => Message::CommandDone(CommandDone {
            transaction,
            service,
            cid,
            status: Status(third),
            info,
        }),
        _ => Message::IndicateStatus(Indication { service, cid, info }),
    })
}

impl Message {
    /// The message type code (USB MBIM 1.0 Tables 9-3 and 9-9), for logs and errors.
    pub fn kind(&self) -> u32 {
        match self {
            Self::Open { .. } => kind::OPEN,
            Self::Close { .. } => kind::CLOSE,
            Self::Command(_) => kind::COMMAND,
            Self::HostError { .. } => kind::HOST_ERROR,
            Self::OpenDone { .. } => kind::OPEN_DONE,
            Self::CloseDone { .. } => kind::CLOSE_DONE,
            Self::CommandDone(_) => kind::COMMAND_DONE,
            Self::FunctionError { .. } => kind::FUNCTION_ERROR,
            Self::IndicateStatus(_) => kind::INDICATE_STATUS,
        }
    }

    /// The transaction id (0 for an indication).
    pub fn transaction(&self) -> u32 {
        match self {
            Self::Open { transaction, .. }
            | Self::Close { transaction }
            | Self::HostError { transaction, .. }
            | Self::OpenDone { transaction, .. }
            | Self::CloseDone { transaction, .. }
            | Self::FunctionError { transaction, .. } => *transaction,
            Self::Command(command) => command.transaction,
            Self::CommandDone(done) => done.transaction,
            Self::IndicateStatus(_) => 0,
        }
    }

    /// The message on the wire, in as many fragments as `max_transfer` (the maximum control transfer)
    /// needs; messages without fragment header are always one piece.
    pub fn to_fragments(&self, max_transfer: usize) -> Result<Vec<Vec<u8>>, Error> {
        let transaction = self.transaction();
        let single = |kind: u32, value: Option<u32>| {
            let mut out = header(kind, transaction, HEADER_LEN + value.map_or(0, |_| 4));
            if let Some(value) = value {
                out.extend_from_slice(&value.to_le_bytes());
            }
            vec![out]
        };
        let (kind, body) = match self {
            Self::Open {
                max_control_transfer,
                ..
            } => return Ok(single(kind::OPEN, Some(*max_control_transfer))),
            Self::Close { .. } => return Ok(single(kind::CLOSE, None)),
            Self::HostError { error, .. } => return Ok(single(kind::HOST_ERROR, Some(error.0))),
            Self::OpenDone { status, .. } => return Ok(single(kind::OPEN_DONE, Some(status.0))),
            Self::CloseDone { status, .. } => return Ok(single(kind::CLOSE_DONE, Some(status.0))),
            Self::FunctionError { error, .. } => {
                return Ok(single(kind::FUNCTION_ERROR, Some(error.0)));
            }
            Self::Command(c) => (
                kind::COMMAND,
                body(c.service, c.cid, Some(c.command_type.code()), &c.info),
            ),
            Self::CommandDone(d) => (
                kind::COMMAND_DONE,
                body(d.service, d.cid, Some(d.status.0), &d.info),
            ),
            Self::IndicateStatus(i) => {
                (kind::INDICATE_STATUS, body(i.service, i.cid, None, &i.info))
            }
        };
        let room = max_transfer
            .min(MAX_MESSAGE)
            .checked_sub(HEADER_LEN + FRAGMENT_HEADER_LEN)
            .filter(|room| *room > 0)
            .ok_or(Error::TransferTooSmall(max_transfer))?;
        let pieces: Vec<&[u8]> = body.chunks(room).collect();
        let total = u32::try_from(pieces.len()).map_err(|_| Error::TooLarge(body.len()))?;
        Ok(pieces
            .iter()
            .zip(0u32..)
            .map(|(piece, current)| {
                let mut out = header(
                    kind,
                    transaction,
                    HEADER_LEN + FRAGMENT_HEADER_LEN + piece.len(),
                );
                out.extend_from_slice(&total.to_le_bytes());
                out.extend_from_slice(&current.to_le_bytes());
                out.extend_from_slice(piece);
                out
            })
            .collect())
    }
}

fn header(kind: u32, transaction: u32, length: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(length);
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&(length as u32).to_le_bytes());
    out.extend_from_slice(&transaction.to_le_bytes());
    out
}

fn body(service: Uuid, cid: u32, third: Option<u32>, info: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(COMMAND_FIELDS + info.len());
    out.extend_from_slice(&service.0);
    out.extend_from_slice(&cid.to_le_bytes());
    if let Some(third) = third {
        out.extend_from_slice(&third.to_le_bytes());
    }
    out.extend_from_slice(&(info.len() as u32).to_le_bytes());
    out.extend_from_slice(info);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mbim::reassembly::Reassembler;
    use proptest::prelude::*;

    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text).expect("hex")
    }

    #[test]
    fn open_and_close_as_mbimcli_sends_them() {
        // libmbim 1.28.2 on a PTY (no descriptors, so its default 4096-byte transfer).
        let open = unhex("01000000100000000100000000100000");
        assert_eq!(
            Frame::parse(&open),
            Ok(Frame::Whole(Message::Open {
                transaction: 1,
                max_control_transfer: 4096
            }))
        );
        let close = unhex("020000000c00000002000000");
        assert_eq!(
            Frame::parse(&close),
            Ok(Frame::Whole(Message::Close { transaction: 2 }))
        );
        let done = Message::OpenDone {
            transaction: 1,
            status: Status::SUCCESS,
        };
        assert_eq!(
            done.to_fragments(4096).unwrap(),
            [unhex("01000080100000000100000000000000")]
        );
    }

    #[test]
    fn framing_in_a_stream() {
        assert_eq!(frame_length(&[1, 0, 0]), Ok(None));
        assert_eq!(frame_length(&unhex("020000000c000000")), Ok(None));
        assert_eq!(
            frame_length(&unhex("020000000c00000002000000ff")),
            Ok(Some(12))
        );
        assert_eq!(
            frame_length(&unhex("020000000b000000")),
            Err(Error::BadLength(11))
        );
        assert_eq!(
            frame_length(&unhex("02000000ffffffff")),
            Err(Error::BadLength(u32::MAX))
        );
        assert!(matches!(
            Frame::parse(&unhex("090000000c00000002000000")),
            Err(Error::UnknownType(9))
        ));
        // The length field must match the bytes handed over.
        assert!(Frame::parse(&unhex("020000000c0000000200000000")).is_err());
    }

    #[test]
    fn out_of_sequence_fragments_are_refused() {
        let message = Message::CommandDone(CommandDone {
            transaction: 7,
            service: Uuid([9; 16]),
            cid: 4,
            status: Status::SUCCESS,
            info: vec![0x55; 100],
        });
        let pieces = message.to_fragments(64).unwrap();
        assert!(pieces.len() > 2);
        let frames: Vec<Frame> = pieces.iter().map(|p| Frame::parse(p).unwrap()).collect();
        let mut reassembler = Reassembler::new();
        assert!(matches!(
            reassembler.push(frames[1].clone()),
            Err(Error::FragmentOutOfSequence { .. })
        ));
        assert_eq!(reassembler.push(frames[0].clone()), Ok(None));
        assert!(reassembler.push(frames[2].clone()).is_err());
        assert!(!reassembler.is_pending());
        assert_eq!(
            Message::Close { transaction: 1 }
                .to_fragments(8)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(message.to_fragments(20), Err(Error::TransferTooSmall(20)));
    }

    fn any_message() -> impl Strategy<Value = Message> {
        let info = proptest::collection::vec(any::<u8>(), 0..3000);
        prop_oneof![
            (any::<u32>(), any::<u32>()).prop_map(|(transaction, max_control_transfer)| {
                Message::Open {
                    transaction,
                    max_control_transfer,
                }
            }),
            any::<u32>().prop_map(|transaction| Message::Close { transaction }),
            (any::<u32>(), any::<u32>()).prop_map(|(transaction, e)| Message::FunctionError {
                transaction,
                error: ProtocolError(e)
            }),
            (
                any::<u32>(),
                any::<[u8; 16]>(),
                any::<u32>(),
                any::<bool>(),
                info.clone()
            )
                .prop_map(|(transaction, service, cid, set, info)| Message::Command(
                    Command {
                        transaction,
                        service: Uuid(service),
                        cid,
                        command_type: if set {
                            CommandType::Set
                        } else {
                            CommandType::Query
                        },
                        info,
                    }
                )),
            (
                any::<u32>(),
                any::<[u8; 16]>(),
                any::<u32>(),
                any::<u32>(),
                info.clone()
            )
                .prop_map(|(transaction, service, cid, status, info)| {
                    Message::CommandDone(CommandDone {
                        transaction,
                        service: Uuid(service),
                        cid,
                        status: Status(status),
                        info,
                    })
                }),
            (any::<[u8; 16]>(), any::<u32>(), info).prop_map(|(service, cid, info)| {
                Message::IndicateStatus(Indication {
                    service: Uuid(service),
                    cid,
                    info,
                })
            }),
        ]
    }

    proptest! {
        #[test]
        fn build_then_parse_gives_the_message_back(message in any_message(), max in 21usize..5000) {
            let pieces = message.to_fragments(max).unwrap();
            let stream: Vec<u8> = pieces.concat();
            let mut rest = stream.as_slice();
            let mut reassembler = Reassembler::new();
            let mut got = None;
            while let Some(len) = frame_length(rest).unwrap() {
                prop_assert!(len <= max.max(HEADER_LEN + 4));
                let done = reassembler.push(Frame::parse(&rest[..len]).unwrap()).unwrap();
                rest = &rest[len..];
                if done.is_some() {
                    prop_assert!(rest.is_empty());
                    got = done;
                }
            }
            prop_assert_eq!(got, Some(message));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut reassembler = Reassembler::new();
            if let Ok(Some(len)) = frame_length(&bytes) {
                if let Ok(frame) = Frame::parse(&bytes[..len]) {
                    let _ = reassembler.push(frame);
                }
            }
        }
    }
}
