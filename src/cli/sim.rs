//! `euiccd sim`: the simulated modem for tests, demos, benchmarks and users without hardware.

use super::parser::{Command, Matches, Opt, UsageError};
use super::sim_eim::{EimOptions, RelayTarget, SharedEuicc, start_eim};
use super::target::runtime;
use super::{Failure, outln};
use anyhow::anyhow;
use euicc_asn1::{Eid, Layout};
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, DEFAULT_SMDP_HOST, TestPki};
use euiccd_sim::euicc::{self, SimEuicc};
use euiccd_sim::mbim::{self, MbimFaults};
use euiccd_sim::minimal_isdr::MinimalIsdr;
use euiccd_sim::modem::quirks::QUIRKS;
use euiccd_sim::modem::{NetworkScript, Quirks, Scenario, ServerConfig, serve};
use euiccd_sim::qmi::{CardSlot, OtherSlots, QmiFaults, QmiServerConfig};
use euiccd_sim::smdp;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// ICCID and size of the profile the simulated SM-DP+ of `sim serve` offers.
pub(super) const SMDP_ICCID: &str = "8949449999999990031";
const SMDP_PACKAGE_LEN: usize = 20 * 1024;
/// Largest network scenario file read.
const MAX_SCENARIO_FILE: u64 = 1024 * 1024;

/// The `sim` subcommands.
#[derive(Debug)]
pub(crate) enum SimCommand {
    /// Answer AT commands like a modem with an eUICC, on a pseudo-terminal linked at --pty-link.
    Serve(Box<ServeArgs>),
    /// List the quirks `serve --quirk` can switch on.
    Quirks,
    /// Mint an eUICC identity under a given EUM (e.g. the GSMA SGP.26 test EUM) for `--identity DIR`.
    Identity(super::sim_identity::IdentityArgs),
}

/// Options of `sim serve`.
#[derive(Debug)]
pub(crate) struct ServeArgs {
    /// `--pty-link`: where to link the terminal device.
    pub(crate) pty_link: PathBuf,
    /// `--quirk`: real modem behaviours to reproduce.
    pub(crate) quirks: Vec<String>,
    /// `--baud`: pace bytes as a UART at this speed; unpaced without it.
    pub(crate) baud: Option<u32>,
    /// `--latency-ms`: extra latency before every answer.
    pub(crate) latency_ms: u64,
    /// `--network`: how the network the modem sees changes over time.
    pub(crate) network: Option<PathBuf>,
    /// `--network-control`: a Unix socket accepting network changes.
    pub(crate) network_control: Option<PathBuf>,
    /// `--eid`: the simulated eUICC's EID, for a generated identity.
    pub(crate) eid: Option<String>,
    /// `--identity`: the eUICC identity's directory.
    pub(crate) identity: Option<PathBuf>,
    /// `--sgp32`: the SGP.32 version the simulated eUICC announces and speaks.
    pub(crate) sgp32: Layout,
    /// `--sim-state`: the eUICC's state file.
    pub(crate) sim_state: Option<PathBuf>,
    /// `--smdp-listen`: also run a simulated SM-DP+ there.
    pub(crate) smdp_listen: Option<SocketAddr>,
    /// `--smdp-matching-id`: the matching ID of the simulated SM-DP+'s order.
    pub(crate) smdp_matching_id: String,
    /// `--smdp-confirmation-code`: the order needs this confirmation code.
    pub(crate) smdp_confirmation_code: Option<String>,
    /// `--smdp-fault`: how the SM-DP+ misbehaves.
    pub(crate) smdp_faults: Vec<(smdp::json::Es9Function, smdp::server::Fault)>,
    /// The simulated eIM.
    pub(crate) eim: EimOptions,
    /// `--speak`: what the simulated modem speaks on the PTY.
    pub(crate) speak: Speak,
    /// `--mbim-fault`: how the MBIM function misbehaves.
    pub(crate) mbim_faults: Vec<String>,
    /// `--qmi-fault`: how the QMI device misbehaves.
    pub(crate) qmi_faults: Vec<QmiFault>,
    /// `--qmi-euicc-slot`: the QMI device's slot of the eUICC (none: the first, alone).
    pub(crate) qmi_euicc_slot: Option<CardSlot>,
    /// `--qmi-other-slots`: what the QMI device's slots before the eUICC's hold (none: nothing).
    pub(crate) qmi_other_slots: Option<OtherSlots>,
}

/// `euiccd sim`.
pub(crate) const COMMAND: Command = Command {
    subcommands: &[
        &Command {
            opts: &[
                SERVE_OPTIONS,
                super::sim_eim::OPTIONS,
                SERVE_PROTOCOL_OPTIONS,
            ],
            ..Command::new(
                "serve",
                "Answer AT commands like a modem with an eUICC, on a pseudo-terminal linked at --pty-link.\n\nSIGUSR1 prints the link counters as a JSON line on stdout; SIGINT/SIGTERM print them and stop.",
            )
        },
        &Command::new("quirks", "List the quirks `serve --quirk` can switch on."),
        &super::sim_identity::COMMAND,
    ],
    needs_subcommand: true,
    ..Command::new(
        "sim",
        "The simulated modem (tests, demos, benchmarks, no hardware).",
    )
};

/// The options of `sim serve` but its eIM's and the protocol's.
const SERVE_OPTIONS: &[Opt] = &[
    Opt::value(
        "pty-link",
        "PTY_LINK",
        "Where to link the terminal device (e.g. /tmp/ttySIM); the host opens this path.",
    )
    .required(),
    Opt::value(
        "quirk",
        "QUIRK",
        "A real modem behaviour to reproduce (repeat, or separate with commas); see `euiccd sim quirks`.",
    )
    .csv(),
    Opt::value(
        "baud",
        "BAUD",
        "Pace bytes as a UART at this speed (bit/s, 8N1); unpaced without it.",
    ),
    Opt::value(
        "latency-ms",
        "LATENCY_MS",
        "Extra latency before every answer, in milliseconds.",
    )
    .default("0"),
    Opt::value(
        "network",
        "FILE",
        "Change the network the modem sees over time as FILE says: JSON lines, one change each (`{\"after_ms\":2000,\"registration\":\"denied\",\"reject_cause\":15}`); see README \"Network events and SMS\".",
    ),
    Opt::value(
        "network-control",
        "PATH",
        "Accept network changes (one JSON change per line, answered `ok`) on a Unix socket at PATH.",
    ),
    Opt::value(
        "eid",
        "EID",
        "The simulated eUICC's EID (32 hex digits), for a generated identity.",
    ),
    Opt::value(
        "identity",
        "DIR",
        "Load the eUICC identity (certificates and key) from DIR; a test PKI is generated there if DIR holds none.",
    ),
    Opt::value(
        "sgp32",
        "VERSION",
        "The SGP.32 version the simulated eUICC announces and speaks: v1.0 or v1.2.",
    )
    .default("v1.2"),
    Opt::value(
        "sim-state",
        "FILE",
        "Keep the eUICC's state (profiles, eIMs, notifications) in FILE across restarts.",
    ),
    Opt::value(
        "smdp-listen",
        "ADDR",
        "Also run a simulated SM-DP+ (ES9+ over HTTPS) on ADDR, e.g. 127.0.0.1:0, with the SM-DP+ certificates of the test PKI in --identity; prints its bound address as a JSON line.",
    )
    .requires("identity"),
    Opt::value(
        "smdp-matching-id",
        "ID",
        "The matching ID of the simulated SM-DP+'s order (a synthetic 20 KB profile).",
    )
    .default("EUICCD-SIM-1"),
    Opt::value(
        "smdp-confirmation-code",
        "CC",
        "The order needs this confirmation code.",
    ),
    Opt::value(
        "smdp-fault",
        "FUNCTION=FAULT",
        "Make the SM-DP+ misbehave in one ES9+ function (repeat): FUNCTION=http500 (or httpNNN), garbage (not JSON), failed (status Failed, order expired 8.8.5/4.1), delayMS (e.g. delay5000). FUNCTION is initiateAuthentication, authenticateClient, getBoundProfilePackage, handleNotification or cancelSession.",
    )
    .many(),
];

/// The protocol options of `sim serve`.
const SERVE_PROTOCOL_OPTIONS: &[Opt] = &[
    Opt::value(
        "speak",
        "SPEAK",
        "What the simulated modem speaks on the PTY: at (AT commands), qmi (a QMI control device with the UIM service) or mbim (an MBIM control function with Microsoft's UICC low-level access service); the last two as a cdc-wdm device would.",
    )
    .default("at"),
    Opt::value(
        "mbim-fault",
        "FAULT",
        "With --speak mbim: misbehave (repeat): busy, no-uicc, channel-refused, not-opened, or fragment=BYTES (answers in pieces of at most BYTES).",
    )
    .many(),
    Opt::value(
        "qmi-fault",
        "FAULT",
        "With --speak qmi: a misbehaviour (repeat): drop-cid[=N] (forget every client id after APDU N, default 3), access-denied (refuse logical channels), busy (DeviceInUse), no-uim (no UIM service).",
    )
    .many(),
    Opt::value(
        "qmi-euicc-slot",
        "SLOT",
        "With --speak qmi: the UIM slot of the eUICC, 1 to 5; the device has that many slots (default 1, a one-slot device).",
    ),
    Opt::value(
        "qmi-other-slots",
        "WHAT",
        "With --speak qmi: what the slots before the eUICC's hold: empty (the default) or plain-sim (a SIM without an ISD-R).",
    ),
];

impl SimCommand {
    /// The subcommand of [`COMMAND`] that `m` (the `sim` level) chose.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        let sub = m.needed_subcommand()?;
        match sub.name() {
            "serve" => Ok(Self::Serve(Box::new(ServeArgs::from_matches(sub)?))),
            "quirks" => Ok(Self::Quirks),
            "identity" => Ok(Self::Identity(
                super::sim_identity::IdentityArgs::from_matches(sub)?,
            )),
            _ => Err(sub.unknown()),
        }
    }
}

impl ServeArgs {
    fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            pty_link: m.needed_path("pty-link")?,
            quirks: m.values("quirk")?,
            baud: m.value("baud")?,
            latency_ms: m.needed("latency-ms")?,
            network: m.path("network"),
            network_control: m.path("network-control"),
            eid: m.value("eid")?,
            identity: m.path("identity"),
            sgp32: m.needed("sgp32")?,
            sim_state: m.path("sim-state"),
            smdp_listen: m.value("smdp-listen")?,
            smdp_matching_id: m.needed("smdp-matching-id")?,
            smdp_confirmation_code: m.value("smdp-confirmation-code")?,
            smdp_faults: m.values_by("smdp-fault", parse_fault)?,
            eim: EimOptions::from_matches(m)?,
            speak: m.needed("speak")?,
            mbim_faults: m.values("mbim-fault")?,
            qmi_faults: m.values_by("qmi-fault", parse_qmi_fault)?,
            qmi_euicc_slot: m.value_by("qmi-euicc-slot", parse_card_slot)?,
            qmi_other_slots: m.value_by("qmi-other-slots", parse_other_slots)?,
        })
    }
}

/// The protocol `sim serve` speaks on its PTY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speak {
    /// AT commands (3GPP TS 27.007), the simulated modem.
    At,
    /// QMI (QMUX with the CTL and UIM services), the simulated QMI device.
    Qmi,
    /// MBIM (USB MBIM 1.0) with Microsoft's UICC low-level access service.
    Mbim,
}

impl std::str::FromStr for Speak {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "at" => Ok(Self::At),
            "qmi" => Ok(Self::Qmi),
            "mbim" => Ok(Self::Mbim),
            _ => Err("possible values: at, qmi, mbim"),
        }
    }
}

/// One `--qmi-fault`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QmiFault {
    DropCid(u64),
    AccessDenied,
    Busy,
    NoUim,
}

/// Parses `--qmi-fault FAULT`.
fn parse_qmi_fault(text: &str) -> Result<QmiFault, String> {
    match text.split_once('=') {
        None if text == "drop-cid" => Ok(QmiFault::DropCid(3)),
        Some(("drop-cid", n)) => n
            .parse()
            .map(QmiFault::DropCid)
            .map_err(|_| format!("drop-cid takes an APDU count, not {n:?}")),
        None if text == "access-denied" => Ok(QmiFault::AccessDenied),
        None if text == "busy" => Ok(QmiFault::Busy),
        None if text == "no-uim" => Ok(QmiFault::NoUim),
        _ => Err(format!(
            "unknown QMI fault {text:?}: use drop-cid[=N], access-denied, busy or no-uim"
        )),
    }
}

/// Parses `--qmi-euicc-slot SLOT`.
fn parse_card_slot(text: &str) -> Result<CardSlot, String> {
    text.parse()
        .ok()
        .and_then(CardSlot::new)
        .ok_or_else(|| format!("{text:?} is not a UIM slot: use 1 to 5"))
}

/// Parses `--qmi-other-slots WHAT`.
fn parse_other_slots(text: &str) -> Result<OtherSlots, &'static str> {
    match text {
        "empty" => Ok(OtherSlots::Empty),
        "plain-sim" => Ok(OtherSlots::PlainSim),
        _ => Err("possible values: empty, plain-sim"),
    }
}

/// The simulated QMI device's settings for `sim serve --speak qmi`: `faults`, and the eUICC's slot with what
/// the slots before it hold.
fn qmi_config(
    config: &ServerConfig,
    faults: &[QmiFault],
    (euicc_slot, other_slots): (Option<CardSlot>, Option<OtherSlots>),
) -> QmiServerConfig {
    let mut switches = QmiFaults::default();
    for fault in faults {
        match *fault {
            QmiFault::DropCid(n) => switches.drop_cid_after = Some(n),
            QmiFault::AccessDenied => switches.access_denied = true,
            QmiFault::Busy => switches.busy = true,
            QmiFault::NoUim => switches.no_uim = true,
        }
    }
    QmiServerConfig {
        link: config.link.clone(),
        latency: config.latency,
        faults: switches,
        euicc_slot: euicc_slot.unwrap_or(CardSlot::FIRST),
        other_slots: other_slots.unwrap_or_default(),
    }
}

/// Parses `--smdp-fault FUNCTION=FAULT`.
fn parse_fault(text: &str) -> Result<(smdp::json::Es9Function, smdp::server::Fault), String> {
    use smdp::server::Fault;
    let (name, fault) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FUNCTION=FAULT, not {text:?}"))?;
    let function = smdp::json::Es9Function::ALL
        .into_iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| format!("unknown ES9+ function {name:?}"))?;
    let number = |prefix: &str| {
        fault
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
    };
    let fault = match fault {
        "garbage" => Fault::GarbageJson,
        "failed" => Fault::Failed(smdp::SmdpError::OrderExpired.status_code()),
        _ => match (number("http"), number("delay")) {
            (Some(status), _) => Fault::HttpStatus(
                u16::try_from(status).map_err(|_| format!("bad HTTP status in {fault:?}"))?,
            ),
            (_, Some(ms)) => Fault::Delay(Duration::from_millis(ms)),
            _ => return Err(format!("unknown fault {fault:?}")),
        },
    };
    Ok((function, fault))
}

/// Runs a `sim` subcommand.
pub(crate) fn run(command: SimCommand, json: bool) -> Result<(), Failure> {
    match command {
        SimCommand::Identity(args) => super::sim_identity::run(args, json),
        SimCommand::Quirks => {
            for quirk in QUIRKS {
                outln!("{:20} {}", quirk.usage(), quirk.what)?;
            }
            Ok(())
        }
        SimCommand::Serve(args) => {
            super::logging::init();
            let smdp_args = (
                args.smdp_listen,
                args.identity.clone(),
                args.smdp_matching_id.clone(),
            );
            let confirmation_code = args.smdp_confirmation_code.clone();
            let faults = args.smdp_faults.clone();
            let eim_options = args.eim.clone();
            let version = args.sgp32;
            let (speak, qmi_faults) = (args.speak, args.qmi_faults.clone());
            let qmi_slots = (args.qmi_euicc_slot, args.qmi_other_slots);
            if speak != Speak::Qmi && !qmi_faults.is_empty() {
                return Err(Failure::input(anyhow!("--qmi-fault needs --speak qmi")));
            }
            if speak != Speak::Qmi && qmi_slots != (None, None) {
                return Err(Failure::input(anyhow!(
                    "--qmi-euicc-slot and --qmi-other-slots need --speak qmi"
                )));
            }
            if speak != Speak::Mbim && !args.mbim_faults.is_empty() {
                return Err(Failure::input(anyhow!("--mbim-fault needs --speak mbim")));
            }
            let modem_only = args.baud.is_some()
                || !args.quirks.is_empty()
                || args.network.is_some()
                || args.network_control.is_some();
            if speak != Speak::At && modem_only {
                return Err(Failure::input(anyhow!(
                    "--baud, --quirk, --network and --network-control are the AT modem's; a QMI or MBIM device has none"
                )));
            }
            let mut mbim_faults = MbimFaults::default();
            for fault in &args.mbim_faults {
                mbim_faults
                    .enable(fault)
                    .map_err(|e| Failure::input(anyhow!(e)))?;
            }
            // The eUICC set-up first: it generates the test PKI in --identity when the directory is empty.
            let (config, euicc) = server_config(*args)?;
            let euicc = SharedEuicc::new(euicc);
            let smdp = match &smdp_args {
                (Some(listen), Some(dir), matching_id) => {
                    let pki = TestPki::load_from(dir).map_err(|e| {
                        Failure::input(anyhow!(
                            "--smdp-listen needs a test PKI with SM-DP+ certificates in --identity: {e}"
                        ))
                    })?;
                    let server = smdp_server(&pki, matching_id, confirmation_code.as_deref())?;
                    Some((*listen, (server, pki.dp_tls)))
                }
                _ => None,
            };
            runtime()?.block_on(async {
                // Kept alive while the modem serves; dropping them stops the servers.
                let mut line = serde_json::Map::new();
                let smdp_handle = match smdp {
                    Some((listen, (server, tls))) => {
                        let handle = smdp::server::start(server, &tls, listen).await?;
                        for (function, fault) in faults {
                            handle.set_fault(function, Some(fault));
                        }
                        line.insert(
                            "smdp".into(),
                            serde_json::json!({ "address": handle.local_addr().to_string(), "host": DEFAULT_SMDP_HOST }),
                        );
                        Some(handle)
                    }
                    None => None,
                };
                let relay = smdp_handle.as_ref().map(|smdp| RelayTarget {
                    address: smdp.local_addr(),
                    matching_id: &smdp_args.2,
                });
                let eim_handle = match &smdp_args.1 {
                    Some(identity) => {
                        start_eim(&eim_options, identity, version, &euicc, relay).await?
                    }
                    None => None,
                };
                if let Some(eim) = &eim_handle {
                    line.insert(
                        "eim".into(),
                        serde_json::json!({
                            "address": eim.local_addr().to_string(),
                            "host": DEFAULT_EIM_HOST,
                            "eimId": eim_options.eim_id,
                        }),
                    );
                }
                if !line.is_empty() {
                    outln!("{}", serde_json::Value::Object(line))?;
                }
                match speak {
                    Speak::At => serve(config, euicc).await.map(drop)?,
                    Speak::Qmi => {
                        let device = qmi_config(&config, &qmi_faults, qmi_slots);
                        euiccd_sim::qmi::serve(device, euicc).await.map(drop)?
                    }
                    Speak::Mbim => mbim::serve(&config.link, mbim_faults, euicc).await.map(drop)?,
                }
                Ok::<_, Failure>(())
            })
        }
    }
}

fn server_config(args: ServeArgs) -> Result<(ServerConfig, SimEuicc), Failure> {
    let mut quirks = Quirks::default();
    for name in &args.quirks {
        quirks
            .enable(name)
            .map_err(|e| Failure::input(anyhow!(e)))?;
    }
    let eid = match args.eid {
        None => MinimalIsdr::DEFAULT_EID,
        Some(hex) => hex::decode(&hex)
            .ok()
            .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
            .ok_or_else(|| Failure::input(anyhow!("--eid takes 32 hex digits, not {hex:?}")))?,
    };
    let eid = Eid::from_bytes(eid).map_err(|e| Failure::input(anyhow!("--eid: {e}")))?;
    let mut euicc = euicc::open(args.identity.as_deref(), args.sim_state.as_deref(), &eid)
        .map_err(|e| Failure::input(anyhow!(e)))?;
    euicc.config_mut().version = crate::simulated::layout(args.sgp32);
    if args.baud == Some(0) {
        return Err(Failure::input(anyhow!("--baud must be above 0")));
    }
    let scenario = match &args.network {
        Some(path) => {
            let text = crate::bounded_read::read_to_string(path, MAX_SCENARIO_FILE)
                .map_err(|e| Failure::input(anyhow!("--network {}: {e}", path.display())))?;
            Scenario::parse(&text).map_err(|e| Failure::input(anyhow!(e)))?
        }
        None => Scenario::default(),
    };
    let config = ServerConfig {
        link: args.pty_link,
        quirks,
        baud: args.baud,
        latency: Duration::from_millis(args.latency_ms),
        network: NetworkScript {
            scenario,
            control: args.network_control,
        },
    };
    Ok((config, euicc))
}

/// The simulated SM-DP+ of `sim serve --smdp-listen` and of `demo`: the SM-DP+ identity of the test PKI
/// `pki` (the eUICC's, so both trust the same CI) and one order for `matching_id` (the synthetic 20 KB
/// profile [`SMDP_ICCID`]), needing `confirmation_code` if given.
pub(super) fn smdp_server(
    pki: &TestPki,
    matching_id: &str,
    confirmation_code: Option<&str>,
) -> Result<smdp::SmdpServer, Failure> {
    let mut server =
        smdp::SmdpServer::new(smdp::SmdpIdentity::from_test_pki(pki, DEFAULT_SMDP_HOST))?;
    let metadata = smdp::ProfileMetadata {
        iccid: SMDP_ICCID.parse()?,
        service_provider_name: "euiccd simulator".into(),
        profile_name: "Simulated profile".into(),
        class: smdp::ProfileClass::Operational,
    };
    let mut order = smdp::ProfileOrder::new(
        smdp::Secret::new(matching_id),
        smdp::synthetic_profile_package(&metadata.iccid, SMDP_PACKAGE_LEN),
        metadata,
    );
    order.confirmation_code = confirmation_code.map(smdp::Secret::new);
    server.add_order(order)?;
    Ok(server)
}
