//! eIM configuration: the data the eUICC keeps per eIM and the ES10b commands that manage it, v1.2 layout.

use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, BitString, Null, Octets};

eim_configuration_data! {
    /// The key that verifies the eIM's package signatures.
    #[asn1(context = 5)]
    pub eim_public_key_data: Option<EimPublicKeyData>,
    /// The trust anchor of the eIM's TLS server.
    #[asn1(context = 6)]
    pub trusted_public_key_data_tls: Option<TrustedPublicKeyDataTls>,
    /// Bits: eimRetrieveHttps 0, eimRetrieveCoaps 1, eimInjectHttps 2, eimInjectCoaps 3, eimProprietary 4.
    #[asn1(context = 7)]
    pub eim_supported_protocol: Option<BitString>,
    /// The CI key of the eIM's certificate chain.
    #[asn1(context = 8, name = "euiccCiPKId")]
    pub euicc_ci_pk_id: Option<Octets>,
    /// Present: the eIM supports indirect profile download.
    #[asn1(context = 9)]
    pub indirect_profile_download: Option<Null>,
}

eim_keys! {
    eim_public_key { #[asn1(context = 0)] }
    eim_certificate { #[asn1(context = 1)] }
    trusted_eim_pk_tls { #[asn1(context = 0)] }
    trusted_certificate_tls { #[asn1(context = 1)] }
}

eim_id_info! {
    eim_id_type { #[asn1(context = 2)] }
}

/// `addInitialEimError`.
pub const ADD_INITIAL_EIM_ERROR: CodeTable = &[
    (1, "insufficientMemory"),
    (2, "associatedEimAlreadyExists"),
    (3, "ciPKUnknown"),
    (5, "invalidAssociationToken"),
    (6, "counterValueOutOfRange"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// GetEimConfigurationData (`BF55`): the stored eIM configurations, all or one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 85)]
pub struct GetEimConfigurationDataRequest {
    /// Absent: every eIM.
    #[asn1(context = 0, explicit)]
    pub search_criteria: Option<EimSearchCriteria>,
}

/// Which eIM configuration to return.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EimSearchCriteria {
    /// The eIM with this identifier.
    #[asn1(context = 0)]
    EimId(String),
}
