//! ES9+ through the eIM (SGP.32 §3.2.3.2): the [`Es9`] functions of a profile download carried as ESipa
//! messages (InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage, CancelSession,
//! HandleNotification), so that `agent::download` runs unchanged in indirect mode and the eIM relays each
//! exchange to the SM-DP+.
//!
//! The eUICC's signed outputs travel as the bytes it produced; the SM-DP+'s signed parts come back as the eIM
//! relayed them. An eIM refusal (`…ErrorEsipa` code) becomes [`Es9Error::Failed`] with subject `ESipa`, the
//! code as reason and its ASN.1 name as message, so that callers see one error type for both routes.

use euicc_asn1::types::sgp22::codes::{CANCEL_SESSION_ES9_ERROR, CodeTable};
use euicc_asn1::types::sgp22::{
    AuthenticateClientOk, EUICCInfo1, InitiateAuthenticationOkEs9, PendingNotification,
};
use euicc_asn1::types::sgp32::common::{
    AUTHENTICATE_CLIENT_ERROR, AuthenticateClientRequestEsipa, AuthenticateClientResponseEsipa,
    CancelSessionRequestEsipa, CancelSessionResponseEsipa, GET_BOUND_PROFILE_PACKAGE_ERROR,
    GetBoundProfilePackageRequestEsipa, GetBoundProfilePackageResponseEsipa,
};
use euicc_asn1::types::sgp32::view::InitiateAuthenticationRequest;
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{Octets, Signed, for_layout, from_ber};

use super::es9p::{Es9, Es9Error, StatusCodeData};
use super::esipa::EsipaVersion;
use super::esipa::{EimToIpa, EsipaClient, EsipaError, IpaToEim};

/// The subject code of an eIM refusal in [`Es9Error::Failed`].
pub(crate) const ESIPA_SUBJECT: &str = "ESipa";

/// The ES9+ functions of one download, relayed by the eIM. See the module documentation.
#[derive(Debug)]
pub(crate) struct EsipaEs9<'a> {
    esipa: &'a mut EsipaClient,
    version: EsipaVersion,
    eim_transaction_id: Option<Octets>,
}

impl<'a> EsipaEs9<'a> {
    /// Relays through `esipa` in the `version` layout; `eim_transaction_id` is the trigger's, echoed in v1.2
    /// InitiateAuthentication so that the eIM links the download to it.
    pub(crate) fn new(
        esipa: &'a mut EsipaClient,
        version: EsipaVersion,
        eim_transaction_id: Option<Octets>,
    ) -> Self {
        Self {
            esipa,
            version,
            eim_transaction_id,
        }
    }

    /// Sends one message and returns the eIM's answer.
    async fn send(
        &mut self,
        function: &'static str,
        message: IpaToEim,
    ) -> Result<Option<EimToIpa>, Es9Error> {
        self.esipa
            .send(&message)
            .await
            .map_err(|error| from_esipa(function, error))
    }
}

impl Es9 for EsipaEs9<'_> {
    async fn initiate_authentication(
        &mut self,
        euicc_challenge: &[u8],
        euicc_info1: &[u8],
        smdp_address: &str,
    ) -> Result<InitiateAuthenticationOkEs9, Es9Error> {
        const FUNCTION: &str = "initiateAuthentication";
        let info1: EUICCInfo1 = from_ber(euicc_info1).map_err(|e| malformed(FUNCTION, e))?;
        let challenge = Octets(euicc_challenge.to_vec());
        let address = Some(smdp_address.to_owned());
        let message = for_layout!(self.version, l => l::EsipaMessageFromIpaToEim::InitiateAuthenticationRequestEsipa(
            l::InitiateAuthenticationRequestEsipa::new(
                challenge,
                address,
                info1,
                self.eim_transaction_id.clone(),
            ),
        )
        .into());
        use v1_0::InitiateAuthenticationResponseEsipa as R10;
        use v1_2::InitiateAuthenticationResponseEsipa as R12;
        let (transaction_id, server_signed1, server_signature1, ci_pk_id, server_certificate) =
            match self.send(FUNCTION, message).await? {
                Some(EimToIpa::V1_2(
                    v1_2::EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(answer),
                )) => match answer {
                    R12::InitiateAuthenticationOkEsipa(ok) => (
                        ok.transaction_id,
                        ok.server_signed1,
                        ok.server_signature1,
                        ok.euicc_ci_pk_identifier_to_be_used,
                        ok.server_certificate,
                    ),
                    R12::InitiateAuthenticationErrorEsipa(code) => {
                        return Err(refused(FUNCTION, v1_2::INITIATE_AUTHENTICATION_ERROR, code));
                    }
                },
                Some(EimToIpa::V1_0(
                    v1_0::EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(answer),
                )) => match answer {
                    R10::InitiateAuthenticationOkEsipa(ok) => (
                        ok.transaction_id,
                        ok.server_signed1,
                        ok.server_signature1,
                        ok.euicc_ci_pk_id_to_be_used,
                        ok.server_certificate,
                    ),
                    R10::InitiateAuthenticationErrorEsipa(code) => {
                        return Err(refused(FUNCTION, v1_0::INITIATE_AUTHENTICATION_ERROR, code));
                    }
                },
                _ => return Err(unexpected(FUNCTION)),
            };
        // The session is in serverSigned1 whether or not the eIM repeats it.
        let transaction_id =
            transaction_id.unwrap_or_else(|| server_signed1.value().transaction_id.clone());
        Ok(InitiateAuthenticationOkEs9 {
            transaction_id,
            server_signed1,
            server_signature1,
            euicc_ci_pk_id_to_be_used: Octets(subject_key_identifier(ci_pk_id.0)),
            server_certificate,
        })
    }

    async fn authenticate_client(
        &mut self,
        transaction_id: &[u8],
        authenticate_server_response: &[u8],
    ) -> Result<AuthenticateClientOk, Es9Error> {
        const FUNCTION: &str = "authenticateClient";
        let request = AuthenticateClientRequestEsipa {
            transaction_id: Octets(transaction_id.to_vec()),
            authenticate_server_response: from_ber(authenticate_server_response)
                .map_err(|e| malformed(FUNCTION, e))?,
        };
        let message = for_layout!(self.version, l => l::EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(request).into());
        let answer = match self.send(FUNCTION, message).await? {
            Some(EimToIpa::V1_2(
                v1_2::EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(a),
            ))
            | Some(EimToIpa::V1_0(
                v1_0::EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(a),
            )) => a,
            _ => return Err(unexpected(FUNCTION)),
        };
        match answer {
            AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(ok) => {
                Ok(AuthenticateClientOk {
                    transaction_id: ok
                        .transaction_id
                        .unwrap_or_else(|| Octets(transaction_id.to_vec())),
                    profile_meta_data: ok.profile_meta_data.ok_or_else(|| Es9Error::Malformed {
                        function: FUNCTION,
                        detail: "the eIM relayed no profile metadata".into(),
                    })?,
                    smdp_signed2: ok.smdp_signed2,
                    smdp_signature2: ok.smdp_signature2,
                    smdp_certificate: ok.smdp_certificate,
                })
            }
            AuthenticateClientResponseEsipa::AuthenticateClientOkDsEsipa(_) => {
                Err(Es9Error::Malformed {
                    function: FUNCTION,
                    detail: "an SM-DS answer to a download from an SM-DP+".into(),
                })
            }
            AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(code) => {
                Err(refused(FUNCTION, AUTHENTICATE_CLIENT_ERROR, code))
            }
        }
    }

    async fn get_bound_profile_package(
        &mut self,
        transaction_id: &[u8],
        prepare_download_response: &[u8],
    ) -> Result<Vec<u8>, Es9Error> {
        const FUNCTION: &str = "getBoundProfilePackage";
        let request = GetBoundProfilePackageRequestEsipa {
            transaction_id: Octets(transaction_id.to_vec()),
            prepare_download_response: from_ber(prepare_download_response)
                .map_err(|e| malformed(FUNCTION, e))?,
        };
        let message = for_layout!(self.version, l => l::EsipaMessageFromIpaToEim::GetBoundProfilePackageRequestEsipa(request).into());
        let answer = match self.send(FUNCTION, message).await? {
            Some(EimToIpa::V1_2(
                v1_2::EsipaMessageFromEimToIpa::GetBoundProfilePackageResponseEsipa(a),
            ))
            | Some(EimToIpa::V1_0(
                v1_0::EsipaMessageFromEimToIpa::GetBoundProfilePackageResponseEsipa(a),
            )) => a,
            _ => return Err(unexpected(FUNCTION)),
        };
        match answer {
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(ok) => {
                Ok(ok.bound_profile_package.raw().to_vec())
            }
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(code) => {
                Err(refused(FUNCTION, GET_BOUND_PROFILE_PACKAGE_ERROR, code))
            }
        }
    }

    /// The eIM forwards the notification; `address` is the eIM's to use, not the IPA's.
    async fn handle_notification(
        &mut self,
        _address: &str,
        pending_notification: &[u8],
    ) -> Result<(), Es9Error> {
        const FUNCTION: &str = "handleNotification";
        let notification: Signed<PendingNotification> =
            from_ber(pending_notification).map_err(|e| malformed(FUNCTION, e))?;
        let message = for_layout!(self.version, l => l::EsipaMessageFromIpaToEim::HandleNotificationEsipa(
            l::HandleNotificationEsipa::PendingNotification(notification),
        )
        .into());
        match self.send(FUNCTION, message).await? {
            None => Ok(()),
            Some(_) => Err(unexpected(FUNCTION)),
        }
    }

    async fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        cancel_session_response: &[u8],
    ) -> Result<(), Es9Error> {
        const FUNCTION: &str = "cancelSession";
        let request = CancelSessionRequestEsipa {
            transaction_id: Octets(transaction_id.to_vec()),
            cancel_session_response: from_ber(cancel_session_response)
                .map_err(|e| malformed(FUNCTION, e))?,
        };
        let message = for_layout!(self.version, l => l::EsipaMessageFromIpaToEim::CancelSessionRequestEsipa(request).into());
        let answer = match self.send(FUNCTION, message).await? {
            Some(EimToIpa::V1_2(v1_2::EsipaMessageFromEimToIpa::CancelSessionResponseEsipa(a)))
            | Some(EimToIpa::V1_0(v1_0::EsipaMessageFromEimToIpa::CancelSessionResponseEsipa(a))) => {
                a
            }
            _ => return Err(unexpected(FUNCTION)),
        };
        match answer {
            CancelSessionResponseEsipa::CancelSessionOk(_) => Ok(()),
            CancelSessionResponseEsipa::CancelSessionError(code) => {
                Err(refused(FUNCTION, CANCEL_SESSION_ES9_ERROR, code))
            }
        }
    }
}

/// The key identifier of `euiccCiPKIdToBeUsed`: SGP.32 carries the whole `04 len keyId` TLV in the OCTET
/// STRING (SGP.32 §5.14.1), ES9+ and AuthenticateServer only the key identifier. A bare identifier is kept.
fn subject_key_identifier(octets: Vec<u8>) -> Vec<u8> {
    match octets.as_slice() {
        [0x04, len, rest @ ..] if usize::from(*len) == rest.len() => rest.to_vec(),
        _ => octets,
    }
}

/// An ESipa failure as the ES9+ error of `function`.
fn from_esipa(function: &'static str, error: EsipaError) -> Es9Error {
    match error {
        EsipaError::Http { source, .. } => Es9Error::Http { function, source },
        EsipaError::HttpStatus { status, .. } => Es9Error::HttpStatus { function, status },
        EsipaError::EmptyAnswer { .. } => Es9Error::Malformed {
            function,
            detail: "the eIM answered with an empty body".into(),
        },
        EsipaError::Undecodable { source, .. } => malformed(function, source),
        EsipaError::Json { source, .. } => Es9Error::Malformed {
            function,
            detail: source.to_string(),
        },
    }
}

/// An answer that is not the function's.
fn unexpected(function: &'static str) -> Es9Error {
    Es9Error::Malformed {
        function,
        detail: "the eIM answered another message".into(),
    }
}

/// Bytes that do not decode.
fn malformed(function: &'static str, error: euicc_asn1::DecodeError) -> Es9Error {
    Es9Error::Malformed {
        function,
        detail: error.to_string(),
    }
}

/// An eIM refusal with `code` from `table`.
fn refused(function: &'static str, table: CodeTable, code: i64) -> Es9Error {
    let name = table.iter().find_map(|&(c, n)| (c == code).then_some(n));
    Es9Error::Failed {
        function,
        status: "Failed".into(),
        code: StatusCodeData {
            subject_code: ESIPA_SUBJECT.into(),
            reason_code: code.to_string(),
            message: Some(name.unwrap_or("unknown code").into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ci_key_id_envelope_is_stripped_once() {
        let key_id = vec![0xF5; 20];
        let mut envelope = vec![0x04, 20];
        envelope.extend_from_slice(&key_id);
        assert_eq!(subject_key_identifier(envelope), key_id);
        assert_eq!(subject_key_identifier(key_id.clone()), key_id);
        assert_eq!(subject_key_identifier(vec![0x04, 5, 1]), [0x04, 5, 1]);
    }

    #[test]
    fn refusals_name_their_code() {
        let error = refused(
            "initiateAuthentication",
            v1_2::INITIATE_AUTHENTICATION_ERROR,
            52,
        );
        let Es9Error::Failed { code, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(code.subject_code, ESIPA_SUBJECT);
        assert_eq!(code.reason_code, "52");
        assert_eq!(code.message.as_deref(), Some("invalidEimTransactionId"));
    }
}
