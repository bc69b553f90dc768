//! The simulated device's own reading of MBIM framing (USB MBIM 1.0 §9), written apart from the IPA's so a
//! misreading on either side fails a test: messages are cut out of the byte stream by the length in their
//! header, COMMAND fragments are put back together, and answers longer than the host's maximum control
//! transfer leave in fragments.

/// Message types (USB MBIM 1.0 Tables 9-3 and 9-9).
pub const OPEN: u32 = 1;
/// The host closes the function.
pub const CLOSE: u32 = 2;
/// A request to a device service.
pub const COMMAND: u32 = 3;
/// The host reports a protocol error.
pub const HOST_ERROR: u32 = 4;
/// Answer to OPEN.
pub const OPEN_DONE: u32 = 0x8000_0001;
/// Answer to CLOSE.
pub const CLOSE_DONE: u32 = 0x8000_0002;
/// Answer to COMMAND.
pub const COMMAND_DONE: u32 = 0x8000_0003;
/// The function reports a protocol error.
pub const FUNCTION_ERROR: u32 = 0x8000_0004;

/// FUNCTION_ERROR codes (USB MBIM 1.0 Table 9-7).
pub mod error_code {
    /// Fragments out of order.
    pub const FRAGMENT_OUT_OF_SEQUENCE: u32 = 2;
    /// The length field does not fit the bytes.
    pub const LENGTH_MISMATCH: u32 = 3;
    /// A command before OPEN.
    pub const NOT_OPENED: u32 = 5;
}

/// Longest message the simulated device accepts from the host, and the most it reassembles.
pub const MAX_MESSAGE: usize = 64 * 1024;
const HEADER: usize = 12;
const FRAGMENT_HEADER: usize = 8;

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A message cut out of the stream: type, transaction id and what follows the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    /// Message type.
    pub kind: u32,
    /// Transaction id.
    pub transaction: u32,
    /// Bytes after the 12-byte header.
    pub body: Vec<u8>,
}

/// Bytes from the host, cut into messages.
#[derive(Debug, Default)]
pub struct Stream {
    pending: Vec<u8>,
}

/// The host's stream lost its framing (a length that cannot be).
#[derive(Debug, PartialEq, Eq)]
pub struct Unframed;

impl Stream {
    /// Adds `bytes` and returns the messages now complete; on a broken length the buffered bytes are
    /// dropped (the host must resynchronise by closing and opening).
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Raw>, Unframed> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let Some(length) = le32(&self.pending, 4) else {
                return Ok(out);
            };
            let length = length as usize;
            if !(HEADER..=MAX_MESSAGE).contains(&length) {
                self.pending.clear();
                return Err(Unframed);
            }
            if self.pending.len() < length {
                return Ok(out);
            }
            let message: Vec<u8> = self.pending.drain(..length).collect();
            out.push(Raw {
                kind: le32(&message, 0).unwrap_or_default(),
                transaction: le32(&message, 8).unwrap_or_default(),
                body: message[HEADER..].to_vec(),
            });
        }
    }
}

/// A complete COMMAND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Transaction id.
    pub transaction: u32,
    /// Device service UUID, wire order.
    pub service: [u8; 16],
    /// Command id.
    pub cid: u32,
    /// 0 query, 1 set.
    pub command_type: u32,
    /// Information buffer.
    pub info: Vec<u8>,
}

/// What a COMMAND fragment led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Assembled {
    /// The command is complete.
    Done(Request),
    /// More fragments to come.
    Partial,
    /// A fragment out of order, or a malformed command; the FUNCTION_ERROR code to answer.
    Refused(u32),
}

/// COMMAND fragments being put back together.
#[derive(Debug, Default)]
pub struct Commands {
    /// Transaction id, total, next expected index, bytes so far.
    partial: Option<(u32, u32, u32, Vec<u8>)>,
}

impl Commands {
    /// Takes the body of one COMMAND message.
    pub fn push(&mut self, transaction: u32, body: &[u8]) -> Assembled {
        let (Some(total), Some(current)) = (le32(body, 0), le32(body, 4)) else {
            return Assembled::Refused(error_code::LENGTH_MISMATCH);
        };
        let piece = &body[FRAGMENT_HEADER..];
        let mut bytes = match self.partial.take() {
            None if current == 0 && total >= 1 => piece.to_vec(),
            Some((tid, want_total, next, mut bytes))
                if tid == transaction && want_total == total && next == current =>
            {
                if bytes.len() + piece.len() > MAX_MESSAGE {
                    return Assembled::Refused(error_code::LENGTH_MISMATCH);
                }
                bytes.extend_from_slice(piece);
                bytes
            }
            _ => return Assembled::Refused(error_code::FRAGMENT_OUT_OF_SEQUENCE),
        };
        if current + 1 < total {
            self.partial = Some((transaction, total, current + 1, std::mem::take(&mut bytes)));
            return Assembled::Partial;
        }
        // Service (16), CID, command type, information buffer length, then the buffer.
        let (Some(cid), Some(command_type), Some(length)) =
            (le32(&bytes, 16), le32(&bytes, 20), le32(&bytes, 24))
        else {
            return Assembled::Refused(error_code::LENGTH_MISMATCH);
        };
        let info = &bytes[28..];
        if info.len() != length as usize {
            return Assembled::Refused(error_code::LENGTH_MISMATCH);
        }
        let mut service = [0; 16];
        service.copy_from_slice(&bytes[..16]);
        Assembled::Done(Request {
            transaction,
            service,
            cid,
            command_type,
            info: info.to_vec(),
        })
    }
}

/// A message without fragment header: `kind`, `transaction` and one 32-bit value (a status or error code).
pub fn simple(kind: u32, transaction: u32, value: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    for word in [kind, 16, transaction, value] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out
}

/// COMMAND_DONE for `request` with `status` and `info`, in fragments of at most `max_transfer` bytes.
pub fn command_done(
    request: &Request,
    status: u32,
    info: &[u8],
    max_transfer: usize,
) -> Vec<Vec<u8>> {
    let mut body = Vec::with_capacity(28 + info.len());
    body.extend_from_slice(&request.service);
    body.extend_from_slice(&request.cid.to_le_bytes());
    body.extend_from_slice(&status.to_le_bytes());
    body.extend_from_slice(&(info.len() as u32).to_le_bytes());
    body.extend_from_slice(info);
    let room = max_transfer.saturating_sub(HEADER + FRAGMENT_HEADER).max(1);
    let pieces: Vec<&[u8]> = body.chunks(room).collect();
    let total = pieces.len() as u32;
    pieces
        .iter()
        .enumerate()
        .map(|(index, piece)| {
            let length = HEADER + FRAGMENT_HEADER + piece.len();
            let mut out = Vec::with_capacity(length);
            for word in [
                COMMAND_DONE,
                length as u32,
                request.transaction,
                total,
                index as u32,
            ] {
                out.extend_from_slice(&word.to_le_bytes());
            }
            out.extend_from_slice(piece);
            out
        })
        .collect()
}

/// Reads a little-endian 32-bit field of an information buffer.
pub fn field(info: &[u8], at: usize) -> Option<u32> {
    le32(info, at)
}

/// The bytes a size-then-offset pair at `at` points to (the UICC extension's byte arrays).
pub fn sized_bytes(info: &[u8], at: usize) -> Option<&[u8]> {
    let size = le32(info, at)? as usize;
    let offset = le32(info, at + 4)? as usize;
    if size == 0 {
        return Some(&[]);
    }
    info.get(offset..offset.checked_add(size)?)
}

/// An information buffer: `words`, then `data` behind a size-then-offset pair, padded to 4 bytes.
pub fn words_then_sized(words: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for word in words {
        out.extend_from_slice(&word.to_le_bytes());
    }
    let offset = if data.is_empty() { 0 } else { out.len() + 8 };
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(offset as u32).to_le_bytes());
    out.extend_from_slice(data);
    while out.len() % 4 != 0 {
        out.push(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_cuts_merged_and_split_messages() {
        let open = hex::decode("01000000100000000100000000100000").unwrap();
        let close = hex::decode("020000000c00000002000000").unwrap();
        let mut all = open.clone();
        all.extend_from_slice(&close);
        let mut stream = Stream::default();
        assert_eq!(stream.feed(&all[..5]).unwrap(), []);
        let got = stream.feed(&all[5..]).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].kind, OPEN);
        assert_eq!(got[0].body, [0x00, 0x10, 0, 0]);
        assert_eq!(got[1].kind, CLOSE);
        assert_eq!(got[1].transaction, 2);
        assert_eq!(stream.feed(&[1, 0, 0, 0, 3, 0, 0, 0]), Err(Unframed));
    }

    #[test]
    fn answers_fragment_and_commands_reassemble() {
        let request = Request {
            transaction: 9,
            service: [7; 16],
            cid: 4,
            command_type: 1,
            info: vec![0xAB; 300],
        };
        let pieces = command_done(&request, 0, &request.info, 64);
        assert_eq!(pieces.len(), (28 + 300usize).div_ceil(44));
        assert!(pieces.iter().all(|p| p.len() <= 64));
        // The same pieces, relabelled as COMMAND, go back together.
        let mut commands = Commands::default();
        let mut result = Assembled::Partial;
        for piece in &pieces {
            let mut body = piece[12..].to_vec();
            if le32(&body, 4) == Some(0) {
                body[28..32].copy_from_slice(&1u32.to_le_bytes());
            }
            result = commands.push(9, &body);
        }
        assert_eq!(result, Assembled::Done(request.clone()));
        let second = pieces[1][12..].to_vec();
        assert_eq!(
            commands.push(9, &second),
            Assembled::Refused(error_code::FRAGMENT_OUT_OF_SEQUENCE)
        );
    }
}
