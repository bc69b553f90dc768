//! The options that say which card to talk to (`--device`, `--baud`, `--transport`, `--sim`), shared by
//! every command that reaches the eUICC.

use super::Failure;
use crate::apdu::{SessionConfig, Transport, TransportKind};
use crate::modem::Modem;
use anyhow::anyhow;
use clap::Args;
use std::path::PathBuf;

/// Which card to talk to, and how.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The modem's AT port, e.g. /dev/ttyUSB2 (with --transport pcsc: part of the reader's name).
    #[arg(long)]
    pub device: Option<PathBuf>,
    /// Serial line speed of the AT port.
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// How APDUs reach the card: auto, csim, cgla or pcsc.
    #[arg(long, default_value_t = TransportKind::Auto)]
    pub transport: TransportKind,
    /// Use the simulated eUICC in this process instead of a modem.
    #[arg(long, conflicts_with = "device")]
    pub sim: bool,
    /// STORE DATA block size, 6 to 255 (smaller helps cards that answer 66 01 and modems with short lines).
    #[arg(long, default_value_t = 255)]
    pub block_size: usize,
}

impl TargetArgs {
    /// The transport these options describe. Must run inside the tokio runtime (the AT engine is a task).
    pub fn connect(&self) -> Result<Transport, Failure> {
        if self.sim {
            return simulated();
        }
        if self.transport == TransportKind::Pcsc {
            return pcsc(self.device.as_ref());
        }
        let device = self.device.as_ref().ok_or_else(|| {
            Failure::input(anyhow!(
                "say which modem port to use with --device PATH (or use --sim)"
            ))
        })?;
        Ok(Transport::over_modem(
            self.transport,
            Modem::open_serial(device, self.baud),
        )?)
    }

    /// The session settings these options describe.
    pub fn session_config(&self) -> SessionConfig {
        SessionConfig {
            block_size: self.block_size,
            ..SessionConfig::default()
        }
    }
}

/// A current-thread tokio runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

#[cfg(feature = "sim")]
fn simulated() -> Result<Transport, Failure> {
    use crate::apdu::inprocess::InProcessChannel;
    use crate::sim::card::{ResponseMode, SimCard};
    use crate::sim::minimal_isdr::MinimalIsdr;
    let card = SimCard::new(
        Box::new(MinimalIsdr::default()) as Box<_>,
        ResponseMode::GetResponse,
    );
    Ok(Transport::InProcess(InProcessChannel::new(card)))
}

#[cfg(not(feature = "sim"))]
fn simulated() -> Result<Transport, Failure> {
    Err(Failure::input(anyhow!(
        "this build has no simulator (cargo feature `sim`)"
    )))
}

#[cfg(feature = "pcsc")]
fn pcsc(reader: Option<&PathBuf>) -> Result<Transport, Failure> {
    let reader = reader.map(|r| r.to_string_lossy().into_owned());
    Ok(Transport::Pcsc(crate::apdu::pcsc::PcscChannel::connect(
        reader.as_deref(),
    )?))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc(_reader: Option<&PathBuf>) -> Result<Transport, Failure> {
    Err(Failure::input(anyhow!(
        "this build has no PC/SC support (cargo feature `pcsc`)"
    )))
}
