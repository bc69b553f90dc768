//! `euiccd info`: what the eUICC says about itself: its EID, EUICCInfo1 and EUICCInfo2 decoded.

use super::Failure;
use super::card::with_euicc;
use super::control::through_daemon;
use super::output::{Report, emit, fields, or_dash};
use super::target::TargetArgs;
use crate::apdu::CardChannel;
use crate::daemon::control::Request;
use crate::euicc::{Euicc, EuiccError};
use euicc_asn1::Layout;
use euicc_asn1::Octets;
use euicc_asn1::types::sgp22::{EUICCInfo1, EUICCInfo2, codes};
use serde::{Deserialize, Serialize};

/// Reads the EID and EUICCInfo1/2 and prints them (through the daemon when one runs). The JSON keeps
/// `eid`, `transport` and `apdus` at the top.
pub(crate) fn run(target: &TargetArgs, json: bool) -> Result<(), Failure> {
    let report: InfoReport = match through_daemon(target, Request::Info)? {
        Some(value) => serde_json::from_value(value)?,
        None => with_euicc(target, async |euicc| report(euicc).await)?,
    };
    emit(&report, json)
}

/// What `info` shows, read from `euicc`.
pub(super) async fn report<C: CardChannel>(euicc: &mut Euicc<C>) -> Result<InfoReport, EuiccError> {
    let eid = euicc.eid().await?.digits();
    let info1 = tolerate(euicc.euicc_info1().await)?;
    let info2 = tolerate(euicc.euicc_info2().await.cloned())?;
    let session = euicc.session();
    Ok(InfoReport {
        eid,
        transport: session.card().name().to_owned(),
        apdus: session.counters().apdus,
        sgp32_version: info2.as_ref().map(|i| Layout::from_info2(i).to_string()),
        euicc_info1: info1.as_ref().map(Info1View::from),
        euicc_info2: info2.as_ref().map(Info2View::from),
    })
}

/// `None` (with a warning) for a card that does not know the command, so that the EID still shows.
fn tolerate<T>(result: Result<T, EuiccError>) -> Result<Option<T>, EuiccError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_supported() => {
            tracing::warn!("{:#}", anyhow::Error::from(error));
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct InfoReport {
    eid: String,
    transport: String,
    apdus: u64,
    sgp32_version: Option<String>,
    euicc_info1: Option<Info1View>,
    euicc_info2: Option<Info2View>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Info1View {
    svn: String,
    ci_pk_ids_for_verification: Vec<String>,
    ci_pk_ids_for_signing: Vec<String>,
}

impl From<&EUICCInfo1> for Info1View {
    fn from(info: &EUICCInfo1) -> Self {
        Self {
            svn: version(&info.svn),
            ci_pk_ids_for_verification: hex_list(&info.euicc_ci_pk_id_list_for_verification),
            ci_pk_ids_for_signing: hex_list(&info.euicc_ci_pk_id_list_for_signing),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Info2View {
    profile_version: String,
    svn: String,
    firmware_version: String,
    iot_versions: Vec<String>,
    ipa_mode: Option<String>,
    installed_applications: Option<u64>,
    free_nonvolatile_memory: Option<u64>,
    free_volatile_memory: Option<u64>,
    ci_pk_ids_for_verification: Vec<String>,
    ci_pk_ids_for_signing: Vec<String>,
    ecall_supported: bool,
    fallback_supported: bool,
    pp_version: String,
    sas_accreditation_number: String,
}

impl From<&EUICCInfo2> for Info2View {
    fn from(info: &EUICCInfo2) -> Self {
        let resources = CardResources::parse(&info.ext_card_resource.0);
        let iot = info.iot_specific_info.as_ref();
        Self {
            profile_version: version(&info.profile_version),
            svn: version(&info.svn),
            firmware_version: version(&info.euicc_firmware_ver),
            iot_versions: iot
                .map(|iot| iot.iot_version.iter().map(version).collect())
                .unwrap_or_default(),
            ipa_mode: info.ipa_mode.map(|m| code_name(codes::IPA_MODE, m)),
            installed_applications: resources.installed_applications,
            free_nonvolatile_memory: resources.free_nonvolatile,
            free_volatile_memory: resources.free_volatile,
            ci_pk_ids_for_verification: hex_list(&info.euicc_ci_pk_id_list_for_verification),
            ci_pk_ids_for_signing: hex_list(&info.euicc_ci_pk_id_list_for_signing),
            ecall_supported: iot.is_some_and(|iot| iot.ecall_supported.is_some()),
            fallback_supported: iot.is_some_and(|iot| iot.fallback_supported.is_some()),
            pp_version: version(&info.pp_version),
            sas_accreditation_number: info.sas_accreditation_number.clone(),
        }
    }
}

impl Report for InfoReport {
    fn human(&self) -> String {
        let mut pairs = vec![
            ("EID", self.eid.clone()),
            ("transport", self.transport.clone()),
            ("SGP.32 layout", or_dash(self.sgp32_version.as_ref())),
        ];
        if let Some(i1) = &self.euicc_info1 {
            pairs.push(("SGP.22 version", i1.svn.clone()));
        }
        if let Some(i2) = &self.euicc_info2 {
            pairs.extend([
                ("IoT versions", i2.iot_versions.join(", ")),
                ("IPA mode", or_dash(i2.ipa_mode.as_ref())),
                ("firmware", i2.firmware_version.clone()),
                ("profile package version", i2.profile_version.clone()),
                ("free NVM (bytes)", or_dash(i2.free_nonvolatile_memory)),
                ("free RAM (bytes)", or_dash(i2.free_volatile_memory)),
                ("installed applications", or_dash(i2.installed_applications)),
                (
                    "CI keys (verification)",
                    i2.ci_pk_ids_for_verification.join(", "),
                ),
                ("CI keys (signing)", i2.ci_pk_ids_for_signing.join(", ")),
                ("eCall supported", i2.ecall_supported.to_string()),
                ("fallback supported", i2.fallback_supported.to_string()),
                ("SAS accreditation", i2.sas_accreditation_number.clone()),
            ]);
        }
        fields(&pairs)
    }
}

/// A VersionType (`02 03 01`) as `2.3.1`.
fn version(octets: &Octets) -> String {
    octets
        .0
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Upper-case hex of each key identifier.
fn hex_list(list: &[Octets]) -> Vec<String> {
    list.iter().map(|o| hex::encode_upper(&o.0)).collect()
}

/// The name of `code` in `table`, or the number.
pub(super) fn code_name(table: codes::CodeTable, code: i64) -> String {
    codes::name(table, code).map_or_else(|| code.to_string(), str::to_owned)
}

/// The ETSI TS 102 226 card resources in `extCardResource`: `81` installed applications, `82` free
/// non-volatile memory, `83` free volatile memory (big-endian unsigned values).
#[derive(Debug, Default, PartialEq, Eq)]
struct CardResources {
    installed_applications: Option<u64>,
    free_nonvolatile: Option<u64>,
    free_volatile: Option<u64>,
}

impl CardResources {
    /// Reads the resources; stops at the first malformed or oversized item.
    fn parse(mut bytes: &[u8]) -> Self {
        let mut out = Self::default();
        while let [tag, len, rest @ ..] = bytes {
            let len = usize::from(*len);
            if len > rest.len() || len > 8 {
                break;
            }
            let (value, tail) = rest.split_at(len);
            let number = value.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
            match tag {
                0x81 => out.installed_applications = Some(number),
                0x82 => out.free_nonvolatile = Some(number),
                0x83 => out.free_volatile = Some(number),
                _ => {}
            }
            bytes = tail;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_resources() {
        let bytes = hex::decode("810102820400012345830203E8").expect("hex");
        assert_eq!(
            CardResources::parse(&bytes),
            CardResources {
                installed_applications: Some(2),
                free_nonvolatile: Some(0x12345),
                free_volatile: Some(1000),
            }
        );
        // Truncated and oversized items stop the walk without a panic.
        assert_eq!(
            CardResources::parse(&hex::decode("810102820A00").expect("hex")),
            CardResources {
                installed_applications: Some(2),
                ..Default::default()
            }
        );
        assert_eq!(CardResources::parse(&[0x81]), CardResources::default());
    }

    #[test]
    fn versions_and_codes() {
        assert_eq!(version(&Octets(vec![1, 2, 0])), "1.2.0");
        assert_eq!(code_name(codes::IPA_MODE, 0), "ipad");
        assert_eq!(code_name(codes::IPA_MODE, 9), "9");
    }
}
