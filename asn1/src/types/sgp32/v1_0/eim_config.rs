//! eIM configuration: the data the eUICC keeps per eIM and the ES10b commands that manage it, v1.0 layout.
//!
//! The v1.0 layout is SGP.32 v1.0.1's: v1.0 as first published gave `eimPublicKeyData`'s alternatives, and
//! `trustedPublicKeyDataTls`, `eimSupportedProtocol` and `euiccCiPKId`, tags that v1.0.1 withdrew (`A5 {A6 |
//! A7}`, `A8 {A9 | AA}`, `8B`, `8C`). Those are still read (`alias`), so that an eIM or eUICC that kept them
//! is understood, but never written.

use super::SubjectPublicKeyInfo;
use crate::types::sgp22::Certificate;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, BitString, Octets};

/// The configuration of one eIM, as stored by the eUICC.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EimConfigurationData {
    /// The eIM's identifier.
    #[asn1(context = 0)]
    pub eim_id: String,
    /// Where the IPA reaches the eIM (may carry `:port`).
    #[asn1(context = 1)]
    pub eim_fqdn: Option<String>,
    /// Names: `EIM_ID_TYPE`.
    #[asn1(context = 2)]
    pub eim_id_type: Option<i64>,
    /// The initial replay counter.
    #[asn1(context = 3)]
    pub counter_value: Option<i64>,
    /// The token the eUICC assigned to this association.
    #[asn1(context = 4)]
    pub association_token: Option<i64>,
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

/// The eIM's signing key: a bare public key or a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EimPublicKeyData {
    /// A public key.
    #[asn1(context = 0, alias(context = 6))]
    EimPublicKey(SubjectPublicKeyInfo),
    /// A certificate.
    #[asn1(context = 1, alias(context = 7))]
    EimCertificate(Certificate),
}

/// The TLS trust anchor of the eIM: its public key, or the eIM's or a CA's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum TrustedPublicKeyDataTls {
    /// A public key.
    #[asn1(context = 0, alias(context = 9))]
    TrustedEimPkTls(SubjectPublicKeyInfo),
    /// A certificate.
    #[asn1(context = 1, alias(context = 10))]
    TrustedCertificateTls(Certificate),
}

/// An eIM in the answer to `listEim`.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EimIdInfo {
    /// The eIM's identifier.
    #[asn1(context = 0)]
    pub eim_id: String,
    /// Names: `EIM_ID_TYPE`.
    #[asn1(context = 4)]
    pub eim_id_type: Option<i64>,
}

/// AddInitialEim (`BF57`): the first eIMs, configured without a signed eCO.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 87)]
pub struct AddInitialEimRequest {
    /// The eIMs to add.
    #[asn1(context = 0)]
    pub eim_configuration_data_list: Vec<EimConfigurationData>,
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
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 85)]
pub struct GetEimConfigurationDataRequest {}

/// The answer to GetEimConfigurationData.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 85)]
pub struct GetEimConfigurationDataResponse {
    /// The configurations found.
    #[asn1(context = 0)]
    pub eim_configuration_data_list: Vec<EimConfigurationData>,
}
