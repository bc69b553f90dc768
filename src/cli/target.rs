//! The options that say which card to talk to (`--device`, `--baud`, `--transport`, `--sim`), shared by
//! every command that reaches the eUICC.

use super::Failure;
use super::parser::{Matches, Opt, UsageError};
use crate::apdu::{ProxyUse, QmiSlot, SessionConfig, Transport, TransportKind};
use crate::modem::modemmanager::{Inhibitor, MmSetting};
use anyhow::anyhow;
use std::path::PathBuf;

/// Which card to talk to, and how.
#[derive(Debug, Clone)]
pub(crate) struct TargetArgs {
    /// `--device`: the modem's port (or the reader's name).
    pub(crate) device: Option<PathBuf>,
    /// `--baud`: serial line speed of the AT port.
    pub(crate) baud: u32,
    /// `--transport`: how APDUs reach the card.
    pub(crate) transport: TransportKind,
    /// `--proxy`: whether QMI and MBIM go through qmi-proxy/mbim-proxy.
    pub(crate) proxy: ProxyUse,
    /// `--qmi-slot`: the UIM slot of the card, over QMI.
    pub(crate) qmi_slot: QmiSlot,
    /// `--modemmanager`: whether and how to ask ModemManager to leave the modem alone.
    pub(crate) modemmanager: MmSetting,
    /// `--sim`: the simulated eUICC in this process.
    pub(crate) sim: bool,
    /// `--identity`: the simulated eUICC's identity.
    pub(crate) identity: Option<PathBuf>,
    /// `--sim-state`: the simulated eUICC's state file.
    pub(crate) sim_state: Option<PathBuf>,
    /// `--block-size`: the STORE DATA block size.
    pub(crate) block_size: usize,
}

/// The options of [`TargetArgs`] (the top level's).
pub(crate) const OPTIONS: &[Opt] = &[
    Opt::value(
        "device",
        "DEVICE",
        "The modem's AT port, e.g. /dev/ttyUSB2 (with --transport qmi or mbim: its control device, e.g. /dev/cdc-wdm0; with --transport pcsc: part of the reader's name).",
    ),
    Opt::value("baud", "BAUD", "Serial line speed of the AT port.").default("115200"),
    Opt::value(
        "transport",
        "TRANSPORT",
        "How APDUs reach the card: auto, csim, cgla, qmi, mbim or pcsc.",
    )
    .default("auto"),
    Opt::value(
        "proxy",
        "PROXY",
        "With qmi or mbim: go through qmi-proxy/mbim-proxy (shared with ModemManager): auto, always or never.",
    )
    .default("auto"),
    Opt::value(
        "qmi-slot",
        "SLOT",
        "With qmi (or auto on a cdc-wdm device): the UIM slot of the eUICC, 1 to 5 (multi-slot modems often carry a soldered eUICC in slot 2). The AT, MBIM and PC/SC transports cannot choose a slot.",
    )
    .default("1"),
    Opt::value(
        "modemmanager",
        "auto|off|UID",
        "While a profile switch or a download runs over an AT port: ask ModemManager to leave the modem alone (InhibitDevice) and let it go afterwards: auto (when ModemManager runs and the modem's uid is found in sysfs), off, or the modem's uid (a sysfs path, `mmcli -m 0` shows it as Device).",
    )
    .default("auto"),
    Opt::flag(
        "sim",
        "Use the simulated eUICC in this process instead of a modem.",
    )
    .conflicts("device"),
    Opt::value(
        "identity",
        "DIR",
        "With --sim: load the eUICC identity from DIR (a test PKI is generated there if DIR holds none).",
    )
    .requires("sim"),
    Opt::value(
        "sim-state",
        "FILE",
        "With --sim: keep the eUICC's state (profiles, eIMs, notifications) in FILE across runs.",
    )
    .requires("sim"),
    Opt::value(
        "block-size",
        "BLOCK_SIZE",
        "STORE DATA block size, 6 to 255 (smaller helps cards that answer 66 01 and modems with short lines).",
    )
    .default("255"),
];

impl TargetArgs {
    /// The options [`OPTIONS`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            device: m.path("device"),
            baud: m.needed("baud")?,
            transport: m.needed("transport")?,
            proxy: m.needed("proxy")?,
            qmi_slot: m.needed("qmi-slot")?,
            modemmanager: m.needed("modemmanager")?,
            sim: m.flag("sim"),
            identity: m.path("identity"),
            sim_state: m.path("sim-state"),
            block_size: m.ranged("block-size", 6..=255)?,
        })
    }

    /// The transport these options describe. Must run inside the tokio runtime (the AT engine is a task).
    pub(crate) fn connect(&self) -> Result<Transport, Failure> {
        if self.sim {
            return simulated(self.identity.as_deref(), self.sim_state.as_deref());
        }
        if self.transport == TransportKind::Pcsc {
            crate::apdu::transport::check_slot_choice(self.transport, self.qmi_slot)?;
            return pcsc(self.device.as_ref());
        }
        let device = self.device.as_ref().ok_or_else(|| {
            Failure::input(anyhow!(
                "say which modem port to use with --device PATH (or use --sim)"
            ))
        })?;
        let (transport, _at) =
            Transport::open(self.transport, device, self.baud, self.proxy, self.qmi_slot)?;
        Ok(transport)
    }

    /// What asks ModemManager to step aside during a profile switch or a download: only for an AT port
    /// (QMI and MBIM share the device through the proxies instead).
    pub(crate) fn inhibitor(&self) -> Option<Inhibitor> {
        let device = self.device.as_ref().filter(|_| !self.sim)?;
        Inhibitor::for_at_port(&self.modemmanager, self.transport, device)
    }

    /// The session settings these options describe.
    pub(crate) fn session_config(&self) -> SessionConfig {
        SessionConfig {
            block_size: self.block_size,
            ..SessionConfig::default()
        }
    }
}

/// A current-thread tokio runtime for one command.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

#[cfg(feature = "sim")]
fn simulated(
    identity: Option<&std::path::Path>,
    state: Option<&std::path::Path>,
) -> Result<Transport, Failure> {
    use crate::apdu::inprocess::InProcessChannel;
    use euiccd_sim::card::{ResponseMode, SimCard};
    use euiccd_sim::minimal_isdr::MinimalIsdr;
    let eid = euicc_asn1::Eid::from_bytes(MinimalIsdr::DEFAULT_EID)
        .map_err(|e| Failure::input(anyhow!(e)))?;
    let euicc =
        euiccd_sim::euicc::open(identity, state, &eid).map_err(|e| Failure::input(anyhow!(e)))?;
    let card = SimCard::new(Box::new(euicc) as Box<_>, ResponseMode::GetResponse);
    Ok(Transport::InProcess(InProcessChannel::new(card)))
}

#[cfg(not(feature = "sim"))]
fn simulated(
    _identity: Option<&std::path::Path>,
    _state: Option<&std::path::Path>,
) -> Result<Transport, Failure> {
    Err(Failure::input(anyhow!(
        "this build has no simulator (cargo feature `sim`)"
    )))
}

#[cfg(feature = "pcsc")]
fn pcsc(reader: Option<&PathBuf>) -> Result<Transport, Failure> {
    let reader = reader.map(|r| r.to_string_lossy().into_owned());
    Ok(Transport::Pcsc(crate::apdu::pcsc::PcscChannel::connect(
        reader.as_deref(),
    )?))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc(_reader: Option<&PathBuf>) -> Result<Transport, Failure> {
    Err(Failure::input(anyhow!(
        "this build has no PC/SC support (cargo feature `pcsc`)"
    )))
}
