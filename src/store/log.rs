//! The store file's format: an append-only log of commits, and its decoder (public for its fuzz target).
//!
//! The file starts with [`MAGIC`] (the format's name and version). Each commit then adds one record:
//!
//! ```text
//! length u32 LE | !length u32 LE | CRC-32 of the payload u32 LE | payload (length bytes)
//! ```
//!
//! The payload is the transaction's operations, one after the other: table id (u8), 0 = delete or
//! 1 = put (u8), key length (u8), key, and for a put the value's length (u32 LE) and the value.
//! Replaying the records in order from empty tables gives the store's state; a compacted file holds
//! one record that puts the whole state (a snapshot).
//!
//! A commit is written with one write and made durable (fdatasync) before it returns, so after a
//! power cut the file ends with whole commits, possibly followed by an unfinished one: a record cut
//! short, one whose checksum fails with nothing after it, or zeros where a file system had extended
//! the file before the data landed. That tail is dropped ([`End::Torn`]): it is a commit that never
//! returned. Anything else that does not decode is damage ([`End::Damaged`]): a record that fails its
//! checksum or its length check with more data after it, an unknown table, a record over the bound,
//! another file's header. The length is stored twice (once inverted) so that a damaged length is never
//! taken for a cut-short record at the end, which would silently drop the commits after it.

use super::tables::{Table, Tables};

/// The file's first bytes: the format and its version.
pub const MAGIC: [u8; 8] = *b"euiccdS1";
/// A record's header: the length, the length inverted, the payload's CRC-32.
pub const HEADER: usize = 12;
/// The largest payload of a record: one transaction, or the snapshot of the whole state (so the live
/// state is bounded by it too, see `Store::write`).
pub const MAX_RECORD: usize = 1024 * 1024;
/// The largest store file accepted: compaction keeps the log under 4 × the live state (plus one record
/// written before compaction runs), so a larger file is not one this program wrote.
pub const MAX_FILE: usize = 6 * 1024 * 1024;

/// How the log ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// With a whole record (or no record).
    Clean,
    /// With an unfinished commit, from [`Replay::valid_len`] on: to be cut off.
    Torn,
    /// With damage at [`Replay::valid_len`]: why.
    Damaged(String),
}

/// What a log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// The state after the last whole record before the end (or the damage).
    pub tables: Tables,
    /// The length of the file up to that record (0 when not even [`MAGIC`] is whole).
    pub valid_len: usize,
    /// How the log ended.
    pub end: End,
}

/// Replays the log `bytes`. Bounded (every length is checked against what is left) and never panics.
pub fn replay(bytes: &[u8]) -> Replay {
    let mut replay = Replay {
        tables: Tables::default(),
        valid_len: 0,
        end: End::Clean,
    };
    if bytes.len() < MAGIC.len() {
        // A file created, with its header not yet (wholly) written.
        if !bytes.is_empty() {
            replay.end = match MAGIC.starts_with(bytes) {
                true => End::Torn,
                false => End::Damaged("not a store file (no header)".into()),
            };
        }
        return replay;
    }
    if bytes[..MAGIC.len()] != MAGIC {
        replay.end = End::Damaged("not a store file of this format (another header)".into());
        return replay;
    }
    if bytes.len() > MAX_FILE {
        replay.end = End::Damaged(format!("{} bytes, over the bound", bytes.len()));
        return replay;
    }
    replay.valid_len = MAGIC.len();
    loop {
        let rest = &bytes[replay.valid_len..];
        match next_record(rest) {
            Next::End => return replay,
            Next::Torn => {
                replay.end = End::Torn;
                return replay;
            }
            Next::Damaged(why) => {
                replay.end = End::Damaged(format!("record at byte {}: {why}", replay.valid_len));
                return replay;
            }
            Next::Record(payload) => {
                if let Err(why) = apply(&mut replay.tables, payload) {
                    replay.end =
                        End::Damaged(format!("record at byte {}: {why}", replay.valid_len));
                    return replay;
                }
                replay.valid_len += HEADER + payload.len();
            }
        }
    }
}

/// What follows in the log.
enum Next<'a> {
    End,
    Record(&'a [u8]),
    Torn,
    Damaged(String),
}

/// The record at the start of `rest` (the rest of the file).
fn next_record(rest: &[u8]) -> Next<'_> {
    if rest.is_empty() {
        return Next::End;
    }
    let Some((header, after)) = rest.split_first_chunk::<HEADER>() else {
        return Next::Torn;
    };
    let word = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().expect("4 bytes"));
    let (len, inverted, crc) = (word(0), word(4), word(8));
    if len != !inverted {
        return match rest.iter().all(|b| *b == 0) {
            true => Next::Torn,
            false => Next::Damaged("its length field is damaged".into()),
        };
    }
    let len = len as usize;
    if len > MAX_RECORD {
        return Next::Damaged(format!("{len} bytes, over the bound of {MAX_RECORD}"));
    }
    let Some((payload, after)) = after.split_at_checked(len) else {
        return Next::Torn;
    };
    match (crc32(payload) == crc, after.is_empty()) {
        (true, _) => Next::Record(payload),
        (false, true) => Next::Torn,
        (false, false) => Next::Damaged("it fails its checksum".into()),
    }
}

/// Applies the operations of a record's `payload` to `tables`: all of them, or (if one does not decode)
/// none.
fn apply(tables: &mut Tables, mut payload: &[u8]) -> Result<(), String> {
    let mut ops = Vec::new();
    while !payload.is_empty() {
        let (op, rest) = decode_op(payload)?;
        ops.push(op);
        payload = rest;
    }
    for (table, key, value) in ops {
        match value {
            Some(value) => tables.put(table, key.to_vec(), value.to_vec()),
            None => tables.delete(table, key),
        };
    }
    Ok(())
}

/// One operation: table, key, value (None: delete).
type Op<'a> = (Table, &'a [u8], Option<&'a [u8]>);

/// The operation at the start of `bytes`, and what follows it.
fn decode_op(bytes: &[u8]) -> Result<(Op<'_>, &[u8]), String> {
    let cut = || "an operation is cut short".to_owned();
    let (head, rest) = bytes.split_first_chunk::<3>().ok_or_else(cut)?;
    let [id, kind, key_len] = *head;
    let table = Table::from_id(id).ok_or_else(|| format!("unknown table {id}"))?;
    let (key, rest) = rest.split_at_checked(key_len.into()).ok_or_else(cut)?;
    table.check_key(key)?;
    match kind {
        0 => Ok(((table, key, None), rest)),
        1 => {
            let (len, rest) = rest.split_first_chunk::<4>().ok_or_else(cut)?;
            let len = u32::from_le_bytes(*len) as usize;
            let (value, rest) = rest.split_at_checked(len).ok_or_else(cut)?;
            table.check_value(value)?;
            Ok(((table, key, Some(value)), rest))
        }
        other => Err(format!("unknown operation {other}")),
    }
}

/// Appends the operation (table, key, value; None: delete) to `payload`.
pub(super) fn encode_op(payload: &mut Vec<u8>, table: Table, key: &[u8], value: Option<&[u8]>) {
    let key_len = u8::try_from(key.len()).expect("keys are bounded by MAX_RECIPIENT");
    payload.extend_from_slice(&[table as u8, u8::from(value.is_some()), key_len]);
    payload.extend_from_slice(key);
    if let Some(value) = value {
        let len = u32::try_from(value.len()).expect("values are bounded by MAX_BODY");
        payload.extend_from_slice(&len.to_le_bytes());
        payload.extend_from_slice(value);
    }
}

/// The encoded length of an operation with a key of `key_len` bytes and a value of `value_len` bytes.
pub(super) fn op_len(key_len: usize, value_len: Option<usize>) -> usize {
    3 + key_len + value_len.map_or(0, |len| 4 + len)
}

/// The record of `payload`: its header, then the payload.
pub(super) fn record(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("records are bounded by MAX_RECORD");
    let mut record = Vec::with_capacity(HEADER + payload.len());
    record.extend_from_slice(&len.to_le_bytes());
    record.extend_from_slice(&(!len).to_le_bytes());
    record.extend_from_slice(&crc32(payload).to_le_bytes());
    record.extend_from_slice(payload);
    record
}

/// A whole file holding `tables`: [`MAGIC`] and one record that puts every value (or none if empty).
pub fn snapshot(tables: &Tables) -> Vec<u8> {
    let mut payload = Vec::with_capacity(tables.live_len());
    for (table, map) in tables.all() {
        for (key, value) in map {
            encode_op(&mut payload, table, key, Some(value));
        }
    }
    let mut file = MAGIC.to_vec();
    if !payload.is_empty() {
        file.extend_from_slice(&record(&payload));
    }
    file
}

/// CRC-32 (IEEE 802.3, as zlib and PNG use it) of `bytes`. Hand-written (a byte-wise table, 1 KiB built
/// at compile time): crc32fast would do, but it is a dependency with SIMD variants for a checksum over
/// a few KiB per commit, on a binary whose size is the point here.
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut bit = 0;
            while bit < 8 {
                c = match c & 1 {
                    1 => 0xEDB8_8320 ^ (c >> 1),
                    _ => c >> 1,
                };
                bit += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    !bytes.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    fn log_of(commits: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
        let mut file = MAGIC.to_vec();
        let mut ends = Vec::new();
        for payload in commits {
            file.extend_from_slice(&record(payload));
            ends.push(file.len());
        }
        (file, ends)
    }

    fn put(table: Table, key: &[u8], value: &[u8]) -> Vec<u8> {
        let mut payload = Vec::new();
        encode_op(&mut payload, table, key, Some(value));
        payload
    }

    #[test]
    fn every_cut_is_a_torn_tail_that_keeps_the_whole_commits() {
        let commits: Vec<Vec<u8>> = (0..3u64)
            .map(|n| put(Table::Sequence, b"entries", &n.to_be_bytes()))
            .collect();
        let (file, ends) = log_of(&commits);
        for len in 0..file.len() {
            let replay = replay(&file[..len]);
            let whole = ends.iter().filter(|end| **end <= len).count();
            let expected_len = ends[..whole].last().copied().unwrap_or(match len {
                0..8 => 0,
                _ => MAGIC.len(),
            });
            assert_eq!(replay.valid_len, expected_len, "cut at {len}");
            let clean = len == expected_len;
            assert_eq!(
                replay.end,
                if clean { End::Clean } else { End::Torn },
                "{len}"
            );
            let sequence = replay.tables.counter(Table::Sequence, "entries");
            assert_eq!(sequence, whole.checked_sub(1).map(|n| n as u64), "{len}");
        }
    }

    #[test]
    fn a_flipped_bit_before_the_last_record_is_damage() {
        let commits: Vec<Vec<u8>> = (0..3u64)
            .map(|n| put(Table::Sequence, b"entries", &n.to_be_bytes()))
            .collect();
        let (file, ends) = log_of(&commits);
        for bit in 0..ends[1] * 8 {
            let mut flipped = file.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let replay = replay(&flipped);
            assert!(matches!(replay.end, End::Damaged(_)), "bit {bit}");
        }
        // In the last record's checksum or payload: the unfinished commit, dropped. In its length
        // fields: damage (a write cut short leaves them whole, or zero).
        for bit in ends[1] * 8..file.len() * 8 {
            let mut flipped = file.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let replay = replay(&flipped);
            match bit / 8 - ends[1] {
                0..8 => assert!(matches!(replay.end, End::Damaged(_)), "{bit}"),
                _ => assert_eq!(
                    (replay.end, replay.valid_len),
                    (End::Torn, ends[1]),
                    "{bit}"
                ),
            }
        }
    }

    #[test]
    fn zeros_after_the_last_commit_are_torn_and_garbage_is_damage() {
        let (mut file, ends) = log_of(&[put(Table::Sequence, b"entries", &[0; 8])]);
        file.extend_from_slice(&[0; 100]);
        assert_eq!(replay(&file).end, End::Torn);
        assert_eq!(replay(&file).valid_len, ends[0]);
        file.push(1);
        assert!(matches!(replay(&file).end, End::Damaged(_)));
        assert!(matches!(replay(b"SQLite format 3\0").end, End::Damaged(_)));
        assert!(matches!(replay(b"euiX").end, End::Damaged(_)));
        assert_eq!(replay(b"euic").end, End::Torn);
        assert_eq!(replay(b"").end, End::Clean);
    }

    #[test]
    fn records_that_checksum_but_do_not_decode_are_damage() {
        for payload in [
            vec![9, 1, 0, 0, 0, 0, 0],                                // unknown table
            vec![Table::Sequence as u8, 2, 0],                        // unknown operation
            vec![Table::Journal as u8, 0, 3, 1, 2, 3],                // an id key of 3 bytes
            put(Table::Sequence, b"entries", &[1, 2, 3]),             // a counter of 3 bytes
            put(Table::Journal, &[0; 8], &[5, b'a']),                 // recipient cut short
            put(Table::Sequence, b"entries", &[0; 8])[..10].to_vec(), // value cut short
        ] {
            let (file, _) = log_of(&[payload.clone(), put(Table::Counters, b"x", &[0; 8])]);
            assert!(matches!(replay(&file).end, End::Damaged(_)), "{payload:?}");
        }
        let mut big = MAGIC.to_vec();
        let len = (MAX_RECORD + 1) as u32;
        big.extend_from_slice(&len.to_le_bytes());
        big.extend_from_slice(&(!len).to_le_bytes());
        big.extend_from_slice(&[0; 4]);
        assert!(matches!(replay(&big).end, End::Damaged(_)));
    }

    #[test]
    fn a_snapshot_replays_to_the_same_tables() {
        let (file, _) = log_of(&[
            put(Table::Journal, &7u64.to_be_bytes(), &[1, b'e', 0xBF]),
            put(Table::PollState, b"eim-1", b"{}"),
            put(Table::PollState, b"eim-1", b"{\"failures\":1}"),
        ]);
        let first = replay(&file);
        assert_eq!(first.end, End::Clean);
        let snapshot = snapshot(&first.tables);
        assert_eq!(
            snapshot.len(),
            MAGIC.len() + HEADER + first.tables.live_len()
        );
        let second = replay(&snapshot);
        assert_eq!((second.end, &second.tables), (End::Clean, &first.tables));
    }
}
