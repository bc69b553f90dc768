//! QMUX framing: the marker `01`, a little-endian length of everything after it, the sender flags, the
//! service and the client id; then the QMI header (flags, a transaction id of one byte for the control
//! service and two for the others, the message id, the TLV length) and the TLVs (type, 16-bit length, value).
//! All integers little-endian.
//!
//! A control device or a proxy socket is a byte stream whose reads may merge or split messages, so
//! [`Deframer`] cuts frames by the length in the header.

use super::{Error, ProtocolError, SERVICE_CTL, TLV_RESULT};

/// The first byte of every QMUX frame (the interface type).
pub const MARKER: u8 = 0x01;
/// The largest frame this side sends or accepts. A UIM answer carries at most one APDU response (a few
/// hundred bytes); this leaves room for card status and for firmwares that add TLVs.
pub const MAX_FRAME: usize = 16 * 1024;
/// QMUX header after the marker: length (2), flags, service, client.
const QMUX_HEADER: usize = 5;
/// QMUX flag of a frame sent by the device (the service) rather than the host (the control point).
const FROM_SERVICE: u8 = 0x80;

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// From the host to the device.
    Request,
    /// The device's answer to a request with the same transaction id.
    Response,
    /// Unsolicited, from the device.
    Indication,
}

impl MessageKind {
    /// The QMI header's flags byte: the control service numbers the kinds 0, 1, 2; the others 0, 2, 4.
    fn flags(self, service: u8) -> u8 {
        let step = if service == SERVICE_CTL { 1 } else { 2 };
        match self {
            Self::Request => 0,
            Self::Response => step,
            Self::Indication => 2 * step,
        }
    }

    fn from_flags(flags: u8, service: u8) -> Result<Self, Error> {
        let step = if service == SERVICE_CTL { 1 } else { 2 };
        match flags {
            0 => Ok(Self::Request),
            f if f == step => Ok(Self::Response),
            f if f == 2 * step => Ok(Self::Indication),
            _ => Err(Error::BadFlags(flags)),
        }
    }
}

/// One TLV: a type and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    /// The TLV type.
    pub kind: u8,
    /// The value.
    pub value: Vec<u8>,
}

/// One QMI message with its QMUX addressing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The service (`00` control, `0B` UIM).
    pub service: u8,
    /// The client id the service allocated (0 for the control service).
    pub client: u8,
    /// Request, response or indication.
    pub kind: MessageKind,
    /// The transaction id (at most `FF` for the control service).
    pub transaction: u16,
    /// The message id.
    pub id: u16,
    /// The TLVs in wire order.
    pub tlvs: Vec<Tlv>,
}

impl Message {
    /// A request without TLVs.
    pub fn request(service: u8, client: u8, transaction: u16, id: u16) -> Self {
        Self {
            service,
            client,
            kind: MessageKind::Request,
            transaction,
            id,
            tlvs: Vec::new(),
        }
    }

    /// The same message with a TLV added at the end.
    pub fn with_tlv(mut self, kind: u8, value: impl Into<Vec<u8>>) -> Self {
        self.tlvs.push(Tlv {
            kind,
            value: value.into(),
        });
        self
    }

    /// The value of the first TLV of type `kind`.
    pub fn tlv(&self, kind: u8) -> Option<&[u8]> {
        self.tlvs
            .iter()
            .find(|tlv| tlv.kind == kind)
            .map(|tlv| tlv.value.as_slice())
    }

    /// The result TLV of a response: `Ok` on success, the QMI error otherwise.
    pub fn result(&self) -> Result<(), Error> {
        let bad = Error::BadTlv {
            message: self.id,
            tlv: TLV_RESULT,
        };
        let value = self.tlv(TLV_RESULT).ok_or(bad.clone())?;
        let &[r0, r1, e0, e1] = value else {
            return Err(bad);
        };
        match u16::from_le_bytes([r0, r1]) {
            0 => Ok(()),
            _ => Err(Error::Failed {
                message: self.id,
                error: ProtocolError::from_code(u16::from_le_bytes([e0, e1])),
            }),
        }
    }

    /// The frame on the wire.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let ctl = self.service == SERVICE_CTL;
        if ctl && self.transaction > 0xFF {
            return Err(Error::BadTransaction(self.transaction));
        }
        let tlv_len: usize = self.tlvs.iter().map(|tlv| 3 + tlv.value.len()).sum();
        let qmi_header = if ctl { 6 } else { 7 };
        let total = 1 + QMUX_HEADER + qmi_header + tlv_len;
        if total > MAX_FRAME || self.tlvs.iter().any(|tlv| tlv.value.len() > 0xFFFF) {
            return Err(Error::TooLarge(total));
        }
        let mut out = Vec::with_capacity(total);
        out.push(MARKER);
        out.extend_from_slice(&len16(total - 1));
        out.push(match self.kind {
            MessageKind::Request => 0,
            _ => FROM_SERVICE,
        });
        out.push(self.service);
        out.push(self.client);
        out.push(self.kind.flags(self.service));
        if ctl {
            out.push(self.transaction as u8);
        } else {
            out.extend_from_slice(&self.transaction.to_le_bytes());
        }
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&len16(tlv_len));
        for tlv in &self.tlvs {
            out.push(tlv.kind);
            out.extend_from_slice(&len16(tlv.value.len()));
            out.extend_from_slice(&tlv.value);
        }
        Ok(out)
    }

    /// Reads exactly one frame.
    pub fn parse(frame: &[u8]) -> Result<Self, Error> {
        let mut r = Reader(frame);
        let marker = r.u8("QMUX marker")?;
        if marker != MARKER {
            return Err(Error::BadMarker(marker));
        }
        let length = usize::from(r.u16("QMUX length")?);
        if length + 1 != frame.len() || frame.len() > MAX_FRAME {
            return Err(Error::BadLength(length));
        }
        let _sender = r.u8("QMUX flags")?;
        let service = r.u8("QMUX service")?;
        let client = r.u8("QMUX client")?;
        let flags = r.u8("QMI flags")?;
        let transaction = if service == SERVICE_CTL {
            u16::from(r.u8("QMI transaction")?)
        } else {
            r.u16("QMI transaction")?
        };
        let id = r.u16("QMI message id")?;
        let tlv_len = usize::from(r.u16("QMI TLV length")?);
        let kind = MessageKind::from_flags(flags, service)?;
        if tlv_len != r.0.len() {
            return Err(Error::TlvLength {
                tlvs: tlv_len,
                available: r.0.len(),
            });
        }
        let mut tlvs = Vec::new();
        while !r.0.is_empty() {
            let kind = r.u8("TLV type")?;
            let len = usize::from(r.u16("TLV length")?);
            let value = r.take(len, "TLV value")?;
            tlvs.push(Tlv {
                kind,
                value: value.to_vec(),
            });
        }
        Ok(Self {
            service,
            client,
            kind,
            transaction,
            id,
            tlvs,
        })
    }
}

fn len16(len: usize) -> [u8; 2] {
    // Callers bound `len` by MAX_FRAME or 0xFFFF first.
    u16::try_from(len).unwrap_or(u16::MAX).to_le_bytes()
}

/// A cursor over a frame that fails with [`Error::Truncated`] instead of reading past the end.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        if self.0.len() < n {
            return Err(Error::Truncated(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, Error> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
}

/// Cuts a byte stream into QMI messages by the QMUX length. Holds at most one incomplete frame
/// ([`MAX_FRAME`] bytes); garbage is skipped up to the next marker and reported (once per stretch of it
/// in the bytes pushed so far).
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the stream. Call [`Deframer::next_message`] until it returns `None` after each.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete message, an error for a bad frame (its bytes are dropped), or `None` when more bytes
    /// are needed.
    pub fn next_message(&mut self) -> Option<Result<Message, Error>> {
        let first = *self.buf.first()?;
        if first != MARKER {
            let skip = self
                .buf
                .iter()
                .position(|&b| b == MARKER)
                .unwrap_or(self.buf.len());
            self.buf.drain(..skip);
            return Some(Err(Error::BadMarker(first)));
        }
        let &[_, l0, l1, ..] = self.buf.as_slice() else {
            return None;
        };
        let length = usize::from(u16::from_le_bytes([l0, l1]));
        if length < QMUX_HEADER + 6 || length + 1 > MAX_FRAME {
            self.buf.drain(..1);
            return Some(Err(Error::BadLength(length)));
        }
        if self.buf.len() < length + 1 {
            return None;
        }
        let frame: Vec<u8> = self.buf.drain(..=length).collect();
        Some(Message::parse(&frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// qmicli 1.32.2 `-v --device-open-qmi --uim-get-card-status`, its first frame: CTL Allocate CID for UIM.
    const QMICLI_ALLOCATE_UIM: &str = "010f000000000001220004000101000b";

    #[test]
    fn reads_qmicli_allocate_cid() {
        let message = Message::parse(&hex::decode(QMICLI_ALLOCATE_UIM).unwrap()).unwrap();
        assert_eq!(message.service, SERVICE_CTL);
        assert_eq!(message.kind, MessageKind::Request);
        assert_eq!(message.transaction, 1);
        assert_eq!(message.id, 0x0022);
        assert_eq!(message.tlv(0x01), Some(&[0x0B][..]));
    }

    #[test]
    fn result_tlv_maps_errors() {
        let failed = Message {
            kind: MessageKind::Response,
            ..Message::request(0x0B, 1, 7, 0x0042)
        }
        .with_tlv(TLV_RESULT, [1, 0, 82, 0]);
        assert_eq!(
            failed.result(),
            Err(Error::Failed {
                message: 0x0042,
                error: ProtocolError::AccessDenied
            })
        );
        let no_result = Message::request(0x0B, 1, 7, 0x0042);
        assert!(matches!(no_result.result(), Err(Error::BadTlv { .. })));
    }

    #[test]
    fn rejects_bad_frames() {
        let good = hex::decode(QMICLI_ALLOCATE_UIM).unwrap();
        let mut marker = good.clone();
        marker[0] = 0x02;
        assert_eq!(Message::parse(&marker), Err(Error::BadMarker(2)));
        assert!(matches!(
            Message::parse(&good[..good.len() - 1]),
            Err(Error::BadLength(15))
        ));
        let mut tlv = good.clone();
        tlv[10] = 9; // TLV length 9 in a frame with 4 bytes of TLVs
        assert!(matches!(Message::parse(&tlv), Err(Error::TlvLength { .. })));
        let mut inner = good;
        inner[13] = 5; // the TLV claims 5 bytes, 1 is there
        inner[14] = 0;
        assert!(matches!(Message::parse(&inner), Err(Error::Truncated(_))));
    }

    #[test]
    fn deframer_splits_merged_reads_and_skips_garbage() {
        let frame = hex::decode(QMICLI_ALLOCATE_UIM).unwrap();
        let mut stream = vec![0xAA, 0xBB];
        stream.extend_from_slice(&frame);
        stream.extend_from_slice(&frame);
        let mut deframer = Deframer::new();
        deframer.push(&stream[..9]);
        assert_eq!(deframer.next_message(), Some(Err(Error::BadMarker(0xAA))));
        assert_eq!(deframer.next_message(), None);
        deframer.push(&stream[9..]);
        assert!(matches!(deframer.next_message(), Some(Ok(_))));
        assert!(matches!(deframer.next_message(), Some(Ok(_))));
        assert_eq!(deframer.next_message(), None);
    }

    fn message() -> impl Strategy<Value = Message> {
        (
            prop_oneof![Just(SERVICE_CTL), Just(0x0Bu8), any::<u8>()],
            any::<u8>(),
            prop_oneof![
                Just(MessageKind::Request),
                Just(MessageKind::Response),
                Just(MessageKind::Indication)
            ],
            any::<u16>(),
            any::<u16>(),
            proptest::collection::vec(
                (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..300)),
                0..5,
            ),
        )
            .prop_map(|(service, client, kind, transaction, id, tlvs)| Message {
                service,
                client,
                kind,
                transaction: if service == SERVICE_CTL {
                    transaction & 0xFF
                } else {
                    transaction
                },
                id,
                tlvs: tlvs
                    .into_iter()
                    .map(|(kind, value)| Tlv { kind, value })
                    .collect(),
            })
    }

    proptest! {
        #[test]
        fn build_then_parse_round_trips(message in message()) {
            let bytes = message.to_bytes().unwrap();
            prop_assert_eq!(Message::parse(&bytes).unwrap(), message.clone());
            // Any split of the stream gives the same message back.
            let mut deframer = Deframer::new();
            let cut = bytes.len() / 3;
            deframer.push(&bytes[..cut]);
            prop_assert_eq!(deframer.next_message(), None);
            deframer.push(&bytes[cut..]);
            prop_assert_eq!(deframer.next_message(), Some(Ok(message)));
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Message::parse(&bytes);
            let mut deframer = Deframer::new();
            deframer.push(&bytes);
            while deframer.next_message().is_some() {}
        }
    }
}
