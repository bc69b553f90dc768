//! Each table of the configuration file read from the parsed document: the defaults of `Default`, then every
//! key the file sets; a key a table does not have is an error (a typo must not fall back to a default).

use super::network::{
    AllowedNetworks, ConnectivityConfig, EventsConfig, SmsConfig, SmsModeSetting,
};
use super::reader::{Field, Table};
use super::supervision::{Condition, FallbackConfig, RollbackConfig, Service};
use super::{
    Binding, Config, ConfigError, DaemonConfig, EimConfig, LayoutSetting, LogConfig, LogFormat,
    ModemConfig, PollConfig, SmdpConfig, default_admin_protocol, default_idle_timeout_secs,
    default_timeout_secs,
};
use crate::agent::bootstrap::{InitialEim, KeySource};
use crate::apdu::QmiSlot;
use euiccd_core::secret::Secret;

type Read<T> = Result<T, ConfigError>;

/// The `auto`/`v1.0`/`v1.2` spellings of [`LayoutSetting`].
const LAYOUTS: &[(&str, LayoutSetting)] = &[
    ("auto", LayoutSetting::Auto),
    ("v1.0", LayoutSetting::V1_0),
    ("v1.2", LayoutSetting::V1_2),
];

/// The spellings of [`LogFormat`] (also those of `EUICCD_LOG_FORMAT`).
pub(super) const LOG_FORMATS: &[(&str, LogFormat)] = &[
    ("auto", LogFormat::Auto),
    ("journald", LogFormat::Journald),
    ("plain", LogFormat::Plain),
    ("json", LogFormat::Json),
];

impl Config {
    /// The whole file.
    pub(super) fn read(document: &Table<'_, '_>) -> Read<Self> {
        let mut config = Self::default();
        for (key, field) in document.fields() {
            match key {
                "modem" => config.modem = ModemConfig::read(&field.table()?)?,
                "eim" => config.eim = field.list(|item| EimConfig::read(&item.table()?))?,
                "initial_eim" => config.initial_eim = Some(read_initial_eim(&field.table()?)?),
                "poll" => config.poll = PollConfig::read(&field.table()?)?,
                "smdp" => config.smdp = SmdpConfig::read(&field.table()?)?,
                "daemon" => config.daemon = DaemonConfig::read(&field.table()?)?,
                "log" => config.log = LogConfig::read(&field.table()?)?,
                "connectivity" => config.connectivity = ConnectivityConfig::read(&field.table()?)?,
                "events" => config.events = EventsConfig::read(&field.table()?)?,
                "rollback" => config.rollback = RollbackConfig::read(&field.table()?)?,
                "fallback" => config.fallback = FallbackConfig::read(&field.table()?)?,
                "sms" => config.sms = SmsConfig::read(&field.table()?)?,
                _ => return Err(field.unknown()),
            }
        }
        Ok(config)
    }
}

impl ModemConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut modem = Self::default();
        for (key, field) in table.fields() {
            match key {
                "device" => modem.device = field.path()?,
                "at_device" => modem.at_device = Some(field.path()?),
                "baud" => modem.baud = field.integer()?,
                "transport" => modem.transport = field.parsed()?,
                "proxy" => modem.proxy = field.parsed()?,
                "qmi_slot" => {
                    modem.qmi_slot =
                        QmiSlot::try_from(field.integer::<i64>()?).map_err(|e| field.error(e))?
                }
                "modemmanager" => modem.modemmanager = field.parsed()?,
                "block_size" => modem.block_size = field.integer()?,
                "imei" => modem.imei = Some(field.string()?),
                "euicc_version" => modem.euicc_version = field.choice(LAYOUTS)?,
                _ => return Err(field.unknown()),
            }
        }
        Ok(modem)
    }
}

impl EimConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let (mut id, mut address) = (None, None);
        let mut eim = Self {
            id: String::new(),
            address: String::new(),
            connect: None,
            admin_protocol: default_admin_protocol(),
            binding: Binding::default(),
            version: LayoutSetting::default(),
            download_route: Default::default(),
            unacknowledged: Default::default(),
            trust_anchors: Vec::new(),
            system_ca: false,
            timeout_secs: default_timeout_secs(),
            idle_timeout_secs: default_idle_timeout_secs(),
        };
        for (key, field) in table.fields() {
            match key {
                "id" => id = Some(field.string()?),
                "address" => address = Some(field.string()?),
                "connect" => eim.connect = Some(field.string()?),
                "admin_protocol" => eim.admin_protocol = field.string()?,
                "binding" => {
                    eim.binding =
                        field.choice(&[("asn1", Binding::Asn1), ("json", Binding::Json)])?
                }
                "version" => eim.version = field.choice(LAYOUTS)?,
                "download_route" => eim.download_route = field.parsed()?,
                "unacknowledged" => eim.unacknowledged = field.parsed()?,
                "trust_anchors" => eim.trust_anchors = field.list(Field::path)?,
                "system_ca" => eim.system_ca = field.boolean()?,
                "timeout_secs" => eim.timeout_secs = field.integer()?,
                "idle_timeout_secs" => eim.idle_timeout_secs = field.integer()?,
                _ => return Err(field.unknown()),
            }
        }
        eim.id = table.required(id, "id")?;
        eim.address = table.required(address, "address")?;
        Ok(eim)
    }
}

/// `[initial_eim]`.
fn read_initial_eim(table: &Table<'_, '_>) -> Read<InitialEim> {
    let (mut eim_id, mut fqdn, mut public_key) = (None, None, None);
    let (mut counter, mut tls_anchor, mut indirect_profile_download) = (None, None, false);
    for (key, field) in table.fields() {
        match key {
            "eim_id" => eim_id = Some(field.string()?),
            "fqdn" => fqdn = Some(field.string()?),
            "public_key" => public_key = Some(read_key_source(&field)?),
            "counter" => counter = Some(field.integer()?),
            "tls_anchor" => tls_anchor = Some(read_key_source(&field)?),
            "indirect_profile_download" => indirect_profile_download = field.boolean()?,
            _ => return Err(field.unknown()),
        }
    }
    Ok(InitialEim {
        eim_id: table.required(eim_id, "eim_id")?,
        fqdn: table.required(fqdn, "fqdn")?,
        public_key: table.required(public_key, "public_key")?,
        counter,
        tls_anchor,
        indirect_profile_download,
    })
}

/// `{ path = "…" }` or `{ pem = "…" }`.
fn read_key_source(field: &Field<'_, '_>) -> Read<KeySource> {
    let table = field.table()?;
    let mut source = None;
    for (key, field) in table.fields() {
        let read = match key {
            "path" => KeySource::Path(field.path()?),
            "pem" => KeySource::Pem(field.string()?),
            _ => return Err(field.unknown()),
        };
        if source.replace(read).is_some() {
            return Err(field.error("give either path or pem, not both"));
        }
    }
    source.ok_or_else(|| field.error("expected { path = \"…\" } or { pem = \"…\" }"))
}

impl PollConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut poll = Self::default();
        for (key, field) in table.fields() {
            let slot = match key {
                "interval_secs" => &mut poll.interval_secs,
                "jitter_secs" => &mut poll.jitter_secs,
                "backoff_initial_secs" => &mut poll.backoff_initial_secs,
                "backoff_cap_secs" => &mut poll.backoff_cap_secs,
                "cycle_timeout_secs" => &mut poll.cycle_timeout_secs,
                _ => return Err(field.unknown()),
            };
            *slot = field.integer()?;
        }
        Ok(poll)
    }
}

impl SmdpConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut smdp = Self::default();
        for (key, field) in table.fields() {
            match key {
                "trust_anchors" => smdp.trust_anchors = field.list(Field::path)?,
                "system_ca" => smdp.system_ca = field.boolean()?,
                "connect" => smdp.connect = Some(field.string()?),
                "timeout_secs" => smdp.timeout_secs = field.integer()?,
                "idle_timeout_secs" => smdp.idle_timeout_secs = field.integer()?,
                _ => return Err(field.unknown()),
            }
        }
        Ok(smdp)
    }
}

impl DaemonConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut daemon = Self::default();
        for (key, field) in table.fields() {
            match key {
                "state_dir" => daemon.state_dir = field.path()?,
                "control_socket" => daemon.control_socket = field.path()?,
                _ => return Err(field.unknown()),
            }
        }
        Ok(daemon)
    }
}

impl LogConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut log = Self::default();
        for (key, field) in table.fields() {
            match key {
                "level" => log.level = field.string()?,
                "format" => log.format = field.choice(LOG_FORMATS)?,
                _ => return Err(field.unknown()),
            }
        }
        Ok(log)
    }
}

impl ConnectivityConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut connectivity = Self::default();
        for (key, field) in table.fields() {
            match key {
                "enabled" => connectivity.enabled = field.boolean()?,
                "interface" => connectivity.interface = Some(field.string()?),
                "statistics_dir" => connectivity.statistics_dir = field.path()?,
                "poll_interval_secs" => connectivity.poll_interval_secs = field.integer()?,
                "update_interval_secs" => connectivity.update_interval_secs = field.integer()?,
                "reconnect_settle_secs" => connectivity.reconnect_settle_secs = field.integer()?,
                "reconnect_timeout_secs" => {
                    connectivity.reconnect_timeout_secs = field.integer()?
                }
                "allowed_networks" => {
                    connectivity.allowed_networks =
                        field.list(|item| read_allowed_networks(&item.table()?))?
                }
                _ => return Err(field.unknown()),
            }
        }
        Ok(connectivity)
    }
}

/// One `allowed_networks` entry.
fn read_allowed_networks(table: &Table<'_, '_>) -> Read<AllowedNetworks> {
    let (mut iccid, mut networks) = (None, None);
    for (key, field) in table.fields() {
        match key {
            "iccid" => iccid = Some(field.string()?),
            "networks" => networks = Some(field.list(Field::string)?),
            _ => return Err(field.unknown()),
        }
    }
    Ok(AllowedNetworks {
        iccid: table.required(iccid, "iccid")?,
        networks: table.required(networks, "networks")?,
    })
}

impl EventsConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut events = Self::default();
        for (key, field) in table.fields() {
            match key {
                "endpoint" => events.endpoint = Some(field.string()?),
                "source" => events.source = Some(field.string()?),
                "trust_anchors" => events.trust_anchors = field.list(Field::path)?,
                "system_ca" => events.system_ca = field.boolean()?,
                "connect" => events.connect = Some(field.string()?),
                "timeout_secs" => events.timeout_secs = field.integer()?,
                "max_pending" => events.max_pending = field.integer()?,
                "batch_size" => events.batch_size = field.integer()?,
                "backoff_initial_secs" => events.backoff_initial_secs = field.integer()?,
                "backoff_cap_secs" => events.backoff_cap_secs = field.integer()?,
                _ => return Err(field.unknown()),
            }
        }
        Ok(events)
    }
}

impl SmsConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut sms = Self::default();
        for (key, field) in table.fields() {
            match key {
                "enabled" => sms.enabled = field.boolean()?,
                "mode" => {
                    sms.mode = field
                        .choice(&[("pdu", SmsModeSetting::Pdu), ("text", SmsModeSetting::Text)])?
                }
                "trusted_senders" => sms.trusted_senders = field.list(Field::string)?,
                "keyword" => sms.keyword = Some(Secret::new(field.string()?)),
                _ => return Err(field.unknown()),
            }
        }
        Ok(sms)
    }
}

impl RollbackConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut rollback = Self::default();
        for (key, field) in table.fields() {
            match key {
                "deadline_secs" => rollback.deadline_secs = field.integer()?,
                "require" => {
                    rollback.require = field.list(|item| {
                        item.choice(&[
                            ("attach", Service::Attach),
                            ("data_session", Service::DataSession),
                            ("eim_exchange", Service::EimExchange),
                        ])
                    })?
                }
                _ => return Err(field.unknown()),
            }
        }
        Ok(rollback)
    }
}

impl FallbackConfig {
    fn read(table: &Table<'_, '_>) -> Read<Self> {
        let mut fallback = Self::default();
        for (key, field) in table.fields() {
            match key {
                "enabled" => fallback.enabled = field.boolean()?,
                "after_secs" => fallback.after_secs = field.integer()?,
                "conditions" => {
                    fallback.conditions = field.list(|item| {
                        item.choice(&[
                            ("registration_denied", Condition::RegistrationDenied),
                            ("not_registered", Condition::NotRegistered),
                            ("no_data_session", Condition::NoDataSession),
                            ("eim_unreachable", Condition::EimUnreachable),
                        ])
                    })?
                }
                "return_after_secs" => fallback.return_after_secs = field.integer()?,
                _ => return Err(field.unknown()),
            }
        }
        Ok(fallback)
    }
}
