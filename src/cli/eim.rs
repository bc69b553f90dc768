//! `euiccd eim`: the eIM associations of the eUICC (GetEimConfigurationData, AddInitialEim) and one-shot
//! polling of an eIM (`eim poll`: poll cycles until the eIM has nothing more).

use super::card::{exit_code, failure, with_euicc, with_euicc_session};
use super::download::IMEI;
use super::info::code_name;
use super::outln;
use super::output::{Report, Table, emit, or_dash};
use super::parser::{Command, Matches, Opt, UsageError};
use super::remote::{self, RemoteArgs};
use super::target::TargetArgs;
use super::{EXIT_FAILURE, Failure};
use crate::agent::bootstrap::{self, BootstrapError, InitialEim, InitialEimError, KeySource};
use crate::agent::eim::{PollError, PollOutcome, Removal, poll_once};
use crate::agent::indirect::DownloadRoute;
use crate::agent::ipa_data::IpaOwnData;
use crate::agent::journal::MemoryJournal;
use crate::apdu::Transport;
use crate::euicc::{EimConfig, EimKey, Euicc};
use crate::remote::esipa::{EsipaBinding, EsipaClient, Unacknowledged};
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::eim_client_config;
use anyhow::{Context, anyhow};
use euicc_asn1::types::sgp22::codes::CodeTable;
use euicc_asn1::types::sgp32::common::EIM_ID_TYPE;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// Bits of `eimSupportedProtocol`.
const SUPPORTED_PROTOCOL: CodeTable = &[
    (0, "eimRetrieveHttps"),
    (1, "eimRetrieveCoaps"),
    (2, "eimInjectHttps"),
    (3, "eimInjectCoaps"),
    (4, "eimProprietary"),
];

/// `eim list|add-initial|poll`.
#[derive(Debug, Clone)]
pub(crate) enum EimCommand {
    /// List the eIM configurations (GetEimConfigurationData).
    List,
    /// Associate the first eIM (AddInitialEim).
    AddInitial {
        /// `--id`: the eIM's identifier.
        id: String,
        /// `--fqdn`: where the eIM is reached.
        fqdn: String,
        /// `--public-key`: the eIM's package-signing key.
        public_key: PathBuf,
        /// `--counter`: the initial replay counter value.
        counter: Option<i64>,
        /// `--tls-anchor`: the trust anchor of the eIM's TLS server.
        tls_anchor: Option<PathBuf>,
    },
    /// Poll the eIM the eUICC is associated with and carry out what it sends.
    Poll(PollArgs),
}

/// Options of `eim poll`.
#[derive(Debug, Clone)]
pub(crate) struct PollArgs {
    /// `--eim-id`: the eIM to poll; needed when the eUICC has several.
    pub(crate) eim_id: Option<String>,
    /// `--eim-connect`: where to connect instead of the eIM's FQDN.
    pub(crate) eim_connect: Option<String>,
    /// `--eim-ca`: CA certificates to trust for the eIM's TLS server.
    pub(crate) eim_ca: Vec<PathBuf>,
    /// `--binding`: how ESipa messages travel.
    pub(crate) binding: EsipaBinding,
    /// `--admin-protocol`: the `X-Admin-Protocol` header sent to the eIM.
    pub(crate) admin_protocol: Option<String>,
    /// `--download-route`: how triggered downloads reach the SM-DP+.
    pub(crate) download_route: DownloadRoute,
    /// `--unacknowledged`: what to do with results the eIM does not acknowledge.
    pub(crate) unacknowledged: Unacknowledged,
    /// `--max-polls`: stop after this many polls.
    pub(crate) max_polls: u32,
    /// `--imei`: the device's IMEI, reported in DeviceInfo.
    pub(crate) imei: Option<String>,
    /// The SM-DP+ of a download trigger: TLS trust, connection override, and the deadline of every ES9+ and
    /// ESipa request.
    pub(crate) remote: RemoteArgs,
}

/// `euiccd eim`.
pub(crate) const COMMAND: Command = Command {
    subcommands: &[
        &Command::new(
            "list",
            "List the eIM configurations (GetEimConfigurationData).",
        ),
        &Command {
            opts: &[&[
                Opt::value("id", "ID", "The eIM's identifier.").required(),
                Opt::value("fqdn", "FQDN", "Where the eIM is reached: HOST or HOST:PORT.").required(),
                Opt::value(
                    "public-key",
                    "PUBLIC_KEY",
                    "The eIM's package-signing key: a public key or certificate, PEM or DER.",
                )
                .required(),
                Opt::value("counter", "COUNTER", "The initial replay counter value."),
                Opt::value(
                    "tls-anchor",
                    "TLS_ANCHOR",
                    "The trust anchor of the eIM's TLS server: a public key or certificate, PEM or DER.",
                ),
            ]],
            ..Command::new(
                "add-initial",
                "Associate the first eIM (AddInitialEim; initial provisioning only, later changes come signed from an eIM).",
            )
        },
        &Command {
            opts: &[
                &[
                    Opt::value(
                        "eim-id",
                        "ID",
                        "The eIM to poll (its identifier in the eUICC's configuration); needed when the eUICC has several.",
                    ),
                    Opt::value(
                        "eim-connect",
                        "HOST:PORT",
                        "Connect to HOST:PORT instead of the eIM's FQDN; TLS (SNI, certificate name) still uses the FQDN's name (test servers on loopback).",
                    ),
                    Opt::value(
                        "eim-ca",
                        "FILE",
                        "Trust the CA certificates in FILE for the eIM's TLS server (PEM or DER; repeat). With none (and no --system-ca), the TLS anchor the eUICC holds for the eIM (trustedPublicKeyDataTls) is the trust.",
                    )
                    .many(),
                    Opt::value(
                        "binding",
                        "BINDING",
                        "How ESipa messages travel: asn1 (DER, fewest bytes) or json (SGP.32 v1.1 and later eIMs).",
                    )
                    .default("asn1"),
                    Opt::value(
                        "admin-protocol",
                        "VALUE",
                        "The `X-Admin-Protocol` header sent to the eIM (default gsma/rsp/v2.1.0).",
                    ),
                    Opt::value(
                        "download-route",
                        "ROUTE",
                        "How triggered downloads reach the SM-DP+: auto (through the eIM when its configuration announces indirectProfileDownload), direct (ES9+ from here) or indirect (relayed by the eIM over ESipa).",
                    )
                    .default("auto"),
                    Opt::value(
                        "unacknowledged",
                        "WHAT",
                        "When the eIM answers a result successfully but acknowledges nothing: auto (remove what was delivered with the v1.0 layout, keep it with v1.2), keep (until acknowledged) or remove.",
                    )
                    .default("auto"),
                    Opt::value(
                        "max-polls",
                        "N",
                        "Stop after this many polls even if packages keep coming.",
                    )
                    .default("32"),
                    IMEI,
                ],
                remote::OPTIONS,
            ],
            ..Command::new(
                "poll",
                "Poll the eIM the eUICC is associated with (ESipa GetEimPackage) and carry out what it sends, until it has nothing more; prints each poll's outcome.",
            )
        },
    ],
    needs_subcommand: true,
    ..Command::new(
        "eim",
        "List the eIM configurations, or add the initial eIM.",
    )
};

impl EimCommand {
    /// The subcommand of [`COMMAND`] that `m` (the `eim` level) chose.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        let sub = m.needed_subcommand()?;
        match sub.name() {
            "list" => Ok(Self::List),
            "add-initial" => Ok(Self::AddInitial {
                id: sub.needed("id")?,
                fqdn: sub.needed("fqdn")?,
                public_key: sub.needed_path("public-key")?,
                counter: sub.value("counter")?,
                tls_anchor: sub.path("tls-anchor"),
            }),
            "poll" => Ok(Self::Poll(PollArgs {
                eim_id: sub.value("eim-id")?,
                eim_connect: sub.value("eim-connect")?,
                eim_ca: sub.paths("eim-ca"),
                binding: sub.needed_by("binding", parse_binding)?,
                admin_protocol: sub.value("admin-protocol")?,
                download_route: sub.needed("download-route")?,
                unacknowledged: sub.needed("unacknowledged")?,
                max_polls: sub.needed("max-polls")?,
                imei: sub.value("imei")?,
                remote: RemoteArgs::from_matches(sub)?,
            })),
            _ => Err(sub.unknown()),
        }
    }
}

/// Runs `eim`.
pub(crate) fn run(target: &TargetArgs, command: EimCommand, json: bool) -> Result<(), Failure> {
    match command {
        EimCommand::List => {
            let eims = with_euicc(target, async |euicc| euicc.eim_configuration().await)?;
            emit(
                &EimList {
                    eims: eims.iter().map(EimView::from).collect(),
                },
                json,
            )
        }
        EimCommand::AddInitial {
            id,
            fqdn,
            public_key,
            counter,
            tls_anchor,
        } => {
            let initial = InitialEim {
                eim_id: id.clone(),
                fqdn,
                public_key: KeySource::Path(public_key),
                counter,
                tls_anchor: tls_anchor.map(KeySource::Path),
                indirect_profile_download: false,
            };
            let config = initial.to_config().map_err(|error| {
                let option = match error {
                    InitialEimError::Fqdn(_) => "--fqdn",
                    _ => "--public-key / --tls-anchor",
                };
                Failure::input(anyhow::Error::from(error).context(option))
            })?;
            let association_token = with_euicc_session(target, async |euicc| {
                bootstrap::add_initial_eim(euicc, config)
                    .await
                    .map_err(bootstrap_failure)
            })?;
            emit(
                &Added {
                    eim_id: id,
                    result: "ok",
                    association_token,
                },
                json,
            )
        }
        EimCommand::Poll(args) => poll(target, args, json),
    }
}

/// The exit code and message of a failed AddInitialEim.
fn bootstrap_failure(error: BootstrapError) -> Failure {
    match error {
        BootstrapError::Euicc(error) => failure(error),
        BootstrapError::Config(error) => Failure::input(error),
        error @ BootstrapError::Results(_) => error.into(),
    }
}

/// Runs `eim poll`: poll cycles until the eIM has nothing more (or refuses, or fails, or `max_polls`).
fn poll(target: &TargetArgs, args: PollArgs, json: bool) -> Result<(), Failure> {
    let anchors: Vec<PathBuf> = args
        .eim_ca
        .iter()
        .chain(&args.remote.system_ca)
        .cloned()
        .collect();
    let options = HttpOptions {
        timeout: Duration::from_secs(args.remote.http_timeout),
        connect_override: args.eim_connect.clone(),
        ..HttpOptions::default()
    };
    let (report, error) = with_euicc_session(target, async |euicc| {
        let eid = euicc.eid().await.map_err(failure)?;
        let eim = chosen_eim(euicc, args.eim_id.as_deref()).await?;
        let fqdn = eim.fqdn.ok_or_else(|| {
            anyhow!(
                "the eUICC's configuration of eIM {} has no FQDN",
                eim.eim_id
            )
        })?;
        let server =
            Server::parse(&fqdn).with_context(|| format!("the FQDN of eIM {}", eim.eim_id))?;
        // Without anchors on the command line, trust what the eUICC's configuration of the eIM says.
        let card_anchor = if anchors.is_empty() {
            eim.tls_anchor.as_ref()
        } else {
            None
        };
        let tls = eim_client_config(card_anchor, &anchors).map_err(Failure::input)?;
        let mut esipa = EsipaClient::new(HttpsClient::new(tls, options), server)
            .with_binding(args.binding)
            .with_unacknowledged(args.unacknowledged);
        if let Some(protocol) = &args.admin_protocol {
            esipa = esipa.with_admin_protocol(protocol.as_str());
        }
        let own = IpaOwnData::new(eim.eim_id.as_str(), args.imei.clone())
            .map_err(Failure::input)?
            .with_download_route(args.download_route)
            .with_modemmanager(target.inhibitor());
        // One-shot: what a failed cycle leaves is finished by the next cycle of this run.
        let mut journal = MemoryJournal::new();
        let mut state_change = None;
        let mut es9_for = |address: &str| args.remote.es9_client(address).ok();
        let mut report = Polled {
            eid: eid.to_string(),
            eim_id: eim.eim_id,
            polls: Vec::new(),
            error: None,
        };
        for number in 1..=args.max_polls {
            let outcome = poll_once(
                euicc,
                &mut esipa,
                eid,
                &own,
                &mut es9_for,
                &mut journal,
                &mut state_change,
            )
            .await;
            let view = match outcome {
                Ok(outcome) => PollView::from(outcome),
                Err(error) => {
                    let code = poll_exit_code(&error);
                    report.error = Some(format!(
                        "poll {number}: {}",
                        crate::error_chain::chain(&error)
                    ));
                    return Ok((report, Some(code)));
                }
            };
            if !json {
                outln!("poll {number}: {}", view.human())?;
            }
            let more = matches!(view, PollView::Executed { .. } | PollView::Rejected { .. });
            report.polls.push(view);
            if !more {
                break;
            }
        }
        Ok((report, None))
    })?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    }
    match error {
        None => Ok(()),
        Some(code) => Err(Failure {
            error: anyhow!("eIM {}", report.error.unwrap_or_default()),
            code,
        }),
    }
}

/// Parses `--binding asn1|json`.
fn parse_binding(text: &str) -> Result<EsipaBinding, String> {
    match text {
        "asn1" => Ok(EsipaBinding::Asn1),
        "json" => Ok(EsipaBinding::Json),
        other => Err(format!("expected asn1 or json, not {other:?}")),
    }
}

/// The eIM named `eim_id`, or the only one the eUICC has.
async fn chosen_eim(
    euicc: &mut Euicc<Transport>,
    eim_id: Option<&str>,
) -> Result<EimConfig, Failure> {
    let eims = euicc.eim_configuration().await.map_err(failure)?;
    match eim_id {
        Some(id) => eims
            .into_iter()
            .find(|eim| eim.eim_id == id)
            .ok_or_else(|| Failure::input(anyhow!("the eUICC has no eIM {id:?}"))),
        None => match <[EimConfig; 1]>::try_from(eims) {
            Ok([eim]) => Ok(eim),
            Err(eims) if eims.is_empty() => Err(Failure::input(anyhow!(
                "the eUICC has no eIM (add one with `eim add-initial`)"
            ))),
            Err(eims) => Err(Failure::input(anyhow!(
                "the eUICC has {} eIMs: say which with --eim-id",
                eims.len()
            ))),
        },
    }
}

/// The exit code of a failed poll: the eUICC's codes for eUICC failures, 1 otherwise.
fn poll_exit_code(error: &PollError) -> u8 {
    match error {
        PollError::Euicc(error) => exit_code(error),
        _ => EXIT_FAILURE,
    }
}

/// What `eim poll` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Polled {
    eid: String,
    eim_id: String,
    polls: Vec<PollView>,
    /// Why polling stopped early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One poll's outcome, as printed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
enum PollView {
    NoPackage,
    EimRefused {
        code: i64,
    },
    /// `removed`: taken by the eIM and removed from the eUICC; `kept`: delivered but left on the eUICC.
    Executed {
        removed: Vec<i64>,
        kept: Vec<i64>,
    },
    Rejected {
        code: i64,
    },
}

impl From<PollOutcome> for PollView {
    fn from(outcome: PollOutcome) -> Self {
        match outcome {
            PollOutcome::NoPackage => Self::NoPackage,
            PollOutcome::EimRefused { code } => Self::EimRefused { code },
            PollOutcome::Executed(Removal { removed, kept }) => Self::Executed { removed, kept },
            PollOutcome::Rejected { code } => Self::Rejected { code },
        }
    }
}

impl PollView {
    fn human(&self) -> String {
        match self {
            Self::NoPackage => "no package".into(),
            Self::EimRefused { code } => format!("the eIM answered error {code}"),
            Self::Executed { removed, kept } if kept.is_empty() => {
                format!("package carried out; removed from the eUICC {removed:?}")
            }
            Self::Executed { removed, kept } => format!(
                "package carried out; removed from the eUICC {removed:?}, left there {kept:?}"
            ),
            Self::Rejected { code } => {
                format!("package not carried out; the eIM was sent error {code}")
            }
        }
    }
}

#[derive(Debug, Serialize)]
struct EimList {
    eims: Vec<EimView>,
}

#[derive(Debug, Serialize)]
struct EimView {
    eim_id: String,
    fqdn: Option<String>,
    id_type: Option<String>,
    counter_value: Option<i64>,
    association_token: Option<i64>,
    public_key: Option<KeyView>,
    tls_anchor: Option<KeyView>,
    supported_protocols: Vec<String>,
    ci_pk_id: Option<String>,
    indirect_profile_download: bool,
}

#[derive(Debug, Serialize)]
struct KeyView {
    kind: &'static str,
    der: String,
}

impl From<&EimKey> for KeyView {
    fn from(key: &EimKey) -> Self {
        Self {
            kind: match key {
                EimKey::PublicKey(_) => "public_key",
                EimKey::Certificate(_) => "certificate",
            },
            der: hex::encode_upper(key.as_der()),
        }
    }
}

impl From<&EimConfig> for EimView {
    fn from(c: &EimConfig) -> Self {
        Self {
            eim_id: c.eim_id.clone(),
            fqdn: c.fqdn.clone(),
            id_type: c.id_type.map(|t| code_name(EIM_ID_TYPE, t)),
            counter_value: c.counter_value,
            association_token: c.association_token,
            public_key: c.public_key.as_ref().map(KeyView::from),
            tls_anchor: c.tls_anchor.as_ref().map(KeyView::from),
            supported_protocols: c
                .supported_protocol
                .iter()
                .flat_map(|bits| bits.set_bits())
                .map(|bit| code_name(SUPPORTED_PROTOCOL, bit as i64))
                .collect(),
            ci_pk_id: c.ci_pk_id.as_ref().map(|k| hex::encode_upper(&k.0)),
            indirect_profile_download: c.indirect_profile_download,
        }
    }
}

impl Report for EimList {
    fn human(&self) -> String {
        let mut table = Table::new(&["EIM ID", "FQDN", "COUNTER", "TOKEN", "KEY", "TLS ANCHOR"]);
        for e in &self.eims {
            table.row(vec![
                e.eim_id.clone(),
                or_dash(e.fqdn.as_ref()),
                or_dash(e.counter_value),
                or_dash(e.association_token),
                or_dash(e.public_key.as_ref().map(|k| k.kind)),
                or_dash(e.tls_anchor.as_ref().map(|k| k.kind)),
            ]);
        }
        table.render("no eIM configured")
    }
}

#[derive(Debug, Serialize)]
struct Added {
    eim_id: String,
    result: &'static str,
    association_token: Option<i64>,
}

impl Report for Added {
    fn human(&self) -> String {
        super::output::fields(&[
            ("eIM added", self.eim_id.clone()),
            ("association token", or_dash(self.association_token)),
        ])
    }
}
