//! Hashes that RSP peers compare rather than sign.

use sha2::{Digest, Sha256};

/// `hashCc` of SGP.22 (ES10b.PrepareDownload): `SHA-256(SHA-256(confirmation code) ‖ transactionId)`.
///
/// The simulated SM-DP+ computes it from the confirmation code it issued and compares it with the value the
/// eUICC sent. `confirmation_code` is the code as the user typed it (UTF-8 bytes), `transaction_id` the raw
/// transaction ID bytes (not the hex text of the JSON binding).
pub fn hash_cc(confirmation_code: &[u8], transaction_id: &[u8]) -> [u8; 32] {
    let inner = Sha256::digest(confirmation_code);
    let mut outer = Sha256::new();
    outer.update(inner);
    outer.update(transaction_id);
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_cc_is_the_double_hash_with_the_transaction_id() {
        // Independently computed with Python hashlib: sha256(sha256(b"1234") + bytes([1, 2, 3, 4])).
        let expected =
            hex::decode("1624f480658497c3683854b395a1d9c11bef6c22ee0151a885acdeb0b52fc939")
                .unwrap();
        assert_eq!(
            hash_cc(b"1234", &[1, 2, 3, 4]).as_slice(),
            expected.as_slice()
        );
        assert_ne!(
            hash_cc(b"1234", &[1, 2, 3, 5]),
            hash_cc(b"1234", &[1, 2, 3, 4])
        );
        assert_ne!(
            hash_cc(b"1235", &[1, 2, 3, 4]),
            hash_cc(b"1234", &[1, 2, 3, 4])
        );
    }
}
