//! The simulated eIM's side of an indirect download (SGP.32 §3.2.3.2): ESipa InitiateAuthentication,
//! AuthenticateClient, GetBoundProfilePackage, CancelSession and a forwarded HandleNotification become ES9+
//! calls to the SM-DP+ ([`Es9Call`]), made by the server with the eIM's ES9+ client ([`execute`]); the SM-DP+'s
//! answer becomes the ESipa answer ([`answer`]). Signed objects pass through as received.

use euicc_asn1::types::sgp22::CancelSessionOk;
use euicc_asn1::types::sgp22::{AuthenticateClientOk, InitiateAuthenticationOkEs9};
use euicc_asn1::types::sgp32::common::{
    AuthenticateClientOkDPEsipa, AuthenticateClientRequestEsipa, AuthenticateClientResponseEsipa,
    CancelSessionRequestEsipa, CancelSessionResponseEsipa, GetBoundProfilePackageOkEsipa,
    GetBoundProfilePackageRequestEsipa, GetBoundProfilePackageResponseEsipa,
};
use euicc_asn1::types::sgp32::{v1_0, v1_2};
use euicc_asn1::{Octets, from_ber, to_der};

use super::es9_client::{Es9Client, Es9Error};
use crate::Layout;

/// `…ErrorEsipa` undefinedError, for an SM-DP+ that failed.
const UNDEFINED_ERROR: i64 = 127;
/// InitiateAuthentication invalidDpAddress: no SM-DP+ named and none configured.
const INVALID_DP_ADDRESS: i64 = 1;

/// An ES9+ call the eIM makes for the IPA. Byte fields are the eUICC's exact outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es9Call {
    /// InitiateAuthentication at `smdp_address`.
    InitiateAuthentication {
        /// The SM-DP+.
        smdp_address: String,
        /// From GetEuiccChallenge.
        euicc_challenge: Vec<u8>,
        /// EUICCInfo1 (DER).
        euicc_info1: Vec<u8>,
    },
    /// AuthenticateClient.
    AuthenticateClient {
        /// The SM-DP+ of the session.
        smdp_address: String,
        /// The session.
        transaction_id: Vec<u8>,
        /// `BF38…` as the eUICC signed it.
        authenticate_server_response: Vec<u8>,
    },
    /// GetBoundProfilePackage.
    GetBoundProfilePackage {
        /// The SM-DP+ of the session.
        smdp_address: String,
        /// The session.
        transaction_id: Vec<u8>,
        /// `BF21…` as the eUICC signed it.
        prepare_download_response: Vec<u8>,
    },
    /// CancelSession.
    CancelSession {
        /// The SM-DP+ of the session.
        smdp_address: String,
        /// The session.
        transaction_id: Vec<u8>,
        /// `BF41…` as the eUICC signed it.
        cancel_session_response: Vec<u8>,
    },
    /// HandleNotification: a notification the IPA sent the eIM, forwarded to its SM-DP+.
    HandleNotification {
        /// The notification's address.
        smdp_address: String,
        /// The notification as the eUICC signed it.
        notification: Vec<u8>,
    },
}

impl Es9Call {
    /// The SM-DP+ the call goes to.
    pub fn smdp_address(&self) -> &str {
        match self {
            Self::InitiateAuthentication { smdp_address, .. }
            | Self::AuthenticateClient { smdp_address, .. }
            | Self::GetBoundProfilePackage { smdp_address, .. }
            | Self::CancelSession { smdp_address, .. }
            | Self::HandleNotification { smdp_address, .. } => smdp_address,
        }
    }

    /// The ES9+ function name.
    pub fn function(&self) -> &'static str {
        match self {
            Self::InitiateAuthentication { .. } => "initiateAuthentication",
            Self::AuthenticateClient { .. } => "authenticateClient",
            Self::GetBoundProfilePackage { .. } => "getBoundProfilePackage",
            Self::CancelSession { .. } => "cancelSession",
            Self::HandleNotification { .. } => "handleNotification",
        }
    }
}

/// What the SM-DP+ answered to an [`Es9Call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Es9Reply {
    /// To InitiateAuthentication.
    Initiated(Box<InitiateAuthenticationOkEs9>),
    /// To AuthenticateClient.
    Authenticated(Box<AuthenticateClientOk>),
    /// To GetBoundProfilePackage: the BPP as received.
    BoundProfilePackage(Vec<u8>),
    /// To CancelSession or HandleNotification.
    Done,
}

/// Makes `call` with `client` (a client of the call's SM-DP+).
pub async fn execute(call: &Es9Call, client: &mut Es9Client) -> Result<Es9Reply, Es9Error> {
    Ok(match call {
        Es9Call::InitiateAuthentication {
            smdp_address,
            euicc_challenge,
            euicc_info1,
        } => Es9Reply::Initiated(Box::new(
            client
                .initiate_authentication(euicc_challenge, euicc_info1, smdp_address)
                .await?,
        )),
        Es9Call::AuthenticateClient {
            transaction_id,
            authenticate_server_response,
            ..
        } => Es9Reply::Authenticated(Box::new(
            client
                .authenticate_client(transaction_id, authenticate_server_response)
                .await?,
        )),
        Es9Call::GetBoundProfilePackage {
            transaction_id,
            prepare_download_response,
            ..
        } => Es9Reply::BoundProfilePackage(
            client
                .get_bound_profile_package(transaction_id, prepare_download_response)
                .await?,
        ),
        Es9Call::CancelSession {
            transaction_id,
            cancel_session_response,
            ..
        } => {
            client
                .cancel_session(transaction_id, cancel_session_response)
                .await?;
            Es9Reply::Done
        }
        Es9Call::HandleNotification {
            smdp_address,
            notification,
        } => {
            client
                .handle_notification(smdp_address, notification)
                .await?;
            Es9Reply::Done
        }
    })
}

/// A relay request read from ESipa, before the eIM knows which SM-DP+ it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RelayRequest {
    /// InitiateAuthentication; `None` address: the eIM's default SM-DP+.
    Initiate {
        smdp_address: Option<String>,
        euicc_challenge: Vec<u8>,
        euicc_info1: Option<Vec<u8>>,
    },
    /// A call within the session `transaction_id`, which names its SM-DP+.
    InSession(SessionCall),
}

/// A call within a download session: the function, the session and the eUICC's signed output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SessionCall {
    function: SessionFunction,
    pub(super) transaction_id: Vec<u8>,
    signed: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionFunction {
    AuthenticateClient,
    GetBoundProfilePackage,
    CancelSession,
}

impl SessionCall {
    /// The call to the session's SM-DP+.
    pub(super) fn to(self, smdp_address: String) -> Es9Call {
        let transaction_id = self.transaction_id;
        match self.function {
            SessionFunction::AuthenticateClient => Es9Call::AuthenticateClient {
                smdp_address,
                transaction_id,
                authenticate_server_response: self.signed,
            },
            SessionFunction::GetBoundProfilePackage => Es9Call::GetBoundProfilePackage {
                smdp_address,
                transaction_id,
                prepare_download_response: self.signed,
            },
            SessionFunction::CancelSession => Es9Call::CancelSession {
                smdp_address,
                transaction_id,
                cancel_session_response: self.signed,
            },
        }
    }

    /// The ESipa answer for a session the eIM does not know (invalidTransactionId).
    pub(super) fn unknown_session(&self, version: Layout) -> Vec<u8> {
        let reply = match self.function {
            SessionFunction::AuthenticateClient => Relayed::AuthenticateClient(
                AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(10),
            ),
            SessionFunction::GetBoundProfilePackage => Relayed::GetBoundProfilePackage(
                GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(95),
            ),
            SessionFunction::CancelSession => {
                Relayed::CancelSession(CancelSessionResponseEsipa::CancelSessionError(1))
            }
        };
        reply.encode(version)
    }
}

/// Reads a relay request of the v1.2 layout.
pub(super) fn read_v1_2(message: &v1_2::EsipaMessageFromIpaToEim) -> Option<RelayRequest> {
    use v1_2::EsipaMessageFromIpaToEim as M;
    Some(match message {
        M::InitiateAuthenticationRequestEsipa(r) => RelayRequest::Initiate {
            smdp_address: r.smdp_address.clone(),
            euicc_challenge: r.euicc_challenge.0.clone(),
            euicc_info1: r.euicc_info1.as_ref().map(to_der),
        },
        M::AuthenticateClientRequestEsipa(r) => authenticate_client(r),
        M::GetBoundProfilePackageRequestEsipa(r) => get_bound_profile_package(r),
        M::CancelSessionRequestEsipa(r) => cancel_session(r),
        _ => return None,
    })
}

/// Reads a relay request of the v1.0 layout.
pub(super) fn read_v1_0(message: &v1_0::EsipaMessageFromIpaToEim) -> Option<RelayRequest> {
    use v1_0::EsipaMessageFromIpaToEim as M;
    Some(match message {
        M::InitiateAuthenticationRequestEsipa(r) => RelayRequest::Initiate {
            smdp_address: r.smdp_address.clone(),
            euicc_challenge: r.euicc_challenge.0.clone(),
            euicc_info1: r.euicc_info1.as_ref().map(to_der),
        },
        M::AuthenticateClientRequestEsipa(r) => authenticate_client(r),
        M::GetBoundProfilePackageRequestEsipa(r) => get_bound_profile_package(r),
        M::CancelSessionRequestEsipa(r) => cancel_session(r),
        _ => return None,
    })
}

fn authenticate_client(r: &AuthenticateClientRequestEsipa) -> RelayRequest {
    RelayRequest::InSession(SessionCall {
        function: SessionFunction::AuthenticateClient,
        transaction_id: r.transaction_id.0.clone(),
        signed: r.authenticate_server_response.raw().to_vec(),
    })
}

fn get_bound_profile_package(r: &GetBoundProfilePackageRequestEsipa) -> RelayRequest {
    RelayRequest::InSession(SessionCall {
        function: SessionFunction::GetBoundProfilePackage,
        transaction_id: r.transaction_id.0.clone(),
        signed: r.prepare_download_response.raw().to_vec(),
    })
}

fn cancel_session(r: &CancelSessionRequestEsipa) -> RelayRequest {
    RelayRequest::InSession(SessionCall {
        function: SessionFunction::CancelSession,
        transaction_id: r.transaction_id.0.clone(),
        signed: r.cancel_session_response.raw().to_vec(),
    })
}

/// The ESipa answer to a relayed call (`None`: the empty answer to HandleNotification), in `version`'s
/// layout. An SM-DP+ failure is the function's undefinedError.
pub fn answer(
    version: Layout,
    call: &Es9Call,
    reply: Result<Es9Reply, Es9Error>,
) -> Option<Vec<u8>> {
    let relayed = match (call, reply) {
        (Es9Call::HandleNotification { .. }, _) => return None,
        (_, Ok(Es9Reply::Initiated(ok))) => Relayed::Initiated(ok),
        (_, Ok(Es9Reply::Authenticated(ok))) => Relayed::AuthenticateClient(
            AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(
                AuthenticateClientOkDPEsipa {
                    transaction_id: Some(ok.transaction_id),
                    profile_meta_data: Some(ok.profile_meta_data),
                    smdp_signed2: ok.smdp_signed2,
                    smdp_signature2: ok.smdp_signature2,
                    smdp_certificate: ok.smdp_certificate,
                    hash_cc: None,
                },
            ),
        ),
        (call, Ok(Es9Reply::BoundProfilePackage(bpp))) => {
            Relayed::GetBoundProfilePackage(match from_ber(&bpp) {
                Ok(package) => GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(
                    GetBoundProfilePackageOkEsipa {
                        transaction_id: session_of(call).map(|t| Octets(t.to_vec())),
                        bound_profile_package: package,
                    },
                ),
                Err(_) => GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(
                    UNDEFINED_ERROR,
                ),
            })
        }
        (_, Ok(Es9Reply::Done)) => Relayed::CancelSession(
            CancelSessionResponseEsipa::CancelSessionOk(CancelSessionOk {}),
        ),
        (call, Err(error)) => {
            tracing::debug!(%error, "the SM-DP+ refused a relayed call");
            failure(call, UNDEFINED_ERROR)
        }
    };
    Some(relayed.encode(version))
}

/// The answer to an InitiateAuthentication the eIM cannot relay: no SM-DP+ named and none configured, or
/// no EUICCInfo1.
pub(super) fn cannot_initiate(version: Layout, smdp_known: bool) -> Vec<u8> {
    let code = match smdp_known {
        true => UNDEFINED_ERROR,
        false => INVALID_DP_ADDRESS,
    };
    Relayed::InitiateError(code).encode(version)
}

/// The function's error answer with `code`.
fn failure(call: &Es9Call, code: i64) -> Relayed {
    match call {
        // HandleNotification is answered empty before this.
        Es9Call::InitiateAuthentication { .. } | Es9Call::HandleNotification { .. } => {
            Relayed::InitiateError(code)
        }
        Es9Call::AuthenticateClient { .. } => Relayed::AuthenticateClient(
            AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(code),
        ),
        Es9Call::GetBoundProfilePackage { .. } => Relayed::GetBoundProfilePackage(
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(code),
        ),
        Es9Call::CancelSession { .. } => {
            Relayed::CancelSession(CancelSessionResponseEsipa::CancelSessionError(code))
        }
    }
}

/// The session a call belongs to.
fn session_of(call: &Es9Call) -> Option<&[u8]> {
    match call {
        Es9Call::AuthenticateClient { transaction_id, .. }
        | Es9Call::GetBoundProfilePackage { transaction_id, .. }
        | Es9Call::CancelSession { transaction_id, .. } => Some(transaction_id),
        _ => None,
    }
}

/// An ESipa answer to a relayed call, before its layout is chosen.
enum Relayed {
    Initiated(Box<InitiateAuthenticationOkEs9>),
    InitiateError(i64),
    AuthenticateClient(AuthenticateClientResponseEsipa),
    GetBoundProfilePackage(GetBoundProfilePackageResponseEsipa),
    CancelSession(CancelSessionResponseEsipa),
}

impl Relayed {
    fn encode(self, version: Layout) -> Vec<u8> {
        use v1_0::EsipaMessageFromEimToIpa as M10;
        use v1_2::EsipaMessageFromEimToIpa as M12;
        match (self, version) {
            (Self::Initiated(ok), Layout::V1_2) => {
                to_der(&M12::InitiateAuthenticationResponseEsipa(
                    v1_2::InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(
                        v1_2::InitiateAuthenticationOkEsipa {
                            transaction_id: Some(ok.transaction_id),
                            server_signed1: ok.server_signed1,
                            server_signature1: ok.server_signature1,
                            euicc_ci_pk_identifier_to_be_used: key_id_envelope(
                                &ok.euicc_ci_pk_id_to_be_used,
                            ),
                            server_certificate: ok.server_certificate,
                            matching_id: None,
                            ctx_params1: None,
                        },
                    ),
                ))
            }
            (Self::Initiated(ok), Layout::V1_0) => {
                to_der(&M10::InitiateAuthenticationResponseEsipa(
                    v1_0::InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(
                        v1_0::InitiateAuthenticationOkEsipa {
                            transaction_id: Some(ok.transaction_id),
                            server_signed1: ok.server_signed1,
                            server_signature1: ok.server_signature1,
                            euicc_ci_pk_id_to_be_used: key_id_envelope(
                                &ok.euicc_ci_pk_id_to_be_used,
                            ),
                            server_certificate: ok.server_certificate,
                            matching_id: None,
                            ctx_params1: None,
                        },
                    ),
                ))
            }
            (Self::InitiateError(code), Layout::V1_2) => {
                to_der(&M12::InitiateAuthenticationResponseEsipa(
                    v1_2::InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(
                        code,
                    ),
                ))
            }
            (Self::InitiateError(code), Layout::V1_0) => {
                to_der(&M10::InitiateAuthenticationResponseEsipa(
                    v1_0::InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(
                        code,
                    ),
                ))
            }
            (Self::AuthenticateClient(r), Layout::V1_2) => {
                to_der(&M12::AuthenticateClientResponseEsipa(r))
            }
            (Self::AuthenticateClient(r), Layout::V1_0) => {
                to_der(&M10::AuthenticateClientResponseEsipa(r))
            }
            (Self::GetBoundProfilePackage(r), Layout::V1_2) => {
                to_der(&M12::GetBoundProfilePackageResponseEsipa(r))
            }
            (Self::GetBoundProfilePackage(r), Layout::V1_0) => {
                to_der(&M10::GetBoundProfilePackageResponseEsipa(r))
            }
            (Self::CancelSession(r), Layout::V1_2) => to_der(&M12::CancelSessionResponseEsipa(r)),
            (Self::CancelSession(r), Layout::V1_0) => to_der(&M10::CancelSessionResponseEsipa(r)),
        }
    }
}

/// `euiccCiPKIdToBeUsed` as SGP.32 carries it: the whole `04 len keyId` TLV (SGP.32 §5.14.1).
fn key_id_envelope(key_id: &Octets) -> Octets {
    Octets(to_der(key_id))
}
