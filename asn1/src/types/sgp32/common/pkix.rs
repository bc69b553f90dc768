//! `SubjectPublicKeyInfo` (X.509, RFC 5280), the form in which eIM keys are configured.

use crate::Asn1;
use crate::types::sgp22::Certificate;

/// A public key with its algorithm (an eIM's package-signing key, or the trust anchor of its TLS server),
/// kept as the exact `30 …` bytes, like a certificate: the IPA only relays it or hands it to TLS.
///
/// It reuses [`Certificate`]'s opaque SEQUENCE handling (exact bytes, implicit tags, hex JER); nothing
/// certificate-specific is checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn1)]
pub struct SubjectPublicKeyInfo(Certificate);

impl SubjectPublicKeyInfo {
    /// The complete DER (or BER, as received), `30` tag and length included.
    pub fn as_der(&self) -> &[u8] {
        self.0.as_der()
    }
}
