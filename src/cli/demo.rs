//! `euiccd demo`: a fleet operator's day on one simulated device, with no hardware and no configuration.
//!
//! One process runs the simulated modem on a real PTY (with the simulated eUICC behind it), a simulated
//! SM-DP+ and a simulated eIM on loopback HTTPS under a test PKI made at start, and the real agent against
//! them over the PTY: the same code paths as on a gateway. The eIM associates itself (AddInitialEim from
//! configuration), triggers a download (relayed by the eIM: indirect download), enables the new profile with rollback permitted, the agent checks
//! the network registration on the modem, the eIM audits the device, and deletes the old profile. Each step is
//! printed as it ends; `--json` prints one JSON object per step and a summary.

use super::Failure;
use super::sim::{SMDP_ICCID, smdp_server};
use super::target::runtime;
use crate::agent::bootstrap::{Bootstrap, InitialEim, KeySource, ensure_initial_eim};
use crate::agent::eim::{PollOutcome, StateChange, poll_once};
use crate::agent::ipa_data::IpaOwnData;
use crate::agent::journal::MemoryJournal;
use crate::apdu::{IsdrSession, SessionConfig, Transport, TransportKind};
use crate::euicc::Euicc;
use crate::modem::Modem;
use crate::remote::es9p::Es9Client;
use crate::remote::esipa::EsipaClient;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::client_config;
use crate::sim::crypto::ecdsa::VerifyingKey;
use crate::sim::crypto::pki::{DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST, TestPki};
use crate::sim::eim::server::{EimHandle, SmdpRelay, start_relaying};
use crate::sim::eim::{DataResponse, DownloadResult, Report, SimEim};
use crate::sim::euicc::SimEuicc;
use crate::sim::euicc::eim_signed_data;
use crate::sim::euicc::state::{CardState, Profile, StateFile};
use crate::sim::minimal_isdr::MinimalIsdr;
use crate::sim::modem::{Quirks, ServerConfig, serve};
use anyhow::{Context, anyhow, bail};
use clap::Args;
use euicc_asn1::types::sgp32::common::{
    EnableParams, ProfileDownloadData, ProfileDownloadTriggerRequest, ProfileIccid,
};
use euicc_asn1::types::sgp32::v1_2::{
    EuiccPackage, EuiccPackageResult, EuiccResultData, IpaEuiccDataRequest, IpaEuiccDataResponse,
    ProfileDownloadTriggerResult, ProfileDownloadTriggerResultData, Psmo,
};
use euicc_asn1::{Eid, Iccid, Null, Octets, from_ber};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The eIM of the demo.
const EIM_ID: &str = "demo-eim";
/// The matching ID of the SM-DP+ order (a demo secret: never printed).
const MATCHING_ID: &str = "EUICCD-DEMO-1";
/// The profile the device ships with.
const BOOTSTRAP_ICCID: &str = "8949449999999990015";
/// Deadline of every HTTPS request and AT command of the demo.
const DEADLINE: Duration = Duration::from_secs(20);

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// One step of the day, as printed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    step: &'static str,
    ok: bool,
    /// Milliseconds the step took.
    ms: u128,
    /// What happened, in a sentence.
    detail: String,
}

/// The end of the day.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    steps: usize,
    ok: usize,
    total_ms: u128,
    eid: String,
    enabled_profile: Option<String>,
    profiles: usize,
}

/// Runs `demo`.
pub fn run(_args: DemoArgs, json: bool) -> Result<(), Failure> {
    super::logging::init();
    let dir = DemoDir::create()?;
    runtime()?.block_on(async {
        let mut day = Day::start(&dir.0, json).await?;
        let outcome = day.run().await;
        day.stop();
        outcome
    })
}

/// The demo's scratch directory (PTY link, PKI files, card state), removed at the end.
struct DemoDir(PathBuf);

impl DemoDir {
    fn create() -> Result<Self, Failure> {
        let dir = std::env::temp_dir().join(format!("euiccd-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Everything running for the demo, and the agent's side.
struct Day {
    json: bool,
    /// The PKI files (the eIM's key and the CI, for the device's configuration).
    dir: PathBuf,
    started: Instant,
    steps: Vec<Step>,
    eid: Eid,
    modem: Modem,
    euicc: Euicc<Transport>,
    esipa: EsipaClient,
    own: IpaOwnData,
    /// The poll cycle's record (in memory: the demo does not outlive the process).
    journal: MemoryJournal,
    /// A local state change the eIM is to hear of (none in this day).
    state_change: Option<StateChange>,
    /// Verifies what the eUICC signs.
    euicc_key: VerifyingKey,
    /// The association token the eUICC gave the eIM.
    token: Option<i64>,
    eim: EimHandle,
    /// Kept alive while the day runs.
    _smdp: crate::sim::smdp::server::SmdpHandle,
    modem_task: tokio::task::JoinHandle<()>,
}

impl Day {
    /// Starts the simulated peers and opens the agent's session over the PTY.
    async fn start(dir: &Path, json: bool) -> Result<Self, Failure> {
        let started = Instant::now();
        let eid = Eid::from_bytes(MinimalIsdr::DEFAULT_EID)?;
        let pki = TestPki::generate(&eid)?;
        pki.write_to(dir)?;
        let state = StateFile::new(dir.join("card.json"));
        state.save(&CardState {
            profiles: vec![bootstrap_profile()?],
            ..CardState::default()
        })?;
        let card = SimEuicc::load(state.path(), pki.euicc_identity())?;

        let smdp = crate::sim::smdp::server::start(
            smdp_server(&pki, MATCHING_ID, None)?,
            &pki.dp_tls,
            loopback(),
        )
        .await?;
        let tls = client_config(&[dir.join("ci.cert.pem")])?;
        // The eIM relays the device's download to the SM-DP+ (indirect download).
        let relay = SmdpRelay {
            tls: tls.clone(),
            connect_override: Some(smdp.local_addr().to_string()),
        };
        let eim = start_relaying(
            SimEim::new(EIM_ID, pki.eim_sign.key.clone()),
            &pki.eim_tls,
            loopback(),
            Some(relay),
        )
        .await?;
        let link = dir.join("ttyDEMO");
        let config = ServerConfig {
            link: link.clone(),
            quirks: Quirks::default(),
            baud: None,
            latency: Duration::ZERO,
        };
        let modem_task = tokio::spawn(async move {
            if let Err(error) = serve(config, card).await {
                tracing::error!(%error, "the simulated modem stopped");
            }
        });
        wait_for(&link).await?;

        let modem = Modem::open_serial(&link, 115_200);
        let transport = Transport::over_modem(TransportKind::Auto, modem.clone())?;
        let euicc = Euicc::new(IsdrSession::new(transport, SessionConfig::default())?);
        let http = HttpsClient::new(
            tls,
            HttpOptions {
                timeout: DEADLINE,
                connect_override: Some(eim.local_addr().to_string()),
                ..HttpOptions::default()
            },
        );
        let esipa = EsipaClient::new(http, Server::parse(DEFAULT_EIM_HOST)?);
        Ok(Self {
            json,
            dir: dir.to_owned(),
            started,
            steps: Vec::new(),
            eid,
            modem,
            euicc,
            esipa,
            own: IpaOwnData::new(EIM_ID, None)?,
            journal: MemoryJournal::new(),
            state_change: None,
            euicc_key: pki.euicc.cert.public_key()?,
            token: None,
            eim,
            _smdp: smdp,
            modem_task,
        })
    }

    /// The day's steps, then the summary; the first failed step ends the day.
    async fn run(&mut self) -> Result<(), Failure> {
        if !self.json {
            println!(
                "euiccd demo: simulated modem on a PTY, eUICC, SM-DP+ and eIM on loopback; the real agent\n"
            );
        }
        let steps = [
            Action::Bootstrap,
            Action::Download,
            Action::Enable,
            Action::Network,
            Action::Audit,
            Action::Delete,
            Action::Idle,
        ];
        for action in steps {
            let begun = Instant::now();
            let outcome = self.perform(action).await;
            let ok = outcome.is_ok();
            let detail = match outcome {
                Ok(detail) => detail,
                Err(error) => format!("{error:#}"),
            };
            self.report(Step {
                step: action.name(),
                ok,
                ms: begun.elapsed().as_millis(),
                detail,
            });
            if !ok {
                break;
            }
        }
        let summary = self.summary().await?;
        if self.json {
            println!("{}", serde_json::json!({ "summary": summary }));
        } else {
            println!(
                "\n{} of {} steps ok in {:.2} s; enabled profile {}, {} profile(s) on the eUICC {}",
                summary.ok,
                summary.steps,
                summary.total_ms as f64 / 1000.0,
                summary.enabled_profile.as_deref().unwrap_or("none"),
                summary.profiles,
                summary.eid,
            );
        }
        match summary.ok == summary.steps && summary.steps == steps.len() {
            true => Ok(()),
            false => Err(anyhow!("the demo stopped at a failed step").into()),
        }
    }

    /// Prints a finished step.
    fn report(&mut self, step: Step) {
        if self.json {
            if let Ok(line) = serde_json::to_string(&step) {
                println!("{line}");
            }
        } else {
            let at = self.started.elapsed().as_secs_f64();
            let mark = if step.ok { "ok" } else { "FAILED" };
            println!(
                "[{at:6.2} s] {:<10} {mark:<6} {} ({} ms)",
                step.step, step.detail, step.ms
            );
        }
        self.steps.push(step);
    }

    async fn perform(&mut self, action: Action) -> anyhow::Result<String> {
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
            public_key: KeySource::Path(self.dir.join("eim-sign.cert.pem")),
            counter: Some(0),
            tls_anchor: Some(KeySource::Path(self.dir.join("ci.cert.pem"))),
            indirect_profile_download: true,
        };
        match ensure_initial_eim(&mut self.euicc, &initial).await? {
            Bootstrap::Added { association_token } => {
                let eid = self.eid;
                self.token = association_token;
                self.eim
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
            &mut self.euicc,
            &mut self.esipa,
            self.eid,
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
        let eid = self.eid;
        let before = self.eim.with_eim(|eim| {
            queue(eim, eid);
            eim.received().len()
        });
        let acknowledged = match self.poll().await? {
            PollOutcome::Executed { acknowledged } => acknowledged,
            other => bail!("the package was not carried out: {other:?}"),
        };
        let reports = self.eim.with_eim(|eim| {
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
                self.euicc_key
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
        self.euicc_key
            .verify_raw(
                pir.profile_installation_result_data.raw(),
                pir.euicc_sign_pir.as_slice(),
            )
            .context("the eUICC's signature on the installation result")?;
        let relayed = self.eim.with_eim(|eim| eim.relayed_functions().len());
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
        let response = self.modem.command(command, DEADLINE).await?;
        response
            .payload(prefix)
            .first()
            .map(|line| (*line).to_owned())
            .ok_or_else(|| anyhow!("{command}: no {prefix} line"))
    }

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
        let profiles = self.euicc.profiles(None).await?;
        Ok(profiles
            .iter()
            .find(|p| p.iccid == Some(iccid))
            .map(|p| p.profile_state.unwrap_or(0)))
    }

    async fn summary(&mut self) -> Result<Summary, Failure> {
        let profiles = self.euicc.profiles(None).await?;
        Ok(Summary {
            steps: self.steps.len(),
            ok: self.steps.iter().filter(|s| s.ok).count(),
            total_ms: self.started.elapsed().as_millis(),
            eid: self.eid.to_string(),
            enabled_profile: profiles
                .iter()
                .find(|p| p.profile_state == Some(1))
                .and_then(|p| p.iccid)
                .map(|i| i.digits()),
            profiles: profiles.len(),
        })
    }

    /// Stops the simulated modem (the servers stop when dropped).
    fn stop(&self) {
        self.modem_task.abort();
    }
}

/// The steps of the day.
#[derive(Debug, Clone, Copy)]
enum Action {
    Bootstrap,
    Download,
    Enable,
    Network,
    Audit,
    Delete,
    Idle,
}

impl Action {
    fn name(self) -> &'static str {
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

/// The profile the simulated device ships with, enabled.
fn bootstrap_profile() -> anyhow::Result<Profile> {
    Ok(Profile {
        iccid: BOOTSTRAP_ICCID.parse()?,
        isdp_aid: vec![0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 1],
        enabled: true,
        class: 2,
        nickname: None,
        service_provider_name: "Bootstrap operator".into(),
        profile_name: "Bootstrap".into(),
        fallback_attribute: false,
        fallback_allowed: false,
        ecall: false,
        notification_address: DEFAULT_SMDP_HOST.into(),
        profile_bytes: 100,
    })
}

fn loopback() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Waits until the simulated modem linked its PTY at `link`.
async fn wait_for(link: &Path) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::symlink_metadata(link).is_err() {
        if Instant::now() > deadline {
            bail!("the simulated modem did not link {}", link.display());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}
