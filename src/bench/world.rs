//! The simulated world a benchmark runs against, served by a child process (`euiccd bench serve`) so that
//! none of its CPU time or memory counts as the agent's: the simulated modem on a PTY (paced like a UART)
//! with the simulated eUICC behind it, a simulated SM-DP+ with one order of the requested size, and a
//! simulated eIM that pins its TLS key in the eUICC's configuration. Or, for the QMI scenarios, the simulated
//! QMI device on the PTY in the modem's place (unpaced: a USB control channel).
//!
//! It prints one JSON line, `{"world":{"smdp":ADDR,"eim":ADDR}}`, then serves the modem; SIGUSR1 prints the
//! modem's (or the QMI device's) link counters, SIGTERM stops it (see [`euiccd_sim::modem::server`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use euicc_asn1::types::sgp32::common::{AddInitialEimResult, EnableParams};
use euicc_asn1::types::sgp32::v1_2::{EuiccPackage, Psmo};
use euicc_asn1::{Eid, from_ber};

use crate::apdu::inprocess::InProcessChannel;
use crate::apdu::{IsdrSession, SessionConfig};
use crate::euicc::{EimConfig, EimKey, Euicc};
use euiccd_sim::card::{IsdrApplet, ResponseMode, SimCard};
use euiccd_sim::crypto::pki::{CertAndKey, DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST, TestPki};
use euiccd_sim::eim::server::SessionTickets;
use euiccd_sim::euicc::SimEuicc;
use euiccd_sim::euicc::state::{CardState, Profile, StateFile};
use euiccd_sim::modem::{Quirks, ServerConfig};
use euiccd_sim::qmi::{CardSlot, OtherSlots, QmiFaults, QmiServerConfig};
use euiccd_sim::{eim, smdp};

/// The EID of the benchmark's eUICC.
pub const EID: &str = "89049032123451234512345678901235";
/// The eIM's identifier in the eUICC's configuration.
pub const EIM_ID: &str = "euiccd-bench-eim";
/// The matching ID of the SM-DP+ order.
pub(crate) const MATCHING_ID: &str = "EUICCD-BENCH";
/// The enabled profile, and the disabled one an eIM enable package switches to.
pub const ENABLED_ICCID: &str = "8949449999999990015";
/// See [`ENABLED_ICCID`].
pub const DISABLED_ICCID: &str = "8949449999999990023";
/// The profile the SM-DP+ offers.
const SMDP_ICCID: &str = "8949449999999990031";

/// What the child process serves.
#[derive(Debug, Clone)]
pub(crate) struct WorldConfig {
    /// Scratch directory: the test PKI (`ci.cert.pem`), the eUICC state, the PTY link `tty`.
    pub(crate) dir: PathBuf,
    /// Size of the SM-DP+'s profile package.
    pub(crate) profile_bytes: usize,
    /// UART pacing of the modem, bit/s.
    pub(crate) baud: Option<u32>,
    /// Extra latency before every modem answer.
    pub(crate) latency: Duration,
    /// Queue an enable package at the eIM.
    pub(crate) enable_package: bool,
    /// The modem is an MBIM function (UICC low-level access), not an AT one.
    pub(crate) mbim: bool,
    /// Serve the simulated QMI device on the PTY instead of the AT modem.
    pub(crate) qmi: bool,
    /// How the eIM lets the agent resume TLS sessions.
    pub(crate) eim_tickets: SessionTickets,
}

impl WorldConfig {
    /// Where the modem's PTY is linked.
    pub(crate) fn link(dir: &Path) -> PathBuf {
        dir.join("tty")
    }
}

/// Why the world could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// A simulator failed to start.
    #[error("simulated world: {0}")]
    Setup(String),
}

fn setup(error: impl std::fmt::Display) -> WorldError {
    WorldError::Setup(error.to_string())
}

/// Serves the world until SIGTERM. Blocks; runs its own runtime.
pub(crate) fn serve(config: WorldConfig) -> Result<(), WorldError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(setup)?;
    runtime.block_on(serve_async(config))
}

async fn serve_async(config: WorldConfig) -> Result<(), WorldError> {
    let eid: Eid = EID.parse().map_err(setup)?;
    let pki = TestPki::generate(&eid).map_err(setup)?;
    pki.write_to(&config.dir).map_err(setup)?;
    let state = config.dir.join("card.json");
    let token = seed_card(&state, &pki).await?;
    let smdp = start_smdp(&pki, config.profile_bytes).await?;
    let mut sim_eim = eim::SimEim::new(EIM_ID, pki.eim_sign.key.clone());
    sim_eim.associate(eid, token);
    if config.enable_package {
        let enable = EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
            iccid: DISABLED_ICCID.parse().map_err(setup)?,
            rollback_flag: None,
        })]);
        sim_eim.queue_package(eid, enable, None);
    }
    let eim = eim::server::start_with(sim_eim, &pki.eim_tls, config.eim_tickets, loopback(), None)
        .await
        .map_err(setup)?;
    let line = serde_json::json!({ "world": {
        "smdp": smdp.local_addr().to_string(),
        "eim": eim.local_addr().to_string(),
    }});
    println!("{line}");
    let euicc = SimEuicc::load(&state, pki.euicc_identity()).map_err(setup)?;
    let link = WorldConfig::link(&config.dir);
    if config.mbim {
        let faults = euiccd_sim::mbim::MbimFaults::default();
        euiccd_sim::mbim::serve(&link, faults, euicc)
            .await
            .map_err(setup)?;
        drop((smdp, eim));
        return Ok(());
    }
    if config.qmi {
        let device = QmiServerConfig {
            link,
            latency: config.latency,
            faults: QmiFaults::default(),
            euicc_slot: CardSlot::FIRST,
            other_slots: OtherSlots::Empty,
        };
        euiccd_sim::qmi::serve(device, euicc).await.map_err(setup)?;
        drop((smdp, eim));
        return Ok(());
    }
    let modem = ServerConfig {
        link,
        quirks: Quirks::default(),
        baud: config.baud,
        latency: config.latency,
        network: Default::default(),
    };
    euiccd_sim::modem::serve(modem, euicc)
        .await
        .map_err(setup)?;
    drop((smdp, eim));
    Ok(())
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn profile(iccid: &str, n: u8, enabled: bool) -> Result<Profile, WorldError> {
    Ok(Profile::seeded(iccid.parse().map_err(setup)?, n, enabled))
}

/// Writes the eUICC state file `state`: the profiles [`ENABLED_ICCID`] (enabled) and [`DISABLED_ICCID`], and
/// the eIM [`EIM_ID`] of `pki` added with AddInitialEim (in process: set-up, not measured), its TLS key pinned
/// as `trustedPublicKeyDataTls`. Returns the association token. The robustness tests start from it too.
pub async fn seed_card(state: &Path, pki: &TestPki) -> Result<Option<i64>, WorldError> {
    StateFile::new(state)
        .save(&CardState {
            profiles: vec![
                profile(ENABLED_ICCID, 1, true)?,
                profile(DISABLED_ICCID, 2, false)?,
            ],
            ..CardState::default()
        })
        .map_err(setup)?;
    add_eim(state, pki).await
}

async fn add_eim(state: &Path, pki: &TestPki) -> Result<Option<i64>, WorldError> {
    let sim = SimEuicc::load(state, pki.euicc_identity()).map_err(setup)?;
    let card = SimCard::new(
        Box::new(sim) as Box<dyn IsdrApplet + Send>,
        ResponseMode::GetResponse,
    );
    let session =
        IsdrSession::new(InProcessChannel::new(card), SessionConfig::default()).map_err(setup)?;
    let mut euicc = Euicc::new(session);
    let key = |pair: &CertAndKey| -> Result<EimKey, WorldError> {
        let spki = pair.key.verifying_key().to_spki_der().map_err(setup)?;
        Ok(EimKey::PublicKey(from_ber(&spki).map_err(setup)?))
    };
    let added = euicc
        .add_initial_eim(vec![EimConfig {
            eim_id: EIM_ID.into(),
            fqdn: Some(DEFAULT_EIM_HOST.into()),
            counter_value: Some(0),
            public_key: Some(key(&pki.eim_sign)?),
            tls_anchor: Some(key(&pki.eim_tls)?),
            ..EimConfig::default()
        }])
        .await
        .map_err(setup)?;
    Ok(match added[..] {
        [AddInitialEimResult::AssociationToken(token)] => Some(token),
        _ => None,
    })
}

async fn start_smdp(
    pki: &TestPki,
    profile_bytes: usize,
) -> Result<smdp::server::SmdpHandle, WorldError> {
    let mut server =
        smdp::SmdpServer::new(smdp::SmdpIdentity::from_test_pki(pki, DEFAULT_SMDP_HOST))
            .map_err(setup)?;
    let metadata = smdp::ProfileMetadata {
        iccid: SMDP_ICCID.parse().map_err(setup)?,
        service_provider_name: "euiccd bench".into(),
        profile_name: "Benchmark profile".into(),
        class: smdp::ProfileClass::Operational,
    };
    let order = smdp::ProfileOrder::new(
        smdp::Secret::new(MATCHING_ID),
        smdp::synthetic_profile_package(&metadata.iccid, profile_bytes),
        metadata,
    );
    server.add_order(order).map_err(setup)?;
    smdp::server::start(server, &pki.dp_tls, loopback())
        .await
        .map_err(setup)
}
