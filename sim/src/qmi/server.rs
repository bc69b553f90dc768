//! The simulated QMI device on a real pseudo-terminal: `euiccd sim serve --speak qmi --pty-link PATH`.
//!
//! The terminal side is raw (as the modem server sets it) and linked at PATH, where `qmicli -d PATH
//! --device-open-qmi`, `qmi-proxy` and the IPA open it like a `/dev/cdc-wdm*` device. Each answer frame goes
//! out in one write. SIGUSR1 prints the counters as a JSON line; SIGINT/SIGTERM print them, remove the link
//! and stop.

use super::device::{CardSlot, OtherSlots, QmiCounters, QmiDevice, QmiFaults};
use crate::card::{IsdrApplet, ResponseMode, SimCard};
use crate::modem::server::{Pty, ServerError, io_error, remove_link};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::sleep;

/// Settings of `sim serve --speak qmi`.
#[derive(Debug, Clone)]
pub struct QmiServerConfig {
    /// Where to link the terminal device.
    pub link: PathBuf,
    /// Extra time before each answer.
    pub latency: Duration,
    /// Misbehaviours to reproduce.
    pub faults: QmiFaults,
    /// The slot the eUICC sits in.
    pub euicc_slot: CardSlot,
    /// What the slots before it hold.
    pub other_slots: OtherSlots,
}

fn print_counters(counters: QmiCounters) {
    println!("{}", serde_json::json!({ "sim_qmi": counters }));
}

/// Runs the simulated QMI device with `applet` as the eUICC's ISD-R until SIGINT or SIGTERM, and returns its
/// counters.
pub async fn serve<A: IsdrApplet>(
    config: QmiServerConfig,
    applet: A,
) -> Result<QmiCounters, ServerError> {
    let card = SimCard::new(applet, ResponseMode::GetResponse);
    let mut device = QmiDevice::new(card, config.faults)
        .with_card_in_slot(config.euicc_slot, config.other_slots);
    let result = run(&mut device, &config).await;
    remove_link(&config.link);
    print_counters(device.counters());
    result.map(|()| device.counters())
}

async fn run<A: IsdrApplet>(
    device: &mut QmiDevice<A>,
    config: &QmiServerConfig,
) -> Result<(), ServerError> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io_error("installing SIGINT"))?;
    let mut terminate = signal(SignalKind::terminate()).map_err(io_error("installing SIGTERM"))?;
    let mut report = signal(SignalKind::user_defined1()).map_err(io_error("installing SIGUSR1"))?;
    let mut pty = Pty::open(&config.link)?;
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::select! {
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
            _ = report.recv() => {
                print_counters(device.counters());
                continue;
            }
            read = pty.master.read(&mut buf) => read.map_err(io_error("reading from the host"))?,
        };
        for answer in device.feed(&buf[..n]) {
            if !config.latency.is_zero() {
                sleep(config.latency).await;
            }
            pty.master
                .write_all(&answer)
                .await
                .map_err(io_error("writing to the host"))?;
        }
    }
}
