//! `euiccd status` and `euiccd poll-now`, and the path by which `info` and `profiles` go through a
//! running daemon (which owns the modem port) instead of opening the port themselves.

use super::parser::{Command, Matches, Opt, UsageError};
use super::target::TargetArgs;
use super::{EXIT_INPUT, Failure, outln};
use crate::config::{self, DEFAULT_PATH};
use crate::daemon::control::{self, ControlError, Request};
use crate::daemon::status::Status;
use anyhow::anyhow;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `status` and the inspection commands wait for the daemon (it may be in a poll cycle).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `poll-now` waits: the longest cycle (`poll.cycle_timeout_secs`, 900 by default) and a margin.
const POLL_NOW_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// Where to find the daemon.
#[derive(Debug)]
pub(crate) struct ControlArgs {
    /// `--config`: the daemon's configuration (for its control socket).
    pub(crate) config: Option<PathBuf>,
    /// `--socket`: the control socket.
    pub(crate) socket: Option<PathBuf>,
}

/// The options of [`ControlArgs`].
const OPTIONS: &[Opt] = &[
    Opt::value(
        "config",
        "FILE",
        "The daemon's configuration (for its control socket).",
    ),
    Opt::value(
        "socket",
        "PATH",
        "The control socket (overrides the configuration and EUICCD_CONTROL_SOCKET).",
    ),
];

/// `euiccd status`.
pub(crate) const STATUS: Command = Command {
    opts: &[OPTIONS],
    ..Command::new("status", "Show the running daemon's status.")
};

/// `euiccd poll-now`.
pub(crate) const POLL_NOW: Command = Command {
    opts: &[OPTIONS],
    ..Command::new(
        "poll-now",
        "Make the running daemon poll its eIMs now, and print the outcome.",
    )
};

/// `euiccd events`.
pub(crate) const EVENTS: Command = Command {
    opts: &[
        OPTIONS,
        &[
            Opt::value(
                "state-dir",
                "DIR",
                "When no daemon runs, read the store in this state directory (default: the configuration's).",
            ),
            Opt::value(
                "limit",
                "LIMIT",
                "Show at most this many of the most recent events.",
            )
            .default("50"),
        ],
    ],
    ..Command::new(
        "events",
        "Show the recent network and SMS events (from the running daemon, or its store).",
    )
};

impl ControlArgs {
    /// The options [`STATUS`] and [`POLL_NOW`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Self {
        Self {
            config: m.path("config"),
            socket: m.path("socket"),
        }
    }

    /// The control socket: `--socket`, else the configuration's (with EUICCD_CONTROL_SOCKET applied).
    fn socket(&self) -> Result<PathBuf, Failure> {
        if let Some(socket) = &self.socket {
            return Ok(socket.clone());
        }
        Ok(self.config()?.daemon.control_socket)
    }

    /// The configuration: `--config`, else the default file, else the defaults.
    fn config(&self) -> Result<config::Config, Failure> {
        let config = match &self.config {
            Some(path) => load(path),
            None => configured(),
        };
        config.map_err(Failure::input)
    }
}

/// Options of `euiccd events`.
#[derive(Debug)]
pub(crate) struct EventsArgs {
    /// Where to find the daemon.
    pub(crate) control: ControlArgs,
    /// `--state-dir`: the store to read when no daemon runs.
    pub(crate) state_dir: Option<PathBuf>,
    /// `--limit`: at most this many of the most recent events.
    pub(crate) limit: usize,
}

impl EventsArgs {
    /// The options [`EVENTS`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            control: ControlArgs::from_matches(m),
            state_dir: m.path("state-dir"),
            limit: m.needed("limit")?,
        })
    }
}

/// The default configuration file when it exists, else the defaults; environment overrides applied.
fn configured() -> Result<config::Config, config::ConfigError> {
    let path = Path::new(DEFAULT_PATH);
    match path.exists() {
        true => load(path),
        false => config::parse("", env),
    }
}

fn load(path: &Path) -> Result<config::Config, config::ConfigError> {
    config::load(path, env)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `euiccd status`: the daemon's status as JSON or as a table.
pub(crate) fn status(args: &ControlArgs, json: bool) -> Result<(), Failure> {
    let value = ask(&args.socket()?, Request::Status, ANSWER_TIMEOUT)?;
    let status: Status = serde_json::from_value(value)?;
    super::output::emit(&status, json)
}

/// `euiccd poll-now`: poll the eIMs now and print the outcome.
pub(crate) fn poll_now(args: &ControlArgs, json: bool) -> Result<(), Failure> {
    let outcome = ask(&args.socket()?, Request::PollNow, POLL_NOW_TIMEOUT)?;
    match json {
        true => outln!("{}", serde_json::json!({ "outcome": outcome })),
        false => outln!("{}", outcome.as_str().unwrap_or_default()),
    }
}

/// `euiccd events`: the recent network and SMS events, from the running daemon, or from the store when
/// no daemon runs (the store is the daemon's while it runs).
pub(crate) fn events(args: &EventsArgs, json: bool) -> Result<(), Failure> {
    let socket = args.control.socket()?;
    let events = if socket.exists() {
        ask(&socket, Request::Events, ANSWER_TIMEOUT)?
    } else {
        let state_dir = match &args.state_dir {
            Some(dir) => dir.clone(),
            None => args.control.config()?.daemon.state_dir,
        };
        if !state_dir.join(crate::store::FILE_NAME).exists() {
            return Err(Failure::input(anyhow!(
                "no daemon at {} and no store in {}",
                socket.display(),
                state_dir.display()
            )));
        }
        let store = match crate::store::Store::open(&state_dir) {
            Err(crate::store::StoreError::Corrupt { path, reason }) => {
                return Err(Failure::from(anyhow!(
                    "the store {} is damaged ({reason}); its events are not shown: `euiccd run` \
                     moves it aside and starts a fresh one",
                    path.display()
                )));
            }
            opened => opened.map_err(Failure::from)?,
        };
        control::recent_events(&store).map_err(Failure::from)?
    };
    let all = events.as_array().cloned().unwrap_or_default();
    let recent = &all[all.len().saturating_sub(args.limit)..];
    if json {
        return outln!("{}", Value::Array(recent.to_vec()));
    }
    for item in recent {
        let event = &item["event"];
        outln!(
            "{:>6}  {}  {}  {}",
            item["id"],
            event["time"].as_str().unwrap_or("-"),
            event["type"].as_str().unwrap_or("-"),
            event["subject"].as_str().unwrap_or("-"),
        )?;
    }
    Ok(())
}

/// The daemon's answer to `request` when the command names no card of its own (no `--device`, no
/// `--sim`) and a daemon's control socket exists; `None` otherwise (open the card directly).
pub(crate) fn through_daemon(
    target: &TargetArgs,
    request: Request,
) -> Result<Option<Value>, Failure> {
    if target.device.is_some() || target.sim {
        return Ok(None);
    }
    // No usable configuration: there is no daemon to ask either.
    let Ok(config) = configured() else {
        return Ok(None);
    };
    let socket = config.daemon.control_socket;
    if !socket.exists() {
        return Ok(None);
    }
    ask(&socket, request, ANSWER_TIMEOUT).map(Some)
}

fn ask(socket: &Path, request: Request, timeout: Duration) -> Result<Value, Failure> {
    control::request(socket, request, timeout).map_err(|error| match error {
        ControlError::Io { .. } | ControlError::Daemon(_) => Failure::from(anyhow!(error)),
        other => Failure {
            error: anyhow!(other),
            code: EXIT_INPUT,
        },
    })
}

impl super::output::Report for Status {
    fn human(&self) -> String {
        use super::output::{fields, or_dash};
        fields(&[
            ("version", self.version.clone()),
            ("state", self.state.clone()),
            ("EID", or_dash(self.eid.as_ref())),
            ("enabled profile", or_dash(self.profile.as_ref())),
            ("eIMs", self.eims.join(", ")),
            ("polls", self.polls.to_string()),
            ("last poll (unix)", or_dash(self.last_poll_unix)),
            ("last outcome", or_dash(self.last_outcome.as_ref())),
            ("next poll in (s)", or_dash(self.next_poll_in_secs)),
            (
                "outboxes",
                format!(
                    "{} results, {} notifications on the eUICC, {} events",
                    self.outboxes.results, self.outboxes.notifications, self.outboxes.events
                ),
            ),
            ("unfinished packages", self.journal.to_string()),
            (
                "piling up",
                or_dash((!self.piled_up.is_empty()).then(|| self.piled_up.join("; "))),
            ),
            ("store commits", self.store_commits.to_string()),
            ("clock", self.clock.clone().unwrap_or_else(|| "set".into())),
            (
                "store damage",
                self.store_damage.as_ref().map_or("none".into(), |d| {
                    format!(
                        "found at start: {}; moved to {}; lost: {}",
                        d.reason,
                        d.moved_to.display(),
                        d.lost.join("; ")
                    )
                }),
            ),
        ])
    }
}
