//! Running one command against the eUICC: open the session, call the client, close, map errors to exit
//! codes.

use super::target::{TargetArgs, runtime};
use super::{EXIT_FAILURE, EXIT_INPUT, EXIT_REFUSED, Failure};
use crate::apdu::{IsdrSession, Transport};
use crate::euicc::{Euicc, EuiccError};
use euiccd_core::es10::Es10Error;

/// Opens the eUICC named by `target`, runs `work` on it and closes the logical channel (even when `work`
/// failed; that failure is the one reported).
pub(crate) fn with_euicc<T>(
    target: &TargetArgs,
    work: impl AsyncFnOnce(&mut Euicc<Transport>) -> Result<T, EuiccError>,
) -> Result<T, Failure> {
    with_euicc_session(target, async |euicc| work(euicc).await.map_err(failure))
}

/// Like [`with_euicc`], for work that fails in other ways than the eUICC (a server, the user's input).
pub(crate) fn with_euicc_session<T>(
    target: &TargetArgs,
    work: impl AsyncFnOnce(&mut Euicc<Transport>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    super::logging::init();
    runtime()?.block_on(session(target, work))
}

/// Like [`with_euicc_session`], for work that changes the card under ModemManager (`what`: a profile
/// switch, a download): ModemManager is inhibited on the modem before its port is opened and released
/// once the channel is closed, whatever the outcome (`--modemmanager`).
pub(crate) fn with_modem_inhibited<T>(
    target: &TargetArgs,
    what: &str,
    work: impl AsyncFnOnce(&mut Euicc<Transport>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    super::logging::init();
    runtime()?.block_on(async {
        match target.inhibitor() {
            Some(inhibitor) => inhibitor.around(what, session(target, work)).await,
            None => session(target, work).await,
        }
    })
}

/// Opens the session, runs `work`, closes the channel.
async fn session<T>(
    target: &TargetArgs,
    work: impl AsyncFnOnce(&mut Euicc<Transport>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let session = IsdrSession::new(target.connect()?, target.session_config())?;
    let mut euicc = Euicc::new(session);
    let outcome = work(&mut euicc).await;
    let closed = euicc.close().await;
    let value = outcome?;
    closed.map_err(failure)?;
    Ok(value)
}

/// The exit code of an eUICC error: refusals 3, bad input 2, transport and undecodable answers 1.
pub(crate) fn exit_code(error: &EuiccError) -> u8 {
    match error {
        EuiccError::Es10(Es10Error::Refused { .. } | Es10Error::Unsupported { .. })
        | EuiccError::LocalManagementRefused { .. } => EXIT_REFUSED,
        EuiccError::Es10(Es10Error::InvalidRequest { .. }) => EXIT_INPUT,
        EuiccError::Transport { .. } | EuiccError::Es10(Es10Error::Undecodable { .. }) => {
            EXIT_FAILURE
        }
    }
}

/// The exit code and message of an eUICC error.
pub(crate) fn failure(error: EuiccError) -> Failure {
    let code = exit_code(&error);
    let policy = matches!(
        &error,
        EuiccError::Es10(Es10Error::Refused {
            function: "EnableProfile" | "DisableProfile" | "DeleteProfile",
            code: 3,
            ..
        })
    );
    let error = anyhow::Error::from(error);
    Failure {
        error: if policy {
            error.context(
                "the eUICC refuses local profile management; an IoT eUICC takes profile changes \
                 (enable, disable, delete) from its eIM",
            )
        } else {
            error
        },
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use euicc_asn1::types::sgp22::codes;

    #[test]
    fn refusals_exit_3_and_policy_refusals_point_to_the_eim() {
        let policy = failure(EuiccError::from(Es10Error::refused(
            "EnableProfile",
            codes::ENABLE_RESULT,
            3,
        )));
        assert_eq!(policy.code, EXIT_REFUSED);
        let text = format!("{:#}", policy.error);
        assert!(text.contains("takes profile changes"), "{text}");
        assert!(text.contains("disallowedByPolicy (3)"), "{text}");

        let other = failure(EuiccError::from(Es10Error::refused(
            "DeleteProfile",
            codes::DELETE_RESULT,
            1,
        )));
        assert_eq!(other.code, EXIT_REFUSED);
        assert!(!format!("{:#}", other.error).contains("eIM"));

        let input = failure(EuiccError::from(Es10Error::InvalidRequest {
            function: "SetNickname",
            reason: "too long",
        }));
        assert_eq!(input.code, EXIT_INPUT);
    }
}
