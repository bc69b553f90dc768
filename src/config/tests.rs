use super::*;
use crate::agent::bootstrap::KeySource;
use crate::agent::indirect::DownloadRoute;

fn no_env(_: &str) -> Option<String> {
    None
}

fn error(text: &str) -> String {
    parse(text, no_env).unwrap_err().to_string()
}

const EIM: &str = r#"
[[eim]]
id = "eim-1"
address = "eim.example.test:8443"
connect = "127.0.0.1:9000"
trust_anchors = ["/etc/euiccd/ca.pem"]
"#;

#[test]
fn an_empty_file_gives_the_defaults() {
    let config = parse("", no_env).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.modem.device, PathBuf::from("/dev/ttyUSB2"));
    assert_eq!(config.poll.interval_secs, 3600);
    assert_eq!(config.daemon.state_dir, PathBuf::from("/var/lib/euiccd"));
    assert!(config.eim.is_empty());
}

/// The commented-out block of `example` that starts with `# HEADER`, uncommented.
fn uncommented(example: &str, header: &str) -> String {
    example
        .lines()
        .skip_while(|l| *l != format!("# {header}"))
        .take_while(|l| l.starts_with('#'))
        .filter(|l| !l.starts_with("# #"))
        .map(|l| format!("{}\n", l.trim_start_matches("# ")))
        .collect()
}

#[test]
fn the_example_file_documents_the_defaults() {
    let example = include_str!("../../systemd/euiccd.toml");
    assert_eq!(parse(example, no_env).unwrap(), Config::default());
    // The commented [[eim]] block is valid once uncommented, and shows its defaults.
    let config = parse(&uncommented(example, "[[eim]]"), no_env).unwrap();
    let eim = &config.eim[0];
    assert_eq!(
        eim.admin_protocol,
        crate::remote::esipa::DEFAULT_ADMIN_PROTOCOL
    );
    assert_eq!(eim.timeout_secs, 60);
    assert_eq!(eim.idle_timeout_secs, 60);
    assert!(!eim.system_ca);
    assert_eq!(eim.connect, None);
    assert_eq!(eim.binding, Binding::Asn1);
    assert_eq!(eim.download_route, DownloadRoute::Auto);
    assert_eq!(eim.version, LayoutSetting::Auto);
    assert_eq!(eim.unacknowledged, Unacknowledged::default());
    // The allowed networks block is valid once uncommented.
    let config = parse(
        &uncommented(example, "[[connectivity.allowed_networks]]"),
        no_env,
    )
    .unwrap();
    assert_eq!(
        config.connectivity.allowed_networks[0].networks,
        ["26201", "26202"]
    );
    // The [initial_eim] block parses; only its example key file is missing here.
    let block = uncommented(example, "[initial_eim]");
    assert!(block.contains("public_key"), "{block}");
    let message = parse(&block, no_env).unwrap_err().to_string();
    assert!(
        message
            .contains("initial_eim.public_key: cannot read /etc/euiccd/eim-sign.pem: No such file"),
        "{message}"
    );
}

#[test]
fn an_eim_is_read_with_its_defaults() {
    let config = parse(EIM, no_env).unwrap();
    assert_eq!(
        config.eim,
        [EimConfig {
            id: "eim-1".into(),
            address: "eim.example.test:8443".into(),
            connect: Some("127.0.0.1:9000".into()),
            admin_protocol: "gsma/rsp/v2.1.0".into(),
            binding: Binding::Asn1,
            version: LayoutSetting::Auto,
            download_route: DownloadRoute::Auto,
            unacknowledged: Unacknowledged::Auto,
            trust_anchors: vec!["/etc/euiccd/ca.pem".into()],
            system_ca: false,
            timeout_secs: 60,
            idle_timeout_secs: 60,
        }]
    );
}

#[test]
fn unknown_keys_are_errors_that_name_them() {
    let message = error("[poll]\nintervall_secs = 5\n");
    assert!(message.contains("intervall_secs"), "{message}");
    let message = error("[modme]\n");
    assert!(message.contains("modme"), "{message}");
}

#[test]
fn wrong_types_and_values_name_the_key() {
    let message = error("[poll]\ninterval_secs = \"often\"\n");
    assert!(message.contains("interval_secs"), "{message}");
    let message = error("[modem]\ntransport = \"bluetooth\"\n");
    assert!(
        message.contains("transport") && message.contains("bluetooth"),
        "{message}"
    );
    let message = error("[modem]\neuicc_version = \"v2\"\n");
    assert!(message.contains("euicc_version"), "{message}");
    let forced = parse("[modem]\neuicc_version = \"v1.0\"\n", no_env).unwrap();
    assert_eq!(forced.modem.euicc_version.forced(), Some(Layout::V1_0));
    let eim = format!("{EIM}version = \"v1.0\"\n");
    let forced = parse(&eim, no_env).unwrap();
    assert_eq!(forced.eim[0].version.forced(), Some(Layout::V1_0));
    let removing = parse(&format!("{EIM}unacknowledged = \"remove\"\n"), no_env).unwrap();
    assert_eq!(removing.eim[0].unacknowledged, Unacknowledged::Remove);
    let message = error(&format!("{EIM}unacknowledged = \"drop\"\n"));
    assert!(message.contains("unacknowledged"), "{message}");
    let message = error(&format!("{EIM}version = \"v1.1\"\n"));
    assert!(message.contains("version"), "{message}");
    let message = error("[log]\nformat = \"xml\"\n");
    assert!(message.contains("format"), "{message}");
}

#[test]
fn the_qmi_slot_is_read_and_checked() {
    let config = parse("[modem]\ntransport = \"qmi\"\nqmi_slot = 2\n", no_env).unwrap();
    assert_eq!(config.modem.qmi_slot.number(), 2);
    // `auto` may find QMI on a control device: the slot is checked when the device is opened.
    let auto = parse("[modem]\nqmi_slot = 5\n", no_env).unwrap();
    assert_eq!(auto.modem.qmi_slot.number(), 5);
    for (text, expected) in [
        (
            "[modem]\nqmi_slot = 0\n",
            "modem.qmi_slot: QMI UIM slot 0 does not exist: slots are numbered 1 to 5 (line 2)",
        ),
        ("[modem]\nqmi_slot = 6\n", "modem.qmi_slot: QMI UIM slot 6"),
        (
            "[modem]\nqmi_slot = -1\n",
            "modem.qmi_slot: QMI UIM slot -1",
        ),
        (
            "[modem]\nqmi_slot = \"2\"\n",
            "modem.qmi_slot: expected an integer",
        ),
        (
            "[modem]\ntransport = \"cgla\"\nqmi_slot = 2\n",
            "modem.qmi_slot: QMI UIM slot 2 was asked for, but the AT transport cannot choose",
        ),
        (
            "[modem]\ntransport = \"mbim\"\nqmi_slot = 3\n",
            "the MBIM transport cannot choose a card slot",
        ),
    ] {
        let message = error(text);
        assert!(message.contains(expected), "{text}: {message}");
    }
    // Slot 1 is every transport's only card.
    let at = parse("[modem]\ntransport = \"csim\"\nqmi_slot = 1\n", no_env).unwrap();
    assert_eq!(at.modem.qmi_slot, crate::apdu::QmiSlot::FIRST);
}

#[test]
fn ranges_are_checked_and_the_key_is_named() {
    let cases = [
        (
            "[poll]\ninterval_secs = 0\n",
            "poll.interval_secs: must be 1 to",
        ),
        (
            "[poll]\ninterval_secs = 60\njitter_secs = 61\n",
            "poll.jitter_secs: must not exceed",
        ),
        (
            "[poll]\nbackoff_initial_secs = 0\n",
            "poll.backoff_initial_secs",
        ),
        (
            "[poll]\nbackoff_initial_secs = 100\nbackoff_cap_secs = 99\n",
            "poll.backoff_cap_secs",
        ),
        ("[modem]\nbaud = 0\n", "modem.baud"),
        ("[modem]\nblock_size = 5\n", "modem.block_size"),
        (
            "[modem]\nimei = \"12345\"\n",
            "modem.imei: must be 15 digits",
        ),
        ("[smdp]\ntimeout_secs = 0\n", "smdp.timeout_secs"),
        ("[smdp]\nidle_timeout_secs = 0\n", "smdp.idle_timeout_secs"),
        ("[smdp]\nconnect = \"nohost\"\n", "smdp.connect"),
        ("[log]\nlevel = \"loud\"\n", "log.level"),
        ("[daemon]\ncontrol_socket = \"\"\n", "daemon.control_socket"),
        ("[rollback]\ndeadline_secs = 0\n", "rollback.deadline_secs"),
        ("[rollback]\nrequire = []\n", "rollback.require"),
        (
            "[connectivity]\nenabled = false\n",
            "rollback.require: attach and data_session need connectivity.enabled",
        ),
        ("[fallback]\nafter_secs = 0\n", "fallback.after_secs"),
        (
            "[fallback]\nreturn_after_secs = 999999999\n",
            "fallback.return_after_secs",
        ),
        (
            "[fallback]\nenabled = true\nconditions = []\n",
            "fallback.conditions",
        ),
        (
            "[connectivity]\ninterface = \"a/b\"\n",
            "connectivity.interface",
        ),
        (
            "[connectivity]\npoll_interval_secs = 0\n",
            "connectivity.poll_interval_secs",
        ),
        (
            "[[connectivity.allowed_networks]]\niccid = \"8988211000000000001\"\nnetworks = [\"2620\"]\n",
            "connectivity.allowed_networks[0].networks: \"2620\" is not MCC+MNC",
        ),
        (
            "[[connectivity.allowed_networks]]\niccid = \"12\"\nnetworks = []\n",
            "connectivity.allowed_networks[0].iccid",
        ),
        (
            "[connectivity]\nreconnect_settle_secs = 200\nreconnect_timeout_secs = 100\n",
            "connectivity.reconnect_settle_secs: must not exceed",
        ),
        (
            "[connectivity]\nreconnect_timeout_secs = 900\n[rollback]\ndeadline_secs = 3600\n",
            "connectivity.reconnect_timeout_secs: must be below poll.cycle_timeout_secs",
        ),
        (
            "[connectivity]\nreconnect_timeout_secs = 420\n",
            "connectivity.reconnect_timeout_secs: must be below rollback.deadline_secs",
        ),
        (
            "[events]\nendpoint = \"http://collector\"\n",
            "events.endpoint",
        ),
        (
            "[events]\nendpoint = \"https://collector\"\nsystem_ca = false\n",
            "events.trust_anchors",
        ),
        (
            "[events]\nmax_pending = 0\n",
            "events.max_pending: must be 1 to 1000",
        ),
        ("[events]\nmax_pending = 1001\n", "events.max_pending"),
        ("[events]\nbatch_size = 0\n", "events.batch_size"),
        (
            "[sms]\ntrusted_senders = [\"+49abc\"]\n",
            "sms.trusted_senders[0]",
        ),
        ("[sms]\nkeyword = \" \"\n", "sms.keyword: must be 1 to 64"),
        ("[sms]\nmode = \"fax\"\n", "mode"),
        (
            "[events]\nbackoff_initial_secs = 10\nbackoff_cap_secs = 5\n",
            "events.backoff_cap_secs",
        ),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(message.contains(expected), "{text:?} gave {message}");
    }
}

#[test]
fn eim_entries_are_checked_by_index() {
    let second = EIM.replace("eim-1", "eim-2");
    let twice = format!("{EIM}{EIM}");
    assert!(error(&twice).contains("eim[1].id: \"eim-1\" is configured twice"));
    let bad_address = format!(
        "{EIM}{}",
        second.replace("eim.example.test:8443", "bad:port")
    );
    assert!(error(&bad_address).contains("eim[1].address"));
    // Without anchors in the file, the eUICC's configuration of the eIM is the trust (checked at start-up).
    let no_anchor = EIM.replace("trust_anchors = [\"/etc/euiccd/ca.pem\"]", "");
    assert!(
        parse(&no_anchor, no_env).unwrap().eim[0]
            .trust_anchors
            .is_empty()
    );
    let no_id = "[[eim]]\naddress = \"eim.example.test\"\nsystem_ca = true\n";
    assert!(error(no_id).contains("id"), "{}", error(no_id));
    let json = parse(
        &format!("{EIM}binding = \"json\"\ndownload_route = \"indirect\"\n"),
        no_env,
    );
    let eim = &json.unwrap().eim[0];
    assert_eq!(
        (eim.binding, eim.download_route),
        (Binding::Json, DownloadRoute::Indirect)
    );
    assert!(
        error(&format!("{EIM}download_route = \"carrier pigeon\"\n")).contains("download route")
    );
    assert!(error(&format!("{EIM}binding = \"xml\"\n")).contains("binding"));
    let long_timeout = format!("{EIM}timeout_secs = 601\n");
    assert!(error(&long_timeout).contains("eim[0].timeout_secs"));
}

#[test]
fn environment_overrides_win_over_the_file() {
    let env = |name: &str| match name {
        "EUICCD_DEVICE" => Some("/dev/ttyACM0".to_owned()),
        "EUICCD_LOG" => Some("debug,euiccd::modem=trace".to_owned()),
        "EUICCD_LOG_FORMAT" => Some("json".to_owned()),
        "EUICCD_STATE_DIR" => Some("/tmp/state".to_owned()),
        "EUICCD_CONTROL_SOCKET" => Some("/tmp/ctl.sock".to_owned()),
        _ => None,
    };
    let config = parse("[modem]\ndevice = \"/dev/ttyUSB3\"\n", env).unwrap();
    assert_eq!(config.modem.device, PathBuf::from("/dev/ttyACM0"));
    assert_eq!(config.log.level, "debug,euiccd::modem=trace");
    assert_eq!(config.log.format, LogFormat::Json);
    assert_eq!(config.daemon.state_dir, PathBuf::from("/tmp/state"));
    assert_eq!(config.daemon.control_socket, PathBuf::from("/tmp/ctl.sock"));
    // Overrides are validated like the file.
    let bad = parse("", |n: &str| (n == "EUICCD_LOG").then(|| "loud".to_owned()));
    assert!(bad.unwrap_err().to_string().contains("log.level"));
    let bad = parse("", |n: &str| {
        (n == "EUICCD_LOG_FORMAT").then(|| "xml".to_owned())
    });
    assert!(bad.unwrap_err().to_string().contains("EUICCD_LOG_FORMAT"));
}

#[test]
fn files_are_read_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("euiccd.toml");
    assert!(matches!(load(&path, no_env), Err(ConfigError::Read { .. })));
    std::fs::write(&path, "#".repeat(70 * 1024)).unwrap();
    assert!(matches!(
        load(&path, no_env),
        Err(ConfigError::TooLarge { .. })
    ));
    std::fs::write(&path, "[poll]\ninterval_secs = 60\njitter_secs = 0\n").unwrap();
    assert_eq!(load(&path, no_env).unwrap().poll.interval_secs, 60);
}

#[test]
fn a_reload_applies_poll_and_level_and_lists_the_rest() {
    let old = Config::default();
    let mut new = old.clone();
    assert_eq!(old.reload(&new), Reload::default());
    new.poll.interval_secs = 60;
    new.log.level = "debug".into();
    new.modem.baud = 9600;
    new.log.format = LogFormat::Json;
    let reload = old.reload(&new);
    assert!(reload.poll && reload.log_level);
    assert_eq!(reload.needs_restart, ["modem", "log.format"]);
}

#[test]
fn supervision_policies_are_read() {
    use euiccd_core::supervisor::fallback::Conditions;
    let config = parse(
        "[connectivity]\nreconnect_settle_secs = 2\nreconnect_timeout_secs = 4\n\
         [rollback]\ndeadline_secs = 5\nrequire = [\"eim_exchange\"]\n\
         [fallback]\nenabled = true\nafter_secs = 3\nconditions = [\"not_registered\"]\n\
         return_after_secs = 0\n",
        no_env,
    )
    .unwrap();
    let policy = config.supervision();
    assert_eq!(policy.rollback.deadline_secs, 5);
    let reconnect = config.connectivity.reconnect_policy();
    assert_eq!(reconnect.settle, std::time::Duration::from_secs(2));
    assert_eq!(reconnect.timeout, std::time::Duration::from_secs(4));
    assert!(policy.rollback.require.eim_exchange && !policy.rollback.require.attach);
    let fallback = policy.fallback.unwrap();
    assert_eq!(fallback.after_secs, 3);
    assert_eq!(fallback.return_after_secs, None);
    assert_eq!(
        fallback.conditions,
        Conditions {
            not_registered: true,
            ..Conditions::default()
        }
    );
    assert!(Config::default().supervision().fallback.is_none());
    let message = error("[fallback]\nconditions = [\"sunspots\"]\n");
    assert!(message.contains("sunspots"), "{message}");
}

#[test]
fn the_initial_eim_takes_a_key_file_or_inline_pem() {
    let text = "[initial_eim]\neim_id = \"eim-1\"\nfqdn = \"eim.example.com:8443\"\ncounter = 5\n\
        public_key = { path = \"/etc/euiccd/eim.pem\" }\n\
        tls_anchor = { pem = \"-----BEGIN PUBLIC KEY-----\\nMFk=\\n-----END PUBLIC KEY-----\" }\n";
    let document = toml::de::DeTable::parse(text).unwrap();
    let config = Config::read(&reader::Table::document(text, document.get_ref())).unwrap();
    let initial = config.initial_eim.expect("an initial eIM");
    assert_eq!(initial.eim_id, "eim-1");
    assert_eq!(initial.counter, Some(5));
    assert_eq!(
        initial.public_key,
        KeySource::Path("/etc/euiccd/eim.pem".into())
    );
    assert!(matches!(initial.tls_anchor, Some(KeySource::Pem(pem)) if pem.contains("MFk=")));

    let unknown =
        "[initial_eim]\neim_id = \"e\"\nfqdn = \"h\"\npublic_key = { path = \"k\" }\ncolour = 1\n";
    assert!(
        error(unknown).contains("initial_eim.colour: unknown key (line 5)"),
        "{}",
        error(unknown)
    );
    let both =
        "[initial_eim]\neim_id = \"e\"\nfqdn = \"h\"\npublic_key = { path = \"k\", pem = \"p\" }\n";
    assert!(
        error(both).contains("initial_eim.public_key"),
        "{}",
        error(both)
    );
    let no_key = "[initial_eim]\neim_id = \"e\"\nfqdn = \"h\"\n";
    assert!(
        error(no_key).contains("initial_eim.public_key: missing"),
        "{}",
        error(no_key)
    );
}

#[test]
fn wrong_types_name_the_key_the_type_found_and_the_line() {
    let message = error("[poll]\njitter_secs = 1\ninterval_secs = \"often\"\n");
    assert!(
        message.contains("poll.interval_secs: expected an integer, found a string (line 3)"),
        "{message}"
    );
    let message = error("[modem]\nbaud = -1\n");
    assert!(
        message.contains("modem.baud: -1 is out of range"),
        "{message}"
    );
    let message = error("[modem]\nblock_size = 0x100000000000000000\n");
    assert!(message.contains("modem.block_size"), "{message}");
    let message = error("[rollback]\nrequire = [\"attach\", \"telepathy\"]\n");
    assert!(
        message.contains(
            "rollback.require[1]: \"telepathy\" is not one of attach, data_session, eim_exchange"
        ),
        "{message}"
    );
    let message = error("modem = 3\n");
    assert!(
        message.contains("modem: expected a table, found an integer (line 1)"),
        "{message}"
    );
    let message = error("[sms]\nenabled = \"yes\"\n");
    assert!(
        message.contains("sms.enabled: expected true or false"),
        "{message}"
    );
    // Hexadecimal and underscores are TOML integers too.
    let config = parse(
        "[modem]\nbaud = 0x1C200\n[poll]\ninterval_secs = 7_200\n",
        no_env,
    )
    .unwrap();
    assert_eq!(
        (config.modem.baud, config.poll.interval_secs),
        (115_200, 7200)
    );
}

proptest::proptest! {
    /// Whatever a configuration file holds, reading it ends in a configuration or an error that names a key or
    /// the TOML problem: garbage bytes, and lines built from the configuration's own tables, keys and values.
    #[test]
    fn garbage_is_an_error_never_a_panic(
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        lines in proptest::collection::vec(
            (
                proptest::sample::select(vec![
                    "[modem]", "[[eim]]", "[poll]", "[log]", "[sms]", "[rollback]", "[fallback]",
                    "[initial_eim]", "[connectivity]", "[[connectivity.allowed_networks]]", "",
                ]),
                proptest::sample::select(vec![
                    "baud", "transport", "id", "address", "interval_secs", "level", "format", "require",
                    "conditions", "public_key", "keyword", "networks", "imei", "block_size", "qmi_slot", "x",
                ]),
                proptest::sample::select(vec![
                    "1", "-1", "0x1C200", "\"auto\"", "\"v1.0\"", "true", "[\"attach\"]", "{ path = \"k\" }",
                    "{ pem = \"p\", path = \"k\" }", "[1, \"a\"]", "1.5", "1979-05-27", "\"\"", "[",
                ]),
            ),
            0..12,
        ),
    ) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = parse(text, no_env);
        }
        let text: String = lines
            .iter()
            .map(|(table, key, value)| format!("{table}\n{key} = {value}\n"))
            .collect();
        if let Err(error) = parse(&text, no_env) {
            proptest::prop_assert!(!error.to_string().is_empty());
        }
    }
}
