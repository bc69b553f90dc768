//! Hardware in the loop: the transport and inspection scenarios of `tests/modem_pty.rs`, against a real
//! modem with an eUICC. Runs only when `EUICCD_HW_DEVICE=/dev/ttyUSBn` is set (and `EUICCD_HW_BAUD` if the
//! port needs another speed than 115200); skipped with a message otherwise. When it names a QMI/MBIM control
//! device (`/dev/cdc-wdmN`), the AT scenarios are skipped and the QMI and MBIM ones run, directly and
//! through qmi-proxy/mbim-proxy. See hw/README.md.

use euiccd::apdu::{IsdrSession, SessionConfig, Transport, TransportKind};
use euiccd::modem::Modem;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// One test at a time: they share the port.
static PORT: Mutex<()> = Mutex::new(());

const GET_EID: [u8; 6] = [0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A];

/// The modem's AT port and speed, if the bench has one.
fn device() -> Option<(String, u32)> {
    let device = hw_device().filter(|d| !is_control_device(d));
    if device.is_none() {
        eprintln!(
            "skipped: set EUICCD_HW_DEVICE=/dev/ttyUSBn to run the AT hardware tests (see hw/README.md)"
        );
    }
    let baud = std::env::var("EUICCD_HW_BAUD")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(115_200);
    device.map(|d| (d, baud))
}

/// `EUICCD_HW_DEVICE`, if set.
fn hw_device() -> Option<String> {
    std::env::var("EUICCD_HW_DEVICE")
        .ok()
        .filter(|d| !d.is_empty())
}

/// Whether `device` is a QMI/MBIM control device rather than an AT port.
fn is_control_device(device: &str) -> bool {
    Path::new(device)
        .file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with("cdc-wdm"))
}

/// The bench's QMI/MBIM control device, if it has one.
fn control_device() -> Option<String> {
    let device = hw_device().filter(|d| is_control_device(d));
    if device.is_none() {
        eprintln!(
            "skipped: set EUICCD_HW_DEVICE=/dev/cdc-wdmN to run the QMI/MBIM hardware tests (see hw/README.md)"
        );
    }
    device
}

/// libqmi's or libmbim's proxy, started for the test unless one runs already (ModemManager starts them),
/// and stopped at the end if the test started it.
struct Proxy(Option<Child>);

impl Proxy {
    fn start(transport: &str) -> Self {
        let program = format!("/usr/libexec/{transport}-proxy");
        let child = Command::new(&program)
            .arg("--no-exit")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!(
                "{program} not found (Debian: libqmi-utils, libmbim-utils); --proxy always will fail"
            );
            return Self(None);
        };
        std::thread::sleep(Duration::from_millis(500));
        // One that ends at once found its socket taken: a proxy runs already.
        match child.try_wait() {
            Ok(Some(_)) => Self(None),
            _ => Self(Some(child)),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `euiccd --device DEVICE --transport TRANSPORT --proxy PROXY ARGS… --json`: its JSON document, or the
/// error it printed.
fn euiccd_json(
    device: &str,
    transport: &str,
    proxy: &str,
    args: &[&str],
) -> Result<serde_json::Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_euiccd"))
        .args([
            "--device",
            device,
            "--transport",
            transport,
            "--proxy",
            proxy,
        ])
        .args(args)
        .arg("--json")
        .output()
        .expect("run euiccd");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "{transport} --proxy {proxy} {args:?}: {} {}",
        stdout.trim(),
        stderr.trim()
    );
    match out.status.success() {
        true => serde_json::from_str(stdout.trim()).map_err(|e| e.to_string()),
        false => Err(stderr.trim().to_owned()),
    }
}

#[test]
fn info_over_qmi_and_mbim() {
    let Some(device) = control_device() else {
        return;
    };
    let _port = PORT.lock().unwrap_or_else(|e| e.into_inner());
    let mut eids = Vec::new();
    for transport in ["qmi", "mbim"] {
        let _proxy = Proxy::start(transport);
        for proxy in ["always", "never", "auto"] {
            if let Ok(doc) = euiccd_json(&device, transport, proxy, &["info"]) {
                let eid = doc["eid"].as_str().expect("eid").to_owned();
                assert!(
                    eid.len() == 32 && eid.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{doc}"
                );
                eids.push((transport, proxy, eid));
            }
        }
    }
    eprintln!("working (record them in hw/quirks.md): {eids:?}");
    assert!(
        !eids.is_empty(),
        "neither QMI nor MBIM reached the eUICC on {device}"
    );
    assert!(
        eids.windows(2).all(|w| w[0].2 == w[1].2),
        "one card, one EID: {eids:?}"
    );
}

#[test]
fn profiles_through_the_proxy_agree_with_the_device() {
    let Some(device) = control_device() else {
        return;
    };
    let _port = PORT.lock().unwrap_or_else(|e| e.into_inner());
    for transport in ["qmi", "mbim"] {
        let _proxy = Proxy::start(transport);
        let through = euiccd_json(&device, transport, "always", &["profiles"]);
        let direct = euiccd_json(&device, transport, "never", &["profiles"]);
        if let (Ok(through), Ok(direct)) = (&through, &direct) {
            assert_eq!(through, direct, "{transport}: the proxy changes nothing");
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn info_over_each_transport() {
    let Some((device, baud)) = device() else {
        return;
    };
    let _port = PORT.lock().unwrap_or_else(|e| e.into_inner());
    let mut working = Vec::new();
    for transport in ["auto", "cgla", "csim"] {
        let out = Command::new(env!("CARGO_BIN_EXE_euiccd"))
            .args([
                "--device",
                &device,
                "--baud",
                &baud.to_string(),
                "--transport",
                transport,
                "info",
                "--json",
            ])
            .output()
            .expect("run euiccd");
        let stdout = String::from_utf8_lossy(&out.stdout);
        eprintln!(
            "{transport}: {} {}",
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        if out.status.success() {
            let doc: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON");
            let eid = doc["eid"].as_str().expect("eid");
            assert!(
                eid.len() == 32 && eid.bytes().all(|b| b.is_ascii_hexdigit()),
                "{doc}"
            );
            working.push(transport);
        }
    }
    eprintln!("working transports (record them in hw/quirks.md): {working:?}");
    assert!(
        working.contains(&"auto"),
        "auto must find a working transport"
    );
}

#[test]
fn identity_commands() {
    let Some((device, baud)) = device() else {
        return;
    };
    let _port = PORT.lock().unwrap_or_else(|e| e.into_inner());
    runtime().block_on(async {
        let modem = Modem::open_serial(&device, baud);
        let ati = modem
            .command("ATI", Duration::from_secs(5))
            .await
            .expect("ATI answers");
        assert!(!ati.lines().is_empty());
        for command in [
            "AT+CGSN",
            "AT+CIMI",
            "AT+CCID",
            "AT+COPS?",
            "AT+CEREG?",
            "AT+CSQ",
        ] {
            // Not every modem has every command; what matters is a clean answer or a clean refusal.
            match modem.command(command, Duration::from_secs(10)).await {
                Ok(answer) => eprintln!("{command}: {:?}", answer.lines()),
                Err(error) => eprintln!("{command}: {error}"),
            }
        }
    });
}

#[test]
fn store_data_block_sizes_agree() {
    let Some((device, baud)) = device() else {
        return;
    };
    let _port = PORT.lock().unwrap_or_else(|e| e.into_inner());
    runtime().block_on(async {
        let modem = Modem::open_serial(&device, baud);
        let mut answers = Vec::new();
        for block_size in [6, 120, 255] {
            let transport = Transport::over_modem(TransportKind::Auto, modem.clone());
            let config = SessionConfig {
                block_size,
                ..SessionConfig::default()
            };
            let mut session = IsdrSession::new(transport, config).expect("valid");
            answers.push(session.es10(&GET_EID).await.expect("GetEID"));
            session.close().await.expect("close");
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:02X?}");
    });
}
