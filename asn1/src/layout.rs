//! [`Layout`]: which of the two SGP.32 ASN.1 module layouts a message, an eUICC or a type registry follows.

use crate::types::sgp22::EUICCInfo2;
use std::fmt;

/// The SGP.32 (SGP32Definitions) layout: the eUICC's data layout, and the module the types of
/// [`crate::types::sgp32::v1_0`] and [`crate::types::sgp32::v1_2`] follow. SGP.22 types are the same under
/// both.
///
/// The layout is what decides the encoding; what the two layouts have in common is read through the view
/// traits of [`crate::types::sgp32::view`], so that code above the codec needs no match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// SGP.32 v1.0 as v1.0.1 corrected it (its EimConfigurationData tags), also spoken by v1.1 cards and early
    /// eIMs in the field: SGP.22's `BF34` memory reset, `EnableUsingDD`, no fallback functions.
    V1_0,
    /// SGP.32 v1.2 and later, the layout of accredited eUICCs.
    V1_2,
}

impl Layout {
    /// Both layouts, oldest first.
    pub const ALL: [Layout; 2] = [Layout::V1_0, Layout::V1_2];

    /// The layout of an eUICC with this EUICCInfo2: v1.2 when any `iotVersion` is 1.2 or later, or when none
    /// is announced; v1.0 otherwise.
    pub fn from_info2(info: &EUICCInfo2) -> Self {
        let versions = info
            .iot_specific_info
            .as_ref()
            .map(|iot| iot.iot_version.as_slice())
            .unwrap_or_default();
        if versions.is_empty() || versions.iter().any(|v| v.as_slice() >= &[1, 2][..]) {
            Self::V1_2
        } else {
            Self::V1_0
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V1_0 => "v1.0",
            Self::V1_2 => "v1.2",
        })
    }
}

impl std::str::FromStr for Layout {
    type Err = String;

    /// `v1.0` (also `1.0`, `v1.0.1`, `1.0.1`) or `v1.2` (also `1.2`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v1.0" | "1.0" | "v1.0.1" | "1.0.1" => Ok(Self::V1_0),
            "v1.2" | "1.2" => Ok(Self::V1_2),
            other => Err(format!(
                "unknown SGP.32 version {other:?} (use v1.0 or v1.2)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for layout in Layout::ALL {
            assert_eq!(layout.to_string().parse::<Layout>(), Ok(layout));
        }
        assert_eq!("1.0.1".parse::<Layout>(), Ok(Layout::V1_0));
        assert!("v1.1".parse::<Layout>().is_err());
    }
}
