//! Bound Profile Package segmentation (SGP.22 §2.5.5), sans-IO.
//!
//! `BF36 {BF23 …, A0 {87}, A1 {88…}, [A2 {87}], A3 {86…}}` is loaded as separate LoadBoundProfilePackage
//! commands: the `BF36` header with the whole `BF23`; the whole `A0`; the `A1` header, then each `88`; the
//! whole `A2`; the `A3` header, then each `86`. Every segment is a slice of the package as received.

use euicc_asn1::{Ctx, DecodeError, Limits, Tag, Tlv};

/// Why a package cannot be segmented.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// The bytes are not a TLV structure.
    #[error("the bound profile package is not a TLV structure")]
    Decode(#[from] DecodeError),
    /// The structure is not `BF36 {BF23, A0, A1, [A2], A3}` with nothing after it.
    #[error("bound profile package: unexpected structure ({0})")]
    Structure(&'static str),
}

/// The LoadBoundProfilePackage segments of `bpp`, in order.
pub(crate) fn segments(bpp: &[u8]) -> Result<Vec<&[u8]>, SegmentError> {
    let mut cx = Ctx::new(Limits::default());
    let (outer, trailing) = Tlv::parse(bpp, 0, &mut cx)?;
    if outer.tag != Tag(0xBF36) || !trailing.is_empty() {
        return Err(SegmentError::Structure("not a single BF36 TLV"));
    }
    let (isc, mut rest) = Tlv::parse(outer.content, outer.content_offset, &mut cx)?;
    if isc.tag != Tag(0xBF23) {
        return Err(SegmentError::Structure("BF23 does not come first"));
    }
    // The BF36 header and the BF23 TLV are adjacent in the package.
    let mut out = vec![&bpp[..isc.offset + isc.raw.len()]];
    let mut expected: &[u32] = &[0xA0, 0xA1, 0xA2, 0xA3];
    while !rest.is_empty() {
        let offset = bpp.len() - rest.len();
        let (part, next) = Tlv::parse(rest, offset, &mut cx)?;
        let position = expected
            .iter()
            .position(|tag| Tag(*tag) == part.tag)
            .ok_or(SegmentError::Structure("unexpected or repeated element"))?;
        if expected[..position].iter().any(|tag| *tag != 0xA2) {
            return Err(SegmentError::Structure("a mandatory element is missing"));
        }
        expected = &expected[position + 1..];
        match part.tag {
            Tag(0xA0) | Tag(0xA2) => out.push(part.raw),
            _ => {
                out.push(&part.raw[..part.content_offset - part.offset]);
                let mut items = part.content;
                while !items.is_empty() {
                    let item_offset = bpp.len() - items.len();
                    let (item, after) = Tlv::parse(items, item_offset, &mut cx)?;
                    out.push(item.raw);
                    items = after;
                }
            }
        }
        rest = next;
    }
    if !expected.is_empty() {
        return Err(SegmentError::Structure(
            "the A3 profile elements are missing",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 128);
        [tag, &[content.len() as u8], content].concat()
    }

    #[test]
    fn segments_follow_sgp22_2_5_5() {
        let isc = tlv(&[0xBF, 0x23], &[1, 2]);
        let a0 = tlv(&[0xA0], &tlv(&[0x87], &[3]));
        let a1 = tlv(&[0xA1], &[tlv(&[0x88], &[4]), tlv(&[0x88], &[5])].concat());
        let a3 = tlv(
            &[0xA3],
            &[tlv(&[0x86], &[6]), tlv(&[0x86], &[7, 8])].concat(),
        );
        let body = [isc.clone(), a0.clone(), a1, a3].concat();
        let bpp = tlv(&[0xBF, 0x36], &body);
        let segments = segments(&bpp).unwrap();
        let expected: Vec<Vec<u8>> = vec![
            [&bpp[..3], &isc[..]].concat(),
            a0,
            vec![0xA1, 6],
            vec![0x88, 1, 4],
            vec![0x88, 1, 5],
            vec![0xA3, 7],
            vec![0x86, 1, 6],
            vec![0x86, 2, 7, 8],
        ];
        assert_eq!(segments, expected);
        assert_eq!(segments.concat().len(), bpp.len());
    }

    #[test]
    fn malformed_packages_are_refused() {
        let isc = tlv(&[0xBF, 0x23], &[1]);
        let a0 = tlv(&[0xA0], &[]);
        let a1 = tlv(&[0xA1], &[]);
        let a3 = tlv(&[0xA3], &[]);
        for body in [
            [a0.clone(), a1.clone(), a3.clone()].concat(),
            [isc.clone(), a1.clone(), a3.clone()].concat(),
            [isc.clone(), a0.clone(), a1.clone()].concat(),
            [isc.clone(), a0.clone(), a0.clone(), a1.clone(), a3.clone()].concat(),
        ] {
            assert!(segments(&tlv(&[0xBF, 0x36], &body)).is_err());
        }
        assert!(segments(&[0xBF, 0x36, 0x05, 0x00]).is_err());
        assert!(segments(&tlv(&[0xBF, 0x37], &[])).is_err());
        let good = tlv(&[0xBF, 0x36], &[isc, a0, a1, a3].concat());
        assert!(segments(&good).is_ok());
        assert!(segments(&[good.as_slice(), &[0]].concat()).is_err());
    }
}
