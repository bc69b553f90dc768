//! The two BER-TLV length helpers the KDF and the BSP need (single-byte tags only).
//!
//! The full ASN.1 codec lives in the `euicc-asn1` crate; these helpers exist so that the crypto layer can
//! frame and check its own segments without depending on message types.

/// Appends the BER definite length of `len` (short form below 128, else `81`/`82`/`83` long forms).
pub(crate) fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

/// A single-byte tag and a definite length read from the start of a TLV.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) tag: u8,
    pub(crate) len: usize,
    /// Bytes of tag plus length field.
    pub(crate) header_len: usize,
}

/// Reads the tag and length of `tlv`. `None` when the header is cut off, not minimal in length, or longer
/// than three length bytes (nothing the BSP carries is that large).
pub(crate) fn read_header(tlv: &[u8]) -> Option<Header> {
    let (&tag, rest) = tlv.split_first()?;
    let (&first, rest) = rest.split_first()?;
    if first < 0x80 {
        return Some(Header {
            tag,
            len: usize::from(first),
            header_len: 2,
        });
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 3 || rest.len() < n || rest[0] == 0 {
        return None;
    }
    let len = rest[..n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    if len < 0x80 {
        return None;
    }
    Some(Header {
        tag,
        len,
        header_len: 2 + n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        push_length(&mut v, len);
        v
    }

    #[test]
    fn lengths_round_trip() {
        assert_eq!(encoded(0x7f), [0x7f]);
        assert_eq!(encoded(0x80), [0x81, 0x80]);
        assert_eq!(encoded(1016), [0x82, 0x03, 0xf8]);
        for len in [0usize, 1, 127, 128, 255, 256, 1016, 70_000] {
            let mut tlv = vec![0x86];
            tlv.extend(encoded(len));
            let h = read_header(&tlv).unwrap();
            assert_eq!((h.tag, h.len, h.header_len), (0x86, len, tlv.len()));
        }
    }

    #[test]
    fn rejects_non_minimal_and_cut_headers() {
        assert_eq!(read_header(&[0x86]), None);
        assert_eq!(read_header(&[0x86, 0x81, 0x10]), None);
        assert_eq!(read_header(&[0x86, 0x82, 0x00, 0x90]), None);
        assert_eq!(read_header(&[0x86, 0x82, 0x03]), None);
        assert_eq!(read_header(&[0x86, 0x80]), None);
    }
}
