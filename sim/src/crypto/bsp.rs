//! BPP protection (SCP03t, renamed BSP in SGP.22 v3): SGP.22 §2.5.4 (segments), §2.6.4 (algorithms), §5.5.
//!
//! A Bound Profile Package carries three kinds of protected TLVs, each a separate segment:
//! `87` (ConfigureISDP, and ReplaceSessionKeys) and `86` (profile elements) are encrypted then MACed, `88`
//! (StoreMetadata) is MACed only. The rules, from SGP.22 as implemented by pySim (`pySim/esim/bsp.py`) and
//! confirmed by the known-answer vectors in the tests (taken from a third-party SM-DP+ trace):
//!
//! - Encryption: AES-128-CBC under S-ENC, padding `80 00…` (ISO/IEC 7816-4) to a multiple of 16, always at
//!   least one byte. The ICV is `AES(S-ENC, counter)` with the 16-byte big-endian block counter, which starts
//!   at 1 and increases by one for **every** segment, MAC-only ones included.
//! - MAC: `C-MAC = AES-CMAC(S-MAC, MCV ‖ tag ‖ length ‖ value)`, where length already counts the 8-byte MAC.
//!   The segment ends with the first 8 bytes of the C-MAC; the full 16 bytes become the next MCV. The first MCV
//!   comes from the key derivation.
//! - A segment, tag and length and MAC included, is at most 1020 bytes (SGP.22 v3 §2.5.3). So an encrypted
//!   segment holds at most 1007 plaintext bytes (1008 bytes of ciphertext) and a MAC-only one 1008 bytes.
//! - ReplaceSessionKeys: the `87` in `secondSequenceOf87` carries PPK-ENC, PPK-MAC and a new initial MCV; the
//!   `86` segments that follow use a fresh channel with those keys and a counter restarting at 1. Build that
//!   channel with [`SessionKeys::new`] and a new [`BspEncoder`] / [`BspDecoder`].
//!
//! The SM-DP+ side ([`BspEncoder`]) and the eUICC side ([`BspDecoder`]) share nothing but the keys.

use aes::Aes128;
use aes::cipher::{BlockDecryptMut, BlockEncrypt, BlockEncryptMut, InnerIvInit, KeyInit};
use cbc::cipher::block_padding::Iso7816;
use cmac::{Cmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::kdf::SessionKeys;
use super::tlv;

/// Largest protected segment, tag, length and MAC included (SGP.22 v3 §2.5.3).
pub const MAX_SEGMENT_LEN: usize = 1020;

/// Length of the truncated C-MAC at the end of every segment.
pub const MAC_LEN: usize = 8;

/// SGP.22 `errorReason` for a malformed SCP03t segment (`scp03tStructureError`).
pub const ERROR_REASON_STRUCTURE: u8 = 7;

/// SGP.22 `errorReason` for an SCP03t MAC failure (`scp03tSecurityError`).
pub const ERROR_REASON_SECURITY: u8 = 8;

const BLOCK_LEN: usize = 16;

/// Largest segment value (ciphertext or MACed plaintext): the segment minus tag, a 3-byte length and the MAC.
const MAX_VALUE_LEN: usize = MAX_SEGMENT_LEN - 1 - 3 - MAC_LEN;

/// The tag of a protected segment, which also says how it is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentTag {
    /// `86`: a part of the profile package (loadProfileElements), encrypted and MACed.
    ProfileElements,
    /// `87`: ConfigureISDP or ReplaceSessionKeys, encrypted and MACed.
    ConfigureIsdpOrReplaceKeys,
    /// `88`: StoreMetadata, MACed only (the LPA reads the metadata in clear).
    StoreMetadata,
}

impl SegmentTag {
    /// The tag byte.
    pub fn byte(self) -> u8 {
        match self {
            Self::ProfileElements => 0x86,
            Self::ConfigureIsdpOrReplaceKeys => 0x87,
            Self::StoreMetadata => 0x88,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x86 => Some(Self::ProfileElements),
            0x87 => Some(Self::ConfigureIsdpOrReplaceKeys),
            0x88 => Some(Self::StoreMetadata),
            _ => None,
        }
    }

    fn is_encrypted(self) -> bool {
        self != Self::StoreMetadata
    }

    /// Largest plaintext per segment: padding always adds at least one byte to encrypted data.
    fn max_chunk(self) -> usize {
        if self.is_encrypted() {
            MAX_VALUE_LEN / BLOCK_LEN * BLOCK_LEN - 1
        } else {
            MAX_VALUE_LEN
        }
    }
}

/// Why protecting or unprotecting a segment failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BspError {
    /// Nothing to protect: every protected command has content.
    #[error("no data to protect")]
    EmptyInput,
    /// The segment exceeds [`MAX_SEGMENT_LEN`].
    #[error("segment of {0} bytes exceeds {MAX_SEGMENT_LEN}")]
    SegmentTooLong(usize),
    /// The tag is not `86`, `87` or `88`.
    #[error("unexpected segment tag {0:#04x}")]
    UnexpectedTag(u8),
    /// The TLV header is invalid, the length disagrees with the data, or there is no room for the MAC.
    #[error("malformed segment: {0}")]
    Malformed(&'static str),
    /// The C-MAC does not match: tampered, reordered, replayed or wrong keys.
    #[error("segment MAC mismatch")]
    MacMismatch,
    /// The ciphertext is empty or not a multiple of the AES block size.
    #[error("ciphertext length {0} is not a positive multiple of 16")]
    CiphertextLength(usize),
    /// The decrypted data does not end in `80 00…` padding.
    #[error("invalid padding after decryption")]
    Padding,
    /// An earlier segment failed, so the session is over (the eUICC discards the rest of the BPP).
    #[error("secure channel aborted by an earlier error")]
    Aborted,
}

impl BspError {
    /// The SGP.22 `errorReason` to report in the Profile Installation Result for this failure.
    pub fn error_reason(&self) -> u8 {
        match self {
            Self::MacMismatch | Self::Aborted => ERROR_REASON_SECURITY,
            _ => ERROR_REASON_STRUCTURE,
        }
    }
}

/// The state both ends keep: keys, MAC chaining value and block counter.
struct Channel {
    cipher: Aes128,
    mac: Cmac<Aes128>,
    mcv: [u8; BLOCK_LEN],
    counter: u128,
}

impl Channel {
    fn new(keys: &SessionKeys) -> Self {
        Self {
            cipher: Aes128::new(keys.s_enc().into()),
            mac: <Cmac<Aes128> as KeyInit>::new(keys.s_mac().into()),
            mcv: *keys.initial_mcv(),
            counter: 1,
        }
    }

    /// The ICV for the current segment, `AES(S-ENC, counter)`; moves the counter on.
    fn next_icv(&mut self) -> [u8; BLOCK_LEN] {
        let mut block = self.counter.to_be_bytes().into();
        self.cipher.encrypt_block(&mut block);
        self.counter += 1;
        block.into()
    }

    /// MAC-only segments count as data blocks too.
    fn skip_block(&mut self) {
        self.counter += 1;
    }

    /// The full C-MAC over `MCV ‖ tag ‖ length ‖ value`; it becomes the next MCV.
    fn chain_mac(&mut self, header_and_value: &[u8]) -> [u8; BLOCK_LEN] {
        let mut mac = self.mac.clone();
        mac.update(&self.mcv);
        mac.update(header_and_value);
        self.mcv = mac.finalize().into_bytes().into();
        self.mcv
    }

    fn encrypt(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let icv = self.next_icv();
        cbc::Encryptor::<Aes128>::inner_iv_init(self.cipher.clone(), &icv.into())
            .encrypt_padded_vec_mut::<Iso7816>(plaintext)
    }

    fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, BspError> {
        if ciphertext.is_empty() || ciphertext.len() % BLOCK_LEN != 0 {
            return Err(BspError::CiphertextLength(ciphertext.len()));
        }
        let icv = self.next_icv();
        cbc::Decryptor::<Aes128>::inner_iv_init(self.cipher.clone(), &icv.into())
            .decrypt_padded_vec_mut::<Iso7816>(ciphertext)
            .map_err(|_| BspError::Padding)
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.mcv.zeroize();
    }
}

/// The SM-DP+ side: turns ConfigureISDP, StoreMetadata, ReplaceSessionKeys and the profile package into
/// protected segments, in the order they are called (which must be the order in the BPP).
pub struct BspEncoder(Channel);

impl BspEncoder {
    /// A channel for one key set (session keys, or PPK for a pre-protected package).
    pub fn new(keys: &SessionKeys) -> Self {
        Self(Channel::new(keys))
    }

    /// Protects `data` as one or more complete segments of `tag` (the profile package usually needs many).
    pub fn protect(&mut self, tag: SegmentTag, data: &[u8]) -> Result<Vec<Vec<u8>>, BspError> {
        if data.is_empty() {
            return Err(BspError::EmptyInput);
        }
        Ok(data
            .chunks(tag.max_chunk())
            .map(|chunk| self.protect_one(tag, chunk))
            .collect())
    }

    fn protect_one(&mut self, tag: SegmentTag, chunk: &[u8]) -> Vec<u8> {
        let value = if tag.is_encrypted() {
            self.0.encrypt(chunk)
        } else {
            self.0.skip_block();
            chunk.to_vec()
        };
        let mut segment = Vec::with_capacity(value.len() + MAC_LEN + 4);
        segment.push(tag.byte());
        tlv::push_length(&mut segment, value.len() + MAC_LEN);
        segment.extend_from_slice(&value);
        let mac = self.0.chain_mac(&segment);
        segment.extend_from_slice(&mac[..MAC_LEN]);
        segment
    }
}

/// A verified and decrypted segment.
#[derive(Debug, PartialEq, Eq)]
pub struct Unprotected {
    /// Which kind of segment it was; the caller checks it is the one expected at this point of the BPP.
    pub tag: SegmentTag,
    /// The plaintext (for `86`, a piece of the profile package to append to the previous ones).
    pub data: Vec<u8>,
}

/// The eUICC side: verifies and decrypts segments in the order received. After the first failure every
/// further call fails with [`BspError::Aborted`].
pub struct BspDecoder {
    channel: Channel,
    aborted: bool,
}

impl BspDecoder {
    /// A channel for one key set (the session keys, or the PPK from ReplaceSessionKeys).
    pub fn new(keys: &SessionKeys) -> Self {
        Self {
            channel: Channel::new(keys),
            aborted: false,
        }
    }

    /// Verifies the MAC of one complete segment (`86`, `87` or `88` TLV), then decrypts it if needed.
    pub fn unprotect(&mut self, segment: &[u8]) -> Result<Unprotected, BspError> {
        if self.aborted {
            return Err(BspError::Aborted);
        }
        let result = self.unprotect_inner(segment);
        self.aborted = result.is_err();
        result
    }

    fn unprotect_inner(&mut self, segment: &[u8]) -> Result<Unprotected, BspError> {
        if segment.len() > MAX_SEGMENT_LEN {
            return Err(BspError::SegmentTooLong(segment.len()));
        }
        let header = tlv::read_header(segment).ok_or(BspError::Malformed("bad TLV header"))?;
        let tag = SegmentTag::from_byte(header.tag).ok_or(BspError::UnexpectedTag(header.tag))?;
        if header.header_len + header.len != segment.len() {
            return Err(BspError::Malformed("length does not match the segment"));
        }
        if header.len < MAC_LEN {
            return Err(BspError::Malformed("no room for the MAC"));
        }
        let (maced, received_mac) = segment.split_at(segment.len() - MAC_LEN);
        let mac = self.channel.chain_mac(maced);
        if !bool::from(mac[..MAC_LEN].ct_eq(received_mac)) {
            return Err(BspError::MacMismatch);
        }
        let value = &maced[header.header_len..];
        let data = if tag.is_encrypted() {
            self.channel.decrypt(value)?
        } else {
            self.channel.skip_block();
            value.to_vec()
        };
        Ok(Unprotected { tag, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(hex_mcv: &str, hex_enc: &str, hex_mac: &str) -> SessionKeys {
        let k = |h: &str| {
            let mut out = [0u8; 16];
            hex::decode_to_slice(h, &mut out).unwrap();
            out
        };
        SessionKeys::new(k(hex_mcv), k(hex_enc), k(hex_mac))
    }

    fn random_keys() -> SessionKeys {
        SessionKeys::generate()
    }

    /// Deterministic filler that does not repeat within a block, standing in for a profile package.
    fn profile(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i.wrapping_mul(31) ^ (i >> 8)) as u8)
            .collect()
    }

    /// The session keys of pySim `test_esim_bsp.py` BSP_Test_mode51 (from a third-party SM-DP+ trace).
    fn mode51_keys() -> SessionKeys {
        keys(
            "406d507b448a699e7a36a38494debbde",
            "472f5bfadd97f21d34f3ce9b51b92751",
            "9ec07f5b36a13e12a991d66e294e6242",
        )
    }

    const CONFIGURE_ISDP: &str = "bf2400";
    const CONFIGURE_ISDP_PROTECTED: &str = "8718f6fe031e4b9cfe87c8e1e62f3fde85c49412d7722a6a2d89";
    const METADATA: &str = "bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c45950100";
    const METADATA_PROTECTED: &str = "8838bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c459501008a62cc9adbb5ccbc";
    const REPLACE_KEYS: &str = "bf26368010000102030405060708090a0b0c0d0e0f8110010102030405060708090a0b0c0d0e0f8210020102030405060708090a0b0c0d0e0f";
    const REPLACE_KEYS_PROTECTED: &str = "8748a14c800a001992351cd46ad2945654674369701d82b7b46567652bc8fbed234939fc57fba748015525fd6c651e9d3d1330652d42a0cfad950e912122af4ec5362d3c0bc535729c40";

    #[test]
    fn known_answers_smdp_side() {
        let mut enc = BspEncoder::new(&mode51_keys());
        let h = |s: &str| hex::decode(s).unwrap();
        let out = enc
            .protect(SegmentTag::ConfigureIsdpOrReplaceKeys, &h(CONFIGURE_ISDP))
            .unwrap();
        assert_eq!(out, [h(CONFIGURE_ISDP_PROTECTED)]);
        let out = enc
            .protect(SegmentTag::StoreMetadata, &h(METADATA))
            .unwrap();
        assert_eq!(out, [h(METADATA_PROTECTED)]);
        let out = enc
            .protect(SegmentTag::ConfigureIsdpOrReplaceKeys, &h(REPLACE_KEYS))
            .unwrap();
        assert_eq!(out, [h(REPLACE_KEYS_PROTECTED)]);
    }

    #[test]
    fn known_answers_euicc_side() {
        let mut dec = BspDecoder::new(&mode51_keys());
        let h = |s: &str| hex::decode(s).unwrap();
        for (protected, plain, tag) in [
            (
                CONFIGURE_ISDP_PROTECTED,
                CONFIGURE_ISDP,
                SegmentTag::ConfigureIsdpOrReplaceKeys,
            ),
            (METADATA_PROTECTED, METADATA, SegmentTag::StoreMetadata),
            (
                REPLACE_KEYS_PROTECTED,
                REPLACE_KEYS,
                SegmentTag::ConfigureIsdpOrReplaceKeys,
            ),
        ] {
            let got = dec.unprotect(&h(protected)).unwrap();
            assert_eq!(got.tag, tag);
            assert_eq!(got.data, h(plain));
        }
    }

    /// The first two `86` segments after ReplaceSessionKeys in pySim's BSP_Test_mode51 (third-party trace):
    /// PPK keys, counter restarting at 1, full-size 1020-byte segments.
    #[test]
    fn known_answer_profile_segments_with_ppk() {
        let vectors = include_str!("testdata/bsp_ppk_segments.hex");
        let lines: Vec<Vec<u8>> = vectors
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| hex::decode(l.trim()).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        let ppk = keys(
            "000102030405060708090a0b0c0d0e0f",
            "010102030405060708090a0b0c0d0e0f",
            "020102030405060708090a0b0c0d0e0f",
        );
        let mut enc = BspEncoder::new(&ppk);
        let mut dec = BspDecoder::new(&ppk);
        for pair in lines.chunks(2) {
            let (plain, protected) = (&pair[0], &pair[1]);
            assert_eq!(protected.len(), MAX_SEGMENT_LEN);
            let out = enc.protect(SegmentTag::ProfileElements, plain).unwrap();
            assert_eq!(out, std::slice::from_ref(protected));
            assert_eq!(dec.unprotect(protected).unwrap().data, *plain);
        }
    }

    /// Protects a whole BPP's worth of segments the way an SM-DP+ does.
    fn protect_bpp(keys: &SessionKeys, upp: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let mut enc = BspEncoder::new(keys);
        let mut head = enc
            .protect(SegmentTag::ConfigureIsdpOrReplaceKeys, &[0xbf, 0x24, 0x00])
            .unwrap();
        head.extend(
            enc.protect(SegmentTag::StoreMetadata, &profile(1500))
                .unwrap(),
        );
        let body = enc.protect(SegmentTag::ProfileElements, upp).unwrap();
        (head, body)
    }

    fn unprotect_all(
        dec: &mut BspDecoder,
        segments: &[Vec<u8>],
    ) -> Result<Vec<Unprotected>, BspError> {
        segments.iter().map(|s| dec.unprotect(s)).collect()
    }

    #[test]
    fn round_trip_5k_and_100k_profiles() {
        for len in [5 * 1024, 100 * 1024] {
            let keys = random_keys();
            let upp = profile(len);
            let (head, body) = protect_bpp(&keys, &upp);
            assert_eq!(head.len(), 3, "one 87 and two 88 segments");
            assert_eq!(body.len(), len.div_ceil(1007));
            assert!(head.iter().chain(&body).all(|s| s.len() <= MAX_SEGMENT_LEN));
            assert_eq!(body[0].len(), MAX_SEGMENT_LEN);
            assert_eq!(head[1].len(), MAX_SEGMENT_LEN);

            let mut dec = BspDecoder::new(&keys);
            let head_out = unprotect_all(&mut dec, &head).unwrap();
            assert_eq!(head_out[0].data, [0xbf, 0x24, 0x00]);
            let metadata: Vec<u8> = head_out[1..].iter().flat_map(|u| u.data.clone()).collect();
            assert_eq!(metadata, profile(1500));
            let body_out = unprotect_all(&mut dec, &body).unwrap();
            assert!(
                body_out
                    .iter()
                    .all(|u| u.tag == SegmentTag::ProfileElements)
            );
            let joined: Vec<u8> = body_out.into_iter().flat_map(|u| u.data).collect();
            assert_eq!(joined, upp);
        }
    }

    #[test]
    fn tampered_segment_fails_mac_and_aborts_the_session() {
        let keys = random_keys();
        let (head, mut body) = protect_bpp(&keys, &profile(5000));
        body[2][500] ^= 0x40;
        let mut dec = BspDecoder::new(&keys);
        unprotect_all(&mut dec, &head).unwrap();
        dec.unprotect(&body[0]).unwrap();
        dec.unprotect(&body[1]).unwrap();
        let err = dec.unprotect(&body[2]).unwrap_err();
        assert_eq!(err, BspError::MacMismatch);
        assert_eq!(err.error_reason(), ERROR_REASON_SECURITY);
        assert_eq!(dec.unprotect(&body[3]).unwrap_err(), BspError::Aborted);
    }

    #[test]
    fn reordered_or_dropped_segments_fail() {
        let keys = random_keys();
        let (head, body) = protect_bpp(&keys, &profile(5000));

        let mut swapped = body.clone();
        swapped.swap(1, 2);
        let mut dec = BspDecoder::new(&keys);
        unprotect_all(&mut dec, &head).unwrap();
        dec.unprotect(&swapped[0]).unwrap();
        assert_eq!(
            dec.unprotect(&swapped[1]).unwrap_err(),
            BspError::MacMismatch
        );

        let mut dec = BspDecoder::new(&keys);
        unprotect_all(&mut dec, &head).unwrap();
        assert_eq!(dec.unprotect(&body[1]).unwrap_err(), BspError::MacMismatch);

        // The metadata before ConfigureISDP: out of order from the first segment.
        let mut dec = BspDecoder::new(&keys);
        assert_eq!(dec.unprotect(&head[1]).unwrap_err(), BspError::MacMismatch);
    }

    #[test]
    fn wrong_keys_and_changed_tag_fail() {
        let (head, _) = protect_bpp(&random_keys(), &profile(100));
        let mut dec = BspDecoder::new(&random_keys());
        assert_eq!(dec.unprotect(&head[0]).unwrap_err(), BspError::MacMismatch);

        let keys = random_keys();
        let (mut head, _) = protect_bpp(&keys, &profile(100));
        head[0][0] = 0x86;
        let mut dec = BspDecoder::new(&keys);
        assert_eq!(dec.unprotect(&head[0]).unwrap_err(), BspError::MacMismatch);
    }

    #[test]
    fn malformed_segments_are_structure_errors() {
        let keys = random_keys();
        let dec = || BspDecoder::new(&keys);
        let err = dec()
            .unprotect(&[0x89, 0x08, 0, 0, 0, 0, 0, 0, 0, 0])
            .unwrap_err();
        assert_eq!(err, BspError::UnexpectedTag(0x89));
        assert_eq!(err.error_reason(), ERROR_REASON_STRUCTURE);
        assert!(matches!(
            dec().unprotect(&[0x86, 0x09, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(BspError::Malformed(_))
        ));
        assert!(matches!(
            dec().unprotect(&[0x88, 0x02, 0, 0]),
            Err(BspError::Malformed(_))
        ));
        let mut long = vec![0x86, 0x82, 0x03, 0xf9];
        long.resize(4 + 0x3f9, 0);
        assert_eq!(
            dec().unprotect(&long).unwrap_err(),
            BspError::SegmentTooLong(1021)
        );
        assert_eq!(
            BspEncoder::new(&keys)
                .protect(SegmentTag::StoreMetadata, &[])
                .unwrap_err(),
            BspError::EmptyInput
        );
    }

    #[test]
    fn correctly_maced_bad_ciphertext_is_rejected() {
        // A MAC-valid 86 whose value is not block aligned: only a broken SM-DP+ sends that.
        let keys = random_keys();
        let mut channel = Channel::new(&keys);
        let mut segment = vec![0x86, (5 + MAC_LEN) as u8, 1, 2, 3, 4, 5];
        let mac = channel.chain_mac(&segment);
        segment.extend_from_slice(&mac[..MAC_LEN]);
        assert_eq!(
            BspDecoder::new(&keys).unprotect(&segment).unwrap_err(),
            BspError::CiphertextLength(5)
        );
    }

    #[test]
    fn max_chunks_fill_a_segment_exactly() {
        assert_eq!(SegmentTag::ProfileElements.max_chunk(), 1007);
        assert_eq!(SegmentTag::StoreMetadata.max_chunk(), 1008);
        let keys = random_keys();
        let mut enc = BspEncoder::new(&keys);
        let seg = enc
            .protect(SegmentTag::StoreMetadata, &profile(1008))
            .unwrap();
        assert_eq!(seg.len(), 1);
        assert_eq!(seg[0].len(), MAX_SEGMENT_LEN);
        let seg = enc
            .protect(SegmentTag::ProfileElements, &profile(1008))
            .unwrap();
        assert_eq!(seg.len(), 2);
        assert_eq!(seg[0].len(), MAX_SEGMENT_LEN);
    }
}
