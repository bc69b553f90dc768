//! The SGP.32 ASN.1 layout a simulator speaks: the simulators' own reading of which version changed what
//! (SGP.32 v1.0/v1.1 against v1.2), mapped to `euicc_asn1`'s `sgp32::v1_0` and `sgp32::v1_2` modules where
//! each simulator encodes or decodes. Not the IPA's `euicc::Version`, so that the two readings stay
//! independent witnesses of each other.

use std::fmt;

/// Which SGP.32 layout a simulated eUICC announces and speaks, or a simulated eIM expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// SGP.32 v1.0 and v1.1: SGP.22's `BF34` memory reset, `EnableUsingDD`, no fallback functions, ESipa
    /// messages without an EID.
    V1_0,
    /// SGP.32 v1.2 and later.
    V1_2,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V1_0 => "v1.0",
            Self::V1_2 => "v1.2",
        })
    }
}
