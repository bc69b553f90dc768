//! Options shared by the commands that reach an SM-DP+ (`download`, `notifications process`).

use super::Failure;
use super::parser::{Matches, Opt, UsageError};
use crate::remote::es9p::Es9Client;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::{SYSTEM_CA_BUNDLE, client_config};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Duration;

/// TLS trust, connection override and timeout of ES9+ requests.
#[derive(Debug, Clone)]
pub(crate) struct RemoteArgs {
    /// `--smdp-connect`: where to connect instead of the SM-DP+'s address.
    pub(crate) smdp_connect: Option<String>,
    /// `--smdp-ca`: CA certificates to trust.
    pub(crate) smdp_ca: Vec<PathBuf>,
    /// `--system-ca`: the system's PEM bundle to trust as well.
    pub(crate) system_ca: Option<PathBuf>,
    /// `--http-timeout`: the deadline of each request, in seconds.
    pub(crate) http_timeout: u64,
}

/// The options of [`RemoteArgs`].
pub(crate) const OPTIONS: &[Opt] = &[
    Opt::value(
        "smdp-connect",
        "HOST:PORT",
        "Connect to HOST:PORT instead of the SM-DP+'s address; TLS (SNI, certificate name) and the protocol still use the SM-DP+'s name (test servers on loopback).",
    ),
    Opt::value(
        "smdp-ca",
        "FILE",
        "Trust the CA certificates in FILE (PEM or DER; repeat). The GSMA CI roots are in no OS store.",
    )
    .many(),
    Opt::value(
        "system-ca",
        "FILE",
        "Also trust the system's PEM bundle (FILE, default /etc/ssl/certs/ca-certificates.crt).",
    )
    .missing(SYSTEM_CA_BUNDLE),
    Opt::value(
        "http-timeout",
        "SECS",
        "Deadline of each ES9+ request, in seconds (1 to 600, as `timeout_secs` in the configuration).",
    )
    .default("60"),
];

impl RemoteArgs {
    /// The options [`OPTIONS`] gave.
    pub(crate) fn from_matches(m: &Matches) -> Result<Self, UsageError> {
        Ok(Self {
            smdp_connect: m.value("smdp-connect")?,
            smdp_ca: m.paths("smdp-ca"),
            system_ca: m.path("system-ca"),
            http_timeout: m.ranged("http-timeout", 1..=600)?,
        })
    }

    /// An ES9+ client of the SM-DP+ at `address` (`host` or `host:port`).
    pub(crate) fn es9_client(&self, address: &str) -> Result<Es9Client, Failure> {
        let anchors: Vec<PathBuf> = self
            .smdp_ca
            .iter()
            .chain(&self.system_ca)
            .cloned()
            .collect();
        let tls = client_config(&anchors).map_err(Failure::input)?;
        let http = HttpsClient::new(
            tls,
            HttpOptions {
                timeout: Duration::from_secs(self.http_timeout),
                connect_override: self.smdp_connect.clone(),
                ..HttpOptions::default()
            },
        );
        let server = Server::parse(address)
            .context("SM-DP+ address")
            .map_err(Failure::input)?;
        Ok(Es9Client::new(http, server))
    }
}
