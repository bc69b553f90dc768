//! `euiccd profiles`: list the installed profiles; enable, disable, delete or rename one (ES10c).

use super::Failure;
use super::card::{failure, with_euicc, with_modem_inhibited};
use super::control::through_daemon;
use super::info::code_name;
use super::output::{Report, Table, emit, fields, or_dash};
use super::target::TargetArgs;
use crate::apdu::CardChannel;
use crate::daemon::control::Request;
use crate::euicc::{Euicc, EuiccError};
use clap::{Args, Subcommand};
use euicc_asn1::Iccid;
use euicc_asn1::types::sgp22::{ProfileInfo, codes};
use serde::{Deserialize, Serialize};

/// `profiles [ACTION]`.
#[derive(Debug, Args)]
pub(crate) struct ProfilesArgs {
    /// Without an action: list the profiles.
    #[command(subcommand)]
    pub(crate) action: Option<ProfilesAction>,
}

/// What to do with one profile.
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum ProfilesAction {
    /// Enable a profile (ES10c.EnableProfile).
    Enable {
        /// The profile's ICCID (18 to 20 digits).
        iccid: Iccid,
        /// Do not ask the eUICC to REFRESH the device afterwards.
        #[arg(long)]
        no_refresh: bool,
    },
    /// Disable the enabled profile (ES10c.DisableProfile).
    Disable {
        /// The profile's ICCID.
        iccid: Iccid,
        /// Do not ask the eUICC to REFRESH the device afterwards.
        #[arg(long)]
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
