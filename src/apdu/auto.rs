//! `--transport auto`: find out which transport this modem supports by using it.
//!
//! On an AT port, AT+CCHO/CGLA is tried first (the modem keeps the channel in step with its own card
//! traffic), then AT+CSIM with our own MANAGE CHANNEL. On a QMI or MBIM control device (`/dev/cdc-wdm*`),
//! QMI is tried first (through `qmi-proxy` when one runs and `--proxy` allows it), then MBIM. The probe is the
//! real channel open, so it costs nothing once it works; the [`Transport`] then stays on the transport that
//! worked.

use super::ApduError;
use super::cgla::CglaChannel;
use super::channel::CardChannel;
use super::csim::CsimChannel;
use super::mbim::MbimChannel;
use super::qmi::{QmiChannel, QmiError, QmiSlot};
use super::transport::{ProxyUse, Transport};
use crate::modem::Modem;
use std::path::Path;
use std::time::Duration;
use tracing::{debug, info};

/// Opens a channel to `aid` with the first transport that works, and returns that transport and channel.
pub(crate) async fn probe(
    modem: &Modem,
    aid: &[u8],
    timeout: Duration,
) -> Result<(Transport, u8), ApduError> {
    let mut cgla = CglaChannel::new(modem.clone());
    let cgla_error = match cgla.open_channel(aid, timeout).await {
        Ok(channel) => return Ok(chosen(Transport::Cgla(cgla), channel)),
        Err(error) => error,
    };
    debug!(error = %cgla_error, "AT+CCHO does not work here; trying AT+CSIM");
    let mut csim = CsimChannel::new(modem.clone());
    match csim.open_channel(aid, timeout).await {
        Ok(channel) => Ok(chosen(Transport::Csim(csim), channel)),
        Err(csim_error) => Err(ApduError::NoTransport {
            cgla: Box::new(cgla_error),
            csim: Box::new(csim_error),
        }),
    }
}

/// Whether `device` is a QMI or MBIM control device: named `cdc-wdm*`, or a link to one (the name the kernel's
/// cdc-wdm driver gives them).
pub(crate) fn is_control_device(device: &Path) -> bool {
    let named = |path: &Path| {
        path.file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("cdc-wdm"))
    };
    named(device) || std::fs::canonicalize(device).is_ok_and(|path| named(&path))
}

/// Opens a channel to `aid` on the control device `device` with the first protocol that works, QMI (on the
/// card in `slot`) then MBIM, and returns that transport and channel. MBIM is not tried for a slot other
/// than the first: it cannot choose one.
pub(crate) async fn probe_control_device(
    device: &Path,
    proxy: ProxyUse,
    slot: QmiSlot,
    aid: &[u8],
    timeout: Duration,
) -> Result<(Transport, u8), ApduError> {
    let mut qmi = QmiChannel::new(device, proxy, slot);
    let qmi_error = match qmi.open_channel(aid, timeout).await {
        Ok(channel) => return Ok(chosen(Transport::Qmi(qmi), channel)),
        Err(error) => error,
    };
    // Closed before MBIM opens the device: a control device serves one protocol at a time.
    drop(qmi);
    if slot != QmiSlot::FIRST {
        return Err(match qmi_error {
            // QMI works here; the card is the problem.
            ApduError::Qmi(error)
                if matches!(*error, QmiError::NoCard { .. } | QmiError::NoIsdr { .. }) =>
            {
                ApduError::Qmi(error)
            }
            ApduError::Card(error) => ApduError::Card(error),
            qmi => ApduError::SlotNeedsQmi {
                slot,
                qmi: Box::new(qmi),
            },
        });
    }
    debug!(error = %qmi_error, "QMI does not work here; trying MBIM");
    let mut mbim = MbimChannel::new(device, proxy);
    match mbim.open_channel(aid, timeout).await {
        Ok(channel) => Ok(chosen(Transport::Mbim(mbim), channel)),
        Err(mbim_error) => Err(ApduError::NoControlTransport {
            qmi: Box::new(qmi_error),
            mbim: Box::new(mbim_error),
        }),
    }
}

fn chosen(transport: Transport, channel: u8) -> (Transport, u8) {
    info!(transport = transport.name(), "APDU transport chosen");
    (transport, channel)
}
