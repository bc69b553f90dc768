//! `euiccd bench`: the benchmark scenarios over the simulated modem, or a real modem with `--device`
//! (see [`crate::bench`]).

use std::path::PathBuf;

use super::parser::{Command, Matches, Opt, UsageError};
use super::target::{TargetArgs, runtime};
use super::{Failure, outln};
use crate::bench::{self, Scenario};
use anyhow::anyhow;

/// Options of `bench`. The link speed is the global `--baud`; `--device` measures a real modem. A build
/// without the simulators parses the same options (one `--help` for every build) and reads only `serve`.
#[derive(Debug)]
#[cfg_attr(not(feature = "sim"), allow(dead_code))]
pub(crate) struct BenchArgs {
    /// `--scenario`: the scenarios to run (all when none).
    pub(crate) scenarios: Vec<Scenario>,
    /// Extra latency of the simulated modem before every answer, ms.
    pub(crate) latency_ms: u64,
    /// Round-trip time of the network to the SM-DP+ and eIM, ms.
    pub(crate) net_rtt_ms: u64,
    /// Throughput of that network each way, kbit/s (0: unlimited).
    pub(crate) net_kbps: u32,
    /// A NAT on that network forgets flows idle this long, s (0: no NAT).
    pub(crate) nat_idle_secs: u64,
    /// The simulated eIM keeps its TLS sessions and issues tickets that name them.
    pub(crate) stateful_tickets: bool,
    /// The internal `bench serve`.
    pub(crate) serve: Option<BenchServe>,
}

/// The world a simulated scenario runs against, in a child process (internal).
#[derive(Debug)]
pub(crate) enum BenchServe {
    /// Serve the simulated modem, eUICC, SM-DP+ and eIM for one scenario (used by `bench` itself).
    Serve(ServeArgs),
}

/// Options of `bench serve`.
#[derive(Debug)]
// Read by the simulated world only: a build without the simulators parses them and refuses the command.
#[cfg_attr(not(feature = "sim"), allow(dead_code))]
pub(crate) struct ServeArgs {
    /// Scratch directory (test PKI, eUICC state, PTY link).
    pub(crate) dir: PathBuf,
    /// Size of the SM-DP+'s profile package.
    pub(crate) profile_bytes: usize,
    /// UART pacing, bit/s.
    pub(crate) baud: u32,
    /// Extra latency before every modem answer, ms.
    pub(crate) latency_ms: u64,
    /// Queue an enable package at the eIM.
    pub(crate) enable_package: bool,
    /// Simulate an MBIM modem (UICC low-level access) instead of an AT one.
    pub(crate) mbim: bool,
    /// Serve the simulated QMI device instead of the AT modem.
    pub(crate) qmi: bool,
    /// The eIM issues stateful TLS session tickets.
    pub(crate) stateful_tickets: bool,
}

/// `euiccd bench`.
pub(crate) const COMMAND: Command = Command {
    opts: &[&[
        Opt::value(
            "scenario",
            "NAME",
            "A scenario to run (repeat; all when none): download_20k, download_100k, eim_enable, idle_poll, qmi_info, qmi_download_20k.",
        )
        .many(),
        Opt::value(
            "latency-ms",
            "LATENCY_MS",
            "Extra latency of the simulated modem before every answer, ms.",
        )
        .default("0"),
        Opt::value(
            "net-rtt-ms",
            "NET_RTT_MS",
            "Round-trip time of the network to the SM-DP+ and eIM (a loopback proxy), ms.",
        )
        .default("0"),
        Opt::value(
            "net-kbps",
            "NET_KBPS",
            "Throughput of that network each way, kbit/s (0: unlimited).",
        )
        .default("0"),
        Opt::value(
            "nat-idle-secs",
            "NAT_IDLE_SECS",
            "A NAT on that network forgets flows idle this long, s (0: no NAT); idle_poll then waits longer than this before its last poll.",
        )
        .default("0"),
        Opt::flag(
            "stateful-tickets",
            "The simulated eIM keeps its TLS sessions and issues 32-byte tickets naming them (nginx's `ssl_session_tickets off`), instead of sealing each session into its ticket.",
        ),
    ]],
    subcommands: &[&Command {
        opts: &[&[
            Opt::value(
                "dir",
                "DIR",
                "Scratch directory (test PKI, eUICC state, PTY link).",
            )
            .required(),
            Opt::value(
                "profile-bytes",
                "PROFILE_BYTES",
                "Size of the SM-DP+'s profile package.",
            )
            .required(),
            Opt::value("baud", "BAUD", "UART pacing, bit/s.").required(),
            Opt::value(
                "latency-ms",
                "LATENCY_MS",
                "Extra latency before every modem answer, ms.",
            )
            .default("0"),
            Opt::flag("enable-package", "Queue an enable package at the eIM."),
            Opt::flag(
                "mbim",
                "Simulate an MBIM modem (UICC low-level access) instead of an AT one.",
            ),
            Opt::flag(
                "qmi",
                "Serve the simulated QMI device instead of the AT modem.",
            ),
            Opt::flag(
                "stateful-tickets",
                "The eIM issues stateful TLS session tickets.",
            ),
        ]],
        hidden: true,
        ..Command::new(
            "serve",
            "Serve the simulated modem, eUICC, SM-DP+ and eIM for one scenario (used by `bench` itself).",
        )
    }],
    ..Command::new(
        "bench",
        "Measure downloads and eIM polls over a paced simulated modem link, or a real modem (--device).",
    )
};

impl BenchArgs {
    /// The options and subcommand [`COMMAND`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        let serve = match m.subcommand() {
            Some(sub) => Some(BenchServe::Serve(ServeArgs {
                dir: sub.needed_path("dir")?,
                profile_bytes: sub.needed("profile-bytes")?,
                baud: sub.needed("baud")?,
                latency_ms: sub.needed("latency-ms")?,
                enable_package: sub.flag("enable-package"),
                mbim: sub.flag("mbim"),
                qmi: sub.flag("qmi"),
                stateful_tickets: sub.flag("stateful-tickets"),
            })),
            None => None,
        };
        Ok(Self {
            scenarios: m.values("scenario")?,
            latency_ms: m.needed("latency-ms")?,
            net_rtt_ms: m.needed("net-rtt-ms")?,
            net_kbps: m.needed("net-kbps")?,
            nat_idle_secs: m.needed("nat-idle-secs")?,
            stateful_tickets: m.flag("stateful-tickets"),
            serve,
        })
    }
}

/// Runs `bench`.
pub(crate) fn run(target: &TargetArgs, args: BenchArgs, json: bool) -> Result<(), Failure> {
    if let Some(BenchServe::Serve(serve)) = args.serve {
        return serve_world(serve);
    }
    if target.device.is_some() {
        return device(target, json);
    }
    simulated(target, &args, json)
}

/// The simulated scenarios, each in a process of its own (one runs in this process).
#[cfg(feature = "sim")]
fn simulated(target: &TargetArgs, args: &BenchArgs, json: bool) -> Result<(), Failure> {
    if target.baud == 0 {
        return Err(Failure::input(anyhow!("--baud must be above 0")));
    }
    let options = bench::SimOptions {
        baud: target.baud,
        latency_ms: args.latency_ms,
        net: bench::NetOptions {
            rtt_ms: args.net_rtt_ms,
            kbps: args.net_kbps,
            nat_idle_secs: args.nat_idle_secs,
        },
        stateful_tickets: args.stateful_tickets,
        exe: std::env::current_exe()?,
    };
    let figures = match args.scenarios.as_slice() {
        [one] => vec![bench::run_scenario(*one, &options)?],
        [] => bench::run_each(&Scenario::ALL, &options)?,
        many => bench::run_each(many, &options)?,
    };
    if json {
        for f in &figures {
            outln!("{}", serde_json::to_string(f)?)?;
        }
        Ok(())
    } else {
        super::output::print(&bench::table(&figures))
    }
}

/// Without the simulators only `--device` can be measured: refused before any work.
#[cfg(not(feature = "sim"))]
fn simulated(_: &TargetArgs, _: &BenchArgs, _: bool) -> Result<(), Failure> {
    Err(Failure::input(anyhow!(
        "this build has no simulator (cargo feature `sim`); use --device"
    )))
}

#[cfg(feature = "sim")]
fn serve_world(args: ServeArgs) -> Result<(), Failure> {
    super::logging::init();
    bench::world::serve(bench::world::WorldConfig {
        dir: args.dir,
        profile_bytes: args.profile_bytes,
        baud: Some(args.baud),
        latency: std::time::Duration::from_millis(args.latency_ms),
        enable_package: args.enable_package,
        mbim: args.mbim,
        qmi: args.qmi,
        eim_tickets: euiccd_sim::eim::server::SessionTickets::stateful_if(args.stateful_tickets),
    })?;
    Ok(())
}

#[cfg(not(feature = "sim"))]
fn serve_world(_: ServeArgs) -> Result<(), Failure> {
    Err(Failure::input(anyhow!(
        "this build has no simulator (cargo feature `sim`)"
    )))
}

fn device(target: &TargetArgs, json: bool) -> Result<(), Failure> {
    super::logging::init();
    let figures = runtime()?.block_on(async {
        let transport = target.connect()?;
        Ok::<_, Failure>(bench::device::measure(transport, target.baud).await?)
    })?;
    if json {
        outln!("{}", serde_json::to_string(&figures)?)
    } else {
        outln!(
            "transport {}  baud {}  apdus {}\nGetEID round trip: {:.1} ms (link bound {:.1} ms)\n\
             GetEUICCInfo1: {:.0} APDU bytes/s, {:.0} AT bytes/s of {:.0} the line carries\n\
             wall {:.3} s, cpu {:.3} s, peak RSS {} KiB",
            figures.transport,
            figures.baud,
            figures.apdus,
            figures.rtt_ms,
            figures.rtt_bound_ms,
            figures.apdu_bytes_per_s,
            figures.link_min_bytes_per_s,
            figures.line_bytes_per_s,
            figures.wall_s,
            figures.cpu_s,
            figures.peak_rss_kib
        )
    }
}
