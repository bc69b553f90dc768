//! ECDSA on NIST P-256 with SHA-256, the signature of every RSP role in the simulator.
//!
//! SGP.22 carries signatures in tag `5F37` as the raw 64-byte `r‖s` concatenation, while X.509 certificates
//! carry X9.62 DER `SEQUENCE { r INTEGER, s INTEGER }`. Both forms are offered, plus conversions.

use std::fmt;

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, Signature};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rand_core::OsRng;
use zeroize::Zeroizing;

use super::pem::{self, PemError};

/// Length of a raw `r‖s` signature (tag `5F37` content).
pub const RAW_SIGNATURE_LEN: usize = 64;

/// Length of an uncompressed SEC1 point `04‖x‖y` (how SGP.22 carries one-time and eUICC public keys).
pub const UNCOMPRESSED_POINT_LEN: usize = 65;

/// PEM labels accepted for private keys: PKCS#8 and SEC1 (`openssl ecparam -genkey` output).
const PRIVATE_KEY_LABELS: [&str; 2] = ["PRIVATE KEY", "EC PRIVATE KEY"];

/// Why a key or signature was rejected.
#[derive(Debug, thiserror::Error)]
pub enum EcdsaError {
    /// The private key is neither PKCS#8 nor SEC1, or not on P-256 (brainpool keys land here too).
    #[error("private key is not a P-256 key in PKCS#8 or SEC1 form")]
    InvalidPrivateKey,
    /// The public key is not a valid P-256 point or SubjectPublicKeyInfo.
    #[error("public key is not a valid P-256 key")]
    InvalidPublicKey,
    /// A signature is not 64 bytes, not valid DER, or has `r` or `s` out of range.
    #[error("signature encoding is invalid")]
    InvalidSignatureEncoding,
    /// The signature is well formed but does not verify under the key.
    #[error("signature does not verify")]
    BadSignature,
    /// Encoding a key failed (should not happen for valid keys).
    #[error("cannot encode key")]
    Encoding,
    /// PEM framing problem.
    #[error(transparent)]
    Pem(#[from] PemError),
}

/// A P-256 private key that signs with SHA-256 (SK.EUICC, SK.EUM, SK.CI, SK.DPauth, SK.DPpb, eIM key...).
///
/// `Debug` never prints the key.
#[derive(Clone)]
pub struct SigningKey(p256::ecdsa::SigningKey);

impl SigningKey {
    /// A fresh random key from the operating system RNG.
    pub fn generate() -> Self {
        Self(p256::ecdsa::SigningKey::random(&mut OsRng))
    }

    /// Reads a DER private key, PKCS#8 first, then SEC1 `ECPrivateKey`.
    pub fn from_der(der: &[u8]) -> Result<Self, EcdsaError> {
        if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(Self(key));
        }
        p256::SecretKey::from_sec1_der(der)
            .map(|secret| Self(secret.into()))
            .map_err(|_| EcdsaError::InvalidPrivateKey)
    }

    /// Reads the first `PRIVATE KEY` or `EC PRIVATE KEY` block, skipping others such as `EC PARAMETERS`.
    pub fn from_pem(text: &str) -> Result<Self, EcdsaError> {
        let block = pem::first(text, &PRIVATE_KEY_LABELS)?;
        Self::from_der(&Zeroizing::new(block.der))
    }

    /// Reads a key file's contents in any of the accepted forms (PEM or DER, PKCS#8 or SEC1).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EcdsaError> {
        if pem::is_pem(bytes) {
            let text = std::str::from_utf8(bytes).map_err(|_| EcdsaError::InvalidPrivateKey)?;
            Self::from_pem(text)
        } else {
            Self::from_der(bytes)
        }
    }

    /// PKCS#8 PEM, the form [`super::pki`] writes. The string is wiped when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, EcdsaError> {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| EcdsaError::Encoding)
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(*self.0.verifying_key())
    }

    /// Signs `message` (hashed with SHA-256 here) and returns raw `r‖s` for a `5F37` TLV.
    pub fn sign_raw(&self, message: &[u8]) -> [u8; RAW_SIGNATURE_LEN] {
        let signature: Signature = self.0.sign(message);
        signature.to_bytes().into()
    }

    /// Signs `message` and returns the X9.62 DER form used inside certificates.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let signature: DerSignature = self.0.sign(message);
        signature.as_bytes().to_vec()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// A P-256 public key that verifies SHA-256 ECDSA signatures (PK.EUICC, PK.DPauth, PK.CI, eIM key...).
///
/// Get one from a certificate with [`super::cert::Certificate::public_key`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey(p256::ecdsa::VerifyingKey);

impl VerifyingKey {
    /// Reads a DER `SubjectPublicKeyInfo` (id-ecPublicKey on prime256v1).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, EcdsaError> {
        p256::ecdsa::VerifyingKey::from_public_key_der(der)
            .map(Self)
            .map_err(|_| EcdsaError::InvalidPublicKey)
    }

    /// Reads a SEC1 point (`04‖x‖y`, or compressed), as found in tag `5F49` and in eIM configuration data.
    pub fn from_sec1_point(point: &[u8]) -> Result<Self, EcdsaError> {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .map(Self)
            .map_err(|_| EcdsaError::InvalidPublicKey)
    }

    /// DER `SubjectPublicKeyInfo`, for certificates and TLS pinning.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, EcdsaError> {
        self.0
            .to_public_key_der()
            .map(|doc| doc.into_vec())
            .map_err(|_| EcdsaError::Encoding)
    }

    /// Uncompressed SEC1 point `04‖x‖y`.
    pub fn to_sec1_uncompressed(&self) -> [u8; UNCOMPRESSED_POINT_LEN] {
        let mut out = [0u8; UNCOMPRESSED_POINT_LEN];
        out.copy_from_slice(self.0.to_encoded_point(false).as_bytes());
        out
    }

    /// Verifies a raw `r‖s` signature (tag `5F37` content) over `message`.
    pub fn verify_raw(&self, message: &[u8], signature: &[u8]) -> Result<(), EcdsaError> {
        let signature =
            Signature::from_slice(signature).map_err(|_| EcdsaError::InvalidSignatureEncoding)?;
        self.verify(message, &signature)
    }

    /// Verifies an X9.62 DER signature over `message`.
    pub fn verify_der(&self, message: &[u8], signature: &[u8]) -> Result<(), EcdsaError> {
        let signature =
            Signature::from_der(signature).map_err(|_| EcdsaError::InvalidSignatureEncoding)?;
        self.verify(message, &signature)
    }

    fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), EcdsaError> {
        self.0
            .verify(message, signature)
            .map_err(|_| EcdsaError::BadSignature)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VerifyingKey({})",
            hex::encode(self.to_sec1_uncompressed())
        )
    }
}

/// Converts a raw 64-byte `r‖s` signature to X9.62 DER.
pub fn raw_to_der(raw: &[u8]) -> Result<Vec<u8>, EcdsaError> {
    let signature = Signature::from_slice(raw).map_err(|_| EcdsaError::InvalidSignatureEncoding)?;
    Ok(signature.to_der().as_bytes().to_vec())
}

/// Converts an X9.62 DER signature to raw 64-byte `r‖s` (each half left-padded to 32 bytes).
pub fn der_to_raw(der: &[u8]) -> Result<[u8; RAW_SIGNATURE_LEN], EcdsaError> {
    let signature = Signature::from_der(der).map_err(|_| EcdsaError::InvalidSignatureEncoding)?;
    Ok(signature.to_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &[u8] = b"euiccSigned1 or any other signed data";

    #[test]
    fn raw_signature_round_trip_and_tamper() {
        let key = SigningKey::generate();
        let public = key.verifying_key();
        let mut signature = key.sign_raw(MESSAGE);
        public.verify_raw(MESSAGE, &signature).unwrap();
        assert!(matches!(
            public.verify_raw(b"other data", &signature),
            Err(EcdsaError::BadSignature)
        ));
        signature[10] ^= 0x01;
        assert!(public.verify_raw(MESSAGE, &signature).is_err());
        assert!(matches!(
            public.verify_raw(MESSAGE, &signature[..63]),
            Err(EcdsaError::InvalidSignatureEncoding)
        ));
    }

    #[test]
    fn der_signature_round_trip_and_wrong_key() {
        let key = SigningKey::generate();
        let der = key.sign_der(MESSAGE);
        assert_eq!(der[0], 0x30);
        key.verifying_key().verify_der(MESSAGE, &der).unwrap();
        let other = SigningKey::generate().verifying_key();
        assert!(matches!(
            other.verify_der(MESSAGE, &der),
            Err(EcdsaError::BadSignature)
        ));
    }

    #[test]
    fn raw_and_der_convert_both_ways() {
        let key = SigningKey::generate();
        let raw = key.sign_raw(MESSAGE);
        let der = raw_to_der(&raw).unwrap();
        key.verifying_key().verify_der(MESSAGE, &der).unwrap();
        assert_eq!(der_to_raw(&der).unwrap(), raw);
        let der2 = key.sign_der(MESSAGE);
        key.verifying_key()
            .verify_raw(MESSAGE, &der_to_raw(&der2).unwrap())
            .unwrap();
    }

    #[test]
    fn der_of_small_integers_is_minimal_and_pads_back() {
        // r = 1 and s = 0x80 (high bit set, so DER needs a leading zero byte).
        let mut raw = [0u8; RAW_SIGNATURE_LEN];
        raw[31] = 1;
        raw[63] = 0x80;
        let der = raw_to_der(&raw).unwrap();
        assert_eq!(der, [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80]);
        assert_eq!(der_to_raw(&der).unwrap(), raw);
        assert!(raw_to_der(&[0u8; RAW_SIGNATURE_LEN]).is_err());
        assert!(der_to_raw(&[0x30, 0x00]).is_err());
    }

    #[test]
    fn keys_load_from_pkcs8_and_sec1_pem_and_der() {
        let key = SigningKey::generate();
        let pkcs8 = key.to_pkcs8_pem().unwrap();
        let reloaded = SigningKey::from_bytes(pkcs8.as_bytes()).unwrap();
        assert_eq!(reloaded.verifying_key(), key.verifying_key());

        let secret = p256::SecretKey::from(key.0.as_nonzero_scalar());
        let sec1_der = secret.to_sec1_der().unwrap();
        let sec1_pem = format!(
            "{}{}",
            pem::encode("EC PARAMETERS", &[6, 8, 42, 134, 72, 206, 61, 3, 1, 7]).unwrap(),
            pem::encode("EC PRIVATE KEY", &sec1_der).unwrap()
        );
        assert_eq!(
            SigningKey::from_pem(&sec1_pem).unwrap().verifying_key(),
            key.verifying_key()
        );
        assert_eq!(
            SigningKey::from_bytes(&sec1_der).unwrap().verifying_key(),
            key.verifying_key()
        );
        assert!(matches!(
            SigningKey::from_der(&[0x30, 0x03, 0x02, 0x01, 0x00]),
            Err(EcdsaError::InvalidPrivateKey)
        ));
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }

    #[test]
    fn public_keys_convert_between_spki_and_sec1() {
        let public = SigningKey::generate().verifying_key();
        let spki = public.to_spki_der().unwrap();
        assert_eq!(VerifyingKey::from_spki_der(&spki).unwrap(), public);
        let point = public.to_sec1_uncompressed();
        assert_eq!(point[0], 0x04);
        assert_eq!(VerifyingKey::from_sec1_point(&point).unwrap(), public);
        assert!(VerifyingKey::from_sec1_point(&point[..64]).is_err());
    }
}
