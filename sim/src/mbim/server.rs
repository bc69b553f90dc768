//! The simulated MBIM function on a real pseudo-terminal (`euiccd sim serve --speak mbim --pty-link PATH`):
//! the terminal side raw before any host opens it, the link at PATH, and every message written in one
//! write, as a cdc-wdm device delivers them. SIGUSR1 prints the counters as a JSON line; SIGINT/SIGTERM
//! print them, remove the link and stop.

use super::device::{MbimDevice, MbimFaults};
use crate::card::{IsdrApplet, ResponseMode, SimCard};
use crate::modem::interpreter::Counters;
use crate::modem::server::{ServerError, print_counters, remove_link, replace_link};
use std::io::ErrorKind;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::signal::unix::{SignalKind, signal};
use tokio_serial::{SerialPort, SerialStream};
use tracing::{debug, info};

fn io_error(what: &'static str) -> impl FnOnce(std::io::Error) -> ServerError {
    move |source| ServerError::Io {
        what: what.into(),
        source,
    }
}

/// Serves the simulated MBIM function with `applet` as the eUICC's ISD-R at `link` until SIGINT or
/// SIGTERM, and returns its counters.
pub async fn serve<A: IsdrApplet>(
    link: &Path,
    faults: MbimFaults,
    applet: A,
) -> Result<Counters, ServerError> {
    let card = SimCard::new(applet, ResponseMode::GetResponse);
    let mut device = MbimDevice::new(card, faults);
    let result = run(&mut device, link).await;
    remove_link(link);
    print_counters(device.counters());
    result.map(|()| device.counters())
}

async fn run<A: IsdrApplet>(device: &mut MbimDevice<A>, link: &Path) -> Result<(), ServerError> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io_error("installing SIGINT"))?;
    let mut terminate = signal(SignalKind::terminate()).map_err(io_error("installing SIGTERM"))?;
    let mut report = signal(SignalKind::user_defined1()).map_err(io_error("installing SIGUSR1"))?;
    // tokio-serial's pair sets the terminal side raw (no echo, no line discipline) before we link it.
    let (mut master, slave) = SerialStream::pair()?;
    let name = slave.name().ok_or_else(|| {
        io_error("naming the terminal")(std::io::Error::new(
            ErrorKind::NotFound,
            "the PTY has no name",
        ))
    })?;
    replace_link(Path::new(&name), link)?;
    info!(device = name, link = %link.display(), "simulated MBIM modem ready");
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
            _ = report.recv() => {
                print_counters(device.counters());
                continue;
            }
            read = master.read(&mut buf) => read.map_err(io_error("reading from the host"))?,
        };
        if n == 0 {
            device.host_gone();
            continue;
        }
        for message in device.feed(&buf[..n]) {
            debug!(bytes = message.len(), "MBIM answer");
            master
                .write_all(&message)
                .await
                .map_err(io_error("writing to the host"))?;
        }
    }
}
