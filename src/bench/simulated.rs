//! The simulated scenarios: each in a process of its own against a simulated world ([`super::world`]), their
//! figures and the table they print. Only a build with the simulators has them; without, `bench` measures a
//! real modem (`--device`, [`super::device`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{BenchError, Scenario, child, scenario};
use crate::remote::wire::WireParts;

/// The figures of one scenario: one JSON line with `--json`, one table row otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Figures {
    /// The scenario's name.
    pub(crate) scenario: String,
    /// Link speed, bit/s (8N1); 0 over QMI (a USB control channel, not a UART).
    pub(crate) baud: u32,
    /// APDUs the agent exchanged.
    pub(crate) apdus: u64,
    /// Bytes the agent wrote to the modem.
    pub(crate) link_bytes_tx: u64,
    /// Bytes the modem wrote to the agent.
    pub(crate) link_bytes_rx: u64,
    /// The least those APDUs need on an AT link ([`link_bound`](super::link_bound)); 0 over QMI.
    pub(crate) link_min_bytes: u64,
    /// `link_min_bytes` on the line at `baud`, seconds.
    pub(crate) link_bound_s: f64,
    /// Wall time of the procedure, seconds.
    pub(crate) wall_s: f64,
    /// The agent's CPU time in the procedure, seconds.
    pub(crate) cpu_s: f64,
    /// The agent's peak resident memory (VmHWM), KiB.
    pub(crate) peak_rss_kib: u64,
    /// The agent's resident memory at the end, KiB.
    pub(crate) rss_kib: u64,
    /// Bytes on the network, both ways, TLS and HTTP included.
    pub(crate) wire_bytes: u64,
    /// TLS handshakes with a certificate exchange.
    pub(crate) tls_full_handshakes: u64,
    /// TLS handshakes that resumed a session.
    pub(crate) tls_resumed_handshakes: u64,
    /// Redundant card traffic found ([`apdu_log::redundant`](super::apdu_log::redundant)); empty when none.
    pub(crate) redundant_apdus: Vec<String>,
    /// What the procedure achieved.
    pub(crate) outcome: String,
    /// `idle_poll`: the bytes of one more poll on the kept-alive connection.
    pub(crate) wire_bytes_keepalive: Option<u64>,
    /// `idle_poll`: the bytes of the first poll, whose connection needed a full handshake.
    pub(crate) wire_bytes_full_handshake: Option<u64>,
    /// `wire_bytes` by direction and part: TLS handshake, session tickets, record framing, HTTP head, body
    /// (how they are told apart and how exactly: [`crate::remote::wire`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) wire_parts: Option<WireParts>,
    /// `idle_poll`: `wire_bytes_keepalive` by direction and part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) wire_parts_keepalive: Option<WireParts>,
    /// `idle_poll`: `wire_bytes_full_handshake` by direction and part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) wire_parts_full_handshake: Option<WireParts>,
    /// The scenarios that reach the eIM: how it let the agent resume TLS, `stateless` (the session sealed
    /// into a ticket) or `stateful` (a 32-byte ticket naming the session it keeps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) eim_tickets: Option<String>,
    /// The size of the euiccd binary that ran the scenario, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) binary_bytes: Option<u64>,
    /// Of `rss_kib`, the anonymous part (`RssAnon`: heap, stacks, relocated data), KiB. The file-backed
    /// rest (the mapped binary) changes little, so `peak_rss_kib - rss_file_kib` is the anonymous peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rss_anon_kib: Option<u64>,
    /// Of `rss_kib`, the file-backed part (`RssFile`: the binary and libraries mapped), KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rss_file_kib: Option<u64>,
}

/// How to run the simulated scenarios.
#[derive(Debug, Clone)]
pub(crate) struct SimOptions {
    /// Link speed the modem paces at, bit/s.
    pub(crate) baud: u32,
    /// Extra modem latency before each answer, ms.
    pub(crate) latency_ms: u64,
    /// The network to the SM-DP+ and eIM.
    pub(crate) net: NetOptions,
    /// The eIM issues stateful TLS session tickets (`--stateful-tickets`).
    pub(crate) stateful_tickets: bool,
    /// The `euiccd` binary that serves the world (this one).
    pub(crate) exe: PathBuf,
}

/// The network between the agent and its servers: a loopback proxy ([`euiccd_sim::link`]) in the agent's
/// process; zero everywhere is a direct connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NetOptions {
    /// Round-trip time, ms.
    pub(crate) rtt_ms: u64,
    /// Throughput each way, kbit/s; 0: unlimited.
    pub(crate) kbps: u32,
    /// A NAT forgets flows idle this long, s; 0: no NAT.
    pub(crate) nat_idle_secs: u64,
}

impl NetOptions {
    /// The command line that gives these options.
    fn args(&self) -> [String; 6] {
        [
            "--net-rtt-ms".to_owned(),
            self.rtt_ms.to_string(),
            "--net-kbps".to_owned(),
            self.kbps.to_string(),
            "--nat-idle-secs".to_owned(),
            self.nat_idle_secs.to_string(),
        ]
    }
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Result<Self, BenchError> {
        let dir = std::env::temp_dir().join(format!("euiccd-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs one scenario in this process against a world in a child process.
pub(crate) fn run_scenario(
    scenario: Scenario,
    options: &SimOptions,
) -> Result<Figures, BenchError> {
    let scratch = Scratch::new(scenario.name())?;
    let mut args = vec![
        "--profile-bytes".to_owned(),
        scenario.profile_bytes().to_string(),
        "--baud".to_owned(),
        options.baud.to_string(),
        "--latency-ms".to_owned(),
        options.latency_ms.to_string(),
    ];
    if scenario == Scenario::EimEnable {
        args.push("--enable-package".to_owned());
    }
    if scenario.over_mbim() {
        args.push("--mbim".to_owned());
    }
    if scenario.over_qmi() {
        args.push("--qmi".to_owned());
    }
    if options.stateful_tickets {
        args.push("--stateful-tickets".to_owned());
    }
    let mut world = child::WorldProcess::start(&options.exe, &scratch.0, &args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(scenario::run(
        scenario,
        &mut world,
        &scratch.0,
        options.baud,
        options.net,
        options.stateful_tickets,
    ))
}

/// Runs each of `scenarios` in a fresh `exe bench --json --scenario S` process and collects its figures.
pub(crate) fn run_each(
    scenarios: &[Scenario],
    options: &SimOptions,
) -> Result<Vec<Figures>, BenchError> {
    scenarios
        .iter()
        .map(|scenario| run_in_child(*scenario, options))
        .collect()
}

fn run_in_child(scenario: Scenario, options: &SimOptions) -> Result<Figures, BenchError> {
    let output = std::process::Command::new(&options.exe)
        .args(["--json", "--baud", &options.baud.to_string(), "bench"])
        .args(["--scenario", scenario.name()])
        .args(["--latency-ms", &options.latency_ms.to_string()])
        .args(options.net.args())
        .args(options.stateful_tickets.then_some("--stateful-tickets"))
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(BenchError::Procedure(format!(
            "{} failed ({})",
            scenario.name(),
            output.status
        )));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.trim())
        .map_err(|e| BenchError::Procedure(format!("{}: unreadable figures: {e}", scenario.name())))
}

/// The figures as a table.
pub(crate) fn table(figures: &[Figures]) -> String {
    let mut out = format!(
        "{:<17} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>8} {:>7} {:>5}  {}\n",
        "scenario",
        "apdus",
        "link_tx",
        "link_rx",
        "link_min",
        "bound_s",
        "wall_s",
        "wall/b",
        "cpu_s",
        "peak_KiB",
        "wire_B",
        "tls",
        "redundant"
    );
    for f in figures {
        let ratio = match f.link_bound_s {
            bound if bound > 0.0 => format!("{:.2}", f.wall_s / bound),
            _ => "-".to_owned(),
        };
        let tls = match (f.tls_full_handshakes, f.tls_resumed_handshakes) {
            (0, 0) => "kept",
            (_, 0) => "full",
            _ => "res",
        };
        out.push_str(&format!(
            "{:<17} {:>6} {:>8} {:>8} {:>8} {:>8.3} {:>8.3} {:>6} {:>7.3} {:>8} {:>7} {:>5}  {}\n",
            f.scenario,
            f.apdus,
            f.link_bytes_tx,
            f.link_bytes_rx,
            f.link_min_bytes,
            f.link_bound_s,
            f.wall_s,
            ratio,
            f.cpu_s,
            f.peak_rss_kib,
            f.wire_bytes,
            tls,
            match f.redundant_apdus.len() {
                0 => "none".to_owned(),
                _ => f.redundant_apdus.join("; "),
            }
        ));
    }
    for f in figures {
        out.push_str(&wire_parts_table(f));
    }
    if let Some(bytes) = figures.iter().find_map(|f| f.binary_bytes) {
        out.push_str(&format!("binary: {bytes} bytes\n"));
    }
    out
}

/// The idle poll's wire bytes by part, one line per connection kind and direction.
fn wire_parts_table(f: &Figures) -> String {
    let polls = [
        ("resumed", f.wire_parts),
        ("kept alive", f.wire_parts_keepalive),
        ("full", f.wire_parts_full_handshake),
    ];
    if f.scenario != Scenario::IdlePoll.name() || f.wire_parts.is_none() {
        return String::new();
    }
    let tickets = f.eim_tickets.as_deref().unwrap_or("stateless");
    let mut out = format!(
        "{:<21} {:>9} {:>7} {:>7} {:>9} {:>5} {:>5} {:>6}  ({tickets} tickets)\n",
        format!("{} wire bytes", f.scenario),
        "handshake",
        "tickets",
        "records",
        "http_head",
        "body",
        "other",
        "total"
    );
    for (name, parts) in polls {
        let Some(parts) = parts else { continue };
        for (direction, p) in [("sent", parts.sent), ("received", parts.received)] {
            out.push_str(&format!(
                "  {:<10} {:<8} {:>9} {:>7} {:>7} {:>9} {:>5} {:>5} {:>6}\n",
                name,
                direction,
                p.handshake,
                p.tickets,
                p.records,
                p.http_head,
                p.http_body,
                p.other,
                p.total()
            ));
        }
    }
    out
}
