//! The systemd files in `systemd/` checked by systemd's own tools: the unit by `systemd-analyze verify`
//! (and its exposure score by `systemd-analyze security`), the sysusers file by `systemd-sysusers` into a
//! scratch root; the polkit rule by duktape, polkit's JavaScript engine. Skipped where systemd (or duktape) is
//! not installed, unless `EUICCD_REQUIRE_SYSTEMD=1` (CI) makes that a failure. The `Type=notify` protocol
//! itself is tested in `tests/daemon.rs`.

mod support;

use std::path::Path;
use std::process::Command;
use support::{EUICCD, Scratch};

const UNIT: &str = include_str!("../systemd/euiccd.service");

/// Whether `tool` can run here; panics when it cannot and `EUICCD_REQUIRE_SYSTEMD=1`.
fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("EUICCD_REQUIRE_SYSTEMD").as_deref() != Ok("1"),
            "{tool} is required (EUICCD_REQUIRE_SYSTEMD=1) but not installed"
        );
        eprintln!("{tool} not installed: test skipped");
    }
    found
}

/// The unit with `ExecStart` pointing at the binary under test (verify checks that it is executable).
fn unit_in(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("euiccd.service");
    std::fs::write(&path, UNIT.replace("/usr/bin/euiccd", EUICCD)).unwrap();
    path
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    if !have("systemd-analyze") {
        return;
    }
    let dir = Scratch::new("systemd-verify");
    let unit = unit_in(&dir.0);
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "systemd-analyze verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for setting in [
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "StateDirectory=euiccd",
        "DeviceAllow=",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "SupplementaryGroups=dialout",
    ] {
        assert!(UNIT.contains(setting), "the unit sets {setting}");
    }
}

#[test]
fn the_unit_is_hardened() {
    if !have("systemd-analyze") {
        return;
    }
    let dir = Scratch::new("systemd-security");
    let unit = unit_in(&dir.0);
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(&unit)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let score: f64 = text
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for euiccd.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no exposure score: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    // systemd rates 0 (locked down) to 10 (exposed); below 2 is "OK". 1.7 before the resource limits.
    assert!(score <= 1.7, "exposure {score}");
}

#[test]
fn sysusers_creates_the_user_in_dialout() {
    if !have("systemd-sysusers") {
        return;
    }
    let root = Scratch::new("sysusers");
    std::fs::create_dir_all(root.path("etc")).unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/euiccd.sysusers");
    let out = Command::new("systemd-sysusers")
        .arg(format!("--root={}", root.0.display()))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let passwd = std::fs::read_to_string(root.path("etc/passwd")).unwrap();
    assert!(
        passwd
            .lines()
            .any(|l| l.starts_with("euiccd:") && l.contains("/var/lib/euiccd")),
        "{passwd}"
    );
    let group = std::fs::read_to_string(root.path("etc/group")).unwrap();
    let dialout = group
        .lines()
        .find(|l| l.starts_with("dialout:"))
        .unwrap_or_default();
    assert!(dialout.ends_with("euiccd"), "{group}");
}

/// The value of `key=` in the unit (the last one, as systemd reads it).
fn setting<'a>(key: &str) -> Option<&'a str> {
    UNIT.lines()
        .rev()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

/// A size or count in systemd's notation (`64M`, `256`).
fn amount(value: &str) -> u64 {
    let (digits, unit) = value.split_at(value.trim_end_matches(['K', 'M', 'G']).len());
    let scale = match unit {
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => 1,
    };
    digits.parse::<u64>().expect("a number") * scale
}

#[test]
fn the_unit_bounds_memory_tasks_descriptors_and_restarts() {
    // Above what a test run measured (29 MiB peak RSS in a debug build, 1 thread, 29 descriptors), with room.
    let memory = amount(setting("MemoryMax").expect("MemoryMax="));
    assert!(
        (32 << 20..=256 << 20).contains(&memory),
        "MemoryMax {memory}"
    );
    let tasks = amount(setting("TasksMax").expect("TasksMax="));
    assert!((8..=128).contains(&tasks), "TasksMax {tasks}");
    let files = amount(setting("LimitNOFILE").expect("LimitNOFILE="));
    let control = euiccd::daemon::control::MAX_CONNECTIONS as u64;
    assert!(
        files >= 4 * (control + 32) && files <= 4096,
        "LimitNOFILE {files}"
    );
    // A crash loop ends: a bounded number of starts in an interval longer than the restarts take.
    let burst = amount(setting("StartLimitBurst").expect("StartLimitBurst="));
    let interval = amount(setting("StartLimitIntervalSec").expect("StartLimitIntervalSec="));
    let restart = amount(setting("RestartSec").expect("RestartSec="));
    assert!((2..=10).contains(&burst), "StartLimitBurst {burst}");
    assert!(
        interval > burst * restart,
        "StartLimitIntervalSec {interval}"
    );
}

const POLKIT_RULE: &str = include_str!("../systemd/50-euiccd-modemmanager.rules");
const SYSUSERS: &str = include_str!("../systemd/euiccd.sysusers");

/// What polkit answers with the rule file loaded, for each `(action id, user)`: the rule runs in duktape, the
/// JavaScript engine Debian's polkitd embeds, under the interface polkit(8) documents (`polkit.addRule`,
/// `polkit.Result`, `action.id`, `subject.user`); rules that return nothing or NOT_HANDLED leave the decision
/// to the next rule, here "not handled".
fn polkit_decides(cases: &[(&str, &str)]) -> Vec<String> {
    let dir = Scratch::new("polkit-rule");
    let mut script = String::from(
        "var rules = [];\n\
         var polkit = {\n\
           Result: { NO: 'no', YES: 'yes', AUTH_SELF: 'auth_self', AUTH_SELF_KEEP: 'auth_self_keep',\n\
                     AUTH_ADMIN: 'auth_admin', AUTH_ADMIN_KEEP: 'auth_admin_keep', NOT_HANDLED: null },\n\
           addRule: function (rule) { rules.push(rule); }\n\
         };\n",
    );
    script.push_str(POLKIT_RULE);
    script.push_str(
        "\nfunction decide(id, user) {\n\
           for (var i = 0; i < rules.length; i++) {\n\
             var result = rules[i]({ id: id }, { user: user });\n\
             if (result !== null && result !== undefined) { return result; }\n\
           }\n\
           return 'not handled';\n\
         }\n",
    );
    for (action, user) in cases {
        script.push_str(&format!("print(decide('{action}', '{user}'));\n"));
    }
    let path = dir.0.join("rule.js");
    std::fs::write(&path, script).unwrap();
    let out = Command::new("duk").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "duk: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_polkit_rule_lets_the_service_user_inhibit_modemmanager_and_nothing_more() {
    if !have("duk") {
        return;
    }
    // The user the rule names is the one systemd-sysusers creates and the unit runs as.
    let user = SYSUSERS
        .lines()
        .find_map(|line| line.strip_prefix("u "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a u line in euiccd.sysusers");
    assert_eq!(setting("User"), Some(user));
    // InhibitDevice is authorized as the Manager's Control action (ModemManager's mm-base-manager.c).
    const CONTROL: &str = "org.freedesktop.ModemManager1.Control";
    let decisions = polkit_decides(&[
        (CONTROL, user),
        (CONTROL, "nobody"),
        ("org.freedesktop.ModemManager1.Device.Control", user),
        ("org.freedesktop.login1.reboot", user),
    ]);
    assert_eq!(
        decisions,
        ["yes", "not handled", "not handled", "not handled"]
    );
}
