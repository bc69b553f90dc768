//! `euiccd bench`: how fast and how frugally the agent moves a profile and talks to its eIM over a slow
//! modem link, measured on the agent's real code paths (issue 9).
//!
//! Each scenario runs in a process of its own (the peak RSS is the scenario's) against a simulated world in
//! a child process ([`world`]: the simulated modem on a PTY paced like a UART, the eUICC, an SM-DP+ and an
//! eIM), so the figures are the agent's alone:
//!
//! - `download_20k`, `download_100k`: a direct download of a profile package of that size, from a closed
//!   channel to the installation result delivered, as `euiccd download` does it;
//! - `eim_enable`: one eIM poll that brings an enable package, its result delivered and acknowledged;
//! - `idle_poll`: one poll with no package on a new connection that resumes the TLS session (after a first
//!   poll, `wire_bytes_full_handshake`), and `wire_bytes_keepalive`, one more on the kept-alive connection;
//! - `cold_info`: `euiccd info` from the closed AT port, the lines that open the port in its bound.
//!
//! The card traffic is recorded by the agent ([`apdu_log`]) and checked for redundant APDUs; its minimum
//! cost on the link and the time bound at the baud rate are computed from that record ([`link_bound`]).
//! `--net-rtt-ms`, `--net-kbps` and `--nat-idle-secs` put [`euiccd_sim::link`] between the agent and the
//! SM-DP+ and eIM ([`NetOptions`]).
//! Link bytes are the simulated modem's counters, wire bytes the HTTPS client's ([`crate::remote::wire`], also
//! by direction and part: TLS handshake, session tickets, record framing, HTTP head, body),
//! CPU and memory this process's ([`usage`]). `--device` measures a real modem instead ([`device`]).

pub(crate) mod apdu_log;
#[cfg(feature = "sim")]
mod child;
pub(crate) mod device;
pub(crate) mod link_bound;
#[cfg(feature = "sim")]
mod scenario;
#[cfg(feature = "sim")]
mod simulated;
pub(crate) mod usage;
#[cfg(feature = "sim")]
pub mod world;

#[cfg(feature = "sim")]
pub(crate) use simulated::{Figures, NetOptions, SimOptions, run_each, run_scenario, table};

use std::str::FromStr;

/// A simulated scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// A direct download of a ~20 KB profile.
    Download20k,
    /// A direct download of a ~100 KB profile.
    Download100k,
    /// An eIM enable package with result delivery.
    EimEnable,
    /// One eIM poll with no package, TLS resumed.
    IdlePoll,
    /// What `euiccd info` reads (EID, EUICCInfo1, EUICCInfo2) over AT+CCHO/CGLA.
    Info,
    /// The same over MBIM (the modem simulated as an MBIM function with UICC low-level access).
    MbimInfo,
    /// A direct download of a ~20 KB profile over MBIM.
    MbimDownload20k,
    /// `euiccd info`'s reads (EID, EUICCInfo1, EUICCInfo2) over QMI.
    QmiInfo,
    /// A direct download of a ~20 KB profile over QMI.
    QmiDownload20k,
    /// `euiccd info` from the closed AT port: getting in step, echo off, the transport probe, EID and
    /// EUICCInfo1/2, the channel closed; its bound counts the AT lines of the port's opening too.
    ColdInfo,
}

impl Scenario {
    /// Every scenario, in the order they run.
    pub(crate) const ALL: [Scenario; 10] = [
        Scenario::Download20k,
        Scenario::Download100k,
        Scenario::EimEnable,
        Scenario::IdlePoll,
        Scenario::Info,
        Scenario::MbimInfo,
        Scenario::MbimDownload20k,
        Scenario::QmiInfo,
        Scenario::QmiDownload20k,
        Scenario::ColdInfo,
    ];

    /// The scenario's name in the output and on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Download20k => "download_20k",
            Self::Download100k => "download_100k",
            Self::EimEnable => "eim_enable",
            Self::IdlePoll => "idle_poll",
            Self::Info => "info",
            Self::MbimInfo => "mbim_info",
            Self::MbimDownload20k => "mbim_download_20k",
            Self::QmiInfo => "qmi_info",
            Self::QmiDownload20k => "qmi_download_20k",
            Self::ColdInfo => "cold_info",
        }
    }

    /// Whether the card is reached over MBIM rather than AT+CCHO/CGLA.
    #[cfg(feature = "sim")]
    pub(crate) fn over_mbim(self) -> bool {
        matches!(self, Self::MbimInfo | Self::MbimDownload20k)
    }

    /// True when the card is reached over the simulated QMI device rather than the AT modem.
    #[cfg(feature = "sim")]
    pub(crate) fn over_qmi(self) -> bool {
        matches!(self, Self::QmiInfo | Self::QmiDownload20k)
    }

    /// The size of the SM-DP+'s profile package in this scenario.
    #[cfg(feature = "sim")]
    pub(crate) fn profile_bytes(self) -> usize {
        match self {
            Self::Download100k => 100 * 1024,
            _ => 20 * 1024,
        }
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|s| s.name()).collect();
                format!("unknown scenario {text:?} (one of {})", names.join(", "))
            })
    }
}

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BenchError {
    /// The simulated world failed.
    #[cfg(feature = "sim")]
    #[error("simulated world: {0}")]
    World(String),
    /// The procedure under test failed.
    #[cfg(feature = "sim")]
    #[error("{0}")]
    Procedure(String),
    /// The card link failed.
    #[error(transparent)]
    Apdu(#[from] crate::apdu::ApduError),
    /// An ES10 function failed.
    #[error(transparent)]
    Euicc(#[from] crate::euicc::EuiccError),
    /// An eIM poll failed.
    #[error(transparent)]
    Poll(#[from] crate::agent::eim::PollError),
    /// The TLS configuration failed.
    #[error(transparent)]
    Tls(#[from] crate::remote::tls::TlsError),
    /// An HTTPS address is invalid.
    #[error(transparent)]
    Http(#[from] crate::remote::https::HttpError),
    /// Local I/O (scratch directory, runtime).
    #[error("local I/O failed")]
    Io(#[from] std::io::Error),
}
