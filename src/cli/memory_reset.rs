//! `euiccd memory-reset`: erase profiles or configuration (EuiccMemoryReset), only with `--yes`.

use super::card::with_euicc;
use super::info::code_name;
use super::output::{Report, emit, fields, or_dash};
use super::parser::{Command, Matches, Opt, UsageError};
use super::target::TargetArgs;
use super::{EXIT_INPUT, Failure};
use crate::euicc::{MemoryResetOptions, MemoryResetOutcome};
use anyhow::anyhow;
use euicc_asn1::types::sgp22::codes;
use euicc_asn1::types::sgp32::v1_2::{
    RESET_EIM_RESULT, RESET_IMMEDIATE_ENABLE_CONFIG_RESULT, RESET_RESULT,
};
use serde::Serialize;

/// `memory-reset --what … --yes`.
#[derive(Debug, Clone)]
pub(crate) struct MemoryResetArgs {
    /// `--what`: what to erase.
    pub(crate) what: Vec<ResetWhat>,
    /// `--yes`: confirmed.
    pub(crate) yes: bool,
}

/// `euiccd memory-reset`.
pub(crate) const COMMAND: Command = Command {
    opts: &[&[
        Opt::value(
            "what",
            "WHAT",
            "What to erase (comma-separated or repeated): operational-profiles, field-test-profiles, default-smdp-address, preloaded-test-profiles, provisioning-profiles (both SGP.32 v1.2), eim-config, immediate-enable-config (v1.0: automatic enable).",
        )
        .csv()
        .required(),
        Opt::flag(
            "yes",
            "Confirm: this erases data on the eUICC that cannot be brought back.",
        ),
    ]],
    ..Command::new(
        "memory-reset",
        "Erase profiles or configuration (EuiccMemoryReset); needs --yes.",
    )
};

impl MemoryResetArgs {
    /// The options [`COMMAND`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            what: m.values("what")?,
            yes: m.flag("yes"),
        })
    }
}

/// The names of [`ResetWhat`] on the command line.
const RESET_NAMES: [(&str, ResetWhat); 7] = [
    ("operational-profiles", ResetWhat::OperationalProfiles),
    ("field-test-profiles", ResetWhat::FieldTestProfiles),
    ("default-smdp-address", ResetWhat::DefaultSmdpAddress),
    ("preloaded-test-profiles", ResetWhat::PreloadedTestProfiles),
    ("provisioning-profiles", ResetWhat::ProvisioningProfiles),
    ("eim-config", ResetWhat::EimConfig),
    ("immediate-enable-config", ResetWhat::ImmediateEnableConfig),
];

impl std::str::FromStr for ResetWhat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        RESET_NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, what)| *what)
            .ok_or_else(|| {
                let names: Vec<&str> = RESET_NAMES.iter().map(|(name, _)| *name).collect();
                format!("possible values: {}", names.join(", "))
            })
    }
}

/// The things a memory reset can erase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResetWhat {
    /// Operational profiles.
    OperationalProfiles,
    /// Test profiles loaded in the field.
    FieldTestProfiles,
    /// The default SM-DP+ address.
    DefaultSmdpAddress,
    /// Test profiles loaded at manufacture (SGP.32 v1.2).
    PreloadedTestProfiles,
    /// Provisioning profiles (SGP.32 v1.2).
    ProvisioningProfiles,
    /// The eIM configuration.
    EimConfig,
    /// The immediate (v1.0: automatic) enable configuration.
    ImmediateEnableConfig,
}

/// The options `what` selects.
fn options(what: &[ResetWhat]) -> MemoryResetOptions {
    let has = |w| what.contains(&w);
    MemoryResetOptions {
        delete_operational_profiles: has(ResetWhat::OperationalProfiles),
        delete_field_loaded_test_profiles: has(ResetWhat::FieldTestProfiles),
        reset_default_smdp_address: has(ResetWhat::DefaultSmdpAddress),
        delete_pre_loaded_test_profiles: has(ResetWhat::PreloadedTestProfiles),
        delete_provisioning_profiles: has(ResetWhat::ProvisioningProfiles),
        reset_eim_config: has(ResetWhat::EimConfig),
        reset_immediate_enable_config: has(ResetWhat::ImmediateEnableConfig),
    }
}

/// Runs `memory-reset`.
pub(crate) fn run(target: &TargetArgs, args: MemoryResetArgs, json: bool) -> Result<(), Failure> {
    if !args.yes {
        return Err(Failure {
            error: anyhow!("memory-reset erases data on the eUICC for good; add --yes to go ahead"),
            code: EXIT_INPUT,
        });
    }
    let options = options(&args.what);
    let outcome = with_euicc(target, async |euicc| euicc.memory_reset(options).await)?;
    emit(&ResetReport::from(outcome), json)
}

#[derive(Debug, Serialize)]
struct ResetReport {
    command: &'static str,
    reset_result: String,
    reset_eim_result: Option<String>,
    reset_immediate_enable_config_result: Option<String>,
}

impl From<MemoryResetOutcome> for ResetReport {
    fn from(o: MemoryResetOutcome) -> Self {
        let (command, table) = if o.sgp22_form {
            ("BF34", codes::EUICC_MEMORY_RESET_RESULT)
        } else {
            ("BF64", RESET_RESULT)
        };
        Self {
            command,
            reset_result: code_name(table, o.reset_result),
            reset_eim_result: o.reset_eim_result.map(|c| code_name(RESET_EIM_RESULT, c)),
            reset_immediate_enable_config_result: o
                .reset_immediate_enable_config_result
                .map(|c| code_name(RESET_IMMEDIATE_ENABLE_CONFIG_RESULT, c)),
        }
    }
}

impl Report for ResetReport {
    fn human(&self) -> String {
        fields(&[
            ("command", self.command.to_owned()),
            ("reset result", self.reset_result.clone()),
            ("eIM reset result", or_dash(self.reset_eim_result.as_ref())),
            (
                "immediate enable reset result",
                or_dash(self.reset_immediate_enable_config_result.as_ref()),
            ),
        ])
    }
}
