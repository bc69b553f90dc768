//! How a failed command is told: one line on stderr, `error: what failed: why`, each cause once (the error
//! types follow the rule of [`crate::error_chain`]), ending in what to do where the cause has a known
//! remedy. With `--json` the same text goes out as one JSON line on stderr,
//! `{"error":{"kind":…,"message":…,"exitCode":…}}`, where `kind` is a stable name of the failure class
//! (README, "Exit codes and error kinds").

use super::{EXIT_INPUT, Failure};
use crate::agent::download::DownloadError;
use crate::config::ConfigError;
use crate::error_chain::chain;
use crate::euicc::EuiccError;
use crate::remote::es9p::Es9Error;
use crate::remote::esipa::EsipaError;
use crate::remote::https::HttpError;
use crate::remote::tls::TlsError;
use euiccd_core::es10::Es10Error;

/// Prints `failure` on stderr: a line of text, or a JSON line with `json`.
pub(super) fn print(failure: &Failure, json: bool) {
    let message = chain(failure.error.as_ref());
    if json {
        let document = serde_json::json!({
            "error": {
                "kind": kind(failure),
                "message": message,
                "exitCode": failure.code,
            }
        });
        eprintln!("{document}");
    } else {
        eprintln!("error: {message}");
    }
}

/// The stable class of `failure`: the most specific one any error of its chain names (the innermost),
/// else `input` or `failure` by its exit code.
pub(crate) fn kind(failure: &Failure) -> &'static str {
    let fallback = if failure.code == EXIT_INPUT {
        "input"
    } else {
        "failure"
    };
    failure
        .error
        .chain()
        .filter_map(kind_of)
        .last()
        .unwrap_or(fallback)
}

/// The class one error names, if it is one of the typed errors with a class of its own.
fn kind_of(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    if let Some(error) = error.downcast_ref::<HttpError>() {
        return Some(match error {
            HttpError::Handshake { failure, .. } => failure.kind(),
            HttpError::Connect { .. } => "connect",
            HttpError::Timeout(_) => "timeout",
            HttpError::Http(_) => "http",
            HttpError::BodyTooLarge(_) => "answer-too-large",
            HttpError::InvalidAddress(_) => "input",
        });
    }
    if let Some(error) = error.downcast_ref::<Es9Error>() {
        return match error {
            Es9Error::Http { .. } => None,
            Es9Error::HttpStatus { .. } => Some("http-status"),
            Es9Error::Malformed { .. } => Some("malformed-answer"),
            Es9Error::Failed { .. } => Some("smdp-refused"),
        };
    }
    if let Some(error) = error.downcast_ref::<EsipaError>() {
        return match error {
            EsipaError::Http { .. } => None,
            EsipaError::HttpStatus { .. } => Some("http-status"),
            EsipaError::EmptyAnswer { .. }
            | EsipaError::Json { .. }
            | EsipaError::Undecodable { .. } => Some("malformed-answer"),
        };
    }
    if let Some(error) = error.downcast_ref::<DownloadError>() {
        return match error {
            DownloadError::ConfirmationCodeRequired => Some("confirmation-code-required"),
            DownloadError::InvalidImei => Some("input"),
            DownloadError::InstallFailed { .. } => Some("install-failed"),
            DownloadError::Interrupted => Some("interrupted"),
            DownloadError::Package(_) | DownloadError::Load(_) => Some("malformed-answer"),
            // Transparent: the chain skips from these straight to their sources.
            DownloadError::Euicc(inner) => kind_of(inner),
            DownloadError::Es9(inner) => kind_of(inner),
        };
    }
    if let Some(error) = error.downcast_ref::<EuiccError>() {
        return Some(match error {
            EuiccError::Transport { .. } => "card",
            EuiccError::Es10(Es10Error::Undecodable { .. }) => "card-answer",
            EuiccError::Es10(Es10Error::Refused { .. } | Es10Error::Unsupported { .. })
            | EuiccError::LocalManagementRefused { .. } => "euicc-refused",
            EuiccError::Es10(Es10Error::InvalidRequest { .. }) => "input",
        });
    }
    if error.is::<TlsError>() {
        return Some("trust-anchors");
    }
    if error.is::<ConfigError>() {
        return Some("config");
    }
    None
}

#[cfg(test)]
mod tests {
    //! One snapshot per failure class: the exact line a person reads, and its kind.

    use super::*;
    use crate::agent::download::{CancelReason, DownloadFailure};
    use crate::remote::es9p::StatusCodeData;
    use crate::remote::tls::HandshakeFailure;
    use rustls::{CertificateError, Error as TlsLibError, PeerIncompatible};
    use std::time::Duration;

    const HOST: &str = "smdp.example.com";

    /// The message and kind of a download that failed at `function` with `source`.
    fn http_failure(function: &'static str, source: HttpError) -> (String, &'static str) {
        render(DownloadFailure {
            error: DownloadError::Es9(Es9Error::Http { function, source }),
            cancelled: None,
        })
    }

    fn render(error: impl Into<anyhow::Error>) -> (String, &'static str) {
        let failure = Failure::from(error.into());
        let text = chain(failure.error.as_ref());
        assert!(!text.contains('\n'), "one line: {text}");
        let parts: Vec<&str> = text.split(": ").collect();
        for (i, part) in parts.iter().enumerate() {
            assert!(!parts[i + 1..].contains(part), "{part:?} twice in {text}");
        }
        (text, kind(&failure))
    }

    /// What tokio-rustls returns for a handshake that rustls refused with `error`.
    fn handshake(error: TlsLibError) -> HttpError {
        HttpError::Handshake {
            host: HOST.into(),
            failure: HandshakeFailure::classify(&std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                error,
            )),
        }
    }

    fn certificate(error: CertificateError) -> HttpError {
        handshake(TlsLibError::InvalidCertificate(error))
    }

    #[test]
    fn tls_unknown_issuer() {
        assert_eq!(
            http_failure(
                "initiateAuthentication",
                certificate(CertificateError::UnknownIssuer)
            ),
            (
                "download failed: ES9+ initiateAuthentication: TLS handshake with smdp.example.com \
                 failed: its certificate is issued by a CA this device does not trust; give the CA \
                 certificate that issued it (for an SM-DP+ the GSMA CI root, which no operating \
                 system's store holds) with --smdp-ca FILE or trust_anchors in the configuration"
                    .into(),
                "tls-unknown-issuer"
            )
        );
    }

    #[test]
    fn tls_name_mismatch() {
        assert_eq!(
            http_failure(
                "initiateAuthentication",
                certificate(CertificateError::NotValidForName)
            ),
            (
                "download failed: ES9+ initiateAuthentication: TLS handshake with smdp.example.com \
                 failed: its certificate is not issued for this name; check the server address \
                 (activation code or configuration), or whether --smdp-connect sends the connection \
                 to another server"
                    .into(),
                "tls-name-mismatch"
            )
        );
    }

    #[test]
    fn tls_expired() {
        let expired = CertificateError::ExpiredContext {
            time: rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(1_796_489_005)),
            not_after: rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(
                1_765_000_000,
            )),
        };
        assert_eq!(
            http_failure("initiateAuthentication", certificate(expired)),
            (
                "download failed: ES9+ initiateAuthentication: TLS handshake with smdp.example.com \
                 failed: its certificate expired on 2025-12-06 05:46:40 UTC (checked at 2026-12-05 \
                 16:43:25 UTC); if the system clock is ahead, set it, otherwise the server must renew \
                 it"
                .into(),
                "tls-expired"
            )
        );
    }

    #[test]
    fn tls_not_valid_yet() {
        let early = CertificateError::NotValidYetContext {
            time: rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(1_796_489_005)),
            not_before: rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(
                1_800_000_000,
            )),
        };
        assert_eq!(
            http_failure("initiateAuthentication", certificate(early)),
            (
                "download failed: ES9+ initiateAuthentication: TLS handshake with smdp.example.com \
                 failed: its certificate is not valid yet (valid from 2027-01-15 08:00:00 UTC, checked \
                 at 2026-12-05 16:43:25 UTC); check the system clock (date -u) and NTP"
                    .into(),
                "tls-not-valid-yet"
            )
        );
    }

    #[test]
    fn tls_brainpool_only_server() {
        let (text, kind) = http_failure(
            "initiateAuthentication",
            handshake(TlsLibError::PeerIncompatible(
                PeerIncompatible::NoKxGroupsInCommon,
            )),
        );
        assert_eq!(
            text,
            "download failed: ES9+ initiateAuthentication: TLS handshake with smdp.example.com \
             failed: the server and this client share no TLS curve, signature scheme or cipher suite; \
             an SM-DP+ that offers only brainpoolP256r1 cannot be reached, because rustls (ring) \
             implements NIST P-256/P-384 but no brainpool curve; ask the operator for a NIST P-256 \
             endpoint"
        );
        assert_eq!(kind, "tls-no-common-algorithm");
    }

    #[test]
    fn connection_refused_and_timeout() {
        let refused = HttpError::Connect {
            address: "127.0.0.1:9".into(),
            source: std::io::ErrorKind::ConnectionRefused.into(),
        };
        assert_eq!(
            http_failure("initiateAuthentication", refused),
            (
                "download failed: ES9+ initiateAuthentication: cannot connect to 127.0.0.1:9: \
                 connection refused"
                    .into(),
                "connect"
            )
        );
        let late = HttpError::Timeout(Duration::from_secs(3));
        assert_eq!(
            http_failure("getBoundProfilePackage", late),
            (
                "download failed: ES9+ getBoundProfilePackage: no answer within 3s".into(),
                "timeout"
            )
        );
    }

    #[test]
    fn smdp_refusal() {
        let refused = DownloadFailure {
            error: DownloadError::Es9(Es9Error::Failed {
                function: "authenticateClient",
                status: "Failed".into(),
                code: StatusCodeData {
                    subject_code: "8.2.6".into(),
                    reason_code: "3.8".into(),
                    message: None,
                },
            }),
            cancelled: Some(CancelReason::Undefined),
        };
        assert_eq!(
            render(refused),
            (
                "download failed (download session cancelled: Undefined): ES9+ authenticateClient: \
                 the SM-DP+ answered Failed: matching ID refused (no such order, or already used; \
                 check the activation code) (8.2.6/3.8)"
                    .into(),
                "smdp-refused"
            )
        );
    }

    #[test]
    fn missing_confirmation_code_and_euicc_refusal() {
        let missing = DownloadFailure {
            error: DownloadError::ConfirmationCodeRequired,
            cancelled: Some(CancelReason::EndUserRejection),
        };
        assert_eq!(
            render(missing),
            (
                "download failed (download session cancelled: EndUserRejection): the SM-DP+ requires \
                 a confirmation code for this profile (--confirmation-code)"
                    .into(),
                "confirmation-code-required"
            )
        );
        let refused =
            DownloadFailure::from(DownloadError::Euicc(EuiccError::from(Es10Error::refused(
                "AuthenticateServer",
                euicc_asn1::types::sgp22::codes::AUTHENTICATE_ERROR,
                2,
            ))));
        let (text, kind) = render(refused);
        assert!(
            text.starts_with("download failed: AuthenticateServer: the eUICC answered "),
            "{text}"
        );
        assert_eq!(kind, "euicc-refused");
    }

    #[test]
    fn json_errors_carry_a_kind() {
        let failure = Failure::input(anyhow::anyhow!("activation code: missing matching ID"));
        assert_eq!(kind(&failure), "input");
    }
}
