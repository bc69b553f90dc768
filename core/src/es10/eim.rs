//! eIM configuration and certificates (SGP.32 §5.9.18, §5.9.16, §5.9.19): GetEimConfigurationData,
//! AddInitialEim, GetCerts.
//!
//! [`EimConfig`] is one view of an eIM's configuration for both SGP.32 layouts; the functions convert it to
//! and from the v1.0 or v1.2 encoding the eUICC speaks.

use super::{Es10Error, Es10Function, decode};
use euicc_asn1::types::sgp22::Certificate;
use euicc_asn1::types::sgp32::common::{
    AddInitialEimResponse, AddInitialEimResult, Certs, GET_CERTS_ERROR, GetCertsRequest,
    GetCertsResponse, SubjectPublicKeyInfo,
};
use euicc_asn1::types::sgp32::view::EimConfigurationView;
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{BitString, Octets};
use euicc_asn1::{Layout, for_layout, to_der};

/// An eIM key: its signing key (`eimPublicKeyData`) or its TLS trust anchor (`trustedPublicKeyDataTls`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EimKey {
    /// A bare public key.
    PublicKey(SubjectPublicKeyInfo),
    /// A certificate.
    Certificate(Certificate),
}

impl EimKey {
    /// The DER of the key or certificate.
    pub fn as_der(&self) -> &[u8] {
        match self {
            Self::PublicKey(key) => key.as_der(),
            Self::Certificate(cert) => cert.as_der(),
        }
    }
}

/// The configuration of one eIM, in either SGP.32 layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EimConfig {
    /// The eIM's identifier.
    pub eim_id: String,
    /// Where the IPA reaches the eIM (`host[:port]`).
    pub fqdn: Option<String>,
    /// How `eim_id` is to be read (`EIM_ID_TYPE`).
    pub id_type: Option<i64>,
    /// The replay counter.
    pub counter_value: Option<i64>,
    /// The association token the eUICC assigned.
    pub association_token: Option<i64>,
    /// The key that verifies the eIM's packages.
    pub public_key: Option<EimKey>,
    /// The trust anchor of the eIM's TLS server.
    pub tls_anchor: Option<EimKey>,
    /// The protocols the eIM supports (bits: retrieveHttps 0, retrieveCoaps 1, injectHttps 2, injectCoaps 3,
    /// proprietary 4).
    pub supported_protocol: Option<BitString>,
    /// The CI key of the eIM's certificate chain.
    pub ci_pk_id: Option<Octets>,
    /// The eIM supports indirect profile download (v1.2 only).
    pub indirect_profile_download: bool,
}

/// Conversions between [`EimConfig`] and [`EimKey`] and one layout's EimConfigurationData and key CHOICEs.
macro_rules! conversions {
    ($v:ident) => {
        impl From<$v::EimPublicKeyData> for EimKey {
            fn from(key: $v::EimPublicKeyData) -> Self {
                match key {
                    $v::EimPublicKeyData::EimPublicKey(k) => Self::PublicKey(k),
                    $v::EimPublicKeyData::EimCertificate(c) => Self::Certificate(c),
                }
            }
        }
        impl From<EimKey> for $v::EimPublicKeyData {
            fn from(key: EimKey) -> Self {
                match key {
                    EimKey::PublicKey(k) => Self::EimPublicKey(k),
                    EimKey::Certificate(c) => Self::EimCertificate(c),
                }
            }
        }
        impl From<$v::TrustedPublicKeyDataTls> for EimKey {
            fn from(key: $v::TrustedPublicKeyDataTls) -> Self {
                match key {
                    $v::TrustedPublicKeyDataTls::TrustedEimPkTls(k) => Self::PublicKey(k),
                    $v::TrustedPublicKeyDataTls::TrustedCertificateTls(c) => Self::Certificate(c),
                }
            }
        }
        impl From<EimKey> for $v::TrustedPublicKeyDataTls {
            fn from(key: EimKey) -> Self {
                match key {
                    EimKey::PublicKey(k) => Self::TrustedEimPkTls(k),
                    EimKey::Certificate(c) => Self::TrustedCertificateTls(c),
                }
            }
        }
        impl From<$v::EimConfigurationData> for EimConfig {
            fn from(c: $v::EimConfigurationData) -> Self {
                Self {
                    indirect_profile_download: c.indirect_profile_download(),
                    eim_id: c.eim_id,
                    fqdn: c.eim_fqdn,
                    id_type: c.eim_id_type,
                    counter_value: c.counter_value,
                    association_token: c.association_token,
                    public_key: c.eim_public_key_data.map(Into::into),
                    tls_anchor: c.trusted_public_key_data_tls.map(Into::into),
                    supported_protocol: c.eim_supported_protocol,
                    ci_pk_id: c.euicc_ci_pk_id,
                }
            }
        }
        impl From<EimConfig> for $v::EimConfigurationData {
            /// v1.0 drops `indirect_profile_download`, which it cannot express ([`AddInitialEim`] refuses
            /// it).
            // The update fills v1.2's own components; v1.0 has none left.
            #[allow(clippy::needless_update)]
            fn from(c: EimConfig) -> Self {
                let mut data = Self {
                    eim_id: c.eim_id,
                    eim_fqdn: c.fqdn,
                    eim_id_type: c.id_type,
                    counter_value: c.counter_value,
                    association_token: c.association_token,
                    eim_public_key_data: c.public_key.map(Into::into),
                    trusted_public_key_data_tls: c.tls_anchor.map(Into::into),
                    eim_supported_protocol: c.supported_protocol,
                    euicc_ci_pk_id: c.ci_pk_id,
                    ..Default::default()
                };
                data.set_indirect_profile_download(c.indirect_profile_download);
                data
            }
        }
    };
}

conversions!(v1_0);
conversions!(v1_2);

/// GetEimConfigurationData: every eIM the eUICC is associated with.
#[derive(Debug, Clone, Copy)]
pub struct GetEimConfigurationData {
    /// The eUICC's layout.
    pub layout: Layout,
}

impl Es10Function for GetEimConfigurationData {
    const NAME: &'static str = "GetEimConfigurationData";
    type Output = Vec<EimConfig>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(for_layout!(self.layout, l => to_der(&l::GetEimConfigurationDataRequest::default())))
    }

    fn read(self, answer: Vec<u8>) -> Result<Vec<EimConfig>, Es10Error> {
        Ok(for_layout!(self.layout, l => {
            let response: l::GetEimConfigurationDataResponse = decode(Self::NAME, &answer)?;
            convert_all(response.eim_configuration_data_list)
        }))
    }
}

/// AddInitialEim: associates the first eIMs (initial provisioning only; later changes are signed eIM
/// configuration operations). Gives one outcome per configuration, in order.
#[derive(Debug, Clone)]
pub struct AddInitialEim {
    /// The eUICC's layout.
    pub layout: Layout,
    /// The eIMs to add.
    pub configs: Vec<EimConfig>,
}

impl Es10Function for AddInitialEim {
    const NAME: &'static str = "AddInitialEim";
    type Output = Vec<AddInitialEimResult>;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        if !self.layout.indirect_profile_download_flag()
            && self.configs.iter().any(|c| c.indirect_profile_download)
        {
            return Err(Es10Error::InvalidRequest {
                function: Self::NAME,
                reason: "SGP.32 v1.0 has no indirectProfileDownload flag",
            });
        }
        Ok(
            for_layout!(self.layout, l => to_der(&l::AddInitialEimRequest {
                eim_configuration_data_list: convert_all(self.configs.clone()),
            })),
        )
    }

    fn read(self, answer: Vec<u8>) -> Result<Vec<AddInitialEimResult>, Es10Error> {
        let errors = for_layout!(self.layout, l => l::ADD_INITIAL_EIM_ERROR);
        match decode(Self::NAME, &answer)? {
            AddInitialEimResponse::AddInitialEimOk(results) => Ok(results),
            AddInitialEimResponse::AddInitialEimError(code) => {
                Err(Es10Error::refused(Self::NAME, errors, code))
            }
        }
    }
}

/// GetCerts: the EUM and eUICC certificates, for the CI key `ci_pk_id` or the eUICC's choice.
#[derive(Debug, Clone, Default)]
pub struct GetCerts {
    /// The CI key; none: the eUICC's choice.
    pub ci_pk_id: Option<Octets>,
}

impl Es10Function for GetCerts {
    const NAME: &'static str = "GetCerts";
    type Output = Certs;

    fn request(&self) -> Result<Vec<u8>, Es10Error> {
        Ok(to_der(&GetCertsRequest {
            euicc_ci_pk_id: self.ci_pk_id.clone(),
        }))
    }

    fn read(self, answer: Vec<u8>) -> Result<Certs, Es10Error> {
        match decode(Self::NAME, &answer)? {
            GetCertsResponse::Certs(certs) => Ok(certs),
            GetCertsResponse::GetCertsError(code) => {
                Err(Es10Error::refused(Self::NAME, GET_CERTS_ERROR, code))
            }
        }
    }
}

/// Converts every element.
fn convert_all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(Into::into).collect()
}
