//! X.509 certificates, relayed as the exact bytes received.
//!
//! The IPA never parses a certificate: it passes the SM-DP+'s and the eUICC's certificates on. A certificate
//! often sits next to other `SEQUENCE` components (`euiccSigned1`, `euiccCertificate`, `eumCertificate`), so
//! unlike [`Raw`] it only accepts the `SEQUENCE` tag.

use crate::error::DecodeError;
use crate::jer::{Jer, JerError};
use crate::reader::{Ctx, Tlv};
use crate::writer::Writer;
use crate::{Asn1, Raw, Tag};
use serde_json::Value;
use std::fmt;

/// An X.509 `Certificate`: the complete `30 …` TLV, kept byte for byte.
///
/// Where a certificate is implicitly tagged (`[1] Certificate` in the compact forms) the bytes are still those
/// of the untagged certificate; its tag is written when it is encoded. The JER form is the hex of the DER.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Certificate {
    der: Vec<u8>,
    header: usize,
}

impl Certificate {
    /// The complete certificate, `30` tag and length included.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    fn from_content(content: &[u8]) -> Self {
        let mut w = Writer::new();
        w.tlv(Tag::SEQUENCE, |w| w.raw(content));
        let der = w.into_bytes();
        Self {
            header: der.len() - content.len(),
            der,
        }
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({} bytes)", self.der.len())
    }
}

impl Asn1 for Certificate {
    const NAME: &'static str = "Certificate";
    const TAG: Option<Tag> = Some(Tag::SEQUENCE);

    fn encode_content(&self, w: &mut Writer) {
        w.raw(&self.der[self.header..])
    }

    fn decode_content(tlv: &Tlv<'_>, _cx: &mut Ctx) -> Result<Self, DecodeError> {
        if tlv.tag == Tag::SEQUENCE {
            Ok(Self {
                der: tlv.raw.to_vec(),
                header: tlv.content_offset - tlv.offset,
            })
        } else {
            Ok(Self::from_content(tlv.content))
        }
    }

    fn encode(&self, w: &mut Writer) {
        w.raw(&self.der)
    }
}

impl Jer for Certificate {
    fn to_jer(&self) -> Value {
        Value::String(hex::encode(&self.der))
    }

    fn from_jer(value: &Value) -> Result<Self, JerError> {
        let raw = Raw::from_jer(value)?;
        crate::from_ber::<Certificate>(raw.as_bytes())
            .map_err(|e| JerError::new(format!("not a certificate: {e}")))
    }
}

#[cfg(feature = "testgen")]
impl crate::testgen::Generate for Certificate {
    /// A `SEQUENCE` with random content (not an X.509 structure: nothing here parses one).
    fn generate(g: &mut crate::testgen::Gen) -> Self {
        Self::from_content(&crate::to_der(&crate::Octets::generate(g)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{from_ber, to_der};

    #[test]
    fn keeps_ber_bytes_and_only_accepts_sequence() {
        // A non-minimal length, as a careless encoder might write it.
        let ber = [0x30, 0x81, 0x03, 0x02, 0x01, 0x05];
        let cert: Certificate = from_ber(&ber).unwrap();
        assert_eq!(cert.as_der(), &ber);
        assert_eq!(to_der(&cert), ber.to_vec());
        assert!(from_ber::<Certificate>(&[0x04, 0x01, 0x00]).is_err());
        assert_eq!(Certificate::from_jer(&cert.to_jer()).unwrap(), cert);
    }

    #[test]
    fn implicit_tag_is_replaced() {
        let cert: Certificate = from_ber(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
        let mut w = Writer::new();
        cert.encode_implicit(Tag(0xA1), &mut w);
        let tagged = w.into_bytes();
        assert_eq!(tagged, vec![0xA1, 0x03, 0x02, 0x01, 0x05]);
        let mut cx = Ctx::new(crate::Limits::default());
        let tlv = Tlv::parse_message(&tagged, &mut cx).unwrap();
        assert_eq!(Certificate::decode_implicit(&tlv, &mut cx).unwrap(), cert);
    }
}
