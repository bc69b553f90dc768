//! The simulated device's own reading of QMUX frames: marker `01`, length of the rest (little-endian),
//! sender flags (`80` from the device), service, client; the QMI header (message type, transaction id of one
//! byte on the control service and two elsewhere, message id, TLV length); TLVs of type, 16-bit length, value.

/// The control service.
pub const CTL: u8 = 0x00;
/// The UIM service.
pub const UIM: u8 = 0x0B;
/// The longest frame the device takes from the host; longer ones are skipped.
pub const MAX_FRAME: usize = 8192;

/// A request from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The service addressed.
    pub service: u8,
    /// The client id.
    pub client: u8,
    /// The transaction id to answer with.
    pub transaction: u16,
    /// The message id.
    pub message: u16,
    /// The TLVs: type and value.
    pub tlvs: Vec<(u8, Vec<u8>)>,
}

impl Request {
    /// The value of TLV `kind`.
    pub fn tlv(&self, kind: u8) -> Option<&[u8]> {
        self.tlvs
            .iter()
            .find_map(|(k, v)| (*k == kind).then_some(v.as_slice()))
    }
}

/// Why bytes from the host are not a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The frame is shorter than its headers, its TLVs overrun it, or it is not a request.
    #[error("malformed QMI frame")]
    Malformed,
}

/// Cuts the host's byte stream into frames: a read may hold several frames or part of one.
#[derive(Debug, Default)]
pub struct Framer {
    pending: Vec<u8>,
}

impl Framer {
    /// Adds bytes read from the PTY and returns the complete frames in them. Bytes before a marker, and
    /// frames longer than [`MAX_FRAME`], are dropped.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.pending.extend_from_slice(bytes);
        let mut frames = Vec::new();
        loop {
            match self.pending.iter().position(|&b| b == 0x01) {
                Some(0) => {}
                Some(start) => {
                    self.pending.drain(..start);
                }
                None => {
                    self.pending.clear();
                    return frames;
                }
            }
            if self.pending.len() < 3 {
                return frames;
            }
            let total = 1 + usize::from(u16::from_le_bytes([self.pending[1], self.pending[2]]));
            if !(12..=MAX_FRAME).contains(&total) {
                self.pending.remove(0);
                continue;
            }
            if self.pending.len() < total {
                return frames;
            }
            frames.push(self.pending.drain(..total).collect());
        }
    }
}

/// Reads one request frame.
pub fn parse_request(frame: &[u8]) -> Result<Request, WireError> {
    let field = |at: usize| frame.get(at).copied().ok_or(WireError::Malformed);
    let word =
        |at: usize| Ok::<_, WireError>(u16::from(field(at)?) | u16::from(field(at + 1)?) << 8);
    if field(0)? != 0x01 || usize::from(word(1)?) + 1 != frame.len() {
        return Err(WireError::Malformed);
    }
    let service = field(4)?;
    let client = field(5)?;
    if field(6)? != 0 {
        return Err(WireError::Malformed);
    }
    let (transaction, rest) = if service == CTL {
        (u16::from(field(7)?), 8)
    } else {
        (word(7)?, 9)
    };
    let message = word(rest)?;
    let tlv_end = rest + 4 + usize::from(word(rest + 2)?);
    if tlv_end != frame.len() {
        return Err(WireError::Malformed);
    }
    let mut tlvs = Vec::new();
    let mut at = rest + 4;
    while at < tlv_end {
        let kind = field(at)?;
        let len = usize::from(word(at + 1)?);
        let value = frame
            .get(at + 3..at + 3 + len)
            .ok_or(WireError::Malformed)?;
        tlvs.push((kind, value.to_vec()));
        at += 3 + len;
    }
    Ok(Request {
        service,
        client,
        transaction,
        message,
        tlvs,
    })
}

/// Builds a response frame from the device.
pub fn response(
    service: u8,
    client: u8,
    transaction: u16,
    message: u16,
    tlvs: &[(u8, Vec<u8>)],
) -> Vec<u8> {
    let control = if service == CTL { 0x01 } else { 0x02 };
    frame(0x80, control, service, client, transaction, message, tlvs)
}

/// Builds a request frame from a client (the device's own tests play the client).
#[cfg(test)]
pub(crate) fn request(
    service: u8,
    client: u8,
    transaction: u16,
    message: u16,
    tlvs: &[(u8, &[u8])],
) -> Vec<u8> {
    frame(0x00, 0x00, service, client, transaction, message, tlvs)
}

/// One QMUX frame: the QMUX header with `sender` flags (0x80 from the device), then the QMI header with
/// `control` flags (a one-byte transaction for the control service, two bytes otherwise) and the TLVs.
fn frame<T: AsRef<[u8]>>(
    sender: u8,
    control: u8,
    service: u8,
    client: u8,
    transaction: u16,
    message: u16,
    tlvs: &[(u8, T)],
) -> Vec<u8> {
    let body: usize = tlvs.iter().map(|(_, v)| 3 + v.as_ref().len()).sum();
    let mut frame = vec![0x01, 0, 0, sender, service, client, control];
    if service == CTL {
        frame.push(transaction as u8);
    } else {
        frame.extend_from_slice(&transaction.to_le_bytes());
    }
    frame.extend_from_slice(&message.to_le_bytes());
    frame.extend_from_slice(&(body as u16).to_le_bytes());
    for (kind, value) in tlvs {
        let value = value.as_ref();
        frame.push(*kind);
        frame.extend_from_slice(&(value.len() as u16).to_le_bytes());
        frame.extend_from_slice(value);
    }
    let length = (frame.len() - 1) as u16;
    frame[1..3].copy_from_slice(&length.to_le_bytes());
    frame
}

/// The result TLV (`02`): success, or failure with QMI error `code`.
pub fn result_tlv(code: Option<u16>) -> (u8, Vec<u8>) {
    let (result, error) = match code {
        None => (0u16, 0u16),
        Some(code) => (1, code),
    };
    let mut value = result.to_le_bytes().to_vec();
    value.extend_from_slice(&error.to_le_bytes());
    (0x02, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_qmicli_sends_split_and_merged() {
        // qmicli 1.32.2 -v: CTL Allocate CID for UIM.
        let frame = hex::decode("010f000000000001220004000101000b").unwrap();
        let mut framer = Framer::default();
        assert!(framer.feed(&frame[..5]).is_empty());
        let mut rest = frame[5..].to_vec();
        rest.extend_from_slice(&frame);
        let frames = framer.feed(&rest);
        assert_eq!(frames.len(), 2);
        let request = parse_request(&frames[0]).unwrap();
        assert_eq!(
            (request.service, request.transaction, request.message),
            (CTL, 1, 0x22)
        );
        assert_eq!(request.tlv(0x01), Some(&[0x0B][..]));
        assert_eq!(
            parse_request(&frame[..frame.len() - 1]),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn answers_like_qmi_proxy() {
        // qmi-proxy 1.32.2's success answer to its open message, byte for byte.
        assert_eq!(
            hex::encode(response(CTL, 0, 1, 0xFF00, &[result_tlv(None)])),
            "011200800000010100ff070002040000000000"
        );
    }
}
