//! The IPA's capabilities, reported in IpaEuiccData; the same in v1.0 and v1.2.

use crate::{Asn1, BitString};

/// What the IPA supports, reported to the eIM in IpaEuiccData.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct IpaCapabilities {
    /// Bits: directRspServerCommunication 0, indirectRspServerCommunication 1, eimDownloadDataHandling 2,
    /// eimCtxParams1Generation 3, eimProfileMetadataVerification 4, minimizeEsipaBytes 5.
    #[asn1(context = 0)]
    pub ipa_features: BitString,
    /// Bits: ipaRetrieveHttps 0, ipaRetrieveCoaps 1, ipaInjectHttps 2, ipaInjectCoaps 3, ipaProprietary 4.
    #[asn1(context = 1)]
    pub ipa_supported_protocols: Option<BitString>,
}
