//! The X.509 subset the simulated RSP roles need (SGP.22 §4.5.2): key identifiers, the EID, role policies,
//! validity, and ECDSA P-256 chain verification up to a CI chosen by key identifier.
//!
//! Parsing uses RustCrypto `x509-cert`; signatures are checked over the exact `tbsCertificate` bytes
//! received, never over a re-encoding. Certificates with other keys (such as brainpool CIs) still parse, so a
//! CI list can hold them; only verifying with them fails.

use std::fmt;
use std::ops::Range;
use std::time::SystemTime;

use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::oid::db::{rfc4519, rfc5912};
use x509_cert::der::{Decode, Encode, Header, Reader, SliceReader, Tag, Tagged};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use super::ecdsa::{EcdsaError, VerifyingKey};
use super::pem::{self, PemError};

/// How many certificates above the leaf a chain may have (SGP.22 chains have at most one intermediate).
pub const MAX_CHAIN_DEPTH: usize = 4;

/// `ecdsa-with-SHA256`, the only signature algorithm verified here.
pub const ECDSA_WITH_SHA256: ObjectIdentifier = rfc5912::ECDSA_WITH_SHA_256;

/// The GSMA RSP roles of SGP.22 (certificate policy OIDs under `id-rspRole` 2.23.146.1.2.1, the variant the
/// SGP.26 test certificates carry: CI .0, eUICC .1, EUM .2, DP TLS .3, DP auth .4, DP binding .5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RspRole {
    /// Certificate Issuer (root).
    Ci,
    /// eUICC.
    Euicc,
    /// eUICC Manufacturer.
    Eum,
    /// SM-DP+ TLS server.
    DpTls,
    /// SM-DP+ authentication (CERT.DPauth.SIG, signs serverSigned1).
    DpAuth,
    /// SM-DP+ profile binding (CERT.DPpb.SIG, signs smdpSigned2 and InitialiseSecureChannel).
    DpPb,
}

impl RspRole {
    /// The certificate policy OID of the role.
    pub fn oid(self) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(match self {
            Self::Ci => "2.23.146.1.2.1.0",
            Self::Euicc => "2.23.146.1.2.1.1",
            Self::Eum => "2.23.146.1.2.1.2",
            Self::DpTls => "2.23.146.1.2.1.3",
            Self::DpAuth => "2.23.146.1.2.1.4",
            Self::DpPb => "2.23.146.1.2.1.5",
        })
    }
}

/// Why a certificate was rejected.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// Not a DER X.509 certificate, or an extension we read is malformed.
    #[error("certificate is not valid DER X.509")]
    Parse(#[source] x509_cert::der::Error),
    /// PEM framing problem.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// The signature algorithm is not ecdsa-with-SHA256.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(ObjectIdentifier),
    /// The certificate's public key is not usable (for example not P-256).
    #[error("certificate public key: {0}")]
    Key(#[from] EcdsaError),
    /// The issuer name differs from the candidate issuer's subject.
    #[error("issuer name does not match the issuer certificate's subject")]
    IssuerMismatch,
    /// The authority key identifier differs from the issuer's subject key identifier.
    #[error("authority key identifier does not match the issuer's subject key identifier")]
    KeyIdMismatch,
    /// The issuer certificate is not a CA (basicConstraints cA).
    #[error("issuer certificate is not a CA")]
    IssuerNotCa,
    /// The certificate's signature does not verify under the issuer key.
    #[error("certificate signature does not verify")]
    BadSignature,
    /// No trusted CI (through the given intermediates) issued the certificate.
    #[error("no chain to a trusted CI")]
    UnknownIssuer,
    /// The chain has more than [`MAX_CHAIN_DEPTH`] certificates above the leaf.
    #[error("certificate chain longer than {MAX_CHAIN_DEPTH}")]
    ChainTooLong,
}

impl From<x509_cert::der::Error> for CertError {
    fn from(e: x509_cert::der::Error) -> Self {
        Self::Parse(e)
    }
}

/// A parsed certificate that keeps the exact bytes it was read from (to relay and to verify).
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Range<usize>,
    parsed: x509_cert::Certificate,
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
}

impl Certificate {
    /// Parses a DER certificate (exactly one, no trailing bytes).
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let parsed = x509_cert::Certificate::from_der(der)?;
        let tbs = tbs_range(der)?;
        let tbs_cert = &parsed.tbs_certificate;
        let ski = tbs_cert
            .get::<SubjectKeyIdentifier>()?
            .map(|(_, ski)| ski.0.as_bytes().to_vec());
        let aki = tbs_cert
            .get::<AuthorityKeyIdentifier>()?
            .and_then(|(_, aki)| aki.key_identifier)
            .map(|id| id.as_bytes().to_vec());
        Ok(Self {
            der: der.to_vec(),
            tbs,
            parsed,
            ski,
            aki,
        })
    }

    /// Parses the first `CERTIFICATE` block of PEM text.
    pub fn from_pem(text: &str) -> Result<Self, CertError> {
        Self::from_der(&pem::first(text, &["CERTIFICATE"])?.der)
    }

    /// Parses every `CERTIFICATE` block of PEM text (a CI bundle or a chain), in order.
    pub fn all_from_pem(text: &str) -> Result<Vec<Self>, CertError> {
        pem::blocks(text)?
            .into_iter()
            .filter(|b| b.label == "CERTIFICATE")
            .map(|b| Self::from_der(&b.der))
            .collect()
    }

    /// Parses a certificate file that may hold several certificates: every PEM block, or one DER certificate.
    pub fn all_from_bytes(bytes: &[u8]) -> Result<Vec<Self>, CertError> {
        if pem::is_pem(bytes) {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| PemError::Missing("CERTIFICATE".to_owned()))?;
            Self::all_from_pem(text)
        } else {
            Ok(vec![Self::from_der(bytes)?])
        }
    }

    /// Parses a certificate file's contents, PEM or DER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CertError> {
        if pem::is_pem(bytes) {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| PemError::Missing("CERTIFICATE".to_owned()))?;
            Self::from_pem(text)
        } else {
            Self::from_der(bytes)
        }
    }

    /// The DER bytes as received, for relaying in ES9+/ES10 messages.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM text of the certificate.
    pub fn to_pem(&self) -> Result<String, CertError> {
        Ok(pem::encode("CERTIFICATE", &self.der)?)
    }

    /// The subjectKeyIdentifier, which SGP.22 uses to name a CI (`euiccCiPKId`).
    pub fn subject_key_identifier(&self) -> Option<&[u8]> {
        self.ski.as_deref()
    }

    /// The keyIdentifier of the authorityKeyIdentifier, naming the issuer's key.
    pub fn authority_key_identifier(&self) -> Option<&[u8]> {
        self.aki.as_deref()
    }

    /// The subject public key, if it is a P-256 key.
    pub fn public_key(&self) -> Result<VerifyingKey, CertError> {
        let spki = self
            .parsed
            .tbs_certificate
            .subject_public_key_info
            .to_der()?;
        Ok(VerifyingKey::from_spki_der(&spki)?)
    }

    /// The subject's `serialNumber` attribute: the EID in an eUICC certificate.
    pub fn subject_serial_number(&self) -> Option<&str> {
        self.parsed
            .tbs_certificate
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == rfc4519::SERIAL_NUMBER)
            .filter(|atv| {
                matches!(
                    atv.value.tag(),
                    Tag::PrintableString | Tag::Utf8String | Tag::Ia5String
                )
            })
            .and_then(|atv| std::str::from_utf8(atv.value.value()).ok())
    }

    /// The certificate serial number (unsigned big-endian bytes as encoded).
    pub fn serial_number(&self) -> &[u8] {
        self.parsed.tbs_certificate.serial_number.as_bytes()
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> SystemTime {
        self.parsed
            .tbs_certificate
            .validity
            .not_before
            .to_system_time()
    }

    /// End of the validity period.
    pub fn not_after(&self) -> SystemTime {
        self.parsed
            .tbs_certificate
            .validity
            .not_after
            .to_system_time()
    }

    /// Whether `time` lies in the validity period. The eUICC has no clock and does not check this; servers do.
    pub fn is_valid_at(&self, time: SystemTime) -> bool {
        self.not_before() <= time && time <= self.not_after()
    }

    /// Whether the certificatePolicies extension names `role`.
    pub fn has_role(&self, role: RspRole) -> bool {
        matches!(
            self.parsed.tbs_certificate.get::<CertificatePolicies>(),
            Ok(Some((_, policies))) if policies.0.iter().any(|p| p.policy_identifier == role.oid())
        )
    }

    /// Whether basicConstraints marks the certificate as a CA.
    pub fn is_ca(&self) -> bool {
        matches!(
            self.parsed.tbs_certificate.get::<BasicConstraints>(),
            Ok(Some((_, bc))) if bc.ca
        )
    }

    pub(crate) fn subject(&self) -> &Name {
        &self.parsed.tbs_certificate.subject
    }

    fn issuer(&self) -> &Name {
        &self.parsed.tbs_certificate.issuer
    }

    /// Whether `issuer` may have issued this certificate: names match, and key identifiers when both exist.
    fn names_as_issuer(&self, issuer: &Certificate) -> bool {
        self.issuer() == issuer.subject()
            && match (
                self.authority_key_identifier(),
                issuer.subject_key_identifier(),
            ) {
                (Some(aki), Some(ski)) => aki == ski,
                _ => true,
            }
    }

    /// Checks that `issuer` (a CA) issued and signed this certificate.
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<(), CertError> {
        if self.issuer() != issuer.subject() {
            return Err(CertError::IssuerMismatch);
        }
        if !self.names_as_issuer(issuer) {
            return Err(CertError::KeyIdMismatch);
        }
        if !issuer.is_ca() {
            return Err(CertError::IssuerNotCa);
        }
        let algorithm = self.parsed.signature_algorithm.oid;
        if algorithm != ECDSA_WITH_SHA256 {
            return Err(CertError::UnsupportedAlgorithm(algorithm));
        }
        let signature = self
            .parsed
            .signature
            .as_bytes()
            .ok_or(CertError::BadSignature)?;
        issuer
            .public_key()?
            .verify_der(&self.der[self.tbs.clone()], signature)
            .map_err(|e| match e {
                EcdsaError::BadSignature | EcdsaError::InvalidSignatureEncoding => {
                    CertError::BadSignature
                }
                other => CertError::Key(other),
            })
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject().to_string())
            .field("issuer", &self.issuer().to_string())
            .field("ski", &self.ski.as_deref().map(hex::encode))
            .finish()
    }
}

/// Verifies `leaf` → `intermediates` (any order) → one of `trusted`, picking issuers by name and key
/// identifier, and returns the trusted CI that anchors the chain. Validity dates are not checked.
pub fn verify_chain<'t>(
    leaf: &Certificate,
    intermediates: &[Certificate],
    trusted: &'t [Certificate],
) -> Result<&'t Certificate, CertError> {
    let mut current = leaf;
    for _ in 0..=MAX_CHAIN_DEPTH {
        if let Some(ci) = trusted.iter().find(|ci| current.names_as_issuer(ci)) {
            current.verify_issued_by(ci)?;
            return Ok(ci);
        }
        let next = intermediates
            .iter()
            .find(|c| current.names_as_issuer(c))
            .ok_or(CertError::UnknownIssuer)?;
        current.verify_issued_by(next)?;
        current = next;
    }
    Err(CertError::ChainTooLong)
}

/// Where the `tbsCertificate` TLV sits inside the certificate bytes.
fn tbs_range(der: &[u8]) -> Result<Range<usize>, x509_cert::der::Error> {
    let mut reader = SliceReader::new(der)?;
    let _certificate: Header = reader.decode()?;
    let start = usize::try_from(reader.position())?;
    let tbs = reader.tlv_bytes()?;
    Ok(start..start + tbs.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::pki::TestPki;
    use std::sync::OnceLock;

    /// One PKI for all tests here: generation is cheap, but sharing keeps the assertions about one world.
    fn pki() -> &'static TestPki {
        static PKI: OnceLock<TestPki> = OnceLock::new();
        PKI.get_or_init(|| {
            TestPki::generate(&"89049032123451234512345678901235".parse().unwrap()).unwrap()
        })
    }

    #[test]
    fn reads_identifiers_eid_roles_and_validity() {
        let p = pki();
        let euicc = &p.euicc.cert;
        assert_eq!(
            euicc.subject_serial_number(),
            Some("89049032123451234512345678901235")
        );
        assert_eq!(
            euicc.authority_key_identifier(),
            p.eum.cert.subject_key_identifier()
        );
        assert_eq!(
            p.eum.cert.authority_key_identifier(),
            p.ci.cert.subject_key_identifier()
        );
        assert_eq!(
            p.ci.cert.subject_key_identifier().map(<[u8]>::len),
            Some(20)
        );
        assert!(p.ci.cert.authority_key_identifier().is_none());
        assert_eq!(euicc.public_key().unwrap(), p.euicc.key.verifying_key());
        assert!(p.ci.cert.is_ca() && p.eum.cert.is_ca() && !euicc.is_ca());
        assert!(p.dp_auth.cert.has_role(RspRole::DpAuth));
        assert!(!p.dp_auth.cert.has_role(RspRole::DpPb));
        assert!(p.dp_pb.cert.has_role(RspRole::DpPb));
        assert!(p.euicc.cert.has_role(RspRole::Euicc));
        assert!(p.ci.cert.has_role(RspRole::Ci));
        assert!(euicc.is_valid_at(SystemTime::now()));
        assert!(!p.dp_tls.cert.is_valid_at(SystemTime::UNIX_EPOCH));
        assert!(p.eum.cert.subject_serial_number().is_none());
        assert!(!euicc.serial_number().is_empty());
    }

    #[test]
    fn der_and_pem_forms_parse_to_the_same_bytes() {
        let cert = &pki().eum.cert;
        let pem_text = cert.to_pem().unwrap();
        assert_eq!(
            Certificate::from_bytes(pem_text.as_bytes()).unwrap().der(),
            cert.der()
        );
        assert_eq!(
            Certificate::from_bytes(cert.der()).unwrap().der(),
            cert.der()
        );
        let bundle = format!("{pem_text}{}", pki().ci.cert.to_pem().unwrap());
        assert_eq!(Certificate::all_from_pem(&bundle).unwrap().len(), 2);
        assert_eq!(
            Certificate::all_from_bytes(bundle.as_bytes())
                .unwrap()
                .len(),
            2
        );
        assert_eq!(Certificate::all_from_bytes(cert.der()).unwrap().len(), 1);
        let mut trailing = cert.der().to_vec();
        trailing.push(0);
        assert!(matches!(
            Certificate::from_der(&trailing),
            Err(CertError::Parse(_))
        ));
    }

    #[test]
    fn chain_verifies_to_the_ci() {
        let p = pki();
        let cis = [p.ci.cert.clone()];
        let ci = verify_chain(&p.euicc.cert, std::slice::from_ref(&p.eum.cert), &cis).unwrap();
        assert_eq!(ci.der(), p.ci.cert.der());
        for leaf in [&p.dp_auth, &p.dp_pb, &p.dp_tls, &p.eim_sign, &p.eim_tls] {
            verify_chain(&leaf.cert, &[], &cis).unwrap();
        }
        p.ci.cert.verify_issued_by(&p.ci.cert).unwrap();
    }

    #[test]
    fn chain_fails_without_intermediate_or_with_another_ci() {
        let p = pki();
        let cis = [p.ci.cert.clone()];
        assert!(matches!(
            verify_chain(&p.euicc.cert, &[], &cis),
            Err(CertError::UnknownIssuer)
        ));
        // A second PKI has a CI with the same name but another key and key identifier.
        let other =
            TestPki::generate(&"89049032123451234512345678901235".parse().unwrap()).unwrap();
        let other_cis = [other.ci.cert.clone()];
        assert!(matches!(
            verify_chain(&p.euicc.cert, std::slice::from_ref(&p.eum.cert), &other_cis),
            Err(CertError::UnknownIssuer)
        ));
        assert!(matches!(
            p.eum.cert.verify_issued_by(&other.ci.cert),
            Err(CertError::KeyIdMismatch)
        ));
        // Wrong issuer by name, and a leaf posing as an issuer.
        assert!(matches!(
            p.euicc.cert.verify_issued_by(&p.ci.cert),
            Err(CertError::IssuerMismatch)
        ));
        assert!(matches!(
            p.dp_pb.cert.verify_issued_by(&p.dp_pb.cert),
            Err(CertError::IssuerMismatch)
        ));
    }

    #[test]
    fn tampered_certificate_fails_signature_check() {
        let p = pki();
        let mut der = p.dp_auth.cert.der().to_vec();
        // Flip a bit inside the public key, well inside tbsCertificate, keeping the DER valid.
        let spki = p.dp_auth.key.verifying_key().to_sec1_uncompressed();
        let at = der.windows(spki.len()).position(|w| w == spki).unwrap() + 40;
        der[at] ^= 0x01;
        let tampered = Certificate::from_der(&der).unwrap();
        assert!(matches!(
            tampered.verify_issued_by(&p.ci.cert),
            Err(CertError::BadSignature)
        ));
        assert!(matches!(
            verify_chain(&tampered, &[], std::slice::from_ref(&p.ci.cert)),
            Err(CertError::BadSignature)
        ));
    }

    #[test]
    fn garbage_is_a_parse_error() {
        assert!(matches!(
            Certificate::from_der(&[0x30, 0x03, 1, 2, 3]),
            Err(CertError::Parse(_))
        ));
        assert!(matches!(
            Certificate::from_pem("no pem here"),
            Err(CertError::Pem(_))
        ));
    }
}
