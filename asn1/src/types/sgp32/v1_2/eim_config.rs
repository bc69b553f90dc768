//! eIM configuration: the data the eUICC keeps per eIM and the ES10b commands that manage it, v1.2 layout.

use super::SubjectPublicKeyInfo;
use crate::types::sgp22::Certificate;
use crate::types::sgp22::codes::CodeTable;
use crate::{Asn1, BitString, Null, Octets};

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

/// The eIM's signing key: a bare public key or a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum EimPublicKeyData {
    /// A public key.
    #[asn1(context = 0)]
    EimPublicKey(SubjectPublicKeyInfo),
    /// A certificate.
    #[asn1(context = 1)]
    EimCertificate(Certificate),
}

/// The TLS trust anchor of the eIM: its public key, or the eIM's or a CA's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum TrustedPublicKeyDataTls {
    /// A public key.
    #[asn1(context = 0)]
    TrustedEimPkTls(SubjectPublicKeyInfo),
    /// A certificate.
    #[asn1(context = 1)]
    TrustedCertificateTls(Certificate),
}

/// An eIM in the answer to `listEim`.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EimIdInfo {
    /// The eIM's identifier.
    #[asn1(context = 0)]
    pub eim_id: String,
    /// Names: `EIM_ID_TYPE`.
    #[asn1(context = 2)]
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
    (2, "associatedEimAlreadyExists"),
    (3, "ciPKUnknown"),
    (5, "invalidAssociationToken"),
    (6, "counterValueOutOfRange"),
    (7, "commandError"),
    (127, "undefinedError"),
];

/// GetEimConfigurationData (`BF55`): the stored eIM configurations, all or one.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
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

/// The answer to GetEimConfigurationData.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 85)]
pub struct GetEimConfigurationDataResponse {
    /// The configurations found.
    #[asn1(context = 0)]
    pub eim_configuration_data_list: Vec<EimConfigurationData>,
}
