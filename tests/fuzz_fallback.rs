//! The fuzz targets on the stable toolchain: every target's body (`fuzz/src/lib.rs`, included here, the
//! same code the libFuzzer binaries run) over its kept corpus (`fuzz/corpus/<target>/`), over random
//! bytes, and over the corpus mutated by proptest. `scripts/fuzz-smoke.sh` runs this over and over, with
//! fresh seeds, where cargo-fuzz is missing; with cargo-fuzz, libFuzzer grows the corpus replayed here.

#[path = "../fuzz/src/lib.rs"]
mod targets;

use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;
use targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The kept corpus of `target`, every file of it.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|file| std::fs::read(file).expect("corpus file"))
        .collect()
}

/// Every target's corpus, read once, in the order of [`TARGETS`].
fn corpora() -> &'static [Vec<Vec<u8>>] {
    static CORPORA: OnceLock<Vec<Vec<Vec<u8>>>> = OnceLock::new();
    CORPORA.get_or_init(|| TARGETS.iter().map(|(name, _)| corpus(name)).collect())
}

#[test]
fn every_target_has_a_binary_and_a_corpus() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let mut binaries: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|bin| bin.lines().find_map(|l| l.strip_prefix("name = ")))
        .map(|name| name.trim_matches('"'))
        .collect();
    let mut names: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    binaries.sort_unstable();
    names.sort_unstable();
    assert_eq!(binaries, names, "fuzz/Cargo.toml and TARGETS differ");
    for name in names {
        let source = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&source).expect("target source");
        assert!(
            text.contains(&format!("euiccd_fuzz::{name}(data)")),
            "{name}"
        );
        assert!(!corpus(name).is_empty(), "{name} has no corpus");
    }
}

#[test]
fn the_kept_corpus_passes_every_target() {
    for ((_, target), inputs) in TARGETS.iter().zip(corpora()) {
        for input in inputs {
            target(input);
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, xor: u8 },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
    Truncate { len: usize },
    Repeat { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Remove { at }),
        any::<usize>().prop_map(|len| Mutation::Truncate { len }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Repeat { at, len }),
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
            Mutation::Repeat { at, len } => {
                let start = at % n;
                let piece: Vec<u8> = bytes.iter().skip(start).take(len).copied().collect();
                bytes.splice(start..start, piece);
            }
        }
    }
    bytes
}

proptest! {
    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for (_, target) in TARGETS {
            target(&bytes);
        }
    }

    #[test]
    fn mutated_corpus(pick in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..8)) {
        for ((_, target), inputs) in TARGETS.iter().zip(corpora()) {
            target(&apply(inputs[pick % inputs.len()].clone(), &mutations));
        }
    }
}
