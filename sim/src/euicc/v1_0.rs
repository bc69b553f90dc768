//! The SGP.32 v1.0 forms a v1.0 card ([`SimEuiccConfig::version`](super::SimEuiccConfig::version)) reads and
//! writes, converted to and from the v1.2 forms the card works with. Only what changed is converted: the eIM
//! configuration (key, TLS anchor, protocol and CI components renumbered) and the eUICC Package (its
//! `transactionId`, and configureAutoEnable, which v1.2 renamed configureImmediateEnable). PSMOs v1.0 does not
//! know stay unknown operations.

use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{DecodeError, Octets, from_ber};

/// A v1.0 eIM configuration in the v1.2 form.
pub(super) fn config_from_v1_0(c: v1_0::EimConfigurationData) -> v1_2::EimConfigurationData {
    v1_2::EimConfigurationData {
        eim_id: c.eim_id,
        eim_fqdn: c.eim_fqdn,
        eim_id_type: c.eim_id_type,
        counter_value: c.counter_value,
        association_token: c.association_token,
        eim_public_key_data: c.eim_public_key_data.map(|key| match key {
            v1_0::EimPublicKeyData::EimPublicKey(k) => v1_2::EimPublicKeyData::EimPublicKey(k),
            v1_0::EimPublicKeyData::EimCertificate(c) => v1_2::EimPublicKeyData::EimCertificate(c),
        }),
        trusted_public_key_data_tls: c.trusted_public_key_data_tls.map(|tls| match tls {
            v1_0::TrustedPublicKeyDataTls::TrustedEimPkTls(k) => {
                v1_2::TrustedPublicKeyDataTls::TrustedEimPkTls(k)
            }
            v1_0::TrustedPublicKeyDataTls::TrustedCertificateTls(c) => {
                v1_2::TrustedPublicKeyDataTls::TrustedCertificateTls(c)
            }
        }),
        eim_supported_protocol: c.eim_supported_protocol,
        euicc_ci_pk_id: c.euicc_ci_pk_id,
        indirect_profile_download: None,
    }
}

/// A stored (v1.2) eIM configuration in the v1.0 form.
pub(super) fn config_to_v1_0(c: v1_2::EimConfigurationData) -> v1_0::EimConfigurationData {
    v1_0::EimConfigurationData {
        eim_id: c.eim_id,
        eim_fqdn: c.eim_fqdn,
        eim_id_type: c.eim_id_type,
        counter_value: c.counter_value,
        association_token: c.association_token,
        eim_public_key_data: c.eim_public_key_data.map(|key| match key {
            v1_2::EimPublicKeyData::EimPublicKey(k) => v1_0::EimPublicKeyData::EimPublicKey(k),
            v1_2::EimPublicKeyData::EimCertificate(c) => v1_0::EimPublicKeyData::EimCertificate(c),
        }),
        trusted_public_key_data_tls: c.trusted_public_key_data_tls.map(|tls| match tls {
            v1_2::TrustedPublicKeyDataTls::TrustedEimPkTls(k) => {
                v1_0::TrustedPublicKeyDataTls::TrustedEimPkTls(k)
            }
            v1_2::TrustedPublicKeyDataTls::TrustedCertificateTls(c) => {
                v1_0::TrustedPublicKeyDataTls::TrustedCertificateTls(c)
            }
        }),
        eim_supported_protocol: c.eim_supported_protocol,
        euicc_ci_pk_id: c.euicc_ci_pk_id,
    }
}

/// A v1.0 EuiccPackageRequest: the exact bytes of its signed part, the eIM's signature, and the signed
/// part in the v1.2 form.
pub(super) fn read_package_request(
    command: &[u8],
) -> Result<(Vec<u8>, Octets, v1_2::EuiccPackageSigned), DecodeError> {
    let request = from_ber::<v1_0::EuiccPackageRequest>(command)?;
    let raw = request.euicc_package_signed.raw().to_vec();
    let signed = request.euicc_package_signed.into_value();
    let package = match signed.euicc_package {
        v1_0::EuiccPackage::PsmoList(psmos) => {
            v1_2::EuiccPackage::PsmoList(psmos.into_iter().map(psmo_from_v1_0).collect())
        }
        v1_0::EuiccPackage::EcoList(ecos) => {
            v1_2::EuiccPackage::EcoList(ecos.into_iter().map(eco_from_v1_0).collect())
        }
    };
    let converted = v1_2::EuiccPackageSigned {
        eim_id: signed.eim_id,
        eid_value: signed.eid_value,
        counter_value: signed.counter_value,
        eim_transaction_id: signed.transaction_id,
        euicc_package: package,
    };
    Ok((raw, request.eim_signature, converted))
}

fn psmo_from_v1_0(psmo: v1_0::Psmo) -> v1_2::Psmo {
    match psmo {
        v1_0::Psmo::Enable(p) => v1_2::Psmo::Enable(p),
        v1_0::Psmo::Disable(p) => v1_2::Psmo::Disable(p),
        v1_0::Psmo::Delete(p) => v1_2::Psmo::Delete(p),
        v1_0::Psmo::ListProfileInfo(r) => v1_2::Psmo::ListProfileInfo(r),
        v1_0::Psmo::GetRat(e) => v1_2::Psmo::GetRat(e),
        v1_0::Psmo::ConfigureAutoEnable(r) => {
            v1_2::Psmo::ConfigureImmediateEnable(v1_2::ConfigureImmediateProfileEnablingRequest {
                immediate_enable_flag: r.auto_enable_flag,
                default_smdp_oid: r.smdp_oid,
                default_smdp_address: r.smdp_address,
            })
        }
        v1_0::Psmo::Other(raw) => v1_2::Psmo::Other(raw),
    }
}

fn eco_from_v1_0(eco: v1_0::Eco) -> v1_2::Eco {
    match eco {
        v1_0::Eco::AddEim(c) => v1_2::Eco::AddEim(config_from_v1_0(c)),
        v1_0::Eco::DeleteEim(d) => v1_2::Eco::DeleteEim(d),
        v1_0::Eco::UpdateEim(c) => v1_2::Eco::UpdateEim(config_from_v1_0(c)),
        v1_0::Eco::ListEim(e) => v1_2::Eco::ListEim(e),
        v1_0::Eco::Other(raw) => v1_2::Eco::Other(raw),
    }
}
