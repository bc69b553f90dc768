//! Hardware in the loop: the transport and inspection scenarios of `tests/modem_pty.rs`, against a real
//! modem with an eUICC. Runs only when `EUICCD_HW_DEVICE=/dev/ttyUSBn` is set (and `EUICCD_HW_BAUD` if the
//! port needs another speed than 115200); skipped with a message otherwise. See hw/README.md.

use euiccd::apdu::{IsdrSession, SessionConfig, Transport, TransportKind};
use euiccd::modem::Modem;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

/// One test at a time: they share the port.
static PORT: Mutex<()> = Mutex::new(());

const GET_EID: [u8; 6] = [0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A];

fn device() -> Option<(String, u32)> {
    let device = std::env::var("EUICCD_HW_DEVICE")
        .ok()
        .filter(|d| !d.is_empty());
    if device.is_none() {
        eprintln!(
            "skipped: set EUICCD_HW_DEVICE=/dev/ttyUSBn to run the hardware tests (see hw/README.md)"
        );
    }
    let baud = std::env::var("EUICCD_HW_BAUD")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(115_200);
    device.map(|d| (d, baud))
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
            let transport =
                Transport::over_modem(TransportKind::Auto, modem.clone()).expect("modem transport");
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
