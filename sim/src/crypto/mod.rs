//! Cryptographic building blocks of the simulated eUICC, SM-DP+ and eIM.
//!
//! Everything is sans-IO and pure Rust (RustCrypto): the simulators call these functions and own all I/O.
//!
//! - [`ecdsa`]: P-256 / SHA-256 signatures, raw `r‖s` (tag `5F37`) and X9.62 DER forms, key loading.
//! - [`cert`]: the X.509 subset RSP needs: key identifiers, EID, role policies, chain verification.
//! - [`pki`]: a generated test PKI (CI, EUM, eUICC, SM-DP+, eIM), its files, and eUICC certificate minting.
//! - [`ecka`] and [`kdf`]: the one-time key agreement and session key derivation of SGP.22 §2.6.
//! - [`bsp`]: the BPP protection (SCP03t / BSP) of SGP.22 §2.5.4 and §5.5, both sides.
//! - [`hash`]: hashes the protocol compares, such as `hashCc`.
//!
//! Private keys and session keys never appear in `Debug` output.

pub mod bsp;
pub mod cert;
pub mod ecdsa;
pub mod ecka;
pub mod hash;
pub mod kdf;
pub mod pki;

mod pem;
mod tlv;
