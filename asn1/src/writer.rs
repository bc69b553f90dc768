//! The DER writer.

use crate::Tag;

/// Accumulates DER output. Lengths are always definite and minimal.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes as they are (content octets, or a relayed TLV).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Writes `tag`, then the content that `content` writes, with its length in between.
    pub fn tlv(&mut self, tag: Tag, content: impl FnOnce(&mut Writer)) {
        self.buf.extend(tag.bytes());
        let len_at = self.buf.len();
        self.buf.push(0);
        content(self);
        let len = self.buf.len() - len_at - 1;
        if len < 0x80 {
            self.buf[len_at] = len as u8;
        } else {
            let octets = (usize::BITS / 8 - len.leading_zeros() / 8) as usize;
            self.buf[len_at] = 0x80 | octets as u8;
            let bytes = len.to_be_bytes();
            let tail = &bytes[bytes.len() - octets..];
            self.buf
                .splice(len_at + 1..len_at + 1, tail.iter().copied());
        }
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_minimal() {
        for (n, header) in [
            (0usize, vec![0x04, 0x00]),
            (127, vec![0x04, 0x7F]),
            (128, vec![0x04, 0x81, 0x80]),
            (256, vec![0x04, 0x82, 0x01, 0x00]),
            (70000, vec![0x04, 0x83, 0x01, 0x11, 0x70]),
        ] {
            let mut w = Writer::new();
            w.tlv(Tag::OCTET_STRING, |w| w.raw(&vec![0xAB; n]));
            let out = w.into_bytes();
            assert_eq!(&out[..header.len()], &header[..], "length {n}");
            assert_eq!(out.len(), header.len() + n);
        }
    }
}
