//! One-time key agreement (ECKA-DH on P-256) between the eUICC and the SM-DP+ for the BPP session keys.
//!
//! In ES10b.PrepareDownload the eUICC creates otSK/otPK.EUICC.KA and returns the public half; the SM-DP+
//! creates otSK/otPK.DP.KA and sends its public half in InitialiseSecureChannel (`5F49`). Each side combines
//! its secret with the peer's public key; the shared secret is the x-coordinate (SGP.22 §2.6.4 / BSI ECKA-DH).

use std::fmt;

use p256::{PublicKey, SecretKey};
use rand_core::OsRng;
use zeroize::Zeroize;

use super::ecdsa::UNCOMPRESSED_POINT_LEN;

/// Length of the ECKA-DH shared secret (the x-coordinate of the shared point).
pub const SHARED_SECRET_LEN: usize = 32;

/// The peer's one-time public key is not a valid P-256 point.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("one-time public key is not a valid P-256 point")]
pub struct EckaError;

/// A one-time key pair (otSK/otPK), used for exactly one profile download session. `Debug` hides the secret.
pub struct OneTimeKeyPair {
    secret: SecretKey,
}

impl OneTimeKeyPair {
    /// A fresh random key pair.
    pub fn generate() -> Self {
        Self {
            secret: SecretKey::random(&mut OsRng),
        }
    }

    /// The public key as an uncompressed point `04‖x‖y`, the content of `5F49` (otPK).
    pub fn public_key(&self) -> [u8; UNCOMPRESSED_POINT_LEN] {
        let mut out = [0u8; UNCOMPRESSED_POINT_LEN];
        out.copy_from_slice(self.secret.public_key().to_sec1_bytes().as_ref());
        out
    }

    /// ECKA-DH with the peer's one-time public key (SEC1 point). Both sides get the same [`SharedSecret`].
    pub fn agree(&self, peer_public_key: &[u8]) -> Result<SharedSecret, EckaError> {
        let peer = PublicKey::from_sec1_bytes(peer_public_key).map_err(|_| EckaError)?;
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
        let mut out = [0u8; SHARED_SECRET_LEN];
        out.copy_from_slice(shared.raw_secret_bytes());
        Ok(SharedSecret(out))
    }
}

impl fmt::Debug for OneTimeKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OneTimeKeyPair(public {})",
            hex::encode(self.public_key())
        )
    }
}

/// The ECKA-DH shared secret `ShS`, input to [`super::kdf::derive_session_keys`]. Wiped on drop.
pub struct SharedSecret([u8; SHARED_SECRET_LEN]);

impl SharedSecret {
    /// Wraps known secret bytes, for known-answer tests and for replaying a recorded session.
    pub fn from_bytes(bytes: [u8; SHARED_SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret bytes, for the KDF.
    pub fn as_bytes(&self) -> &[u8; SHARED_SECRET_LEN] {
        &self.0
    }
}

impl Drop for SharedSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_on_the_same_secret() {
        let euicc = OneTimeKeyPair::generate();
        let smdp = OneTimeKeyPair::generate();
        let at_euicc = euicc.agree(&smdp.public_key()).unwrap();
        let at_smdp = smdp.agree(&euicc.public_key()).unwrap();
        assert_eq!(at_euicc.as_bytes(), at_smdp.as_bytes());

        let stranger = OneTimeKeyPair::generate();
        let wrong = stranger.agree(&smdp.public_key()).unwrap();
        assert_ne!(wrong.as_bytes(), at_smdp.as_bytes());
    }

    #[test]
    fn rejects_invalid_points() {
        let pair = OneTimeKeyPair::generate();
        let mut point = pair.public_key();
        assert_eq!(point[0], 0x04);
        point[64] ^= 0x01; // no longer on the curve
        assert_eq!(pair.agree(&point).unwrap_err(), EckaError);
        assert_eq!(pair.agree(&[]).unwrap_err(), EckaError);
        let secret = pair.agree(&pair.public_key()).unwrap();
        assert_eq!(format!("{secret:?}"), "SharedSecret(<redacted>)");
    }
}
