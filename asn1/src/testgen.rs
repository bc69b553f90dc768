//! Random values of every message type, for round-trip property tests and fuzzing (feature `testgen`).
//!
//! `#[derive(Asn1)]` also derives [`Generate`] under this feature, so every type gets a generator without
//! hand-written strategies; a seed from proptest or the fuzzer drives it.

use crate::{BitString, Eid, Iccid, Null, Octets, Oid, Raw, Signed, SizeRange};

/// A small deterministic generator (xorshift64*), seeded by the test runner.
#[derive(Debug, Clone)]
pub struct Gen {
    state: u64,
}

impl Gen {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed ^ 0x9E37_79B9_7F4A_7C15 | 1,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }

    /// Random bytes, usually short, sometimes longer than 255 so that long length forms are exercised.
    pub fn bytes(&mut self) -> Vec<u8> {
        let len = if self.below(8) == 0 {
            200 + self.below(200)
        } else {
            self.below(24)
        };
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// A type whose random values can be generated.
pub trait Generate: Sized {
    /// A random value.
    fn generate(g: &mut Gen) -> Self;
}

/// A type with a SIZE whose random values can be generated within a SIZE constraint, for components
/// declared with `#[asn1(size(..))]` (which the decoder rejects outside it).
pub trait GenerateSized: Sized {
    /// A random value whose size is within `range`.
    fn generate_sized(g: &mut Gen, range: SizeRange) -> Self;
}

impl Gen {
    /// A size within `range`, at most 300 past its lower bound (8 when it is open).
    pub fn size(&mut self, range: SizeRange) -> usize {
        let max = range
            .max
            .map_or(range.min + 8, |max| max.min(range.min + 300));
        range.min + self.below(max - range.min + 1)
    }
}

impl GenerateSized for Octets {
    fn generate_sized(g: &mut Gen, range: SizeRange) -> Self {
        Octets((0..g.size(range)).map(|_| g.next_u64() as u8).collect())
    }
}

impl GenerateSized for String {
    fn generate_sized(g: &mut Gen, range: SizeRange) -> Self {
        const CHARS: &[char] = &['a', 'Z', '0', '.', '-', ':', 'é', '€', ' '];
        (0..g.size(range))
            .map(|_| CHARS[g.below(CHARS.len())])
            .collect()
    }
}

impl GenerateSized for BitString {
    fn generate_sized(g: &mut Gen, range: SizeRange) -> Self {
        let len = g.size(range);
        BitString::new(
            (0..len.div_ceil(8)).map(|_| g.next_u64() as u8).collect(),
            len,
        )
    }
}

impl<T: Generate> GenerateSized for Vec<T> {
    fn generate_sized(g: &mut Gen, range: SizeRange) -> Self {
        (0..g.size(range)).map(|_| T::generate(g)).collect()
    }
}

macro_rules! generate_int {
    ($($t:ty),*) => {$(
        impl Generate for $t {
            fn generate(g: &mut Gen) -> Self {
                g.next_u64() as $t
            }
        }
    )*};
}
generate_int!(i8, u8, i16, u16, i32, u32, i64);

impl Generate for bool {
    fn generate(g: &mut Gen) -> Self {
        g.coin()
    }
}

impl Generate for Null {
    fn generate(_g: &mut Gen) -> Self {
        Null
    }
}

impl Generate for Octets {
    fn generate(g: &mut Gen) -> Self {
        Octets(g.bytes())
    }
}

impl Generate for String {
    fn generate(g: &mut Gen) -> Self {
        const CHARS: &[char] = &['a', 'Z', '0', '.', '-', ':', 'é', '€', ' '];
        (0..g.below(20))
            .map(|_| CHARS[g.below(CHARS.len())])
            .collect()
    }
}

impl Generate for BitString {
    fn generate(g: &mut Gen) -> Self {
        let len = g.below(33);
        BitString::new(
            (0..len.div_ceil(8)).map(|_| g.next_u64() as u8).collect(),
            len,
        )
    }
}

impl Generate for Oid {
    fn generate(g: &mut Gen) -> Self {
        let first = g.below(3) as u64;
        let second = if first == 2 {
            g.next_u64() >> 40
        } else {
            g.below(40) as u64
        };
        let rest = (0..g.below(6)).map(|_| g.next_u64() >> g.below(64));
        Oid([first, second].into_iter().chain(rest).collect())
    }
}

impl Generate for Raw {
    /// An OCTET STRING TLV: a value any opaque component may hold.
    fn generate(g: &mut Gen) -> Self {
        Raw(crate::to_der(&Octets::generate(g)))
    }
}

impl<T: Generate> Generate for Vec<T> {
    fn generate(g: &mut Gen) -> Self {
        (0..g.below(4)).map(|_| T::generate(g)).collect()
    }
}

impl<T: Generate + crate::Asn1> Generate for Signed<T> {
    fn generate(g: &mut Gen) -> Self {
        Signed::new(T::generate(g))
    }
}

impl Generate for Iccid {
    fn generate(g: &mut Gen) -> Self {
        let mut bytes = [0u8; 10];
        for b in &mut bytes {
            *b = (g.below(10) as u8) | ((g.below(10) as u8) << 4);
        }
        if g.coin() {
            bytes[9] |= 0xF0;
        }
        Iccid::from_bytes(bytes).unwrap_or_else(|_| unreachable!("generated digits are BCD"))
    }
}

impl Generate for Eid {
    fn generate(g: &mut Gen) -> Self {
        let mut bytes = [0u8; 16];
        for b in &mut bytes {
            *b = (g.below(10) as u8) | ((g.below(10) as u8) << 4);
        }
        Eid::from_bytes(bytes).unwrap_or_else(|_| unreachable!("generated digits are BCD"))
    }
}
