//! One scenario, run by the agent's code paths in this process against the world in a child process: the
//! procedure is timed, its card traffic recorded, its link and wire bytes counted (see [`super`]).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

use super::apdu_log::{self, LinkEvent, LinkLog, RecordingChannel};
use super::child::{LinkBytes, WorldProcess};
use super::world::{EIM_ID, MATCHING_ID};
use super::{BenchError, Figures, NetOptions, Scenario, link_bound, usage};
use crate::agent::download::{DownloadRequest, Interrupt, download};
use crate::agent::eim::{PollOutcome, poll_once};
use crate::agent::ipa_data::IpaOwnData;
use crate::agent::journal::MemoryJournal;
use crate::apdu::cgla::CglaChannel;
use crate::apdu::qmi::QmiChannel;
use crate::apdu::{
    IsdrSession, MbimChannel, ProxyUse, QmiSlot, SessionConfig, Transport, TransportKind,
};
use crate::euicc::Euicc;
use crate::modem::Modem;
use crate::remote::es9p::Es9Client;
use crate::remote::esipa::EsipaClient;
use crate::remote::https::{DEFAULT_IDLE_TIMEOUT, HttpOptions, HttpsClient, Server};
use crate::remote::tls::{client_config, eim_client_config};
use crate::remote::wire::{WireCounts, WireStats};
use euiccd_sim::crypto::pki::DEFAULT_SMDP_HOST;
use euiccd_sim::eim::server::SessionTickets;
use euiccd_sim::link::{LinkConfig, LinkProxy};

/// Deadline of every HTTPS request.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

type Card = Euicc<RecordingChannel<Transport>>;

/// What one procedure cost, before it becomes [`Figures`].
struct Cost {
    events: Vec<LinkEvent>,
    link_tx: u64,
    link_rx: u64,
    wall_s: f64,
    cpu_s: f64,
    wire: WireCounts,
}

/// Counters at the start of a procedure.
struct Start {
    link: LinkBytes,
    wall: Instant,
    cpu: f64,
    wire: WireCounts,
}

/// Measures around one procedure.
struct Meter<'a> {
    world: &'a mut WorldProcess,
    log: LinkLog,
}

impl Meter<'_> {
    fn start(&mut self, wire: &WireStats) -> Result<Start, BenchError> {
        let link = self.world.counters()?;
        apdu_log::take(&self.log);
        Ok(Start {
            link,
            wall: Instant::now(),
            cpu: usage::cpu_seconds(),
            wire: wire.snapshot(),
        })
    }

    fn stop(&mut self, start: Start, wire: &WireStats) -> Result<Cost, BenchError> {
        let wall_s = start.wall.elapsed().as_secs_f64();
        let cpu_s = usage::cpu_seconds() - start.cpu;
        let wire = wire.snapshot().since(&start.wire);
        let events = apdu_log::take(&self.log);
        let link = self.world.counters()?;
        Ok(Cost {
            events,
            link_tx: link.from_host - start.link.from_host,
            link_rx: link.to_host - start.link.to_host,
            wall_s,
            cpu_s,
            wire,
        })
    }
}

/// Runs `scenario` against `world` (whose test PKI is in `dir`, whose eIM issues stateful TLS tickets if
/// `stateful_tickets`) over a link of `baud`.
pub(crate) async fn run(
    scenario: Scenario,
    world: &mut WorldProcess,
    dir: &Path,
    baud: u32,
    net: NetOptions,
    stateful_tickets: bool,
) -> Result<Figures, BenchError> {
    let link = LinkConfig {
        nat_idle: (net.nat_idle_secs > 0).then(|| Duration::from_secs(net.nat_idle_secs)),
        ..LinkConfig::with_rtt(
            Duration::from_millis(net.rtt_ms),
            (net.kbps > 0).then_some(net.kbps),
        )
    };
    // The proxies run in this process: their small CPU cost counts as the agent's.
    let smdp = LinkProxy::start(world.smdp.parse().map_err(address)?, link).await?;
    let eim = LinkProxy::start(world.eim.parse().map_err(address)?, link).await?;
    let addresses = Addresses {
        smdp: smdp.local_addr().to_string(),
        eim: eim.local_addr().to_string(),
        nat_idle: link.nat_idle,
    };
    let transport = if scenario.over_mbim() {
        Transport::Mbim(MbimChannel::new(&world.link, ProxyUse::Never))
    } else if scenario.over_qmi() {
        Transport::Qmi(QmiChannel::connect(&world.link, ProxyUse::Never, QmiSlot::FIRST).await?)
    } else if scenario == Scenario::ColdInfo {
        // As the CLI opens it; the engine opens the port on the first command, inside the measurement.
        Transport::open(
            TransportKind::Auto,
            &world.link,
            baud,
            ProxyUse::Never,
            QmiSlot::FIRST,
        )?
        .0
    } else {
        Transport::Cgla(CglaChannel::new(Modem::open_serial(&world.link, baud)))
    };
    // A QMI or MBIM control device is not a UART: no speed, no link bound.
    let baud = if scenario.over_mbim() || scenario.over_qmi() {
        0
    } else {
        baud
    };
    let (channel, log) = RecordingChannel::new(transport);
    let session = IsdrSession::new(channel, SessionConfig::default())?;
    let mut euicc = Euicc::new(session);
    let mut meter = Meter { world, log };
    let (cost, extra) = match scenario {
        Scenario::Download20k
        | Scenario::Download100k
        | Scenario::MbimDownload20k
        | Scenario::QmiDownload20k => {
            download_profile(&mut euicc, &mut meter, dir, &addresses.smdp).await?
        }
        Scenario::Info | Scenario::MbimInfo | Scenario::QmiInfo | Scenario::ColdInfo => {
            info(&mut euicc, &mut meter).await?
        }
        Scenario::EimEnable | Scenario::IdlePoll => {
            poll(&mut euicc, &mut meter, &addresses, scenario).await?
        }
    };
    // The UART bound is the AT commands' at the link speed; QMI and MBIM devices sit on USB, unpaced.
    let link_min_bytes = match (baud, scenario) {
        (0, _) => 0,
        (_, Scenario::ColdInfo) => {
            link_bound::link_min_bytes(&cost.events) + link_bound::cold_open_min_bytes()
        }
        _ => link_bound::link_min_bytes(&cost.events),
    };
    let (rss, peak) = usage::rss_kib().unwrap_or_default();
    let parts = usage::rss_parts_kib();
    Ok(Figures {
        scenario: scenario.name().to_owned(),
        baud,
        apdus: apdu_log::apdu_count(&cost.events) as u64,
        link_bytes_tx: cost.link_tx,
        link_bytes_rx: cost.link_rx,
        link_min_bytes,
        link_bound_s: round(link_bound::link_seconds(link_min_bytes, baud)),
        wall_s: round(cost.wall_s),
        cpu_s: round(cost.cpu_s),
        peak_rss_kib: peak,
        rss_kib: rss,
        wire_bytes: cost.wire.total(),
        tls_full_handshakes: cost.wire.full_handshakes,
        tls_resumed_handshakes: cost.wire.resumed_handshakes,
        redundant_apdus: apdu_log::redundant(&cost.events, SessionConfig::default().block_size),
        outcome: extra.outcome,
        wire_bytes_keepalive: extra.keepalive.map(|w| w.total()),
        wire_bytes_full_handshake: extra.full_handshake.map(|w| w.total()),
        wire_parts: (cost.wire.total() > 0).then_some(cost.wire.parts),
        wire_parts_keepalive: extra.keepalive.map(|w| w.parts),
        wire_parts_full_handshake: extra.full_handshake.map(|w| w.parts),
        binary_bytes: std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| m.len())
            .ok(),
        rss_anon_kib: parts.map(|(anon, _)| anon),
        rss_file_kib: parts.map(|(_, file)| file),
        eim_tickets: matches!(scenario, Scenario::EimEnable | Scenario::IdlePoll).then(|| {
            SessionTickets::stateful_if(stateful_tickets)
                .name()
                .to_owned()
        }),
    })
}

/// Where the agent connects: the proxies in front of the world's servers.
struct Addresses {
    smdp: String,
    eim: String,
    /// The NAT's idle timeout, if one is in between.
    nat_idle: Option<Duration>,
}

fn address(error: std::net::AddrParseError) -> BenchError {
    BenchError::Procedure(format!("world address: {error}"))
}

/// What a scenario reports besides its cost.
struct Extra {
    outcome: String,
    /// `idle_poll`: one more poll on the kept-alive connection.
    keepalive: Option<WireCounts>,
    /// `idle_poll`: the first poll, with a full handshake.
    full_handshake: Option<WireCounts>,
}

fn round(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

fn http(tls: Arc<ClientConfig>, address: &str, idle_timeout: Duration) -> HttpsClient {
    HttpsClient::new(
        tls,
        HttpOptions {
            timeout: HTTP_TIMEOUT,
            idle_timeout,
            connect_override: Some(address.to_owned()),
            ..HttpOptions::default()
        },
    )
}

/// A direct download as `euiccd download` does it: from a closed channel to the installation result
/// delivered and the channel closed again.
async fn download_profile(
    euicc: &mut Card,
    meter: &mut Meter<'_>,
    dir: &Path,
    address: &str,
) -> Result<(Cost, Extra), BenchError> {
    let tls = client_config(&[dir.join("ci.cert.pem")])?;
    let client = http(tls, address, DEFAULT_IDLE_TIMEOUT);
    let wire = client.wire_stats();
    let mut es9 = Es9Client::new(client, Server::parse(DEFAULT_SMDP_HOST)?);
    let request = DownloadRequest {
        activation_code: format!("1${DEFAULT_SMDP_HOST}${MATCHING_ID}")
            .parse()
            .map_err(|e| BenchError::Procedure(format!("activation code: {e}")))?,
        confirmation_code: None,
        imei: None,
    };
    let start = meter.start(&wire)?;
    let outcome = download(
        euicc,
        &mut es9,
        &request,
        &mut Interrupt::never(),
        &mut |_| {},
    )
    .await
    .map_err(|e| BenchError::Procedure(crate::error_chain::chain(&e)))?;
    euicc.close().await?;
    let cost = meter.stop(start, &wire)?;
    Ok((
        cost,
        Extra {
            outcome: format!(
                "installed {}, result delivered: {}",
                outcome.iccid, outcome.notification_delivered
            ),
            keepalive: None,
            full_handshake: None,
        },
    ))
}

/// What `euiccd info` reads, from a closed channel to the channel closed again. The AT engine opens the port
/// on the first command (getting in step, echo off), so over AT this starts from the closed port.
async fn info(euicc: &mut Card, meter: &mut Meter<'_>) -> Result<(Cost, Extra), BenchError> {
    let wire = WireStats::default();
    let start = meter.start(&wire)?;
    let eid = euicc.eid().await?;
    euicc.euicc_info1().await?;
    euicc.euicc_info2().await?;
    euicc.close().await?;
    let cost = meter.stop(start, &wire)?;
    Ok((
        cost,
        Extra {
            outcome: format!("EID {}", eid.digits()),
            keepalive: None,
            full_handshake: None,
        },
    ))
}

/// An eIM poll as the daemon does it, with the channel open and the EID and version known from start-up.
/// The TLS trust is the eIM's `trustedPublicKeyDataTls` read from the eUICC. `idle_poll` polls once first
/// (the full handshake), measures a poll on a new connection (resumed), then one more on the kept-alive
/// connection; with a NAT in between, that one comes after the NAT forgot the flow, and the client (its
/// idle bound below the NAT's) connects again.
async fn poll(
    euicc: &mut Card,
    meter: &mut Meter<'_>,
    addresses: &Addresses,
    scenario: Scenario,
) -> Result<(Cost, Extra), BenchError> {
    let eid = euicc.eid().await?;
    euicc.layout().await?;
    let config = euicc
        .eim_configuration()
        .await?
        .into_iter()
        .find(|c| c.eim_id == EIM_ID)
        .ok_or_else(|| BenchError::Procedure("the eUICC has no eIM configured".into()))?;
    let tls = eim_client_config(config.tls_anchor.as_ref(), &[])?;
    let host = config.fqdn.unwrap_or_default();
    let own = IpaOwnData::new(EIM_ID, None)
        .map_err(|e| BenchError::Procedure(format!("device info: {e}")))?;
    let idle_timeout = addresses.nat_idle.map_or(DEFAULT_IDLE_TIMEOUT, |nat| {
        (nat / 2).min(DEFAULT_IDLE_TIMEOUT)
    });
    let esipa = |tls: &Arc<ClientConfig>| -> Result<(EsipaClient, Arc<WireStats>), BenchError> {
        let client = http(Arc::clone(tls), &addresses.eim, idle_timeout);
        let wire = client.wire_stats();
        Ok((EsipaClient::new(client, Server::parse(&host)?), wire))
    };
    let mut journal = MemoryJournal::default();
    // One cycle as the daemon runs it, without a state change to report or an SM-DP+ to reach.
    let mut poll_over = async |euicc: &mut Card, client: &mut EsipaClient| {
        let mut no_smdp = |_: &str| None::<Es9Client>;
        poll_once(
            euicc,
            client,
            eid,
            &own,
            &mut no_smdp,
            &mut journal,
            &mut None,
        )
        .await
    };
    let mut first_poll = None;
    if scenario == Scenario::IdlePoll {
        let (mut first, wire) = esipa(&tls)?;
        poll_over(euicc, &mut first).await?;
        first_poll = Some(wire.snapshot());
    }
    let (mut client, wire) = esipa(&tls)?;
    let start = meter.start(&wire)?;
    let outcome = poll_over(euicc, &mut client).await?;
    let cost = meter.stop(start, &wire)?;
    let keepalive = match scenario {
        Scenario::IdlePoll => {
            if let Some(nat) = addresses.nat_idle {
                tokio::time::sleep(nat + Duration::from_secs(1)).await;
            }
            let before = wire.snapshot();
            poll_over(euicc, &mut client).await?;
            Some(wire.snapshot().since(&before))
        }
        _ => None,
    };
    let expected = match scenario {
        Scenario::IdlePoll => matches!(outcome, PollOutcome::NoPackage),
        _ => matches!(outcome, PollOutcome::Executed { .. }),
    };
    if !expected {
        return Err(BenchError::Procedure(format!(
            "unexpected poll outcome {outcome:?}"
        )));
    }
    Ok((
        cost,
        Extra {
            outcome: format!("{outcome:?}"),
            keepalive,
            full_handshake: first_poll,
        },
    ))
}
