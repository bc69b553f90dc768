//! eIM configuration: the data the eUICC keeps per eIM and the ES10b commands that manage it, v1.0 layout.
//!
//! The v1.0 layout is SGP.32 v1.0.1's: v1.0 as first published gave `eimPublicKeyData`'s alternatives, and
//! `trustedPublicKeyDataTls`, `eimSupportedProtocol` and `euiccCiPKId`, tags that v1.0.1 withdrew (`A5 {A6 |
//! A7}`, `A8 {A9 | AA}`, `8B`, `8C`). Those are still read (`alias`), so that an eIM or eUICC that kept them
//! is understood, but never written.

use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, BitString, Octets};

eim_configuration_data! {
    /// The key that verifies the eIM's package signatures.
    #[asn1(context = 5)]
    pub eim_public_key_data: Option<EimPublicKeyData>,
    /// The trust anchor of the eIM's TLS server.
    #[asn1(context = 6, alias(context = 8))]
    pub trusted_public_key_data_tls: Option<TrustedPublicKeyDataTls>,
    /// Bits: eimRetrieveHttps 0, eimRetrieveCoaps 1, eimInjectHttps 2, eimInjectCoaps 3, eimProprietary 4.
    #[asn1(context = 7, alias(context = 11))]
    pub eim_supported_protocol: Option<BitString>,
    /// The CI key of the eIM's certificate chain.
    #[asn1(context = 8, alias(context = 12), name = "euiccCiPKId")]
    pub euicc_ci_pk_id: Option<Octets>,
}

eim_keys! {
    eim_public_key { #[asn1(context = 0, alias(context = 6))] }
    eim_certificate { #[asn1(context = 1, alias(context = 7))] }
    trusted_eim_pk_tls { #[asn1(context = 0, alias(context = 9))] }
    trusted_certificate_tls { #[asn1(context = 1, alias(context = 10))] }
}

eim_id_info! {
    eim_id_type { #[asn1(context = 4)] }
}

/// `addInitialEimError`.
pub const ADD_INITIAL_EIM_ERROR: CodeTable = &[
    (1, "insufficientMemory"),
    (2, "unsignedEimConfigDisallowed"),
    (3, "ciPKUnknown"),
    (5, "invalidAssociationToken"),
    (6, "counterValueOutOfRange"),
    (127, "undefinedError"),
];

/// GetEimConfigurationData (`BF55`): every stored eIM configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
#[asn1(context = 85)]
pub struct GetEimConfigurationDataRequest {}
