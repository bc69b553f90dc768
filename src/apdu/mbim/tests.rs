//! `MbimChannel` against the simulated MBIM function on a PTY in this process, directly and through a real
//! `mbim-proxy` that is killed and restarted mid-session.

use super::*;
use euiccd_core::apdu::status::StatusWord;
use euiccd_sim::card::{EchoApplet, ResponseMode, SimCard};
use euiccd_sim::mbim::{MbimDevice, MbimFaults};
use std::process::{Child, Command, Stdio};
use tokio::task::JoinHandle;
use tokio_serial::{SerialPort, SerialStream};

const ISDR: [u8; 16] = [
    0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
];
const PROXY_BINARY: &str = "/usr/libexec/mbim-proxy";
const WAIT: Duration = Duration::from_secs(5);

/// The simulated function with an echoing ISD-R on a fresh PTY linked in `dir`; the task serves it.
fn simulated(dir: &Path, faults: MbimFaults) -> (PathBuf, JoinHandle<()>) {
    let (mut master, slave) = SerialStream::pair().expect("PTY");
    let link = dir.join("cdc-wdm");
    std::os::unix::fs::symlink(slave.name().expect("PTY name"), &link).expect("link");
    let card = SimCard::new(EchoApplet, ResponseMode::GetResponse);
    let mut device = MbimDevice::new(card, faults);
    let task = tokio::spawn(async move {
        let _keep_open = slave;
        let mut buf = vec![0u8; 8192];
        while let Ok(n) = master.read(&mut buf).await {
            for message in device.feed(&buf[..n]) {
                if master.write_all(&message).await.is_err() {
                    return;
                }
            }
        }
    });
    (link, task)
}

/// An ES10 command for the echo applet in one STORE DATA block.
fn store_data(payload: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x80, 0xE2, 0x91, 0x00, payload.len() as u8];
    apdu.extend_from_slice(payload);
    apdu
}

#[tokio::test]
async fn apdus_go_through_and_61xx_comes_back_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let (link, _task) = simulated(dir.path(), MbimFaults::default());
    let mut card = MbimChannel::connect(&link, ProxyUse::Never).await.unwrap();
    let channel = card.open_channel(&ISDR, WAIT).await.unwrap();
    let answer = card
        .transmit(channel, &store_data(&[0xBF, 0x3E, 0x00]), WAIT)
        .await
        .unwrap();
    // The T=0 card's "61 03": the session, not the transport, fetches the data.
    assert_eq!(answer.sw, StatusWord(0x6103));
    let data = card
        .transmit(channel, &[0x80, 0xC0, 0x00, 0x00, 0x03], WAIT)
        .await
        .unwrap();
    assert_eq!(
        (data.data.as_slice(), data.sw),
        (&[0xBF, 0x3E, 0x00][..], StatusWord::OK)
    );
    card.close_channel(channel, WAIT).await.unwrap();
    assert!(matches!(
        card.transmit(channel, &store_data(&[0x01]), WAIT).await,
        Err(ApduError::Card(CardError::ChannelLost))
    ));
}

#[tokio::test]
async fn a_card_reset_after_refresh_loses_the_channel_and_a_new_one_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (link, _task) = simulated(dir.path(), MbimFaults::default());
    let mut card = MbimChannel::connect(&link, ProxyUse::Never).await.unwrap();
    let channel = card.open_channel(&ISDR, WAIT).await.unwrap();
    // The echo applet resets the card after a command starting FF (as an enable's REFRESH does).
    let refresh = card
        .transmit(channel, &store_data(&[0xFF, 0x01]), WAIT)
        .await
        .unwrap();
    let pending = refresh.sw.sw2();
    card.transmit(channel, &[0x80, 0xC0, 0x00, 0x00, pending], WAIT)
        .await
        .unwrap();
    assert!(matches!(
        card.transmit(channel, &store_data(&[0x01]), WAIT).await,
        Err(ApduError::Card(CardError::ChannelLost))
    ));
    let again = card.open_channel(&ISDR, WAIT).await.unwrap();
    assert!(
        card.transmit(again, &store_data(&[0x01]), WAIT)
            .await
            .is_ok()
    );
}

/// A real `mbim-proxy`, killed on drop.
struct Proxy(Child);

impl Proxy {
    async fn start() -> Self {
        let child = Command::new(PROXY_BINARY)
            .args(["--verbose", "--no-exit"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mbim-proxy");
        wait_for(proxy_listening, "mbim-proxy to listen").await;
        Self(child)
    }

    async fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        wait_for(|| !proxy_listening(), "mbim-proxy to go").await;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn proxy_listening() -> bool {
    std::fs::read_to_string("/proc/net/unix")
        .unwrap_or_default()
        .lines()
        .any(|line| line.ends_with(" @mbim-proxy"))
}

async fn wait_for(condition: impl Fn() -> bool, what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_proxy_restart_mid_session_loses_the_channel_and_the_session_reconnects() {
    if !Path::new(PROXY_BINARY).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have {PROXY_BINARY} (Debian: libmbim-proxy)"
        );
        eprintln!("skipped: {PROXY_BINARY} is missing (Debian: libmbim-proxy)");
        return;
    }
    // Another proxy on the machine (not ours) leaves once its last client has gone.
    wait_for(|| !proxy_listening(), "another mbim-proxy to leave").await;
    let dir = tempfile::tempdir().unwrap();
    let (link, _task) = simulated(dir.path(), MbimFaults::default());
    let proxy = Proxy::start().await;
    let mut card = MbimChannel::connect(&link, ProxyUse::Always).await.unwrap();
    let channel = card.open_channel(&ISDR, WAIT).await.unwrap();
    assert!(
        card.transmit(channel, &store_data(&[0x01]), WAIT)
            .await
            .is_ok()
    );

    proxy.kill().await;
    let _proxy = Proxy::start().await;
    assert!(matches!(
        card.transmit(channel, &store_data(&[0x02]), WAIT).await,
        Err(ApduError::Card(CardError::ChannelLost))
    ));
    // What the session does next: a new channel, over a new connection to the new proxy. The channel the
    // old connection left open on the card was closed first, so the card gives the same number again.
    let again = card.open_channel(&ISDR, WAIT).await.unwrap();
    assert_eq!(again, channel);
    let channel = again;
    let answer = card
        .transmit(channel, &store_data(&[0x03]), WAIT)
        .await
        .unwrap();
    assert_eq!(answer.sw.sw1(), 0x61);
}

#[tokio::test]
async fn always_without_a_proxy_and_a_missing_device_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("cdc-wdm9");
    let error = MbimChannel::connect(&missing, ProxyUse::Never)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("cdc-wdm9"), "{error}");
    let (link, _task) = simulated(
        dir.path(),
        MbimFaults {
            busy: true,
            ..MbimFaults::default()
        },
    );
    let mut card = MbimChannel::connect(&link, ProxyUse::Never).await.unwrap();
    assert!(matches!(
        card.open_channel(&ISDR, WAIT).await,
        Err(ApduError::Mbim(MbimError::Busy))
    ));
}
