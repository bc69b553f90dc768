//! Session key derivation for the BPP (SGP.22 §2.6.4.2 in v3, "ES8+ key derivation").
//!
//! `KeyData = X9.63-KDF-SHA-256(ShS, SharedInfo)`, 48 bytes, split into the initial MAC chaining value,
//! S-ENC and S-MAC (16 bytes each, in that order). `SharedInfo = keyType ‖ keyLength ‖ L(hostId) ‖ hostId ‖
//! L(EID) ‖ EID`, with keyType, keyLength and hostId taken from the control reference template (`A6`) of
//! InitialiseSecureChannel and BER lengths. The layout and the known-answer vectors in the tests are public
//! facts from pySim (`pySim/esim/bsp.py`, `tests/unittests/test_esim_bsp.py`, osmocom).

use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::ecka::SharedSecret;
use super::tlv;

/// `keyType` for AES in the control reference template (GlobalPlatform), the only one SGP.22 uses.
pub const KEY_TYPE_AES: u8 = 0x88;

/// `keyLen` for AES-128, the only key length SGP.22 uses.
pub const KEY_LENGTH_AES128: u8 = 16;

/// Length of each derived value.
pub const KEY_LEN: usize = 16;

/// The parameters of the control reference template that enter the derivation.
#[derive(Clone, Copy, Debug)]
pub struct ControlReferenceTemplate<'a> {
    /// `keyType` (`80`), normally [`KEY_TYPE_AES`].
    pub key_type: u8,
    /// `keyLen` (`81`), normally [`KEY_LENGTH_AES128`].
    pub key_length: u8,
    /// `hostId` (`84`), chosen by the SM-DP+.
    pub host_id: &'a [u8],
}

/// The control reference template asks for something other than AES-128 (SGP.22 errorReason
/// `unsupportedCrtValues`, 4).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unsupported control reference template: key type {key_type:#04x}, key length {key_length}"
)]
pub struct KdfError {
    /// The key type received.
    pub key_type: u8,
    /// The key length received.
    pub key_length: u8,
}

/// The BSP keys of one session: initial MAC chaining value, S-ENC and S-MAC. Also used for the profile
/// protection keys (PPK-ENC, PPK-MAC and their chaining value) of ReplaceSessionKeys. Wiped on drop.
#[derive(Clone)]
pub struct SessionKeys {
    initial_mcv: [u8; KEY_LEN],
    s_enc: [u8; KEY_LEN],
    s_mac: [u8; KEY_LEN],
}

impl SessionKeys {
    /// Keys from known values: the content of ReplaceSessionKeysRequest (`BF26`: initialMacChainingValue,
    /// ppkEnc, ppkCmac), or a pre-protected profile package on the SM-DP+ side.
    pub fn new(initial_mcv: [u8; KEY_LEN], s_enc: [u8; KEY_LEN], s_mac: [u8; KEY_LEN]) -> Self {
        Self {
            initial_mcv,
            s_enc,
            s_mac,
        }
    }

    /// A random key set, for an SM-DP+ that protects a profile once and rebinds it with ReplaceSessionKeys.
    pub fn generate() -> Self {
        use rand_core::{OsRng, RngCore};
        let mut bytes = [0u8; 3 * KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        let keys = Self::from_key_data(&bytes);
        bytes.zeroize();
        keys
    }

    fn from_key_data(data: &[u8; 3 * KEY_LEN]) -> Self {
        let mut keys = Self::new([0; KEY_LEN], [0; KEY_LEN], [0; KEY_LEN]);
        keys.initial_mcv.copy_from_slice(&data[..KEY_LEN]);
        keys.s_enc.copy_from_slice(&data[KEY_LEN..2 * KEY_LEN]);
        keys.s_mac.copy_from_slice(&data[2 * KEY_LEN..]);
        keys
    }

    /// The initial MAC chaining value.
    pub fn initial_mcv(&self) -> &[u8; KEY_LEN] {
        &self.initial_mcv
    }

    /// S-ENC (or PPK-ENC).
    pub fn s_enc(&self) -> &[u8; KEY_LEN] {
        &self.s_enc
    }

    /// S-MAC (or PPK-MAC).
    pub fn s_mac(&self) -> &[u8; KEY_LEN] {
        &self.s_mac
    }
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        self.initial_mcv.zeroize();
        self.s_enc.zeroize();
        self.s_mac.zeroize();
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKeys(<redacted>)")
    }
}

/// Derives the session keys from the ECKA shared secret, the control reference template and the 16-byte EID.
pub fn derive_session_keys(
    shared_secret: &SharedSecret,
    crt: &ControlReferenceTemplate<'_>,
    eid: &[u8],
) -> Result<SessionKeys, KdfError> {
    if crt.key_type != KEY_TYPE_AES || crt.key_length != KEY_LENGTH_AES128 {
        return Err(KdfError {
            key_type: crt.key_type,
            key_length: crt.key_length,
        });
    }
    let mut shared_info = vec![crt.key_type, crt.key_length];
    tlv::push_length(&mut shared_info, crt.host_id.len());
    shared_info.extend_from_slice(crt.host_id);
    tlv::push_length(&mut shared_info, eid.len());
    shared_info.extend_from_slice(eid);

    let mut key_data = [0u8; 3 * KEY_LEN];
    x963_kdf_sha256(shared_secret.as_bytes(), &shared_info, &mut key_data);
    let keys = SessionKeys::from_key_data(&key_data);
    key_data.zeroize();
    Ok(keys)
}

/// ANSI X9.63 KDF with SHA-256: `out = H(Z ‖ 00000001 ‖ info) ‖ H(Z ‖ 00000002 ‖ info) ‖ …`, truncated.
fn x963_kdf_sha256(z: &[u8], shared_info: &[u8], out: &mut [u8]) {
    for (counter, chunk) in (1u32..).zip(out.chunks_mut(32)) {
        let mut hash = Sha256::new();
        hash.update(z);
        hash.update(counter.to_be_bytes());
        hash.update(shared_info);
        let mut block: [u8; 32] = hash.finalize().into();
        chunk.copy_from_slice(&block[..chunk.len()]);
        block.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ecka::OneTimeKeyPair;

    fn secret(hex_text: &str) -> SharedSecret {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex_text, &mut bytes).unwrap();
        SharedSecret::from_bytes(bytes)
    }

    const AES_CRT: ControlReferenceTemplate<'static> = ControlReferenceTemplate {
        key_type: KEY_TYPE_AES,
        key_length: KEY_LENGTH_AES128,
        host_id: &[0x80; 8],
    };

    fn check(keys: &SessionKeys, mcv: &str, s_enc: &str, s_mac: &str) {
        assert_eq!(hex::encode(keys.initial_mcv()), mcv);
        assert_eq!(hex::encode(keys.s_enc()), s_enc);
        assert_eq!(hex::encode(keys.s_mac()), s_mac);
    }

    /// Known answer from pySim `tests/unittests/test_esim_bsp.py` (BSP_Test.test_kdf).
    #[test]
    fn known_answer_pysim() {
        let eid = hex::decode("89049032123451234512345678901335").unwrap();
        let ss = secret("8902dca391bbb22570fe60c176076246f568b1941265dff1d729e63039658089");
        let keys = derive_session_keys(&ss, &AES_CRT, &eid).unwrap();
        check(
            &keys,
            "734bc93ddb10c71c5ad13d420dc08b5b",
            "d782d575b22a38334556a3d9a1e2ae6b",
            "a35addc192ae8f934e2932116c7e89e7",
        );
    }

    /// Known answer from pySim `test_esim_bsp.py` (BSP_Test_mode51), taken from a third-party SM-DP+ trace.
    #[test]
    fn known_answer_third_party_smdp() {
        let eid = hex::decode("89049032123451234512345678901235").unwrap();
        let ss = secret("c9a993dd4879a8f7161f2085410edd4f9652f1df37be097ba96ba2ca6be528fe");
        let keys = derive_session_keys(&ss, &AES_CRT, &eid).unwrap();
        check(
            &keys,
            "406d507b448a699e7a36a38494debbde",
            "472f5bfadd97f21d34f3ce9b51b92751",
            "9ec07f5b36a13e12a991d66e294e6242",
        );
    }

    #[test]
    fn both_sides_derive_the_same_keys_and_inputs_matter() {
        let eid = [0x89u8; 16];
        let euicc = OneTimeKeyPair::generate();
        let smdp = OneTimeKeyPair::generate();
        let at_euicc = euicc.agree(&smdp.public_key()).unwrap();
        let at_smdp = smdp.agree(&euicc.public_key()).unwrap();
        let k1 = derive_session_keys(&at_euicc, &AES_CRT, &eid).unwrap();
        let k2 = derive_session_keys(&at_smdp, &AES_CRT, &eid).unwrap();
        assert_eq!(k1.s_enc(), k2.s_enc());
        assert_eq!(k1.s_mac(), k2.s_mac());
        assert_eq!(k1.initial_mcv(), k2.initial_mcv());
        assert_ne!(k1.s_enc(), k1.s_mac());

        let other_host = ControlReferenceTemplate {
            host_id: &[0x81; 8],
            ..AES_CRT
        };
        let k3 = derive_session_keys(&at_euicc, &other_host, &eid).unwrap();
        assert_ne!(k3.s_enc(), k1.s_enc());
        let k4 = derive_session_keys(&at_euicc, &AES_CRT, &[0x88; 16]).unwrap();
        assert_ne!(k4.s_mac(), k1.s_mac());
    }

    #[test]
    fn rejects_other_key_types() {
        let ss = SharedSecret::from_bytes([1; 32]);
        let crt = ControlReferenceTemplate {
            key_length: 32,
            ..AES_CRT
        };
        assert_eq!(
            derive_session_keys(&ss, &crt, &[0; 16]).unwrap_err(),
            KdfError {
                key_type: 0x88,
                key_length: 32
            }
        );
        assert_eq!(
            format!("{:?}", SessionKeys::generate()),
            "SessionKeys(<redacted>)"
        );
    }
}
