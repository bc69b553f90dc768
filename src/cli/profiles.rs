//! `euiccd profiles`: list the installed profiles; enable, disable, delete or rename one (ES10c).

use super::Failure;
use super::card::{failure, with_euicc, with_modem_inhibited};
use super::control::through_daemon;
use super::info::code_name;
use super::output::{Report, Table, emit, fields, or_dash};
use super::parser::{Arg, Command, Matches, Opt, UsageError};
use super::target::TargetArgs;
use crate::apdu::CardChannel;
use crate::daemon::control::Request;
use crate::euicc::{Euicc, EuiccError};
use euicc_asn1::Iccid;
use euicc_asn1::types::sgp22::{ProfileInfo, codes};
use serde::{Deserialize, Serialize};

/// `profiles [ACTION]`.
#[derive(Debug)]
pub(crate) struct ProfilesArgs {
    /// Without an action: list the profiles.
    pub(crate) action: Option<ProfilesAction>,
}

/// What to do with one profile.
#[derive(Debug, Clone)]
pub(crate) enum ProfilesAction {
    /// Enable a profile (ES10c.EnableProfile).
    Enable {
        /// The profile's ICCID (18 to 20 digits).
        iccid: Iccid,
        /// Do not ask the eUICC to REFRESH the device afterwards.
        no_refresh: bool,
    },
    /// Disable the enabled profile (ES10c.DisableProfile).
    Disable {
        /// The profile's ICCID.
        iccid: Iccid,
        /// Do not ask the eUICC to REFRESH the device afterwards.
        no_refresh: bool,
    },
    /// Delete a disabled profile (ES10c.DeleteProfile).
    Delete {
        /// The profile's ICCID.
        iccid: Iccid,
    },
    /// Set a profile's nickname (ES10c.SetNickname).
    Nickname {
        /// The profile's ICCID.
        iccid: Iccid,
        /// The new nickname (up to 64 bytes; empty removes it).
        name: String,
    },
}

/// A profile action's `<ICCID>`.
const ICCID: Arg = Arg {
    name: "ICCID",
    help: "The profile's ICCID (18 to 20 digits).",
    many: false,
};

/// `--no-refresh` of `enable` and `disable`.
const NO_REFRESH: &[Opt] = &[Opt::flag(
    "no-refresh",
    "Do not ask the eUICC to REFRESH the device afterwards.",
)];

/// `euiccd profiles`.
pub(crate) const COMMAND: Command = Command {
    subcommands: &[
        &Command {
            opts: &[NO_REFRESH],
            args: &[ICCID],
            ..Command::new("enable", "Enable a profile (ES10c.EnableProfile).")
        },
        &Command {
            opts: &[NO_REFRESH],
            args: &[ICCID],
            ..Command::new(
                "disable",
                "Disable the enabled profile (ES10c.DisableProfile).",
            )
        },
        &Command {
            args: &[ICCID],
            ..Command::new("delete", "Delete a disabled profile (ES10c.DeleteProfile).")
        },
        &Command {
            args: &[
                ICCID,
                Arg {
                    name: "NAME",
                    help: "The new nickname (up to 64 bytes; empty removes it).",
                    many: false,
                },
            ],
            ..Command::new("nickname", "Set a profile's nickname (ES10c.SetNickname).")
        },
    ],
    ..Command::new(
        "profiles",
        "List the profiles, or enable, disable, delete or rename one (ES10c).",
    )
};

impl ProfilesArgs {
    /// The action of [`COMMAND`] that `m` (the `profiles` level) chose, if any.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        let Some(sub) = m.subcommand() else {
            return Ok(Self { action: None });
        };
        let action = match sub.name() {
            "enable" => ProfilesAction::Enable {
                iccid: sub.arg(0)?,
                no_refresh: sub.flag("no-refresh"),
            },
            "disable" => ProfilesAction::Disable {
                iccid: sub.arg(0)?,
                no_refresh: sub.flag("no-refresh"),
            },
            "delete" => ProfilesAction::Delete { iccid: sub.arg(0)? },
            "nickname" => ProfilesAction::Nickname {
                iccid: sub.arg(0)?,
                name: sub.arg(1)?,
            },
            _ => return Err(sub.unknown()),
        };
        Ok(Self {
            action: Some(action),
        })
    }
}

/// Runs `profiles`.
pub(crate) fn run(target: &TargetArgs, args: ProfilesArgs, json: bool) -> Result<(), Failure> {
    match args.action {
        None => {
            let list: ProfileList = match through_daemon(target, Request::Profiles)? {
                Some(value) => serde_json::from_value(value)?,
                None => with_euicc(target, async |euicc| list(euicc).await)?,
            };
            emit(&list, json)
        }
        Some(action) => {
            let (iccid, name) = match action {
                // A switch: ModemManager steps aside, and reads the SIM anew afterwards.
                ProfilesAction::Enable { iccid, no_refresh } => {
                    with_modem_inhibited(target, "profile switch", async |euicc| {
                        euicc.enable(iccid, !no_refresh).await.map_err(failure)
                    })
                    .map(|()| (iccid, "enable"))
                }
                ProfilesAction::Disable { iccid, no_refresh } => {
                    with_modem_inhibited(target, "profile switch", async |euicc| {
                        euicc.disable(iccid, !no_refresh).await.map_err(failure)
                    })
                    .map(|()| (iccid, "disable"))
                }
                ProfilesAction::Delete { iccid } => {
                    with_euicc(target, async |euicc| euicc.delete(iccid).await)
                        .map(|()| (iccid, "delete"))
                }
                ProfilesAction::Nickname { iccid, name } => {
                    with_euicc(target, async |euicc| euicc.set_nickname(iccid, &name).await)
                        .map(|()| (iccid, "nickname"))
                }
            }?;
            emit(
                &ActionReport {
                    iccid: iccid.digits(),
                    action: name,
                    result: "ok",
                },
                json,
            )
        }
    }
}

/// What `profiles` shows, read from `euicc`.
pub(super) async fn list<C: CardChannel>(euicc: &mut Euicc<C>) -> Result<ProfileList, EuiccError> {
    let profiles = euicc.profiles(None).await?;
    Ok(ProfileList {
        profiles: profiles.iter().map(ProfileView::from).collect(),
    })
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ProfileList {
    profiles: Vec<ProfileView>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ProfileView {
    iccid: Option<String>,
    isdp_aid: Option<String>,
    state: Option<String>,
    class: Option<String>,
    nickname: Option<String>,
    service_provider_name: Option<String>,
    profile_name: Option<String>,
    fallback_attribute: bool,
    fallback_allowed: bool,
    ecall: bool,
}

impl From<&ProfileInfo> for ProfileView {
    fn from(p: &ProfileInfo) -> Self {
        Self {
            iccid: p.iccid.map(|i| i.digits()),
            isdp_aid: p.isdp_aid.as_ref().map(|a| hex::encode_upper(&a.0)),
            state: p.profile_state.map(|s| code_name(codes::PROFILE_STATE, s)),
            class: p.profile_class.map(|c| code_name(codes::PROFILE_CLASS, c)),
            nickname: p.profile_nickname.clone(),
            service_provider_name: p.service_provider_name.clone(),
            profile_name: p.profile_name.clone(),
            fallback_attribute: p.fallback_attribute,
            fallback_allowed: p.fallback_allowed.unwrap_or(false),
            ecall: p.ecall_indication.unwrap_or(false),
        }
    }
}

impl Report for ProfileList {
    fn human(&self) -> String {
        let mut table = Table::new(&[
            "ICCID", "STATE", "CLASS", "NICKNAME", "SPN", "NAME", "FALLBACK",
        ]);
        for p in &self.profiles {
            let fallback = match (p.fallback_attribute, p.fallback_allowed) {
                (true, _) => "fallback",
                (false, true) => "allowed",
                (false, false) => "-",
            };
            table.row(vec![
                or_dash(p.iccid.as_ref()),
                or_dash(p.state.as_ref()),
                or_dash(p.class.as_ref()),
                or_dash(p.nickname.as_ref()),
                or_dash(p.service_provider_name.as_ref()),
                or_dash(p.profile_name.as_ref()),
                fallback.to_owned(),
            ]);
        }
        table.render("no profiles installed")
    }
}

#[derive(Debug, Serialize)]
struct ActionReport {
    iccid: String,
    action: &'static str,
    result: &'static str,
}

impl Report for ActionReport {
    fn human(&self) -> String {
        fields(&[
            ("ICCID", self.iccid.clone()),
            ("action", self.action.to_owned()),
            ("result", self.result.to_owned()),
        ])
    }
}
