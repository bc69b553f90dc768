//! `euiccd demo`: a fleet operator's day on one simulated device, with no hardware and no configuration.
//!
//! One process runs the simulated modem on a real PTY (with the simulated eUICC behind it), a simulated
//! SM-DP+ and a simulated eIM on loopback HTTPS under a test PKI made at start ([`world`]), and the real
//! agent against them over the PTY: the same code paths as on a gateway ([`day`]). The device associates its
//! eIM (AddInitialEim from configuration); the eIM triggers a download (relayed by the eIM: indirect
//! download) and enables the new profile with rollback permitted; the agent checks the network registration
//! on the modem; the eIM audits the device and deletes the old profile. Each step is printed as it ends;
//! `--json` prints one JSON object per step and a summary.

mod day;
mod world;

use super::target::runtime;
use super::{Failure, outln};
use crate::euicc::enabled_iccid;
use anyhow::anyhow;
use day::{Action, Day};
use serde::Serialize;
use std::time::Instant;
use world::{DemoDir, World};

/// Options of `demo` (none).
#[derive(Debug)]
pub(crate) struct DemoArgs {}

/// `euiccd demo`.
pub(crate) const COMMAND: super::parser::Command = super::parser::Command::new(
    "demo",
    "A fleet operator's day on a simulated device: the simulated modem (on a PTY), eUICC, SM-DP+ and eIM in this process and the real agent against them; no hardware, no configuration.",
);

/// One step of the day, as printed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    step: &'static str,
    ok: bool,
    /// Milliseconds the step took.
    ms: u128,
    /// What happened, in a sentence.
    detail: String,
}

/// The end of the day.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    steps: usize,
    ok: usize,
    total_ms: u128,
    eid: String,
    enabled_profile: Option<String>,
    profiles: usize,
}

/// Runs `demo`.
pub(crate) fn run(_args: DemoArgs, json: bool) -> Result<(), Failure> {
    super::logging::init();
    let dir = DemoDir::create()?;
    runtime()?.block_on(async {
        let started = Instant::now();
        let mut day = Day::new(World::start(&dir.0).await?).map_err(Failure::input)?;
        let outcome = live(&mut day, started, json).await;
        day.world.stop().await;
        outcome
    })
}

/// The day's steps, then the summary; the first failed step ends the day.
async fn live(day: &mut Day, started: Instant, json: bool) -> Result<(), Failure> {
    if !json {
        outln!(
            "euiccd demo: simulated modem on a PTY, eUICC, SM-DP+ and eIM on loopback; the real agent\n"
        )?;
    }
    let mut steps = Vec::new();
    for action in Action::DAY {
        let begun = Instant::now();
        let outcome = day.perform(action).await;
        let step = Step {
            step: action.name(),
            ok: outcome.is_ok(),
            ms: begun.elapsed().as_millis(),
            detail: outcome.unwrap_or_else(|error| format!("{error:#}")),
        };
        print_step(&step, started, json)?;
        let ok = step.ok;
        steps.push(step);
        if !ok {
            break;
        }
    }
    let profiles = day.profiles().await?;
    let summary = Summary {
        steps: steps.len(),
        ok: steps.iter().filter(|s| s.ok).count(),
        total_ms: started.elapsed().as_millis(),
        eid: day.world.eid.to_string(),
        enabled_profile: enabled_iccid(&profiles).map(|i| i.digits()),
        profiles: profiles.len(),
    };
    if json {
        outln!("{}", serde_json::json!({ "summary": summary }))?;
    } else {
        outln!(
            "\n{} of {} steps ok in {:.2} s; enabled profile {}, {} profile(s) on the eUICC {}",
            summary.ok,
            Action::DAY.len(),
            summary.total_ms as f64 / 1000.0,
            summary.enabled_profile.as_deref().unwrap_or("none"),
            summary.profiles,
            summary.eid,
        )?;
    }
    match summary.ok == Action::DAY.len() {
        true => Ok(()),
        false => Err(anyhow!("the demo stopped at a failed step").into()),
    }
}

/// Prints a finished step: a JSON line, or a line with the time since the start.
fn print_step(step: &Step, started: Instant, json: bool) -> Result<(), Failure> {
    if json {
        outln!("{}", serde_json::to_string(step)?)
    } else {
        let at = started.elapsed().as_secs_f64();
        let mark = if step.ok { "ok" } else { "FAILED" };
        outln!(
            "[{at:6.2} s] {:<10} {mark:<6} {} ({} ms)",
            step.step,
            step.detail,
            step.ms
        )
    }
}
