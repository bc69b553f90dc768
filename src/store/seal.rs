//! A checksum on every record the store writes, verified on every read.
//!
//! redb checksums its pages, but verifies them only when it repairs the file after an unclean shutdown
//! or in `check_integrity`: a flipped bit in a page it reads in normal operation comes back as a
//! different record. So each value is stored sealed: the first [`DIGEST_LEN`] bytes of a SHA-256 over
//! the table's name, the record's key and the value, then the value. A record whose seal does not match
//! is [`StoreError::Damaged`]; a key that changed, or a record that moved to another table, fails too.

use super::{Entry, StoreError};
use sha2::{Digest, Sha256};
use std::fmt;

/// Length of the seal in front of each value.
const DIGEST_LEN: usize = 8;

/// The key of a sealed record.
#[derive(Debug, Clone, Copy)]
pub(super) enum Key<'a> {
    /// An entry id.
    Id(u64),
    /// A named record (an eIM id, a counter's name).
    Name(&'a str),
}

impl Key<'_> {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Id(id) => id.to_be_bytes().to_vec(),
            Self::Name(name) => name.as_bytes().to_vec(),
        }
    }
}

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Name(name) => write!(f, "{name:?}"),
        }
    }
}

/// `value` sealed for record `key` of `table`.
pub(super) fn seal(table: &str, key: Key<'_>, value: &[u8]) -> Vec<u8> {
    let mut sealed = Vec::with_capacity(DIGEST_LEN + value.len());
    sealed.extend_from_slice(&digest(table, key, value));
    sealed.extend_from_slice(value);
    sealed
}

/// The value of record `key` of `table`, if its seal matches.
pub(super) fn unseal<'v>(
    table: &str,
    key: Key<'_>,
    sealed: &'v [u8],
) -> Result<&'v [u8], StoreError> {
    match sealed.split_at_checked(DIGEST_LEN) {
        Some((seal, value)) if seal == digest(table, key, value) => Ok(value),
        _ => Err(StoreError::Damaged {
            table: table.to_owned(),
            key: key.to_string(),
        }),
    }
}

/// An [`Entry`] sealed as record `id` of `table`: the recipient's length (one byte, see
/// [`MAX_RECIPIENT`](super::MAX_RECIPIENT)), the recipient, the body.
pub(super) fn seal_entry(table: &str, id: u64, entry: &Entry) -> Vec<u8> {
    let recipient = entry.recipient.as_bytes();
    let len = u8::try_from(recipient.len()).expect("recipients are bounded by MAX_RECIPIENT");
    let value = [&[len], recipient, &entry.body].concat();
    seal(table, Key::Id(id), &value)
}

/// The [`Entry`] sealed as record `id` of `table`.
pub(super) fn unseal_entry(table: &str, id: u64, sealed: &[u8]) -> Result<Entry, StoreError> {
    let value = unseal(table, Key::Id(id), sealed)?;
    let damaged = || StoreError::Damaged {
        table: table.to_owned(),
        key: id.to_string(),
    };
    let (&len, rest) = value.split_first().ok_or_else(damaged)?;
    let (recipient, body) = rest.split_at_checked(len.into()).ok_or_else(damaged)?;
    Ok(Entry {
        recipient: std::str::from_utf8(recipient)
            .map_err(|_| damaged())?
            .to_owned(),
        body: body.to_vec(),
    })
}

/// A number sealed as record `key` of `table`.
pub(super) fn seal_u64(table: &str, key: &str, n: u64) -> Vec<u8> {
    seal(table, Key::Name(key), &n.to_be_bytes())
}

/// The number sealed as record `key` of `table`.
pub(super) fn unseal_u64(table: &str, key: &str, sealed: &[u8]) -> Result<u64, StoreError> {
    let value = unseal(table, Key::Name(key), sealed)?;
    let bytes: [u8; 8] = value.try_into().map_err(|_| StoreError::Damaged {
        table: table.to_owned(),
        key: format!("{key:?}"),
    })?;
    Ok(u64::from_be_bytes(bytes))
}

fn digest(table: &str, key: Key<'_>, value: &[u8]) -> [u8; DIGEST_LEN] {
    let key = key.bytes();
    let mut hash = Sha256::new();
    // Length-prefixed, so that no two (table, key, value) triples hash the same input.
    hash.update((table.len() as u32).to_be_bytes());
    hash.update(table.as_bytes());
    hash.update((key.len() as u32).to_be_bytes());
    hash.update(&key);
    hash.update(value);
    let full = hash.finalize();
    let mut digest = [0; DIGEST_LEN];
    digest.copy_from_slice(&full[..DIGEST_LEN]);
    digest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_changed_bit_key_or_table_is_detected() {
        let entry = Entry {
            recipient: "eim-1".into(),
            body: b"\xBF\x50\x00".to_vec(),
        };
        let sealed = seal_entry("journal", 7, &entry);
        assert_eq!(unseal_entry("journal", 7, &sealed).unwrap(), entry);
        for bit in 0..sealed.len() * 8 {
            let mut flipped = sealed.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(
                matches!(
                    unseal_entry("journal", 7, &flipped),
                    Err(StoreError::Damaged { .. })
                ),
                "bit {bit}"
            );
        }
        assert!(unseal_entry("journal", 8, &sealed).is_err(), "another key");
        assert!(
            unseal_entry("outbox.results", 7, &sealed).is_err(),
            "another table"
        );
        assert!(
            unseal_entry("journal", 7, &sealed[..7]).is_err(),
            "cut short"
        );
        let n = seal_u64("next_id", "entries", 42);
        assert_eq!(unseal_u64("next_id", "entries", &n).unwrap(), 42);
        assert!(unseal_u64("next_id", "other", &n).is_err());
    }
}
