//! `euiccd bench --device PORT`: what a real modem's APDU path costs, so users can measure their hardware:
//! the round-trip time of one ES10 command (GetEID, one short APDU each way) and the throughput of larger
//! answers (GetEUICCInfo1), with the AT link's lower bound for the same APDUs ([`super::link_bound`], which
//! counts AT+CGLA framing; AT+CSIM needs two characters less per command). Read-only: nothing on the eUICC
//! changes.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::apdu_log::{self, LinkEvent, RecordingChannel};
use super::{BenchError, link_bound, usage};
use crate::apdu::{CardChannel, IsdrSession, SessionConfig, Transport};
use crate::euicc::Euicc;

/// How many times each command is sent.
pub(crate) const ROUNDS: usize = 20;

/// The figures of a real modem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DeviceFigures {
    /// Always `device`.
    pub(crate) scenario: &'static str,
    /// The transport used (`csim`, `cgla`).
    pub(crate) transport: &'static str,
    /// The serial speed configured.
    pub(crate) baud: u32,
    /// APDUs exchanged in the measured rounds.
    pub(crate) apdus: u64,
    /// Median wall time of one GetEID (STORE DATA and its answer), ms.
    pub(crate) rtt_ms: f64,
    /// The AT link's lower bound for one GetEID at `baud`, ms.
    pub(crate) rtt_bound_ms: f64,
    /// APDU bytes (command and response) moved per second with GetEUICCInfo1.
    pub(crate) apdu_bytes_per_s: f64,
    /// The AT bytes those APDUs need at least, per second of wall time (the link's useful rate).
    pub(crate) link_min_bytes_per_s: f64,
    /// The line's own rate at `baud`, 8N1, bytes per second.
    pub(crate) line_bytes_per_s: f64,
    /// Total wall time, seconds.
    pub(crate) wall_s: f64,
    /// The agent's CPU time, seconds.
    pub(crate) cpu_s: f64,
    /// The agent's peak resident memory, KiB.
    pub(crate) peak_rss_kib: u64,
}

/// Measures the modem behind `transport` (already opened on the port at `baud`).
pub(crate) async fn measure(transport: Transport, baud: u32) -> Result<DeviceFigures, BenchError> {
    let (channel, log) = RecordingChannel::new(transport);
    let mut euicc = Euicc::new(IsdrSession::new(channel, SessionConfig::default())?);
    // Opens the channel (and probes the transport) outside the measured rounds.
    euicc.eid().await?;
    apdu_log::take(&log);
    let started = Instant::now();
    let cpu = usage::cpu_seconds();
    let mut rtts = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        euicc.eid().await?;
        rtts.push(t.elapsed());
    }
    let eid_events = apdu_log::take(&log);
    let t = Instant::now();
    for _ in 0..ROUNDS {
        euicc.euicc_info1().await?;
    }
    let info_wall = t.elapsed();
    let info_events = apdu_log::take(&log);
    let transport = euicc.session().card().name();
    euicc.close().await?;
    let wall = started.elapsed();
    rtts.sort();
    let per_second = |bytes: u64, time: Duration| bytes as f64 / time.as_secs_f64().max(1e-9);
    let eid_min = link_bound::link_min_bytes(&eid_events) / ROUNDS as u64;
    Ok(DeviceFigures {
        scenario: "device",
        transport,
        baud,
        apdus: (apdu_log::apdu_count(&eid_events) + apdu_log::apdu_count(&info_events)) as u64,
        rtt_ms: rtts[ROUNDS / 2].as_secs_f64() * 1000.0,
        rtt_bound_ms: link_bound::link_seconds(eid_min, baud) * 1000.0,
        apdu_bytes_per_s: per_second(apdu_bytes(&info_events), info_wall),
        link_min_bytes_per_s: per_second(link_bound::link_min_bytes(&info_events), info_wall),
        line_bytes_per_s: f64::from(baud) / link_bound::BITS_PER_BYTE as f64,
        wall_s: wall.as_secs_f64(),
        cpu_s: usage::cpu_seconds() - cpu,
        peak_rss_kib: usage::rss_kib().map_or(0, |(_, peak)| peak),
    })
}

/// Command and response bytes of the APDUs in `events`.
fn apdu_bytes(events: &[LinkEvent]) -> u64 {
    events
        .iter()
        .map(|e| match e {
            LinkEvent::Apdu {
                command,
                response_len,
                ..
            } => (command.len() + response_len) as u64,
            _ => 0,
        })
        .sum()
}
