//! The OpenWrt init script's UCI-to-TOML mapping (`openwrt/files/euiccd.init`), run by `sh` and, where it is
//! installed, by busybox ash (OpenWrt's shell), with a test stand-in for OpenWrt's UCI shell functions
//! (`openwrt/test/functions.sh`).

mod support;

use euiccd::config::ConfigError;
use std::process::Command;
use std::time::Duration;
use support::{Run, Scratch};

/// The example /etc/config/euiccd the package installs.
const SHIPPED: &str = include_str!("../openwrt/files/euiccd.config");

const HEADER: &str = "# Written by /etc/init.d/euiccd from /etc/config/euiccd at every start; edit that file instead.\n";

/// What the shipped example turns into: the daemon's defaults, the state on flash, plain logs for syslog.
const SHIPPED_TOML: &str = r#"[modem]
device = "/dev/ttyUSB2"
baud = 115200
transport = "auto"
proxy = "auto"
block_size = 255
euicc_version = "auto"

[smdp]
system_ca = true
timeout_secs = 60

[daemon]
state_dir = "/etc/euiccd/state"
control_socket = "/var/run/euiccd/control.sock"

[poll]
interval_secs = 3600
jitter_secs = 300
backoff_initial_secs = 60
backoff_cap_secs = 3600
cycle_timeout_secs = 900

[log]
format = "plain"
level = "info"
"#;

/// The shells to run the script with: `sh`, and busybox ash when installed (CI installs it).
fn shells() -> Vec<Vec<&'static str>> {
    let mut shells = vec![vec!["sh"]];
    match Command::new("busybox").arg("true").status() {
        Ok(status) if status.success() => shells.push(vec!["busybox", "sh"]),
        _ => eprintln!("busybox is not installed: the script runs under sh only"),
    }
    shells
}

/// One generation: /etc/config/euiccd holds `uci`, the output files live in `dir`.
struct Generation<'a> {
    shell: &'a [&'a str],
    dir: &'a Scratch,
}

impl Generation<'_> {
    /// Runs `euiccd_write_config` of the init script on `uci`.
    fn run(&self, uci: &str) -> Run {
        std::fs::write(self.dir.path("euiccd"), uci).expect("write the UCI file");
        let mut command = Command::new(self.shell[0]);
        command
            .args(&self.shell[1..])
            .arg("-c")
            .arg(". openwrt/test/functions.sh && . openwrt/files/euiccd.init && config_load euiccd && euiccd_write_config")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("UCI_CONFIG_DIR", &self.dir.0)
            .env("EUICCD_CONF", self.toml_path())
            .env("EUICCD_RESTART_PART", self.dir.path("restart.toml"));
        let run = Run::command(command, Duration::from_secs(30));
        assert!(!run.timed_out, "{:?} did not finish", self.shell);
        run
    }

    /// Runs it and expects success.
    fn ok(&self, uci: &str) {
        let run = self.run(uci);
        assert!(run.success(), "{:?}: {}", self.shell, run.stderr);
    }

    fn toml_path(&self) -> std::path::PathBuf {
        self.dir.path("euiccd.toml")
    }

    /// The daemon's configuration file as written; the daemon's own loader must accept it (the key files
    /// `[initial_eim]` names exist on a router, not here).
    fn toml(&self) -> String {
        let toml = std::fs::read_to_string(self.toml_path()).expect("euiccd.toml written");
        match euiccd::config::parse(&toml, |_| None) {
            Ok(_) => {}
            Err(ConfigError::Invalid { key, reason })
                if key.starts_with("initial_eim") && reason.contains("No such file") => {}
            Err(error) => panic!("the daemon refuses the generated file: {error}\n{toml}"),
        }
        toml
    }

    /// The part procd watches: the settings only a restart applies.
    fn restart_part(&self) -> String {
        std::fs::read_to_string(self.dir.path("restart.toml")).expect("restart part written")
    }
}

/// Runs `check` once per shell with a fresh scratch directory.
fn each_shell(check: impl Fn(&Generation)) {
    for shell in shells() {
        let dir = Scratch::new("openwrt");
        check(&Generation {
            shell: &shell,
            dir: &dir,
        });
    }
}

#[test]
fn the_shipped_config_gives_the_daemon_defaults_with_the_state_on_flash() {
    each_shell(|generation| {
        generation.ok(SHIPPED);
        assert_eq!(generation.toml(), format!("{HEADER}{SHIPPED_TOML}"));
        let restart = generation.restart_part();
        assert!(generation.toml().starts_with(&restart));
        assert!(!restart.contains("[poll]") && !restart.contains("[log]"));
    });
}

#[test]
fn eims_initial_eim_lists_quoting_numbers_and_booleans_map_to_toml() {
    let uci = r#"
config euiccd 'main'
	option device '/dev/ttyUSB3'
	option baud '0921600'
	option imei '356938035643809'

config smdp 'smdp'
	list trust_anchor '/etc/euiccd/ci "test".pem'
	list trust_anchor '/etc/euiccd/back\slash.pem'
	option system_ca 'off'

config eim
	option id 'eim-one'
	option address 'eim1.example.com:8443'
	list trust_anchor '/etc/euiccd/eim1.pem'
	option system_ca 'yes'
	option timeout_secs '0030'

config eim
	option enabled '0'
	option id 'eim-off'
	option address 'off.example.com'

config eim
	option id 'eim-two'
	option address 'eim2.example.com'
	option connect '127.0.0.1:8443'
	option admin_protocol 'gsma/rsp/v2.1.0'
	option binding 'json'
	option download_route 'indirect'
	option unacknowledged 'remove'
	option system_ca '1'

config initial_eim 'initial_eim'
	option eim_id 'eim-one'
	option fqdn 'eim1.example.com'
	option public_key '/etc/euiccd/eim-sign.pem'
	option counter '0'
	option tls_anchor '/etc/euiccd/eim1.pem'
"#;
    let expected = r#"[modem]
device = "/dev/ttyUSB3"
baud = 921600
imei = "356938035643809"

[smdp]
trust_anchors = ["/etc/euiccd/ci \"test\".pem", "/etc/euiccd/back\\slash.pem"]
system_ca = false

[daemon]
state_dir = "/etc/euiccd/state"
control_socket = "/var/run/euiccd/control.sock"

[initial_eim]
eim_id = "eim-one"
fqdn = "eim1.example.com"
public_key = { path = "/etc/euiccd/eim-sign.pem" }
counter = 0
tls_anchor = { path = "/etc/euiccd/eim1.pem" }

[[eim]]
id = "eim-one"
address = "eim1.example.com:8443"
trust_anchors = ["/etc/euiccd/eim1.pem"]
system_ca = true
timeout_secs = 30

[[eim]]
id = "eim-two"
address = "eim2.example.com"
connect = "127.0.0.1:8443"
admin_protocol = "gsma/rsp/v2.1.0"
binding = "json"
download_route = "indirect"
unacknowledged = "remove"
system_ca = true

[poll]

[log]
format = "plain"
"#;
    each_shell(|generation| {
        generation.ok(uci);
        assert_eq!(generation.toml(), format!("{HEADER}{expected}"));
    });
}

#[test]
fn a_bad_value_names_the_option_and_keeps_the_previous_file() {
    let bad = [
        (
            "option interval_secs '3600'",
            "option interval_secs 'hourly'",
            "poll.interval_secs",
        ),
        (
            "option interval_secs '3600'",
            "option interval_secs '12345678901'",
            "poll.interval_secs",
        ),
        (
            "option system_ca '1'",
            "option system_ca 'maybe'",
            "smdp.system_ca",
        ),
        (
            "option device '/dev/ttyUSB2'",
            "option device '/dev/tty\tUSB2'",
            "main.device",
        ),
    ];
    each_shell(|generation| {
        generation.ok(SHIPPED);
        let before = (generation.toml(), generation.restart_part());
        for (good, wrong, option) in bad {
            assert!(SHIPPED.contains(good), "{good}");
            let run = generation.run(&SHIPPED.replace(good, wrong));
            assert!(!run.success(), "{wrong} was accepted");
            assert!(run.stderr.contains(option), "{wrong}: {}", run.stderr);
            assert_eq!((generation.toml(), generation.restart_part()), before);
            let left: Vec<_> = std::fs::read_dir(&generation.dir.0)
                .expect("scratch")
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.file_name().to_string_lossy().ends_with(".new"))
                .collect();
            assert!(left.is_empty(), "temporary files left: {left:?}");
        }
    });
}

#[test]
fn only_restart_settings_change_the_part_procd_watches() {
    each_shell(|generation| {
        generation.ok(SHIPPED);
        let (toml, restart) = (generation.toml(), generation.restart_part());

        // Poll schedule and log level: SIGHUP applies them, so procd must not restart the daemon.
        let reloadable = SHIPPED
            .replace("option interval_secs '3600'", "option interval_secs '600'")
            .replace("option log_level 'info'", "option log_level 'debug'");
        generation.ok(&reloadable);
        assert_eq!(generation.restart_part(), restart);
        assert_ne!(generation.toml(), toml);
        assert!(generation.toml().contains("interval_secs = 600\n"));
        assert!(generation.toml().contains("level = \"debug\"\n"));

        // The modem port: only a restart applies it.
        generation.ok(&SHIPPED.replace("/dev/ttyUSB2", "/dev/ttyUSB3"));
        assert_ne!(generation.restart_part(), restart);
        assert!(
            generation
                .restart_part()
                .contains("device = \"/dev/ttyUSB3\"\n")
        );
    });
}

/// Runs `euiccd_make_dirs` of the init script with `state_dir` as the UCI option and the control socket in
/// `dir/run/euiccd`.
fn make_dirs(shell: &[&str], dir: &Scratch, state_dir: &str) -> Run {
    let uci = format!("config euiccd 'main'\n\toption state_dir '{state_dir}'\n");
    std::fs::write(dir.path("euiccd"), uci).expect("write the UCI file");
    let mut command = Command::new(shell[0]);
    command
        .args(&shell[1..])
        .arg("-c")
        .arg(". openwrt/test/functions.sh && . openwrt/files/euiccd.init && config_load euiccd && euiccd_make_dirs")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("UCI_CONFIG_DIR", &dir.0)
        .env("EUICCD_CONTROL_SOCKET", dir.path("run/euiccd/control.sock"));
    let run = Run::command(command, Duration::from_secs(30));
    assert!(!run.timed_out, "{shell:?} did not finish");
    run
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("mode").permissions().mode() & 0o7777
}

#[test]
fn only_directories_the_service_creates_get_its_mode_and_shared_ones_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp_mode = mode(std::path::Path::new("/tmp"));
    for shell in shells() {
        let dir = Scratch::new("openwrt-dirs");
        // A shared directory like /tmp (sticky, everyone writes), /tmp itself, a system directory, a relative
        // path: refused, naming the option, and left as they were.
        let shared = dir.path("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        for state_dir in [shared.to_str().unwrap(), "/tmp", "/tmp/", "/etc", "state"] {
            let run = make_dirs(&shell, &dir, state_dir);
            assert!(!run.success(), "{shell:?} {state_dir}");
            assert!(run.stderr.contains("main.state_dir"), "{}", run.stderr);
        }
        assert_eq!(mode(&shared), 0o1777);
        assert_eq!(mode(std::path::Path::new("/tmp")), tmp_mode);

        // The operator's own directory keeps its mode.
        let own = dir.path("own");
        std::fs::create_dir(&own).unwrap();
        std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o750)).unwrap();
        let run = make_dirs(&shell, &dir, own.to_str().unwrap());
        assert!(run.success(), "{shell:?}: {}", run.stderr);
        assert_eq!(mode(&own), 0o750);

        // What the service creates is its own: 0700, parents included.
        let new = dir.path("new/state");
        let run = make_dirs(&shell, &dir, new.to_str().unwrap());
        assert!(run.success(), "{shell:?}: {}", run.stderr);
        assert_eq!(mode(&new), 0o700);
        assert_eq!(mode(&dir.path("new")), 0o700);
        assert_eq!(mode(&dir.path("run/euiccd")), 0o700);
    }
}
