//! `euiccd sim`: the simulated modem for tests, demos, benchmarks and users without hardware.

use super::Failure;
use super::target::runtime;
use crate::sim::minimal_isdr::MinimalIsdr;
use crate::sim::modem::quirks::QUIRKS;
use crate::sim::modem::{Quirks, ServerConfig, serve};
use anyhow::anyhow;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// The `sim` subcommands.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Answer AT commands like a modem with an eUICC, on a pseudo-terminal linked at --pty-link.
    ///
    /// SIGUSR1 prints the link counters as a JSON line on stdout; SIGINT/SIGTERM print them and stop.
    Serve(ServeArgs),
    /// List the quirks `serve --quirk` can switch on.
    Quirks,
}

/// Options of `sim serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to link the terminal device (e.g. /tmp/ttySIM); the host opens this path.
    #[arg(long)]
    pub pty_link: PathBuf,
    /// A real modem behaviour to reproduce (repeat, or separate with commas); see `euiccd sim quirks`.
    #[arg(long = "quirk", value_delimiter = ',')]
    pub quirks: Vec<String>,
    /// Pace bytes as a UART at this speed (bit/s, 8N1); unpaced without it.
    #[arg(long)]
    pub baud: Option<u32>,
    /// Extra latency before every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// The simulated eUICC's EID (32 hex digits).
    #[arg(long)]
    pub eid: Option<String>,
}

/// Runs a `sim` subcommand.
pub fn run(command: SimCommand) -> Result<(), Failure> {
    match command {
        SimCommand::Quirks => {
            for (name, what) in QUIRKS {
                println!("{name:20} {what}");
            }
            Ok(())
        }
        SimCommand::Serve(args) => {
            super::logging::init();
            let config = server_config(args)?;
            runtime()?.block_on(serve(config))?;
            Ok(())
        }
    }
}

fn server_config(args: ServeArgs) -> Result<ServerConfig, Failure> {
    let mut quirks = Quirks::default();
    for name in &args.quirks {
        quirks
            .enable(name)
            .map_err(|e| Failure::input(anyhow!(e)))?;
    }
    let eid = match args.eid {
        None => MinimalIsdr::DEFAULT_EID,
        Some(hex) => hex::decode(&hex)
            .ok()
            .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
            .ok_or_else(|| Failure::input(anyhow!("--eid takes 32 hex digits, not {hex:?}")))?,
    };
    if args.baud == Some(0) {
        return Err(Failure::input(anyhow!("--baud must be above 0")));
    }
    Ok(ServerConfig {
        link: args.pty_link,
        quirks,
        baud: args.baud,
        latency: Duration::from_millis(args.latency_ms),
        eid,
    })
}
