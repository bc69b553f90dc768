//! `euiccd download`: a direct profile download from an SM-DP+ over ES9+ (SGP.22 §3.1.3, SGP.32 §3.2.3.1).
//!
//! Progress goes to stderr: a single updating line on a terminal, JSON lines with `--json`, nothing
//! otherwise. The result is one document on stdout. Ctrl-C cancels the session (reason postponed).

use super::card::{exit_code, with_modem_inhibited};
use super::output::{Report, emit, fields};
use super::parser::{Arg, Command, Matches, Opt, UsageError};
use super::remote::{self, RemoteArgs};
use super::target::TargetArgs;
use super::{EXIT_FAILURE, EXIT_INPUT, EXIT_REFUSED, EXIT_SERVER, Failure};
use crate::agent::download::{
    DownloadError, DownloadEvent, DownloadFailure, DownloadOutcome, DownloadRequest, Interrupt,
    Secret, download,
};
use crate::remote::es9p::Es9Error;
use anyhow::anyhow;
use euicc_asn1::types::sgp22::ActivationCode;
use std::io::{IsTerminal, Write};

/// Options of `download`.
#[derive(Debug, Clone)]
pub(crate) struct DownloadArgs {
    /// The activation code (an `LPA:` prefix is accepted).
    pub(crate) activation_code: String,
    /// `--confirmation-code`, when the order needs one.
    pub(crate) confirmation_code: Option<String>,
    /// `--imei`: the device's IMEI, sent in DeviceInfo.
    pub(crate) imei: Option<String>,
    /// TLS trust and connection.
    pub(crate) remote: RemoteArgs,
}

/// `--imei`, of `download` and `eim poll`.
pub(crate) const IMEI: Opt = Opt::value(
    "imei",
    "IMEI",
    "The device's IMEI (15 digits), sent in DeviceInfo.",
);

/// `euiccd download`.
pub(crate) const COMMAND: Command = Command {
    opts: &[
        &[
            Opt::value(
                "confirmation-code",
                "CC",
                "The confirmation code, when the order needs one.",
            ),
            IMEI,
        ],
        remote::OPTIONS,
    ],
    args: &[Arg {
        name: "ACTIVATION_CODE",
        help: "The activation code, `1$SMDP$MATCHING-ID[$OID[$1]]` (an `LPA:` prefix is accepted).",
        many: false,
    }],
    ..Command::new(
        "download",
        "Download a profile from an SM-DP+ with an activation code (ES9+, direct).",
    )
};

impl DownloadArgs {
    /// The arguments and options [`COMMAND`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            activation_code: m.arg(0)?,
            confirmation_code: m.value("confirmation-code")?,
            imei: m.value("imei")?,
            remote: RemoteArgs::from_matches(m)?,
        })
    }
}

/// Runs `download`.
pub(crate) fn run(target: &TargetArgs, args: DownloadArgs, json: bool) -> Result<(), Failure> {
    // The activation code never appears in an error message: the parser's errors do not carry it.
    let activation_code: ActivationCode = args
        .activation_code
        .parse()
        .map_err(|e| Failure::input(anyhow!("activation code: {e}")))?;
    let request = DownloadRequest {
        confirmation_code: args.confirmation_code.map(Secret::new),
        imei: args.imei,
        activation_code,
    };
    let mut es9 = args
        .remote
        .es9_client(&request.activation_code.smdp_address)?;
    let mut progress = Progress::new(json);
    let outcome = with_modem_inhibited(target, "download", async |euicc| {
        let (set, fired) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = set.send(true);
            }
        });
        download(
            euicc,
            &mut es9,
            &request,
            &mut Interrupt::new(fired),
            &mut |event| progress.show(&event),
        )
        .await
        .map_err(download_failure)
    });
    progress.finish();
    emit(&Downloaded(outcome?), json)
}

/// The exit code and message of a failed download.
fn download_failure(error: DownloadFailure) -> Failure {
    let code = match &error.error {
        DownloadError::Euicc(inner) => exit_code(inner),
        DownloadError::Es9(Es9Error::Failed { .. }) => EXIT_SERVER,
        DownloadError::ConfirmationCodeRequired | DownloadError::InvalidImei => EXIT_INPUT,
        DownloadError::InstallFailed { .. } => EXIT_REFUSED,
        DownloadError::Es9(_)
        | DownloadError::Package(_)
        | DownloadError::Load(_)
        | DownloadError::Interrupted => EXIT_FAILURE,
    };
    Failure {
        error: anyhow::Error::from(error),
        code,
    }
}

/// Where progress goes.
enum Progress {
    /// JSON lines on stderr.
    Json,
    /// One updating line on a terminal.
    Terminal { open_line: bool },
    /// Nothing.
    Quiet,
}

impl Progress {
    fn new(json: bool) -> Self {
        if json {
            Self::Json
        } else if std::io::stderr().is_terminal() {
            Self::Terminal { open_line: false }
        } else {
            Self::Quiet
        }
    }

    fn show(&mut self, event: &DownloadEvent) {
        let mut stderr = std::io::stderr().lock();
        match self {
            Self::Json => {
                if let Ok(line) = serde_json::to_string(event) {
                    let _ = writeln!(stderr, "{line}");
                }
            }
            Self::Terminal { open_line } => {
                let text = match event {
                    DownloadEvent::Authenticating { smdp } => format!("authenticating with {smdp}"),
                    DownloadEvent::Authenticated {
                        profile_name,
                        service_provider,
                        ..
                    } => {
                        format!("profile {profile_name:?} of {service_provider:?}")
                    }
                    DownloadEvent::PackageReceived { bytes, .. } => {
                        format!("package of {bytes} bytes")
                    }
                    DownloadEvent::Loading { done, total } => {
                        let width = 30;
                        let filled = done * width / (*total).max(1);
                        format!(
                            "loading [{}{}] {done}/{total}",
                            "#".repeat(filled),
                            "-".repeat(width - filled)
                        )
                    }
                    DownloadEvent::Installed { success } => (if *success {
                        "installed"
                    } else {
                        "installation failed"
                    })
                    .to_owned(),
                    DownloadEvent::NotificationDelivered { seq_number } => {
                        format!("installation result delivered (notification {seq_number})")
                    }
                    DownloadEvent::Cancelled { reason } => {
                        format!("session cancelled ({reason:?})")
                    }
                };
                let _ = write!(stderr, "\r\x1b[2K{text}");
                *open_line = true;
            }
            Self::Quiet => {}
        }
    }

    fn finish(&mut self) {
        if let Self::Terminal { open_line: true } = self {
            eprintln!();
        }
    }
}

#[derive(serde::Serialize)]
#[serde(transparent)]
struct Downloaded(DownloadOutcome);

impl Report for Downloaded {
    fn human(&self) -> String {
        let o = &self.0;
        let mut rows = vec![
            ("installed profile", o.iccid.clone()),
            ("transaction", o.transaction_id.clone()),
            (
                "installation result",
                if o.notification_delivered {
                    format!(
                        "delivered to the SM-DP+ (notification sequence number {})",
                        o.seq_number
                    )
                } else {
                    format!(
                        "not delivered yet: notification {} stays on the eUICC (run \
                         `notifications process`)",
                        o.seq_number
                    )
                },
            ),
        ];
        if o.confirmation_code_unused {
            rows.push((
                "confirmation code",
                "not used: the SM-DP+ did not ask for one".into(),
            ));
        }
        fields(&rows)
    }
}
