//! Options shared by the commands that reach an SM-DP+ (`download`, `notifications process`).

use super::Failure;
use crate::remote::es9p::Es9Client;
use crate::remote::https::{HttpOptions, HttpsClient, Server};
use crate::remote::tls::{SYSTEM_CA_BUNDLE, client_config};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// TLS trust, connection override and timeout of ES9+ requests.
#[derive(Debug, Clone, Args)]
pub(crate) struct RemoteArgs {
    /// Connect to HOST:PORT instead of the SM-DP+'s address; TLS (SNI, certificate name) and the protocol
    /// still use the SM-DP+'s name (test servers on loopback).
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) smdp_connect: Option<String>,
    /// Trust the CA certificates in FILE (PEM or DER; repeat). The GSMA CI roots are in no OS store.
    #[arg(long = "smdp-ca", value_name = "FILE")]
    pub(crate) smdp_ca: Vec<PathBuf>,
    /// Also trust the system's PEM bundle (FILE, default /etc/ssl/certs/ca-certificates.crt).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = SYSTEM_CA_BUNDLE)]
    pub(crate) system_ca: Option<PathBuf>,
    /// Deadline of each ES9+ request, in seconds (1 to 600, as `timeout_secs` in the configuration).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) http_timeout: u64,
}

impl RemoteArgs {
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
