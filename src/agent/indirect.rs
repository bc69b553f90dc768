//! Direct or indirect download for a ProfileDownloadTriggerRequest (SGP.32 §3.2.3.1 Direct and §3.2.3.2 Indirect
//! Profile Download).
//!
//! Direct: the IPA talks ES9+ to the SM-DP+ of the activation code itself. Indirect: every ES9+ exchange is
//! relayed by the eIM over ESipa ([`EsipaEs9`](crate::remote::esipa_es9::EsipaEs9)), on the same connection
//! as the poll; the IPA needs no route to the SM-DP+. The rule, per configuration ([`DownloadRoute`]):
//!
//! - `direct` or `indirect` forces the route;
//! - `auto` (the default) goes indirect when the eIM's configuration on the eUICC announces
//!   `indirectProfileDownload` (SGP.32 v1.2), and direct otherwise (always for a v1.0 eIM, which cannot
//!   announce it).

use crate::euicc::EimConfig;

/// How triggered downloads reach the SM-DP+. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DownloadRoute {
    /// Indirect when the eIM announces support, direct otherwise.
    #[default]
    Auto,
    /// Always ES9+ to the SM-DP+.
    Direct,
    /// Always through the eIM.
    Indirect,
}

impl DownloadRoute {
    /// Whether a download goes through the eIM whose configuration on the eUICC is `eim` (`None`: not
    /// found there).
    pub(crate) fn indirect(self, eim: Option<&EimConfig>) -> bool {
        match self {
            Self::Direct => false,
            Self::Indirect => true,
            Self::Auto => eim.is_some_and(|c| c.indirect_profile_download),
        }
    }
}

impl std::str::FromStr for DownloadRoute {
    type Err = String;

    /// `auto`, `direct` or `indirect` (configuration files).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "direct" => Ok(Self::Direct),
            "indirect" => Ok(Self::Indirect),
            other => Err(format!(
                "download route {other:?}: expected auto, direct or indirect"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_eims_announcement() {
        let announcing = EimConfig {
            indirect_profile_download: true,
            ..EimConfig::default()
        };
        let silent = EimConfig::default();
        assert!(DownloadRoute::Auto.indirect(Some(&announcing)));
        assert!(!DownloadRoute::Auto.indirect(Some(&silent)));
        assert!(!DownloadRoute::Auto.indirect(None));
        assert!(DownloadRoute::Indirect.indirect(None));
        assert!(!DownloadRoute::Direct.indirect(Some(&announcing)));
        assert_eq!("indirect".parse(), Ok(DownloadRoute::Indirect));
        assert!("sideways".parse::<DownloadRoute>().is_err());
    }
}
