//! The daemon's configuration: one TOML file (`/etc/euiccd/euiccd.toml` unless `--config` says otherwise),
//! every setting optional with a documented default (`systemd/euiccd.toml` lists them all).
//!
//! Reading is strict so that a typo does not silently fall back to a default: unknown keys are errors, and
//! every error names the key (`poll.interval_secs: …`). A few common settings can be overridden from the
//! environment ([`ENV_OVERRIDES`](load::ENV_OVERRIDES)), which is how a unit file or a test changes them without editing the
//! file. At run time (SIGHUP) only what [`Config::reload`] lists changes; the rest needs a restart.

mod load;
mod network;
mod reader;
mod supervision;
mod tables;

pub use load::{ConfigError, parse};
pub(crate) use load::{check_trust_anchors, load, log_levels};
pub(crate) use network::{ConnectivityConfig, EventsConfig, SmsConfig, SmsModeSetting};
pub(crate) use supervision::{FallbackConfig, RollbackConfig};

use crate::agent::bootstrap::InitialEim;
use crate::agent::indirect::DownloadRoute;
use crate::apdu::{ProxyUse, QmiSlot, TransportKind};
use crate::modem::modemmanager::{Inhibitor, MmSetting};
use crate::remote::esipa::{EsipaBinding, Unacknowledged};
use euicc_asn1::Layout;
use std::path::PathBuf;
use std::time::Duration;

/// Where the daemon reads its configuration when no `--config` is given.
pub(crate) const DEFAULT_PATH: &str = "/etc/euiccd/euiccd.toml";

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The modem and the card behind it.
    pub(crate) modem: ModemConfig,
    /// The eIMs to poll, in order (`[[eim]]` tables). None: the daemon only serves the control socket.
    pub(crate) eim: Vec<EimConfig>,
    /// The eIM to associate (AddInitialEim) when the eUICC has none, at start-up.
    pub(crate) initial_eim: Option<InitialEim>,
    /// When to poll.
    pub(crate) poll: PollConfig,
    /// How direct downloads (eIM download triggers) reach SM-DP+ servers.
    pub(crate) smdp: SmdpConfig,
    /// Where the daemon keeps its state and its control socket.
    pub(crate) daemon: DaemonConfig,
    /// Diagnostics.
    pub(crate) log: LogConfig,
    /// The connectivity observer.
    pub(crate) connectivity: ConnectivityConfig,
    /// Upstream events.
    pub(crate) events: EventsConfig,
    /// How a switch with rollbackFlag is judged.
    pub(crate) rollback: RollbackConfig,
    /// When to fall back and return.
    pub(crate) fallback: FallbackConfig,
    /// Incoming SMS and the wake-up.
    pub(crate) sms: SmsConfig,
}

impl Config {
    /// The rollback and fallback supervisors' policy.
    pub(crate) fn supervision(&self) -> crate::agent::supervisor::Policy {
        supervision::policy(&self.rollback, &self.fallback)
    }
}

/// `[modem]`: the modem's port and how APDUs reach the eUICC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModemConfig {
    /// The modem's AT port, or its QMI/MBIM control device (`/dev/cdc-wdm*`).
    pub(crate) device: PathBuf,
    /// The modem's AT port when `device` is a control device: network observations and SMS are AT
    /// dialogues (none: they stay off).
    pub(crate) at_device: Option<PathBuf>,
    /// Serial line speed.
    pub(crate) baud: u32,
    /// `auto`, `csim`, `cgla`, `qmi` or `mbim` (`pcsc` with the `pcsc` build feature).
    pub(crate) transport: TransportKind,
    /// With `qmi` or `mbim`: `auto` (through qmi-proxy/mbim-proxy when one runs), `always` or `never`.
    pub(crate) proxy: ProxyUse,
    /// With `qmi` (or `auto` on a control device): the UIM slot of the eUICC, 1 to 5 (multi-slot modems
    /// often carry a soldered eUICC in slot 2). The other transports cannot choose a slot.
    pub(crate) qmi_slot: QmiSlot,
    /// Whether a profile switch over an AT port asks ModemManager to step aside (InhibitDevice): `auto`
    /// (when it runs and the modem's uid is found in sysfs), `off`, or the modem's uid.
    pub(crate) modemmanager: MmSetting,
    /// STORE DATA block size, 6 to 255.
    pub(crate) block_size: usize,
    /// The device's IMEI (15 digits), reported to the eIM and SM-DP+; none: a generic TAC.
    pub(crate) imei: Option<String>,
    /// The SGP.32 layout the eUICC speaks: `auto` (from its EUICCInfo2), `v1.0` or `v1.2` (a card that
    /// announces it wrongly).
    pub(crate) euicc_version: LayoutSetting,
}

/// The `modem.euicc_version` (the eUICC's SGP.32 layout) and `eim.version` (the SGP.32 version of that eIM's
/// ESipa messages) settings: a version, or `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum LayoutSetting {
    /// From EUICCInfo2.
    #[default]
    Auto,
    /// SGP.32 v1.0 / v1.1.
    V1_0,
    /// SGP.32 v1.2 and later.
    V1_2,
}

impl LayoutSetting {
    /// The layout to force, if any.
    pub(crate) fn forced(self) -> Option<Layout> {
        match self {
            Self::Auto => None,
            Self::V1_0 => Some(Layout::V1_0),
            Self::V1_2 => Some(Layout::V1_2),
        }
    }
}

impl ModemConfig {
    /// What asks ModemManager to step aside during a profile switch on this modem (none: off, or not an
    /// AT port).
    pub(crate) fn modemmanager(&self) -> Option<Inhibitor> {
        Inhibitor::for_at_port(&self.modemmanager, self.transport, &self.device)
    }
}

impl Default for ModemConfig {
    fn default() -> Self {
        Self {
            device: PathBuf::from("/dev/ttyUSB2"),
            at_device: None,
            baud: 115_200,
            transport: TransportKind::Auto,
            proxy: ProxyUse::Auto,
            qmi_slot: QmiSlot::FIRST,
            modemmanager: MmSetting::Auto,
            block_size: 255,
            imei: None,
            euicc_version: LayoutSetting::Auto,
        }
    }
}

/// `[[eim]]`: one eIM reached over ESipa (ASN.1 binding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EimConfig {
    /// The eIM's identifier, as configured on the eUICC.
    pub(crate) id: String,
    /// Where the eIM is reached: `host` or `host:port` (the name TLS checks).
    pub(crate) address: String,
    /// Connect to this `host:port` instead, keeping `address` for TLS (split DNS, test servers).
    pub(crate) connect: Option<String>,
    /// The `X-Admin-Protocol` header.
    pub(crate) admin_protocol: String,
    /// The ESipa binding: `asn1` (fewest bytes) or `json`.
    pub(crate) binding: Binding,
    /// The SGP.32 version of the ESipa messages this eIM speaks: `auto` (the eUICC's layout), `v1.0` or
    /// `v1.2`.
    pub(crate) version: LayoutSetting,
    /// How downloads this eIM triggers reach the SM-DP+: `auto` (through the eIM when it announces
    /// indirectProfileDownload), `direct` or `indirect`.
    pub(crate) download_route: DownloadRoute,
    /// What a successful ProvideEimPackageResult whose answer acknowledges nothing does with the result and
    /// notifications it delivered: `auto` (remove them with the v1.0 layout, keep them with v1.2), `remove`
    /// or `keep` (until an eIM acknowledges them).
    pub(crate) unacknowledged: Unacknowledged,
    /// CA certificates (PEM or DER files) that the eIM's TLS certificate chains to. With none and without
    /// `system_ca`, the eIM's TLS server is trusted as the eUICC's configuration of this eIM says
    /// (`trustedPublicKeyDataTls`: a pinned public key or a CA certificate).
    pub(crate) trust_anchors: Vec<PathBuf>,
    /// Also trust the system bundle (`/etc/ssl/certs/ca-certificates.crt`).
    pub(crate) system_ca: bool,
    /// Longest wait for progress of one ESipa request, seconds.
    pub(crate) timeout_secs: u64,
    /// Longest a kept-alive connection to the eIM may sit idle and still be reused, seconds: below the
    /// idle timeout of any NAT on the way, which drops the flow without a word.
    pub(crate) idle_timeout_secs: u64,
}

/// The ESipa binding setting (the configuration's spelling of [`EsipaBinding`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Binding {
    /// `asn1`.
    #[default]
    Asn1,
    /// `json`.
    Json,
}

impl From<Binding> for EsipaBinding {
    fn from(binding: Binding) -> Self {
        match binding {
            Binding::Asn1 => Self::Asn1,
            Binding::Json => Self::Json,
        }
    }
}

pub(super) fn default_admin_protocol() -> String {
    crate::remote::esipa::DEFAULT_ADMIN_PROTOCOL.to_owned()
}

pub(super) fn default_timeout_secs() -> u64 {
    60
}

pub(super) fn default_idle_timeout_secs() -> u64 {
    crate::remote::https::DEFAULT_IDLE_TIMEOUT.as_secs()
}

/// `[poll]`: the eIM poll schedule (see [`crate::agent::schedule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PollConfig {
    /// Seconds between polls while the eIM has nothing to do.
    pub(crate) interval_secs: u64,
    /// Largest random offset, either way, applied to the interval, seconds.
    pub(crate) jitter_secs: u64,
    /// Delay after a first failed poll, seconds; doubles per failure.
    pub(crate) backoff_initial_secs: u64,
    /// Largest delay after repeated failures, seconds.
    pub(crate) backoff_cap_secs: u64,
    /// Longest one poll cycle (with a download it triggers) may take before it is abandoned, seconds.
    pub(crate) cycle_timeout_secs: u64,
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            interval_secs: 3600,
            jitter_secs: 300,
            backoff_initial_secs: 60,
            backoff_cap_secs: 3600,
            cycle_timeout_secs: 900,
        }
    }
}

impl PollConfig {
    /// The scheduler's policy.
    pub(crate) fn schedule(&self) -> crate::agent::schedule::ScheduleConfig {
        crate::agent::schedule::ScheduleConfig {
            interval: Duration::from_secs(self.interval_secs),
            jitter: Duration::from_secs(self.jitter_secs),
            backoff_initial: Duration::from_secs(self.backoff_initial_secs),
            backoff_cap: Duration::from_secs(self.backoff_cap_secs),
        }
    }
}

/// `[smdp]`: trust and timeouts for direct downloads an eIM triggers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SmdpConfig {
    /// CA certificates (PEM or DER files) of SM-DP+ servers: the GSMA CI roots are in no OS store.
    pub(crate) trust_anchors: Vec<PathBuf>,
    /// Also trust the system bundle.
    pub(crate) system_ca: bool,
    /// Connect every SM-DP+ request to this `host:port`, keeping the SM-DP+'s name for TLS (tests).
    pub(crate) connect: Option<String>,
    /// Longest wait for progress of one ES9+ request, seconds.
    pub(crate) timeout_secs: u64,
    /// Longest a kept-alive connection to an SM-DP+ may sit idle and still be reused, seconds.
    pub(crate) idle_timeout_secs: u64,
}

impl Default for SmdpConfig {
    fn default() -> Self {
        Self {
            trust_anchors: Vec::new(),
            system_ca: true,
            connect: None,
            timeout_secs: default_timeout_secs(),
            idle_timeout_secs: default_idle_timeout_secs(),
        }
    }
}

/// `[daemon]`: state and control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DaemonConfig {
    /// The state directory (the store lives in it); systemd's `StateDirectory=euiccd`.
    pub(crate) state_dir: PathBuf,
    /// The control socket (`euiccd status`, `poll-now`, inspection while the daemon runs); mode 0600.
    pub(crate) control_socket: PathBuf,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            state_dir: PathBuf::from("/var/lib/euiccd"),
            control_socket: PathBuf::from(DEFAULT_CONTROL_SOCKET),
        }
    }
}

/// Where the control socket is unless configured otherwise (systemd's `RuntimeDirectory=euiccd`).
pub(crate) const DEFAULT_CONTROL_SOCKET: &str = "/run/euiccd/control.sock";

/// `[log]`: levels and format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogConfig {
    /// A default level and per-module levels: `info`, or `warn,euiccd::modem=debug`.
    pub(crate) level: String,
    /// `auto` (journald when started by systemd, plain otherwise), `journald`, `plain` or `json`.
    pub(crate) format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Auto,
        }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    /// `journald` when `JOURNAL_STREAM` is set (systemd connected stderr to the journal), else `plain`.
    Auto,
    /// One line per event with a `<N>` syslog priority prefix and no timestamp (the journal adds both).
    Journald,
    /// Timestamped human-readable lines.
    Plain,
    /// One JSON object per line.
    Json,
}

/// What a reload changed: the settings applied at once and the ones that wait for a restart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Reload {
    /// The poll schedule changed (applied).
    pub(crate) poll: bool,
    /// The log level changed (applied).
    pub(crate) log_level: bool,
    /// Sections that changed but only take effect after a restart.
    pub(crate) needs_restart: Vec<&'static str>,
}

impl Config {
    /// Compares `self` (running) with `new` (just read): see [`Reload`].
    pub(crate) fn reload(&self, new: &Config) -> Reload {
        let mut needs_restart = Vec::new();
        let sections: [(&'static str, bool); 11] = [
            ("modem", self.modem != new.modem),
            ("eim", self.eim != new.eim),
            ("initial_eim", self.initial_eim != new.initial_eim),
            ("smdp", self.smdp != new.smdp),
            ("daemon", self.daemon != new.daemon),
            ("log.format", self.log.format != new.log.format),
            ("rollback", self.rollback != new.rollback),
            ("fallback", self.fallback != new.fallback),
            ("connectivity", self.connectivity != new.connectivity),
            ("events", self.events != new.events),
            ("sms", self.sms != new.sms),
        ];
        for (name, changed) in sections {
            if changed {
                needs_restart.push(name);
            }
        }
        Reload {
            poll: self.poll != new.poll,
            log_level: self.log.level != new.log.level,
            needs_restart,
        }
    }
}

#[cfg(test)]
mod tests;
