//! The simulated eIM of `sim serve --eim-listen`: ESipa over HTTPS on loopback, signing with the eIM key of
//! the test PKI in `--identity`, in the `--sgp32` layout, with packages queued from the command line.
//!
//! So that `eim poll` works at once, the simulated eUICC is provisioned with this eIM before the modem
//! answers (AddInitialEim through the real ES10 client, in process, as a factory would), and the eIM learns
//! the association token the eUICC assigned.

use super::Failure;
use super::parser::{Matches, Opt, UsageError};
use crate::agent::bootstrap::{Bootstrap, InitialEim, KeySource, ensure_initial_eim};
use crate::apdu::inprocess::InProcessChannel;
use crate::apdu::{IsdrSession, SessionConfig};
use crate::euicc::Euicc;
use crate::remote::tls::client_config;
use anyhow::anyhow;
use euicc_asn1::Layout;
use euicc_asn1::types::sgp32::common::{
    EnableParams, ProfileDownloadData, ProfileDownloadTriggerRequest, ProfileIccid,
};
use euicc_asn1::{Eid, Iccid, Null, for_layout};
use euiccd_sim::card::{AppletOutcome, IsdrApplet, ResponseMode, SimCard};
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST, TestPki};
use euiccd_sim::eim::server::{EimHandle, SmdpRelay, start_relaying};
use euiccd_sim::eim::{Acknowledging, SimEim};
use euiccd_sim::euicc::SimEuicc;
use euiccd_sim::https_server::lock;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The simulated eIM's options of `sim serve`.
#[derive(Debug, Clone)]
pub(crate) struct EimOptions {
    /// `--eim-listen`: also run a simulated eIM there.
    pub(crate) eim_listen: Option<SocketAddr>,
    /// `--eim-id`: the simulated eIM's identifier.
    pub(crate) eim_id: String,
    /// `--eim-queue`: packages queued at the simulated eIM, served in order.
    pub(crate) eim_queue: Vec<QueuedPackage>,
    /// `--eim-acknowledge`: what the simulated eIM's answers to ProvideEimPackageResult acknowledge.
    pub(crate) eim_acknowledge: Option<Acknowledging>,
}

/// The options of [`EimOptions`].
pub(crate) const OPTIONS: &[Opt] = &[
    Opt::value(
        "eim-listen",
        "ADDR",
        "Also run a simulated eIM (ESipa, ASN.1 binding over HTTPS) on ADDR, e.g. 127.0.0.1:0, with the eIM keys of the test PKI in --identity; the eUICC is provisioned with it (AddInitialEim) unless it has it already. Its address is printed in the JSON line.",
    )
    .requires("identity"),
    Opt::value("eim-id", "ID", "The simulated eIM's identifier.").default("euiccd-sim-eim"),
    Opt::value(
        "eim-queue",
        "PACKAGE",
        "Queue a package at the simulated eIM (repeat; served in order): enable:ICCID, enable-rollback:ICCID, disable:ICCID, delete:ICCID, or download (a download trigger for the simulated SM-DP+'s order; needs --smdp-listen).",
    )
    .many()
    .requires("eim-listen"),
    Opt::value(
        "eim-acknowledge",
        "WHAT",
        "What the simulated eIM's answers to ProvideEimPackageResult acknowledge: everything, results (not notifications), nothing, or order-numbers (its own, as a v1.3 eIM does). By default a v1.2 eIM acknowledges everything and a v1.0 eIM nothing, as the public v1.0 eIM does.",
    )
    .requires("eim-listen"),
];

impl EimOptions {
    /// The options [`OPTIONS`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            eim_listen: m.value("eim-listen")?,
            eim_id: m.needed("eim-id")?,
            eim_queue: m.values_by("eim-queue", parse_package)?,
            eim_acknowledge: m.value("eim-acknowledge")?,
        })
    }
}

/// A package queued from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueuedPackage {
    /// A signed eUICC package with one profile operation.
    Psmo(QueuedPsmo),
    /// A ProfileDownloadTrigger for the simulated SM-DP+'s order.
    Download,
}

/// The profile operation of a queued package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueuedPsmo {
    /// Enable a profile, with rollbackFlag or not.
    Enable {
        /// The profile.
        iccid: Iccid,
        /// rollbackFlag.
        rollback: bool,
    },
    /// Disable a profile.
    Disable(Iccid),
    /// Delete a profile.
    Delete(Iccid),
}

/// Parses `--eim-queue`.
fn parse_package(text: &str) -> Result<QueuedPackage, String> {
    let (operation, digits) = text.split_once(':').unwrap_or((text, ""));
    let iccid = || {
        digits
            .parse::<Iccid>()
            .map_err(|e| format!("{text:?}: ICCID: {e}"))
    };
    let psmo = match operation {
        "enable" => QueuedPsmo::Enable {
            iccid: iccid()?,
            rollback: false,
        },
        "enable-rollback" => QueuedPsmo::Enable {
            iccid: iccid()?,
            rollback: true,
        },
        "disable" => QueuedPsmo::Disable(iccid()?),
        "delete" => QueuedPsmo::Delete(iccid()?),
        "download" if digits.is_empty() => return Ok(QueuedPackage::Download),
        _ => return Err(format!("unknown package {text:?}")),
    };
    Ok(QueuedPackage::Psmo(psmo))
}

/// The simulated eUICC, shared by the in-process provisioning and the simulated modem.
#[derive(Clone)]
pub(crate) struct SharedEuicc(Arc<Mutex<SimEuicc>>);

impl SharedEuicc {
    /// Shares `euicc`.
    pub(crate) fn new(euicc: SimEuicc) -> Self {
        Self(Arc::new(Mutex::new(euicc)))
    }
}

impl IsdrApplet for SharedEuicc {
    fn process(&mut self, command: &[u8]) -> AppletOutcome {
        lock(&self.0).process(command)
    }

    fn power_loss(&mut self) {
        lock(&self.0).power_loss();
    }
}

/// The simulated SM-DP+ the eIM relays indirect downloads to.
pub(crate) struct RelayTarget<'a> {
    /// Where it listens.
    pub(crate) address: SocketAddr,
    /// The matching ID of its order, which a queued download trigger names.
    pub(crate) matching_id: &'a str,
}

/// Starts the simulated eIM of `options` (if asked for) with the test PKI in `identity`, provisions
/// `euicc` with it and queues the packages. With an SM-DP+ `smdp`, the eIM relays indirect downloads to it
/// and (SGP.32 v1.2) announces indirectProfileDownload in its configuration on the eUICC.
pub(crate) async fn start_eim(
    options: &EimOptions,
    identity: &Path,
    version: Layout,
    euicc: &SharedEuicc,
    smdp: Option<RelayTarget<'_>>,
) -> Result<Option<EimHandle>, Failure> {
    let Some(listen) = options.eim_listen else {
        return Ok(None);
    };
    let pki = TestPki::load_from(identity).map_err(|e| {
        Failure::input(anyhow!(
            "--eim-listen needs a test PKI with eIM keys in --identity: {e}"
        ))
    })?;
    let initial = InitialEim {
        eim_id: options.eim_id.clone(),
        fqdn: DEFAULT_EIM_HOST.into(),
        public_key: KeySource::Path(identity.join("eim-sign.cert.pem")),
        counter: Some(0),
        tls_anchor: Some(KeySource::Path(identity.join("ci.cert.pem"))),
        indirect_profile_download: smdp.is_some() && version == Layout::V1_2,
    };
    let (eid, token) = provision(euicc, &initial).await?;
    let mut eim = SimEim::new(&options.eim_id, pki.eim_sign.key.clone())
        .with_version(crate::simulated::layout(version));
    eim.associate(eid, token);
    if let Some(acknowledging) = options.eim_acknowledge {
        eim.set_acknowledging(acknowledging);
    }
    let relay = match &smdp {
        Some(smdp) => Some(SmdpRelay {
            tls: client_config(&[identity.join("ci.cert.pem")])?,
            connect_override: Some(smdp.address.to_string()),
        }),
        None => None,
    };
    let matching_id = smdp.as_ref().map(|smdp| smdp.matching_id);
    for package in &options.eim_queue {
        queue(&mut eim, eid, version, package, matching_id)?;
    }
    Ok(Some(
        start_relaying(eim, &pki.eim_tls, listen, relay).await?,
    ))
}

/// Makes sure the eUICC is associated with `initial`; returns its EID and the association token.
async fn provision(
    euicc: &SharedEuicc,
    initial: &InitialEim,
) -> Result<(Eid, Option<i64>), Failure> {
    let card = SimCard::new(
        Box::new(euicc.clone()) as Box<dyn IsdrApplet + Send>,
        ResponseMode::GetResponse,
    );
    let session = IsdrSession::new(InProcessChannel::new(card), SessionConfig::default())?;
    let mut client = Euicc::new(session);
    let eid = client.eid().await?;
    let token = match ensure_initial_eim(&mut client, initial).await? {
        Bootstrap::Added { association_token } => association_token,
        Bootstrap::AlreadyAssociated => {
            let configured = client
                .eim_configuration()
                .await?
                .into_iter()
                .find(|eim| eim.eim_id == initial.eim_id);
            let counter = configured.as_ref().and_then(|eim| eim.counter_value);
            if counter.is_some_and(|counter| counter > 0) {
                // The simulated eIM counts from 0 at every start; the card remembers more.
                tracing::warn!(
                    ?counter,
                    "the eUICC (--sim-state) already took packages from this eIM: queued packages will be \
                     refused as replays; use a fresh --sim-state"
                );
            }
            configured.and_then(|eim| eim.association_token)
        }
        Bootstrap::OtherEims { eim_ids } => {
            return Err(Failure::input(anyhow!(
                "the simulated eUICC is associated with other eIMs ({}); use --eim-id or a fresh --sim-state",
                eim_ids.join(", ")
            )));
        }
    };
    client.close().await?;
    Ok((eid, token))
}

/// Queues `package` for `eid`, signed in the layout of `version`; a download trigger names the SM-DP+ order
/// `matching_id`.
fn queue(
    eim: &mut SimEim,
    eid: Eid,
    version: Layout,
    package: &QueuedPackage,
    matching_id: Option<&str>,
) -> Result<(), Failure> {
    match package.clone() {
        QueuedPackage::Download => {
            let matching_id = matching_id.ok_or_else(|| {
                Failure::input(anyhow!("--eim-queue download needs --smdp-listen"))
            })?;
            let trigger = ProfileDownloadTriggerRequest {
                profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
                    "1${DEFAULT_SMDP_HOST}${matching_id}"
                ))),
                eim_transaction_id: None,
            };
            eim.queue_download_trigger(eid, &trigger);
        }
        QueuedPackage::Psmo(queued) => for_layout!(version, l => {
            let psmo = match queued {
                QueuedPsmo::Enable { iccid, rollback } => l::Psmo::Enable(EnableParams {
                    iccid,
                    rollback_flag: rollback.then_some(Null),
                }),
                QueuedPsmo::Disable(iccid) => l::Psmo::Disable(ProfileIccid { iccid }),
                QueuedPsmo::Delete(iccid) => l::Psmo::Delete(ProfileIccid { iccid }),
            };
            eim.queue_package(eid, l::EuiccPackage::PsmoList(vec![psmo]), None);
        }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_packages_parse() {
        let iccid: Iccid = "8949449999999990023".parse().unwrap();
        assert_eq!(
            parse_package("enable-rollback:8949449999999990023"),
            Ok(QueuedPackage::Psmo(QueuedPsmo::Enable {
                iccid,
                rollback: true
            }))
        );
        assert_eq!(
            parse_package("delete:8949449999999990023"),
            Ok(QueuedPackage::Psmo(QueuedPsmo::Delete(iccid)))
        );
        assert_eq!(parse_package("download"), Ok(QueuedPackage::Download));
        assert!(parse_package("download:8949449999999990023").is_err());
        assert!(parse_package("enable:123").is_err());
        assert!(parse_package("reboot").is_err());
    }
}
