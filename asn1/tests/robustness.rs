//! Decoding untrusted bytes never panics and never hangs: random input, and golden vectors with bytes
//! flipped, inserted, removed or cut off, through every registered type of both SGP.32 versions. Whatever
//! does decode must survive a re-encoding unchanged (the same invariant the fuzz targets check).

mod common;

use euicc_asn1::Layout;
use euicc_asn1::registry::entries;
use proptest::prelude::*;

const VERSIONS: [Layout; 2] = [Layout::V1_0, Layout::V1_2];

fn golden() -> Vec<Vec<u8>> {
    common::all().into_iter().map(|v| v.der).collect()
}

fn decode_everywhere(bytes: &[u8]) {
    for version in VERSIONS {
        for entry in entries(version) {
            // Failing is fine; succeeding must mean a value we can write back and read again.
            let Ok(value) = (entry.decode)(bytes) else {
                continue;
            };
            let der = (entry.encode)(&value).unwrap_or_else(|e| {
                panic!("{}: decoded value does not re-encode: {e}", entry.name)
            });
            let again = (entry.decode)(&der)
                .unwrap_or_else(|e| panic!("{}: own DER does not decode: {e}", entry.name));
            assert_eq!(again, value, "{} changed across a re-encoding", entry.name);
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, xor: u8 },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
    Truncate { len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Remove { at }),
        any::<usize>().prop_map(|len| Mutation::Truncate { len }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len().max(1);
        match *m {
            Mutation::Flip { at, xor } => {
                if let Some(b) = bytes.get_mut(at % n) {
                    *b ^= xor;
                }
            }
            Mutation::Insert { at, byte } => bytes.insert(at % (bytes.len() + 1), byte),
            Mutation::Remove { at } => {
                if !bytes.is_empty() {
                    bytes.remove(at % n);
                }
            }
            Mutation::Truncate { len } => bytes.truncate(len % n),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        decode_everywhere(&bytes);
    }

    #[test]
    fn mutated_golden_vectors_never_panic(pick in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..4)) {
        let vectors = golden();
        let original = vectors[pick % vectors.len()].clone();
        decode_everywhere(&apply(original, &mutations));
    }
}

#[test]
fn huge_declared_lengths_are_rejected_without_allocating() {
    // A BF51 claiming 4 GiB of content, followed by nothing.
    decode_everywhere(&[0xBF, 0x51, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]);
    // Deep indefinite-length nesting.
    let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 5000)
        .flatten()
        .collect();
    decode_everywhere(&deep);
}
