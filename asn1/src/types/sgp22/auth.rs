//! Mutual authentication of the eUICC and the SM-DP+ (ES10b.AuthenticateServer).

use super::cert::Certificate;
use super::info::EUICCInfo2;
use crate::{Asn1, BitString, Octets, Signed};

/// ES10b.AuthenticateServer (`BF38`): the SM-DP+'s signed challenge answer and certificate, with the
/// context the IPA adds (matching ID, device information).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 56)]
pub struct AuthenticateServerRequest {
    /// Signed by the SM-DP+; relayed from InitiateAuthentication unchanged.
    pub server_signed1: Signed<ServerSigned1>,
    /// The SM-DP+'s signature over `server_signed1`.
    #[asn1(application = 55)]
    pub server_signature1: Octets,
    /// Subject key identifier of the CI the eUICC is to use.
    #[asn1(name = "euiccCiPKIdToBeUsed")]
    pub euicc_ci_pk_id_to_be_used: Octets,
    /// The SM-DP+ authentication certificate.
    pub server_certificate: Certificate,
    /// Built by the IPA.
    pub ctx_params1: CtxParams1,
}

/// The part of the SM-DP+'s authentication answer that it signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct ServerSigned1 {
    /// The session the SM-DP+ opened.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The eUICC's challenge, echoed.
    #[asn1(context = 1)]
    pub euicc_challenge: Octets,
    /// The SM-DP+'s FQDN.
    #[asn1(context = 3)]
    pub server_address: String,
    /// The SM-DP+'s challenge to the eUICC.
    #[asn1(context = 4)]
    pub server_challenge: Octets,
}

/// The context of an authentication, provided by the IPA.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum CtxParams1 {
    /// A profile download.
    #[asn1(context = 0)]
    CtxParamsForCommonAuthentication(CtxParamsForCommonAuthentication),
}

/// The context of a profile download: which order and which device.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CtxParamsForCommonAuthentication {
    /// The activation code token or event ID; absent or empty for a default SM-DP+ download.
    #[asn1(context = 0)]
    pub matching_id: Option<String>,
    /// The device.
    #[asn1(context = 1)]
    pub device_info: DeviceInfo,
}

/// The device the profile is for: its type allocation code and capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct DeviceInfo {
    /// The TAC: the first 8 digits of the IMEI, 4 bytes of BCD.
    #[asn1(context = 0)]
    pub tac: Octets,
    /// What the device supports.
    #[asn1(context = 1)]
    pub device_capabilities: DeviceCapabilities,
    /// The IMEI, 8 bytes of swapped BCD.
    #[asn1(context = 2)]
    pub imei: Option<Octets>,
}

/// The radio technologies and features of the device, each as the highest release supported (3 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
pub struct DeviceCapabilities {
    /// GSM release.
    #[asn1(context = 0)]
    pub gsm_supported_release: Option<Octets>,
    /// UTRAN release.
    #[asn1(context = 1)]
    pub utran_supported_release: Option<Octets>,
    /// CDMA2000 1x release.
    #[asn1(context = 2)]
    pub cdma2000onex_supported_release: Option<Octets>,
    /// CDMA2000 HRPD release.
    #[asn1(context = 3)]
    pub cdma2000hrpd_supported_release: Option<Octets>,
    /// CDMA2000 eHRPD release.
    #[asn1(context = 4)]
    pub cdma2000ehrpd_supported_release: Option<Octets>,
    /// E-UTRAN with EPC release (LTE).
    #[asn1(context = 5)]
    pub eutran_epc_supported_release: Option<Octets>,
    /// Contactless release.
    #[asn1(context = 6)]
    pub contactless_supported_release: Option<Octets>,
    /// RSP CRL version.
    #[asn1(context = 7)]
    pub rsp_crl_supported_version: Option<Octets>,
    /// NR with EPC release.
    #[asn1(context = 8)]
    pub nr_epc_supported_release: Option<Octets>,
    /// NR with 5GC release.
    #[asn1(context = 9)]
    pub nr5gc_supported_release: Option<Octets>,
    /// E-UTRAN with 5GC release.
    #[asn1(context = 10)]
    pub eutran5gc_supported_release: Option<Octets>,
    /// SGP.22 version of the LPA (here: the IPA).
    #[asn1(context = 11)]
    pub lpa_svn: Option<Octets>,
    /// Card Application Toolkit classes.
    #[asn1(context = 12)]
    pub cat_supported_classes: Option<BitString>,
    /// The eUICC form factor.
    #[asn1(context = 13)]
    pub euicc_form_factor_type: Option<i64>,
    /// Further features.
    #[asn1(context = 14)]
    pub device_additional_feature_support: Option<DeviceAdditionalFeatureSupport>,
}

/// Further device features (in [`DeviceCapabilities`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Asn1)]
pub struct DeviceAdditionalFeatureSupport {
    /// Network access identifier support, as a version.
    #[asn1(context = 0)]
    pub nai_support: Option<Octets>,
}

/// The eUICC's answer to [`AuthenticateServerRequest`], relayed to the SM-DP+ in AuthenticateClient.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 56)]
pub enum AuthenticateServerResponse {
    /// The eUICC authenticated the server and signed its own answer.
    #[asn1(context = 0)]
    AuthenticateResponseOk(AuthenticateResponseOk),
    /// The eUICC refused.
    #[asn1(context = 1)]
    AuthenticateResponseError(AuthenticateResponseError),
    /// SGP.32: the compact form of the success answer.
    #[asn1(context = 2)]
    CompactAuthenticateResponseOk(CompactAuthenticateResponseOk),
}

/// The eUICC's signed authentication answer and its certificates.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct AuthenticateResponseOk {
    /// Signed by the eUICC.
    pub euicc_signed1: Signed<EuiccSigned1>,
    /// The eUICC's signature over `euicc_signed1`.
    #[asn1(application = 55)]
    pub euicc_signature1: Octets,
    /// The eUICC certificate.
    pub euicc_certificate: Certificate,
    /// The EUM certificate.
    pub eum_certificate: Certificate,
}

/// The part of the eUICC's authentication answer that it signs.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct EuiccSigned1 {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// The SM-DP+'s FQDN.
    #[asn1(context = 3)]
    pub server_address: String,
    /// The SM-DP+'s challenge, echoed.
    #[asn1(context = 4)]
    pub server_challenge: Octets,
    /// The eUICC's information.
    pub euicc_info2: EUICCInfo2,
    /// The context the IPA gave.
    pub ctx_params1: CtxParams1,
}

/// The eUICC's refusal of [`AuthenticateServerRequest`] ([`codes::AUTHENTICATE_ERROR`](super::codes::AUTHENTICATE_ERROR)).
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct AuthenticateResponseError {
    /// The session.
    #[asn1(context = 0, size(1..=16))]
    pub transaction_id: Octets,
    /// Why the eUICC refused.
    pub authenticate_error_code: i64,
}

/// SGP.32 compact form of [`AuthenticateResponseOk`]: certificates only when asked for.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactAuthenticateResponseOk {
    /// The signed part, full or compact.
    pub signed_data: SignedData1,
    /// The eUICC's signature over `signed_data`.
    #[asn1(application = 55)]
    pub euicc_signature1: Octets,
    /// The eUICC certificate.
    #[asn1(context = 1)]
    pub euicc_certificate: Option<Certificate>,
    /// The EUM certificate.
    #[asn1(context = 2)]
    pub eum_certificate: Option<Certificate>,
}

/// The `signedData` of [`CompactAuthenticateResponseOk`].
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub enum SignedData1 {
    /// The full signed part.
    EuiccSigned1(Signed<EuiccSigned1>),
    /// The compact signed part.
    CompactEuiccSigned1(Signed<TaggedCompactEuiccSigned1>),
}

/// The compact signed part of the eUICC's authentication answer.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
pub struct CompactEuiccSigned1 {
    /// Free memory and installed applications.
    #[asn1(context = 4)]
    pub ext_card_resource: Octets,
    /// The context the IPA gave, when the SM-DP+ does not know it.
    #[asn1(context = 2)]
    pub ctx_params1: Option<CtxParams1>,
}

/// [`CompactEuiccSigned1`] under its `[0]` tag: the signed bytes as they appear in [`SignedData1`], also when the
/// value is built locally.
#[derive(Debug, Clone, PartialEq, Eq, Asn1)]
#[asn1(context = 0, name = "CompactEuiccSigned1")]
pub struct TaggedCompactEuiccSigned1(pub CompactEuiccSigned1);
