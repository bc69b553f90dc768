//! Information buffers (USB MBIM 1.0 §10.3): a fixed region of 32-bit fields and offset/size pairs, then
//! the variable data each pair points at, every piece starting on a 4-byte boundary. Offsets count from the
//! start of the information buffer.

use super::Error;

/// Reads the fixed region front to back.
pub(crate) struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, pos: 0, what }
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        self.array().map(u32::from_le_bytes)
    }

    /// `N` bytes as they are (a UUID).
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let end = self.pos + N;
        let bytes = self.buf.get(self.pos..end).ok_or(Error::Truncated {
            what: self.what,
            need: end,
            have: self.buf.len(),
        })?;
        self.pos = end;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A byte array given as size then offset (what the UICC extension does, and libmbim calls
    /// `uicc-ref-byte-array`).
    pub(crate) fn size_offset(&mut self) -> Result<&'a [u8], Error> {
        let size = self.u32()?;
        let offset = self.u32()?;
        self.referenced(offset, size)
    }

    fn referenced(&self, offset: u32, size: u32) -> Result<&'a [u8], Error> {
        let bad = || Error::BadReference {
            what: self.what,
            offset,
            size,
            len: self.buf.len(),
        };
        if size == 0 {
            return Ok(&[]);
        }
        let start = usize::try_from(offset).map_err(|_| bad())?;
        let end = start
            .checked_add(usize::try_from(size).map_err(|_| bad())?)
            .ok_or_else(bad)?;
        self.buf.get(start..end).ok_or_else(bad)
    }
}

/// Which order a reference's two fields come in.
#[derive(Clone, Copy)]
enum Order {
    OffsetSize,
    SizeOffset,
}

/// Builds an information buffer: fields in order, variable data appended by [`Builder::finish`].
#[derive(Default)]
pub(crate) struct Builder {
    fixed: Vec<u8>,
    /// Where each reference's fields sit in `fixed`, their order, and the data.
    data: Vec<(usize, Order, Vec<u8>)>,
}

impl Builder {
    pub(crate) fn u32(mut self, value: u32) -> Self {
        self.fixed.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub(crate) fn size_offset(self, data: &[u8]) -> Self {
        self.reference(Order::SizeOffset, data.to_vec())
    }

    pub(crate) fn string(self, text: &str) -> Self {
        let bytes = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        self.reference(Order::OffsetSize, bytes)
    }

    fn reference(mut self, order: Order, data: Vec<u8>) -> Self {
        self.data.push((self.fixed.len(), order, data));
        self.fixed.extend_from_slice(&[0; 8]);
        self
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = self.fixed;
        for (at, order, data) in self.data {
            // An empty array points nowhere: offset 0, as libmbim writes it.
            let offset = if data.is_empty() { 0 } else { out.len() };
            let (offset, size) = (offset as u32, data.len() as u32);
            let (first, second) = match order {
                Order::OffsetSize => (offset, size),
                Order::SizeOffset => (size, offset),
            };
            out[at..at + 4].copy_from_slice(&first.to_le_bytes());
            out[at + 4..at + 8].copy_from_slice(&second.to_le_bytes());
            out.extend_from_slice(&data);
            out.resize(out.len().next_multiple_of(4), 0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_and_pad() {
        let buf = Builder::default()
            .size_offset(&[0xA0, 0x00, 0x00])
            .u32(7)
            .string("/dev/a")
            .finish();
        assert_eq!(buf.len(), 20 + 4 + 12);
        assert_eq!(&buf[0..8], &[3, 0, 0, 0, 20, 0, 0, 0]);
        assert_eq!(&buf[12..20], &[24, 0, 0, 0, 12, 0, 0, 0]);
        let mut fields = Fields::new(&buf, "test");
        assert_eq!(fields.size_offset().unwrap(), &[0xA0, 0x00, 0x00]);
        assert_eq!(fields.u32().unwrap(), 7);
        assert_eq!(fields.u32().unwrap(), 24);
        assert_eq!(fields.u32().unwrap(), 12);
        assert_eq!(&buf[24..26], &[b'/', 0]);
    }

    #[test]
    fn references_outside_the_buffer_are_refused() {
        for (offset, size) in [(8u32, 1u32), (0, 9), (u32::MAX, 2), (4, u32::MAX)] {
            let mut buf = Vec::new();
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&offset.to_le_bytes());
            assert!(matches!(
                Fields::new(&buf, "t").size_offset(),
                Err(Error::BadReference { .. })
            ));
        }
    }
}
