//! [`Layout`]: which of the two SGP.32 ASN.1 module layouts a message, an eUICC or a type registry follows.

use crate::for_layout;
use crate::types::sgp22::EUICCInfo2;
use crate::types::sgp32::view::Sgp32;
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

impl Layout {
    /// RetrieveNotificationsList returns stored eUICC Package Results only when asked for them (v1.2); a
    /// v1.0 card returns them with the notifications.
    pub fn results_on_request(self) -> bool {
        for_layout!(self, l => <l::Types as Sgp32>::RESULTS_ON_REQUEST)
    }

    /// The card has SGP.32's own EuiccMemoryReset (`BF64`, v1.2); a v1.0 card takes SGP.22's `BF34`.
    pub fn own_memory_reset(self) -> bool {
        for_layout!(self, l => <l::Types as Sgp32>::OWN_MEMORY_RESET)
    }

    /// The fallback mechanism, emergency profiles and connectivity parameters exist (v1.2).
    pub fn fallback(self) -> bool {
        for_layout!(self, l => <l::Types as Sgp32>::FALLBACK)
    }

    /// An eIM's configuration can announce indirect profile download (v1.2).
    pub fn indirect_profile_download_flag(self) -> bool {
        for_layout!(self, l => <l::Types as Sgp32>::INDIRECT_PROFILE_DOWNLOAD_FLAG)
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
