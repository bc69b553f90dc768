//! Reading the configuration: bounded file read, TOML, environment overrides, then validation that names
//! the bad key.

use super::reader::Table;
use super::tables::LOG_FORMATS;
use super::{Config, ConnectivityConfig, EimConfig, EventsConfig, LogFormat, SmsConfig};
use crate::agent::bootstrap::InitialEimError;
use crate::agent::connectivity::InterfaceCounters;
use crate::apdu::TransportKind;
use crate::bounded_read;
use crate::logger::Levels;
use crate::remote::events::Endpoint;
use crate::remote::https::Server;
use crate::remote::tls::client_config;
use crate::store::MAX_EVENTS;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Largest configuration file read (a real one is a few KiB).
const MAX_FILE_LEN: u64 = 64 * 1024;
/// Longest path a Unix socket address holds (`sun_path` is 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;
/// Longest request deadline accepted, seconds.
const MAX_TIMEOUT_SECS: u64 = 600;
/// Longest poll interval accepted (30 days), seconds.
const MAX_INTERVAL_SECS: u64 = 30 * 24 * 3600;
/// Longest eIM identifier accepted (SGP.32 eimId is UTF8String SIZE(1..128)).
const MAX_EIM_ID: usize = 128;

/// The environment variables that override a setting, and the key each one sets.
pub(crate) const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("EUICCD_DEVICE", "modem.device"),
    ("EUICCD_LOG", "log.level"),
    ("EUICCD_LOG_FORMAT", "log.format"),
    ("EUICCD_STATE_DIR", "daemon.state_dir"),
    ("EUICCD_CONTROL_SOCKET", "daemon.control_socket"),
];

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than any sensible configuration.
    #[error("configuration {path}: larger than {MAX_FILE_LEN} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// Not TOML, an unknown key or a value of the wrong type; the message shows the line and key.
    #[error("configuration: {0}")]
    Syntax(String),
    /// A value out of range or inconsistent with another.
    #[error("configuration: {key}: {reason}")]
    Invalid {
        /// The key, as written in the file (`eim[0].address`) or the environment variable.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Reads `path` (bounded), applies the environment overrides that `env` returns, and validates.
pub(crate) fn load(
    path: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let text = bounded_read::read_to_string(path, MAX_FILE_LEN).map_err(|source| {
        if bounded_read::is_too_large(&source) {
            ConfigError::TooLarge {
                path: path.to_owned(),
            }
        } else {
            ConfigError::Read {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    parse(&text, env)
}

/// Reads every trust-anchor file the configuration names, so that a missing or unusable one stops the
/// daemon's start naming its key and file (`eim[0].trust_anchors[1]: trust anchors /etc/…: …`) instead of
/// failing each connection later. Not part of [`load`]: `euiccd status --config` reads the same file only
/// for the socket path, possibly as a user who may not read the anchors.
pub(crate) fn check_trust_anchors(config: &Config) -> Result<(), ConfigError> {
    let lists = config
        .eim
        .iter()
        .enumerate()
        .map(|(index, eim)| (format!("eim[{index}].trust_anchors"), &eim.trust_anchors))
        .chain([
            ("smdp.trust_anchors".to_owned(), &config.smdp.trust_anchors),
            (
                "events.trust_anchors".to_owned(),
                &config.events.trust_anchors,
            ),
        ]);
    for (key, files) in lists {
        for (index, file) in files.iter().enumerate() {
            client_config(std::slice::from_ref(file))
                .map_err(|e| invalid(format!("{key}[{index}]"), e.to_string()))?;
        }
    }
    Ok(())
}

/// Parses `text`, applies the environment overrides that `env` returns, and validates.
pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let document = toml::de::DeTable::parse(text)
        .map_err(|e| ConfigError::Syntax(e.to_string().trim().to_owned()))?;
    let mut config = Config::read(&Table::document(text, document.get_ref()))?;
    apply_env(&mut config, env)?;
    validate(&config)?;
    Ok(config)
}

/// Applies [`ENV_OVERRIDES`].
fn apply_env(config: &mut Config, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    for &(name, _) in ENV_OVERRIDES {
        let Some(value) = env(name).filter(|v| !v.is_empty()) else {
            continue;
        };
        match name {
            "EUICCD_DEVICE" => config.modem.device = PathBuf::from(value),
            "EUICCD_LOG" => config.log.level = value,
            "EUICCD_LOG_FORMAT" => {
                config.log.format = parse_format(&value).ok_or_else(|| ConfigError::Invalid {
                    key: name.to_owned(),
                    reason: format!("{value:?} is not auto, journald, plain or json"),
                })?;
            }
            "EUICCD_STATE_DIR" => config.daemon.state_dir = PathBuf::from(value),
            _ => config.daemon.control_socket = PathBuf::from(value),
        }
    }
    Ok(())
}

fn parse_format(text: &str) -> Option<LogFormat> {
    LOG_FORMATS
        .iter()
        .find(|(name, _)| *name == text)
        .map(|&(_, format)| format)
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        reason: reason.into(),
    }
}

/// Checks ranges and consistency; the first problem found is reported.
fn validate(config: &Config) -> Result<(), ConfigError> {
    let modem = &config.modem;
    if modem.baud == 0 {
        return Err(invalid("modem.baud", "must be above 0"));
    }
    if !(6..=255).contains(&modem.block_size) {
        return Err(invalid("modem.block_size", "must be 6 to 255"));
    }
    if modem.transport != TransportKind::Auto {
        // `auto` depends on the device (a control device may speak QMI): checked when it is opened.
        crate::apdu::transport::check_slot_choice(modem.transport, modem.qmi_slot)
            .map_err(|e| invalid("modem.qmi_slot", e.to_string()))?;
    }
    if let Some(imei) = &modem.imei {
        if imei.len() != 15 || !imei.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("modem.imei", "must be 15 digits"));
        }
    }
    let mut ids = HashSet::new();
    for (index, eim) in config.eim.iter().enumerate() {
        validate_eim(&format!("eim[{index}]"), eim)?;
        if !ids.insert(eim.id.as_str()) {
            return Err(invalid(
                format!("eim[{index}].id"),
                format!("{:?} is configured twice", eim.id),
            ));
        }
    }
    if let Some(initial) = &config.initial_eim {
        // Reads and checks the keys now, so that a bad file stops the start rather than the first boot;
        // each under its own key, since the error names only the file.
        let unusable = |key: &'static str| {
            move |e: InitialEimError| invalid(key, crate::error_chain::chain(&e))
        };
        initial
            .public_key
            .read()
            .map_err(unusable("initial_eim.public_key"))?;
        if let Some(anchor) = &initial.tls_anchor {
            anchor.read().map_err(unusable("initial_eim.tls_anchor"))?;
        }
        initial
            .to_config()
            .map_err(|e| invalid("initial_eim", crate::error_chain::chain(&e)))?;
    }
    let poll = &config.poll;
    if !(1..=MAX_INTERVAL_SECS).contains(&poll.interval_secs) {
        return Err(invalid(
            "poll.interval_secs",
            format!("must be 1 to {MAX_INTERVAL_SECS}"),
        ));
    }
    if poll.jitter_secs > poll.interval_secs {
        return Err(invalid(
            "poll.jitter_secs",
            "must not exceed poll.interval_secs",
        ));
    }
    if poll.backoff_initial_secs == 0 {
        return Err(invalid("poll.backoff_initial_secs", "must be above 0"));
    }
    if poll.backoff_cap_secs < poll.backoff_initial_secs {
        return Err(invalid(
            "poll.backoff_cap_secs",
            "must be at least poll.backoff_initial_secs",
        ));
    }
    if poll.cycle_timeout_secs < 10 {
        return Err(invalid("poll.cycle_timeout_secs", "must be at least 10"));
    }
    check_timeout("smdp.timeout_secs", config.smdp.timeout_secs)?;
    check_timeout("smdp.idle_timeout_secs", config.smdp.idle_timeout_secs)?;
    if let Some(connect) = &config.smdp.connect {
        check_connect("smdp.connect", connect)?;
    }
    let socket = config.daemon.control_socket.as_os_str().len();
    if socket == 0 || socket > MAX_SOCKET_PATH {
        return Err(invalid(
            "daemon.control_socket",
            format!("must be 1 to {MAX_SOCKET_PATH} bytes long"),
        ));
    }
    if config.daemon.state_dir.as_os_str().is_empty() {
        return Err(invalid("daemon.state_dir", "must not be empty"));
    }
    log_levels(&config.log.level).map_err(|reason| invalid("log.level", reason))?;
    super::supervision::check(
        &config.rollback,
        &config.fallback,
        config.connectivity.enabled,
    )
    .map_err(|(key, reason)| invalid(key, reason))?;
    validate_connectivity(&config.connectivity)?;
    validate_reconnect(config)?;
    validate_events(&config.events)?;
    validate_sms(&config.sms)
}

fn validate_sms(sms: &SmsConfig) -> Result<(), ConfigError> {
    for (index, sender) in sms.trusted_senders.iter().enumerate() {
        let digits = sender.strip_prefix('+').unwrap_or(sender);
        if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                format!("sms.trusted_senders[{index}]"),
                "must be up to 20 digits, + in front for international",
            ));
        }
    }
    let bad_keyword =
        |k: &euiccd_core::secret::Secret| k.expose().trim().is_empty() || k.expose().len() > 64;
    if sms.keyword.as_ref().is_some_and(bad_keyword) {
        return Err(invalid("sms.keyword", "must be 1 to 64 bytes"));
    }
    Ok(())
}

fn validate_connectivity(c: &ConnectivityConfig) -> Result<(), ConfigError> {
    if let Some(interface) = &c.interface {
        InterfaceCounters::new(&c.statistics_dir, interface)
            .map_err(|e| invalid("connectivity.interface", e.to_string()))?;
    }
    if !(1..=MAX_TIMEOUT_SECS).contains(&c.poll_interval_secs) {
        return Err(invalid(
            "connectivity.poll_interval_secs",
            format!("must be 1 to {MAX_TIMEOUT_SECS}"),
        ));
    }
    if c.update_interval_secs > MAX_INTERVAL_SECS {
        return Err(invalid(
            "connectivity.update_interval_secs",
            format!("must be 0 to {MAX_INTERVAL_SECS}"),
        ));
    }
    for (index, allowed) in c.allowed_networks.iter().enumerate() {
        let key = format!("connectivity.allowed_networks[{index}]");
        let iccid_ok = (18..=20).contains(&allowed.iccid.len())
            && allowed.iccid.bytes().all(|b| b.is_ascii_hexdigit());
        if !iccid_ok {
            return Err(invalid(format!("{key}.iccid"), "must be 18 to 20 digits"));
        }
        let plmn_ok =
            |p: &String| matches!(p.len(), 5 | 6) && p.bytes().all(|b| b.is_ascii_digit());
        if let Some(bad) = allowed.networks.iter().find(|p| !plmn_ok(p)) {
            return Err(invalid(
                format!("{key}.networks"),
                format!("{bad:?} is not MCC+MNC (5 or 6 digits)"),
            ));
        }
    }
    Ok(())
}

/// The wait after a profile switch runs inside a poll cycle, and the rollback supervisor can only act
/// once the cycle is over: the wait must end before either deadline.
fn validate_reconnect(config: &Config) -> Result<(), ConfigError> {
    let c = &config.connectivity;
    if c.reconnect_settle_secs > c.reconnect_timeout_secs {
        return Err(invalid(
            "connectivity.reconnect_settle_secs",
            "must not exceed connectivity.reconnect_timeout_secs",
        ));
    }
    if c.reconnect_timeout_secs >= config.poll.cycle_timeout_secs {
        return Err(invalid(
            "connectivity.reconnect_timeout_secs",
            "must be below poll.cycle_timeout_secs",
        ));
    }
    if c.enabled && c.reconnect_timeout_secs >= config.rollback.deadline_secs {
        return Err(invalid(
            "connectivity.reconnect_timeout_secs",
            "must be below rollback.deadline_secs",
        ));
    }
    Ok(())
}

fn validate_events(e: &EventsConfig) -> Result<(), ConfigError> {
    if let Some(endpoint) = &e.endpoint {
        Endpoint::parse(endpoint).map_err(|error| invalid("events.endpoint", error.to_string()))?;
        if e.trust_anchors.is_empty() && !e.system_ca {
            return Err(invalid(
                "events.trust_anchors",
                "give at least one CA file, or set system_ca = true",
            ));
        }
    }
    if e.source
        .as_ref()
        .is_some_and(|s| s.is_empty() || s.len() > 255)
    {
        return Err(invalid("events.source", "must be 1 to 255 bytes"));
    }
    if let Some(connect) = &e.connect {
        check_connect("events.connect", connect)?;
    }
    check_timeout("events.timeout_secs", e.timeout_secs)?;
    if !(1..=MAX_EVENTS).contains(&e.max_pending) {
        return Err(invalid(
            "events.max_pending",
            format!("must be 1 to {MAX_EVENTS}"),
        ));
    }
    if !(1..=500).contains(&e.batch_size) {
        return Err(invalid("events.batch_size", "must be 1 to 500"));
    }
    if e.backoff_initial_secs == 0 {
        return Err(invalid("events.backoff_initial_secs", "must be above 0"));
    }
    if e.backoff_cap_secs < e.backoff_initial_secs {
        return Err(invalid(
            "events.backoff_cap_secs",
            "must be at least events.backoff_initial_secs",
        ));
    }
    Ok(())
}

/// Parses a level setting (`info`, `warn,euiccd::modem=debug`): every directive must end in a level.
pub(crate) fn log_levels(setting: &str) -> Result<Levels, String> {
    setting.parse()
}

fn validate_eim(key: &str, eim: &EimConfig) -> Result<(), ConfigError> {
    if eim.id.is_empty() || eim.id.len() > MAX_EIM_ID {
        return Err(invalid(
            format!("{key}.id"),
            format!("must be 1 to {MAX_EIM_ID} bytes"),
        ));
    }
    Server::parse(&eim.address)
        .map_err(|_| invalid(format!("{key}.address"), "must be host or host:port"))?;
    if let Some(connect) = &eim.connect {
        check_connect(&format!("{key}.connect"), connect)?;
    }
    if eim.admin_protocol.is_empty() || !eim.admin_protocol.is_ascii() {
        return Err(invalid(
            format!("{key}.admin_protocol"),
            "must be a non-empty ASCII string",
        ));
    }
    check_timeout(&format!("{key}.timeout_secs"), eim.timeout_secs)?;
    check_timeout(&format!("{key}.idle_timeout_secs"), eim.idle_timeout_secs)
}

fn check_timeout(key: &str, secs: u64) -> Result<(), ConfigError> {
    match (1..=MAX_TIMEOUT_SECS).contains(&secs) {
        true => Ok(()),
        false => Err(invalid(key, format!("must be 1 to {MAX_TIMEOUT_SECS}"))),
    }
}

fn check_connect(key: &str, connect: &str) -> Result<(), ConfigError> {
    let valid = connect
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    match valid {
        true => Ok(()),
        false => Err(invalid(key, format!("{connect:?} is not host:port"))),
    }
}
