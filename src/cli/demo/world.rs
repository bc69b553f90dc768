//! The demo's simulated world, all in this process: the simulated modem on a real PTY with the simulated
//! eUICC behind it (a card that ships with one enabled profile and no eIM), a simulated SM-DP+ with one
//! order, and a simulated eIM that relays indirect downloads to it, on loopback HTTPS under a test PKI made
//! at start; and the agent's side of it: the AT engine on the PTY, the eUICC session and the ESipa client.

use super::super::Failure;
use super::super::sim::smdp_server;
use crate::apdu::{IsdrSession, SessionConfig, Transport, TransportKind};
use crate::euicc::Euicc;
use crate::modem::Modem;
use crate::remote::esipa::EsipaClient;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::client_config;
use anyhow::{Context, bail};
use euicc_asn1::Eid;
use euiccd_sim::crypto::ecdsa::VerifyingKey;
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST, TestPki};
use euiccd_sim::eim::SimEim;
use euiccd_sim::eim::server::{EimHandle, SmdpRelay, start_relaying};
use euiccd_sim::euicc::SimEuicc;
use euiccd_sim::euicc::state::{CardState, Profile, StateFile};
use euiccd_sim::minimal_isdr::MinimalIsdr;
use euiccd_sim::modem::{Quirks, ServerConfig, serve};
use euiccd_sim::smdp::server::SmdpHandle;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The eIM of the demo.
pub(super) const EIM_ID: &str = "demo-eim";
/// The matching ID of the SM-DP+ order (a demo secret: never printed).
pub(super) const MATCHING_ID: &str = "EUICCD-DEMO-1";
/// The profile the device ships with.
pub(super) const BOOTSTRAP_ICCID: &str = "8949449999999990015";
/// Deadline of every HTTPS request and AT command of the demo.
pub(super) const DEADLINE: Duration = Duration::from_secs(20);

/// The demo's scratch directory (PTY link, PKI files, card state), removed at the end.
pub(super) struct DemoDir(pub(super) PathBuf);

impl DemoDir {
    /// A fresh directory under the system's temporary directory.
    pub(super) fn create() -> Result<Self, Failure> {
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

/// The running simulators and the agent's connections to them.
pub(super) struct World {
    /// The PKI files (the eIM's key and the CI, for the device's configuration).
    pub(super) dir: PathBuf,
    /// The simulated eUICC's EID.
    pub(super) eid: Eid,
    /// The AT engine on the PTY (shared with the eUICC session).
    pub(super) modem: Modem,
    /// The eUICC session over the PTY.
    pub(super) euicc: Euicc<Transport>,
    /// The ESipa client of the eIM.
    pub(super) esipa: EsipaClient,
    /// The simulated eIM.
    pub(super) eim: EimHandle,
    /// Verifies what the eUICC signs.
    pub(super) euicc_key: VerifyingKey,
    /// Kept alive while the day runs.
    _smdp: SmdpHandle,
    modem_task: tokio::task::JoinHandle<()>,
}

impl World {
    /// Starts the simulated peers in `dir` and opens the agent's session over the PTY.
    pub(super) async fn start(dir: &Path) -> Result<Self, Failure> {
        let eid = Eid::from_bytes(MinimalIsdr::DEFAULT_EID)?;
        let pki = TestPki::generate(&eid)?;
        pki.write_to(dir)?;
        let state = StateFile::new(dir.join("card.json"));
        state.save(&CardState {
            profiles: vec![bootstrap_profile()?],
            ..CardState::default()
        })?;
        let card = SimEuicc::load(state.path(), pki.euicc_identity())?;

        let smdp = euiccd_sim::smdp::server::start(
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
            network: Default::default(),
        };
        let modem_task = tokio::spawn(async move {
            if let Err(error) = serve(config, card).await {
                tracing::error!(%error, "the simulated modem stopped");
            }
        });
        wait_for(&link).await?;

        let modem = Modem::open_serial(&link, 115_200);
        let transport = Transport::over_modem(TransportKind::Auto, modem.clone());
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
            dir: dir.to_owned(),
            eid,
            modem,
            euicc,
            esipa,
            eim,
            euicc_key: pki.euicc.cert.public_key()?,
            _smdp: smdp,
            modem_task,
        })
    }

    /// Closes the agent's logical channel and stops the simulated modem (the servers stop when dropped).
    pub(super) async fn stop(&mut self) {
        if let Err(error) = self.euicc.close().await {
            tracing::warn!(%error, "closing the eUICC session");
        }
        self.modem_task.abort();
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

/// Any free port on the loopback interface.
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
