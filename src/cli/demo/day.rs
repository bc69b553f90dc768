//! The steps of the operator's day, each through the real agent: AddInitialEim from configuration, poll
//! cycles that carry out what the eIM queued (a download trigger, signed eUICC packages, a data request),
//! and the network check on the modem. Every result the eIM receives is checked as the eIM would: the
//! eUICC's signatures verified.

use super::super::sim::SMDP_ICCID;
use super::world::{BOOTSTRAP_ICCID, DEADLINE, EIM_ID, MATCHING_ID, World};
use crate::agent::bootstrap::{Bootstrap, InitialEim, KeySource, ensure_initial_eim};
use crate::agent::download::DownloadError;
use crate::agent::eim::{PollOutcome, StateChange, poll_once};
use crate::agent::ipa_data::IpaOwnData;
use crate::agent::journal::MemoryJournal;
use crate::remote::es9p::Es9Client;
use anyhow::{Context, anyhow, bail};
use euicc_asn1::types::sgp22::ProfileInfo;
use euicc_asn1::types::sgp32::common::{
    EnableParams, ProfileDownloadData, ProfileDownloadTriggerRequest, ProfileIccid,
};
use euicc_asn1::types::sgp32::v1_2::{
    EuiccPackage, EuiccPackageResult, EuiccResultData, IpaEuiccDataRequest, IpaEuiccDataResponse,
    ProfileDownloadTriggerResult, ProfileDownloadTriggerResultData, Psmo,
};
use euicc_asn1::{Eid, Iccid, Null, Octets, from_ber};
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST};
use euiccd_sim::eim::{DataResponse, DownloadResult, Report, SimEim};
use euiccd_sim::euicc::eim_signed_data;

/// The steps of the day.
#[derive(Debug, Clone, Copy)]
pub(super) enum Action {
    /// The device associates its configured eIM.
    Bootstrap,
    /// The eIM triggers a download.
    Download,
    /// The eIM enables the new profile, with rollback permitted.
    Enable,
    /// The agent checks the network registration.
    Network,
    /// The eIM audits the device.
    Audit,
    /// The eIM deletes the old profile.
    Delete,
    /// The eIM has nothing more.
    Idle,
}

impl Action {
    /// The day, in order.
    pub(super) const DAY: [Self; 7] = [
        Self::Bootstrap,
        Self::Download,
        Self::Enable,
        Self::Network,
        Self::Audit,
        Self::Delete,
        Self::Idle,
    ];

    /// The step's name, as printed.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Bootstrap => "bootstrap",
            Self::Download => "download",
            Self::Enable => "enable",
            Self::Network => "network",
            Self::Audit => "audit",
            Self::Delete => "delete",
            Self::Idle => "idle",
        }
    }
}

/// The agent on the demo's device, and the world it lives in.
pub(super) struct Day {
    /// The simulators and the agent's connections.
    pub(super) world: World,
    own: IpaOwnData,
    /// The poll cycle's record (in memory: the demo does not outlive the process).
    journal: MemoryJournal,
    /// A local state change the eIM is to hear of (none in this day).
    state_change: Option<StateChange>,
    /// The association token the eUICC gave the eIM.
    token: Option<i64>,
}

impl Day {
    /// The agent of a device with no IMEI configured.
    pub(super) fn new(world: World) -> Result<Self, DownloadError> {
        Ok(Self {
            world,
            own: IpaOwnData::new(EIM_ID, None)?,
            journal: MemoryJournal::new(),
            state_change: None,
            token: None,
        })
    }

    /// Carries out one step; its outcome in a sentence.
    pub(super) async fn perform(&mut self, action: Action) -> anyhow::Result<String> {
        match action {
            Action::Bootstrap => self.bootstrap().await,
            Action::Download => self.download().await,
            Action::Enable => self.enable().await,
            Action::Network => self.network().await,
            Action::Audit => self.audit().await,
            Action::Delete => self.delete().await,
            Action::Idle => match self.poll().await? {
                PollOutcome::NoPackage => {
                    Ok("the eIM has nothing more: back to the poll interval".into())
                }
                other => bail!("expected no package, got {other:?}"),
            },
        }
    }

    /// AddInitialEim from the device's configuration; the eIM learns the association token.
    async fn bootstrap(&mut self) -> anyhow::Result<String> {
        let initial = InitialEim {
            eim_id: EIM_ID.into(),
            fqdn: DEFAULT_EIM_HOST.into(),
            public_key: KeySource::Path(self.world.dir.join("eim-sign.cert.pem")),
            counter: Some(0),
            tls_anchor: Some(KeySource::Path(self.world.dir.join("ci.cert.pem"))),
            indirect_profile_download: true,
        };
        match ensure_initial_eim(&mut self.world.euicc, &initial).await? {
            Bootstrap::Added { association_token } => {
                let eid = self.world.eid;
                self.token = association_token;
                self.world
                    .eim
                    .with_eim(|eim| eim.associate(eid, association_token));
                Ok(format!(
                    "the eUICC had no eIM: {EIM_ID} at {DEFAULT_EIM_HOST} associated (AddInitialEim)"
                ))
            }
            other => bail!("the eUICC was not blank: {other:?}"),
        }
    }

    /// One poll cycle.
    async fn poll(&mut self) -> anyhow::Result<PollOutcome> {
        // Downloads go through the eIM: the device needs no route to the SM-DP+.
        let mut es9_for = |_: &str| None::<Es9Client>;
        Ok(poll_once(
            &mut self.world.euicc,
            &mut self.world.esipa,
            self.world.eid,
            &self.own,
            &mut es9_for,
            &mut self.journal,
            &mut self.state_change,
        )
        .await?)
    }

    /// Queues a package at the eIM, polls once, and returns what the eIM received and acknowledged.
    async fn round_trip(
        &mut self,
        queue: impl FnOnce(&mut SimEim, Eid),
    ) -> anyhow::Result<(Vec<Report>, Vec<i64>)> {
        let eid = self.world.eid;
        let before = self.world.eim.with_eim(|eim| {
            queue(eim, eid);
            eim.received().len()
        });
        let acknowledged = match self.poll().await? {
            PollOutcome::Executed(removal) => removal.removed,
            other => bail!("the package was not carried out: {other:?}"),
        };
        let reports = self.world.eim.with_eim(|eim| {
            eim.received()[before..]
                .iter()
                .map(|r| r.report.clone())
                .collect()
        });
        Ok((reports, acknowledged))
    }

    /// Runs the signed `package` and returns the eUICC's results, after checking the eUICC's signature on
    /// the result the eIM received; also how many notifications came with it.
    async fn execute(
        &mut self,
        package: EuiccPackage,
        transaction: u8,
    ) -> anyhow::Result<(Vec<EuiccResultData>, usize)> {
        let (reports, _) = self
            .round_trip(|eim, eid| {
                eim.queue_package(eid, package, Some(Octets(vec![transaction])));
            })
            .await?;
        let mut results = None;
        let mut notifications = 0;
        for report in reports {
            match report {
                Report::PackageResult(raw) => results = Some(self.verified_result(&raw)?),
                Report::Notification(_) => notifications += 1,
                _ => {}
            }
        }
        let results = results.ok_or_else(|| anyhow!("the eIM received no package result"))?;
        Ok((results, notifications))
    }

    /// The results of a signed eUICC Package Result, its signature checked as the eIM checks it.
    fn verified_result(&self, raw: &[u8]) -> anyhow::Result<Vec<EuiccResultData>> {
        match from_ber::<EuiccPackageResult>(raw)? {
            EuiccPackageResult::EuiccPackageResultSigned(signed) => {
                let data = &signed.euicc_package_result_data_signed;
                self.world
                    .euicc_key
                    .verify_raw(
                        &eim_signed_data(data.raw(), self.token),
                        signed.euicc_sign_epr.as_slice(),
                    )
                    .context("the eUICC's signature on the result")?;
                Ok(data.value().euicc_result.clone())
            }
            other => bail!("the eUICC refused the package: {other:?}"),
        }
    }

    /// The eIM triggers a download; the agent carries it out through the eIM.
    async fn download(&mut self) -> anyhow::Result<String> {
        let trigger = ProfileDownloadTriggerRequest {
            profile_download_data: Some(ProfileDownloadData::ActivationCode(format!(
                "1${DEFAULT_SMDP_HOST}${MATCHING_ID}"
            ))),
            eim_transaction_id: Some(Octets(vec![1])),
        };
        let (reports, _) = self
            .round_trip(|eim, eid| eim.queue_download_trigger(eid, &trigger))
            .await?;
        let pir = match reports.last() {
            Some(Report::DownloadResult(result)) => match &**result {
                DownloadResult::V1_2(ProfileDownloadTriggerResult {
                    profile_download_trigger_result_data:
                        ProfileDownloadTriggerResultData::ProfileInstallationResult(pir),
                    ..
                }) => pir.value().clone(),
                other => bail!("the download failed: {other:?}"),
            },
            other => bail!("the eIM holds no download result: {other:?}"),
        };
        self.world
            .euicc_key
            .verify_raw(
                pir.profile_installation_result_data.raw(),
                pir.euicc_sign_pir.as_slice(),
            )
            .context("the eUICC's signature on the installation result")?;
        let relayed = self.world.eim.with_eim(|eim| eim.relayed_functions().len());
        if relayed == 0 {
            bail!("the download did not go through the eIM");
        }
        match self.profile_state(SMDP_ICCID).await? {
            Some(_) => Ok(format!(
                "the eIM triggered a download: profile {SMDP_ICCID} installed from the SM-DP+ through the eIM \
                 ({relayed} ES9+ calls relayed over ESipa), the eIM holds the eUICC-signed installation result"
            )),
            None => bail!("profile {SMDP_ICCID} is not on the eUICC"),
        }
    }

    /// The eIM enables the new profile with rollback permitted.
    async fn enable(&mut self) -> anyhow::Result<String> {
        let package = EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
            iccid: SMDP_ICCID.parse()?,
            rollback_flag: Some(Null),
        })]);
        let (results, notifications) = self.execute(package, 2).await?;
        if results != [EuiccResultData::EnableResult(0)] {
            bail!("the eUICC answered {results:?}");
        }
        match self.profile_state(SMDP_ICCID).await? {
            Some(1) => Ok(format!(
                "signed enable of {SMDP_ICCID} with rollbackFlag: result verified at the eIM, {notifications} \
                 notifications delivered; {BOOTSTRAP_ICCID} kept for a rollback"
            )),
            state => bail!("profile {SMDP_ICCID} is not enabled (state {state:?})"),
        }
    }

    /// Registration, operator and signal as the modem reports them.
    async fn network(&mut self) -> anyhow::Result<String> {
        let registration = self.at("AT+CEREG?", "+CEREG").await?;
        // `+CEREG: <n>,<stat>[,…]`: stat 1 registered (home), 5 registered (roaming).
        let stat = registration
            .split(',')
            .nth(1)
            .map(str::trim)
            .ok_or_else(|| anyhow!("unreadable +CEREG: {registration:?}"))?;
        let roaming = match stat {
            "1" => "home network",
            "5" => "roaming",
            other => bail!("not registered (+CEREG stat {other})"),
        };
        let operator = self.at("AT+COPS?", "+COPS").await?;
        let operator = operator.split('"').nth(1).unwrap_or("?").to_owned();
        let signal = self.at("AT+CSQ", "+CSQ").await?;
        let rssi = signal.split(',').next().unwrap_or("?").trim().to_owned();
        Ok(format!(
            "registered on {operator:?} ({roaming}), signal CSQ {rssi}: the new profile has service, no rollback"
        ))
    }

    /// The payload of `command`'s `prefix` line.
    async fn at(&self, command: &str, prefix: &str) -> anyhow::Result<String> {
        let response = self.world.modem.command(command, DEADLINE).await?;
        response
            .payload(prefix)
            .first()
            .map(|line| (*line).to_owned())
            .ok_or_else(|| anyhow!("{command}: no {prefix} line"))
    }

    /// The eIM audits the device (IpaEuiccDataRequest).
    async fn audit(&mut self) -> anyhow::Result<String> {
        // EUICCInfo2, the eUICC certificate and the association token.
        let request = IpaEuiccDataRequest {
            tag_list: Octets(vec![0xBF, 0x22, 0xA6, 0x84]),
            euicc_ci_pk_identifier_to_be_used: None,
            search_criteria_notification: None,
            search_criteria_euicc_package_result: None,
            eim_transaction_id: Some(Octets(vec![3])),
        };
        let (reports, _) = self
            .round_trip(|eim, eid| eim.queue_data_request(eid, &request))
            .await?;
        match reports.last() {
            Some(Report::DataResponse(response)) => match &**response {
                DataResponse::V1_2(IpaEuiccDataResponse::IpaEuiccData(data))
                    if data.euicc_info2.is_some()
                        && data.euicc_certificate.is_some()
                        && data.association_token == self.token =>
                {
                    Ok("the eIM's audit (EUICCInfo2, eUICC certificate, association token) answered \
                        through ES10"
                        .into())
                }
                other => bail!("incomplete audit answer: {other:?}"),
            },
            other => bail!("the eIM holds no audit answer: {other:?}"),
        }
    }

    /// The eIM deletes the old profile.
    async fn delete(&mut self) -> anyhow::Result<String> {
        let package = EuiccPackage::PsmoList(vec![Psmo::Delete(ProfileIccid {
            iccid: BOOTSTRAP_ICCID.parse()?,
        })]);
        let (results, notifications) = self.execute(package, 4).await?;
        if results != [EuiccResultData::DeleteResult(0)] {
            bail!("the eUICC answered {results:?}");
        }
        match self.profile_state(BOOTSTRAP_ICCID).await? {
            None => Ok(format!(
                "signed delete of the old profile {BOOTSTRAP_ICCID}: result verified at the eIM, \
                 {notifications} notification delivered and acknowledged"
            )),
            Some(_) => bail!("profile {BOOTSTRAP_ICCID} is still on the eUICC"),
        }
    }

    /// The state of profile `iccid` (0 disabled, 1 enabled), `None` when it is not on the eUICC.
    async fn profile_state(&mut self, iccid: &str) -> anyhow::Result<Option<i64>> {
        let iccid: Iccid = iccid.parse()?;
        let profiles = self.world.euicc.profiles(None).await?;
        Ok(profiles
            .iter()
            .find(|p| p.iccid == Some(iccid))
            .map(|p| p.profile_state.unwrap_or(0)))
    }

    /// The profiles on the eUICC, at the end of the day.
    pub(super) async fn profiles(&mut self) -> anyhow::Result<Vec<ProfileInfo>> {
        Ok(self.world.euicc.profiles(None).await?)
    }
}
