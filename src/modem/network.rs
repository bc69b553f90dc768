//! The network dialogues of 3GPP TS 27.007 over the engine: switching the registration and packet-domain
//! reports on, and the queries the connectivity observer needs (registration, contexts, signal, operator,
//! context details, identity), answered as typed reports parsed by `euiccd_core::network`.
//!
//! A refused query (`ERROR`, a modem without that command) is not a fault here: the observer works with
//! what the modem offers, so each call gives the error and the caller decides.

use super::{Modem, ModemError, Response, Urc};
use euiccd_core::network::{Domain, Form, LineError, Report, parse_identity, parse_report};
use std::time::Duration;
use tracing::{debug, warn};

/// The modem's identity and its active profile's, as far as it answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Identity {
    /// `AT+CGSN`.
    pub(crate) imei: Option<String>,
    /// `AT+CCID`.
    pub(crate) iccid: Option<String>,
    /// `AT+CIMI`.
    pub(crate) imsi: Option<String>,
}

/// The network report an unsolicited line carries (`+CEREG: …`, `+CGEV: …`), if it is one; a malformed
/// network line is an error.
pub(crate) fn report(urc: &Urc) -> Result<Option<Report>, LineError> {
    parse_report(urc.line(), Form::Urc)
}

/// The network side of a [`Modem`], each command with the same timeout.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    modem: Modem,
    timeout: Duration,
}

impl Network {
    /// The network dialogues on `modem`, each command allowed `timeout`.
    pub(crate) fn new(modem: Modem, timeout: Duration) -> Self {
        Self { modem, timeout }
    }

    /// Switches on the registration reports of every domain (with reject causes where the modem has them:
    /// `=3`, else `=2`) and the packet-domain events (`AT+CGEREP=2,1`, else `=1`). Refusals are the
    /// modem's choice; the queries still work.
    pub(crate) async fn enable_reports(&self) {
        for domain in Domain::ALL {
            let name = domain.name();
            if self.ask(&format!("AT{name}=3")).await.is_err() {
                let _ = self.ask(&format!("AT{name}=2")).await;
            }
        }
        if self.ask("AT+CGEREP=2,1").await.is_err() {
            let _ = self.ask("AT+CGEREP=1").await;
        }
    }

    /// `AT+CREG?` and siblings: the registration in `domain`.
    pub(crate) async fn registration(&self, domain: Domain) -> Result<Vec<Report>, ModemError> {
        self.query(&format!("AT{}?", domain.name())).await
    }

    /// `AT+CGACT?`: which contexts are active.
    pub(crate) async fn contexts(&self) -> Result<Vec<Report>, ModemError> {
        self.query("AT+CGACT?").await
    }

    /// `AT+CSQ`: the RSSI.
    pub(crate) async fn rssi(&self) -> Result<Vec<Report>, ModemError> {
        self.query("AT+CSQ").await
    }

    /// `AT+CESQ`: the extended signal quality (RSRP, RSRQ).
    pub(crate) async fn signal(&self) -> Result<Vec<Report>, ModemError> {
        self.query("AT+CESQ").await
    }

    /// `AT+COPS?` in the numeric format, then in the long alphanumeric one: the network's PLMN and name,
    /// as far as the modem answers (a format it refuses is skipped, the query is asked anyway; a query
    /// it does not answer is logged).
    pub(crate) async fn operator(&self) -> Vec<Report> {
        let mut reports = Vec::new();
        for format in ["2", "0"] {
            let _ = self.ask(&format!("AT+COPS=3,{format}")).await;
            match self.query("AT+COPS?").await {
                Ok(answer) => reports.extend(answer),
                Err(e) => debug!(error = %e, "no answer"),
            }
        }
        reports
    }

    /// `AT+CGCONTRDP=<cid>`: the APN and address of a context.
    pub(crate) async fn context_details(&self, cid: u8) -> Result<Vec<Report>, ModemError> {
        self.query(&format!("AT+CGCONTRDP={cid}")).await
    }

    /// IMEI, ICCID and IMSI (`AT+CGSN`, `AT+CCID`, `AT+CIMI`); what the modem does not answer is `None`.
    pub(crate) async fn identity(&self) -> Identity {
        Identity {
            imei: self.identity_line("AT+CGSN", &[]).await,
            iccid: self.identity_line("AT+CCID", &["+CCID", "+ICCID"]).await,
            imsi: self.identity_line("AT+CIMI", &[]).await,
        }
    }

    async fn identity_line(&self, command: &str, prefixes: &[&str]) -> Option<String> {
        let response = self.ask(command).await.ok()?;
        parse_identity(response.lines(), prefixes)
    }

    /// Sends a query and parses its answer lines; a malformed line is logged and skipped.
    async fn query(&self, command: &str) -> Result<Vec<Report>, ModemError> {
        let response = self.ask(command).await?;
        let mut reports = Vec::new();
        for line in response.lines() {
            match parse_report(line, Form::Query) {
                Ok(report) => reports.extend(report),
                Err(e) => warn!(error = %e, "ignoring a malformed network answer from the modem"),
            }
        }
        Ok(reports)
    }

    async fn ask(&self, command: &str) -> Result<Response, ModemError> {
        self.modem.command(command, self.timeout).await
    }
}
