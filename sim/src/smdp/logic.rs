//! The sans-IO SM-DP+: one method per ES9+ function, typed messages in and out, sessions by transaction ID.
//!
//! What each signature covers (SGP.22 §5.6 / §5.7, as pySim's `osmo-smdpp.py` and lpac implement it):
//!
//! | signature | by | over |
//! |---|---|---|
//! | serverSignature1 | SK.DPauth | serverSigned1 |
//! | euiccSignature1 | SK.EUICC | euiccSigned1 |
//! | smdpSignature2 | SK.DPpb | smdpSigned2 ‖ `5F37 40` euiccSignature1 |
//! | euiccSignature2 | SK.EUICC | euiccSigned2 ‖ `5F37 40` smdpSignature2 |
//! | smdpSign | SK.DPpb | remoteOpId, transactionId, CRT and smdpOtpk TLVs ‖ `5F49` euiccOtpk |
//! | euiccSignPIR | SK.EUICC | profileInstallationResultData |
//! | euiccCancelSessionSignature | SK.EUICC | euiccCancelSessionSigned |
//!
//! Signatures are verified over the exact bytes received ([`Signed::raw`]).

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use euicc_asn1::types::sgp22::{
    AuthenticateClientOk, AuthenticateClientRequest, AuthenticateServerResponse, CancelSessionOk,
    CancelSessionRequestEs9, CancelSessionResponse, CtxParams1, FinalResult,
    GetBoundProfilePackageOk, GetBoundProfilePackageRequest, InitiateAuthenticationOkEs9,
    InitiateAuthenticationRequest, PendingNotification, PrepareDownloadResponse, ServerSigned1,
    SmdpSigned2,
};
use euicc_asn1::{BitString, DecodeError, Eid, Iccid, Octets, Oid, Signed, Tag};
use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;

use super::bind::{BindInput, bind};
use super::order::{ProfileOrder, tlv};
use super::status::SmdpError;
use crate::crypto::cert::{CertError, Certificate, RspRole, verify_chain};
use crate::crypto::hash::hash_cc;
use crate::crypto::pki::{CertAndKey, TestPki};

/// How long a session lives after InitiateAuthentication unless the caller chooses otherwise.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(600);

/// Wrong confirmation codes accepted before an order is blocked.
pub const MAX_CC_ATTEMPTS: u32 = 3;

/// Most sessions kept at once; the oldest goes first.
const MAX_SESSIONS: usize = 64;

/// Most events kept for inspection; the oldest goes first.
const MAX_EVENTS: usize = 256;

const TRANSACTION_ID_LEN: usize = 16;
const CHALLENGE_LEN: usize = 16;
const SIGNATURE_TAG: Tag = Tag(0x5F37);

/// Who the SM-DP+ is: its address, OID, signing certificates and the CIs it accepts.
#[derive(Clone, Debug)]
pub struct SmdpIdentity {
    /// The FQDN (`smdpAddress`), compared without regard to case.
    pub address: String,
    /// The SM-DP+ OID, checked in signed cancellations.
    pub oid: Oid,
    /// CERT.DPauth.SIG and its key.
    pub dp_auth: CertAndKey,
    /// CERT.DPpb.SIG and its key.
    pub dp_pb: CertAndKey,
    /// The CI certificates eUICC chains may end at.
    pub ci: Vec<Certificate>,
}

impl SmdpIdentity {
    /// The SM-DP+ of a generated test PKI, reachable as `address`, with the SGP.26 test OID `2.999.10`.
    pub fn from_test_pki(pki: &TestPki, address: &str) -> Self {
        Self {
            address: address.to_owned(),
            oid: Oid(vec![2, 999, 10]),
            dp_auth: pki.dp_auth.clone(),
            dp_pb: pki.dp_pb.clone(),
            ci: vec![pki.ci.cert.clone()],
        }
    }
}

/// Why an SM-DP+ could not be set up or an order not added.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A certificate of the identity is not a DER certificate the codec reads.
    #[error("certificate: {0}")]
    Certificate(#[from] DecodeError),
    /// CERT.DPauth.SIG has no authority key identifier, so no CI can be named to the eUICC.
    #[error("CERT.DPauth.SIG has no authority key identifier")]
    NoAuthorityKeyId,
    /// The identity accepts no CI.
    #[error("no CI certificate")]
    NoCi,
    /// An order's package is empty.
    #[error("empty profile package")]
    EmptyPackage,
    /// Another order has the same matching ID.
    #[error("duplicate matching ID")]
    DuplicateMatchingId,
}

/// Something the SM-DP+ received that tests and the demo look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmdpEvent {
    /// A Profile Installation Result whose signature verified with the session's eUICC certificate.
    InstallationResult {
        /// The download session.
        transaction_id: Vec<u8>,
        /// The notification sequence number.
        seq_number: i64,
        /// The profile, when the result names it.
        iccid: Option<Iccid>,
        /// Whether the profile was installed.
        success: bool,
    },
    /// An enable, disable or delete notification whose chain and signature verified.
    OtherNotification {
        /// The EID of the signing eUICC.
        eid: Eid,
        /// The notification sequence number.
        seq_number: i64,
        /// The NotificationEvent bits.
        operation: BitString,
        /// The profile concerned.
        iccid: Option<Iccid>,
    },
    /// A session the eUICC refused at AuthenticateServer, as relayed in AuthenticateClient.
    AuthenticationRefused {
        /// The session.
        transaction_id: Vec<u8>,
        /// The eUICC's `authenticateErrorCode`.
        reason: i64,
    },
    /// A session the eUICC cancelled (signed cancellation verified).
    SessionCancelled {
        /// The session.
        transaction_id: Vec<u8>,
        /// The CancelSessionReason.
        reason: i64,
    },
}

/// An order and what became of it.
#[derive(Debug)]
struct OrderState {
    order: ProfileOrder,
    cc_failures: u32,
    installed: bool,
}

/// What the SM-DP+ knows after AuthenticateClient.
#[derive(Clone, Debug)]
struct Authenticated {
    euicc_cert: Certificate,
    eid: [u8; 16],
    order: usize,
    smdp_signature2_tlv: Vec<u8>,
}

#[derive(Debug)]
enum Step {
    Initiated {
        server_challenge: [u8; CHALLENGE_LEN],
    },
    Authenticated(Box<Authenticated>),
    Bound(Box<Authenticated>),
}

#[derive(Debug)]
struct Session {
    started: Instant,
    step: Step,
}

/// The simulated SM-DP+: identity, order catalogue and sessions. Each ES9+ function is one method.
#[derive(Debug)]
pub struct SmdpServer {
    identity: SmdpIdentity,
    dp_auth_cert: euicc_asn1::types::sgp22::Certificate,
    dp_pb_cert: euicc_asn1::types::sgp22::Certificate,
    ci_to_be_used: Vec<u8>,
    orders: Vec<OrderState>,
    sessions: HashMap<Vec<u8>, Session>,
    events: Vec<SmdpEvent>,
    session_ttl: Duration,
}

impl SmdpServer {
    /// An SM-DP+ with no orders.
    pub fn new(identity: SmdpIdentity) -> Result<Self, SetupError> {
        if identity.ci.is_empty() {
            return Err(SetupError::NoCi);
        }
        let ci_to_be_used = identity
            .dp_auth
            .cert
            .authority_key_identifier()
            .ok_or(SetupError::NoAuthorityKeyId)?
            .to_vec();
        Ok(Self {
            dp_auth_cert: euicc_asn1::from_ber(identity.dp_auth.cert.der())?,
            dp_pb_cert: euicc_asn1::from_ber(identity.dp_pb.cert.der())?,
            ci_to_be_used,
            identity,
            orders: Vec::new(),
            sessions: HashMap::new(),
            events: Vec::new(),
            session_ttl: DEFAULT_SESSION_TTL,
        })
    }

    /// Sets how long a session lives after InitiateAuthentication.
    pub fn set_session_ttl(&mut self, ttl: Duration) {
        self.session_ttl = ttl;
    }

    /// The identity.
    pub fn identity(&self) -> &SmdpIdentity {
        &self.identity
    }

    /// Adds a download order.
    pub fn add_order(&mut self, order: ProfileOrder) -> Result<(), SetupError> {
        if order.package.is_empty() {
            return Err(SetupError::EmptyPackage);
        }
        if self.find_order(order.matching_id.expose()).is_some() {
            return Err(SetupError::DuplicateMatchingId);
        }
        self.orders.push(OrderState {
            order,
            cc_failures: 0,
            installed: false,
        });
        Ok(())
    }

    /// Whether the order of `matching_id` was installed (a successful PIR came back); `None` if there is no
    /// such order.
    pub fn order_installed(&self, matching_id: &str) -> Option<bool> {
        self.find_order(matching_id)
            .map(|index| self.orders[index].installed)
    }

    /// What the SM-DP+ received so far (installation results, notifications, cancellations).
    pub fn events(&self) -> &[SmdpEvent] {
        &self.events
    }

    /// Live sessions.
    pub fn session_count(&mut self) -> usize {
        self.expire_sessions();
        self.sessions.len()
    }

    /// ES9+.InitiateAuthentication: checks the address and the CIs, opens a session and signs serverSigned1.
    pub fn initiate_authentication(
        &mut self,
        request: &InitiateAuthenticationRequest,
    ) -> Result<InitiateAuthenticationOkEs9, SmdpError> {
        if !request
            .smdp_address
            .eq_ignore_ascii_case(&self.identity.address)
        {
            return Err(SmdpError::AddressRefused);
        }
        if request.euicc_challenge.0.len() != CHALLENGE_LEN {
            return Err(SmdpError::invalid("euiccChallenge must be 16 bytes"));
        }
        let info = &request.euicc_info1;
        let verifies_us = info
            .euicc_ci_pk_id_list_for_verification
            .iter()
            .any(|id| id.0 == self.ci_to_be_used);
        let signed_by_known_ci = info.euicc_ci_pk_id_list_for_signing.iter().any(|id| {
            self.identity
                .ci
                .iter()
                .any(|ci| ci.subject_key_identifier() == Some(id.0.as_slice()))
        });
        if !verifies_us || !signed_by_known_ci {
            return Err(SmdpError::CiNotSupported);
        }

        self.expire_sessions();
        let transaction_id = random::<TRANSACTION_ID_LEN>();
        let server_challenge = random::<CHALLENGE_LEN>();
        let server_signed1 = Signed::new(ServerSigned1 {
            transaction_id: Octets(transaction_id.to_vec()),
            euicc_challenge: request.euicc_challenge.clone(),
            server_address: self.identity.address.clone(),
            server_challenge: Octets(server_challenge.to_vec()),
        });
        let server_signature1 = self.identity.dp_auth.key.sign_raw(server_signed1.raw());
        self.insert_session(
            transaction_id.to_vec(),
            Step::Initiated { server_challenge },
        );
        Ok(InitiateAuthenticationOkEs9 {
            transaction_id: Octets(transaction_id.to_vec()),
            server_signed1,
            server_signature1: Octets(server_signature1.to_vec()),
            euicc_ci_pk_id_to_be_used: Octets(self.ci_to_be_used.clone()),
            server_certificate: self.dp_auth_cert.clone(),
        })
    }

    /// ES9+.AuthenticateClient: verifies the eUICC (chain, signature, challenge), finds the order and signs
    /// smdpSigned2 with the profile metadata.
    pub fn authenticate_client(
        &mut self,
        request: &AuthenticateClientRequest,
    ) -> Result<AuthenticateClientOk, SmdpError> {
        let transaction_id = request.transaction_id.0.clone();
        let server_challenge = match &self.session(&transaction_id)?.step {
            Step::Initiated { server_challenge } => *server_challenge,
            _ => return Err(SmdpError::OutOfSequence),
        };
        let ok = match &request.authenticate_server_response {
            AuthenticateServerResponse::AuthenticateResponseOk(ok) => ok,
            // SGP.22 §3.1.3: the LPA relays the eUICC's refusal; the session ends with its reason.
            AuthenticateServerResponse::AuthenticateResponseError(error) => {
                let reason = error.authenticate_error_code;
                self.sessions.remove(&transaction_id);
                self.record(SmdpEvent::AuthenticationRefused {
                    transaction_id,
                    reason,
                });
                return Err(SmdpError::EuiccRefusedAuthentication(reason));
            }
            AuthenticateServerResponse::CompactAuthenticateResponseOk(_) => {
                return Err(SmdpError::invalid(
                    "compact AuthenticateServer answers are not supported",
                ));
            }
        };
        let euicc_cert =
            self.verify_euicc_chain(ok.euicc_certificate.as_der(), ok.eum_certificate.as_der())?;
        verify_signature(&euicc_cert, ok.euicc_signed1.raw(), &ok.euicc_signature1.0)?;
        let signed1 = ok.euicc_signed1.value();
        let challenge_ok: bool = signed1.server_challenge.0.ct_eq(&server_challenge).into();
        if !challenge_ok
            || signed1.transaction_id.0 != transaction_id
            || !signed1
                .server_address
                .eq_ignore_ascii_case(&self.identity.address)
        {
            return Err(SmdpError::EuiccSignatureInvalid);
        }
        let eid = eid_of(&euicc_cert)?;
        let CtxParams1::CtxParamsForCommonAuthentication(ctx) = &signed1.ctx_params1;
        let order = self.select_order(ctx.matching_id.as_deref(), &eid)?;

        let smdp_signed2 = Signed::new(SmdpSigned2 {
            transaction_id: Octets(transaction_id.clone()),
            cc_required_flag: self.orders[order].order.confirmation_code.is_some(),
            bpp_euicc_otpk: None,
        });
        let mut signed = smdp_signed2.raw().to_vec();
        signed.extend_from_slice(&tlv(SIGNATURE_TAG, &ok.euicc_signature1.0));
        let smdp_signature2 = self.identity.dp_pb.key.sign_raw(&signed);
        let profile_meta_data = self.orders[order].order.metadata.store_metadata_request();
        self.session_mut(&transaction_id)?.step = Step::Authenticated(Box::new(Authenticated {
            euicc_cert,
            eid: *eid.as_bytes(),
            order,
            smdp_signature2_tlv: tlv(SIGNATURE_TAG, &smdp_signature2),
        }));
        Ok(AuthenticateClientOk {
            transaction_id: Octets(transaction_id),
            profile_meta_data,
            smdp_signed2,
            smdp_signature2: Octets(smdp_signature2.to_vec()),
            smdp_certificate: self.dp_pb_cert.clone(),
        })
    }

    /// ES9+.GetBoundProfilePackage: verifies euiccSignature2 and the confirmation code, then binds the
    /// package to the eUICC's one-time key.
    pub fn get_bound_profile_package(
        &mut self,
        request: &GetBoundProfilePackageRequest,
    ) -> Result<GetBoundProfilePackageOk, SmdpError> {
        let transaction_id = request.transaction_id.0.clone();
        let auth = match &self.session(&transaction_id)?.step {
            Step::Authenticated(auth) => auth.clone(),
            Step::Bound(_) => return Err(SmdpError::BppRebindingRefused),
            Step::Initiated { .. } => return Err(SmdpError::OutOfSequence),
        };
        let ok = match &request.prepare_download_response {
            PrepareDownloadResponse::DownloadResponseOk(ok) => ok,
            PrepareDownloadResponse::DownloadResponseError(error) => {
                return Err(SmdpError::invalid(format!(
                    "the eUICC refused PrepareDownload (code {})",
                    error.download_error_code
                )));
            }
            PrepareDownloadResponse::CompactDownloadResponseOk(_) => {
                return Err(SmdpError::invalid(
                    "compact PrepareDownload answers are not supported",
                ));
            }
        };
        let mut signed = ok.euicc_signed2.raw().to_vec();
        signed.extend_from_slice(&auth.smdp_signature2_tlv);
        verify_signature(&auth.euicc_cert, &signed, &ok.euicc_signature2.0)?;
        let signed2 = ok.euicc_signed2.value();
        if signed2.transaction_id.0 != transaction_id {
            return Err(SmdpError::UnknownTransaction);
        }
        let order_index = auth.order;
        self.check_confirmation_code(order_index, signed2.hash_cc.as_ref(), &transaction_id)?;

        let state = &self.orders[order_index];
        let bpp = bind(&BindInput {
            transaction_id: &transaction_id,
            eid: &auth.eid,
            euicc_otpk: &signed2.euicc_otpk.0,
            metadata: &state.order.metadata.store_metadata_request(),
            package: &state.order.package,
            dp_pb_key: &self.identity.dp_pb.key,
        })?;
        self.session_mut(&transaction_id)?.step = Step::Bound(auth);
        Ok(GetBoundProfilePackageOk {
            transaction_id: Octets(transaction_id),
            bound_profile_package: bpp,
        })
    }

    /// ES9+.HandleNotification: verifies the notification's signature (a PIR with the session's eUICC
    /// certificate, other notifications with the chain they carry) and records it. A successful PIR closes
    /// the session and marks the order installed.
    pub fn handle_notification(
        &mut self,
        notification: &PendingNotification,
    ) -> Result<(), SmdpError> {
        match notification {
            PendingNotification::ProfileInstallationResult(pir) => {
                let data = &pir.profile_installation_result_data;
                let transaction_id = data.value().transaction_id.0.clone();
                let (euicc_cert, order) = match &self.session(&transaction_id)?.step {
                    Step::Bound(auth) | Step::Authenticated(auth) => {
                        (auth.euicc_cert.clone(), auth.order)
                    }
                    Step::Initiated { .. } => return Err(SmdpError::OutOfSequence),
                };
                verify_signature(&euicc_cert, data.raw(), &pir.euicc_sign_pir.0)?;
                let success = matches!(data.value().final_result, FinalResult::SuccessResult(_));
                if success {
                    self.orders[order].installed = true;
                }
                self.sessions.remove(&transaction_id);
                let metadata = &data.value().notification_metadata;
                self.record(SmdpEvent::InstallationResult {
                    transaction_id,
                    seq_number: metadata.seq_number,
                    iccid: metadata.iccid,
                    success,
                });
                Ok(())
            }
            PendingNotification::OtherSignedNotification(other) => {
                let euicc_cert = self.verify_euicc_chain(
                    other.euicc_certificate.as_der(),
                    other.eum_certificate.as_der(),
                )?;
                verify_signature(
                    &euicc_cert,
                    other.tbs_other_notification.raw(),
                    &other.euicc_notification_signature.0,
                )?;
                let metadata = other.tbs_other_notification.value();
                self.record(SmdpEvent::OtherNotification {
                    eid: eid_of(&euicc_cert)?,
                    seq_number: metadata.seq_number,
                    operation: metadata.profile_management_operation.clone(),
                    iccid: metadata.iccid,
                });
                Ok(())
            }
            PendingNotification::CompactProfileInstallationResult(_)
            | PendingNotification::CompactOtherSignedNotification(_) => Err(SmdpError::invalid(
                "compact notifications are not supported",
            )),
        }
    }

    /// ES9+.CancelSession: verifies the eUICC's signed cancellation and ends the session.
    pub fn cancel_session(
        &mut self,
        request: &CancelSessionRequestEs9,
    ) -> Result<CancelSessionOk, SmdpError> {
        let transaction_id = request.transaction_id.0.clone();
        let session = self.session(&transaction_id)?;
        match &request.cancel_session_response {
            CancelSessionResponse::CancelSessionResponseOk(ok) => {
                let auth = match &session.step {
                    Step::Authenticated(auth) | Step::Bound(auth) => auth,
                    Step::Initiated { .. } => return Err(SmdpError::OutOfSequence),
                };
                verify_signature(
                    &auth.euicc_cert,
                    ok.euicc_cancel_session_signed.raw(),
                    &ok.euicc_cancel_session_signature.0,
                )?;
                let signed = ok.euicc_cancel_session_signed.value();
                if signed.transaction_id.0 != transaction_id {
                    return Err(SmdpError::UnknownTransaction);
                }
                if signed.smdp_oid != self.identity.oid {
                    return Err(SmdpError::SmdpOidInvalid);
                }
                let reason = signed.reason;
                self.sessions.remove(&transaction_id);
                self.record(SmdpEvent::SessionCancelled {
                    transaction_id,
                    reason,
                });
            }
            // The eUICC could not sign (it no longer knows the session): nothing to verify, end it too.
            CancelSessionResponse::CancelSessionResponseError(_) => {
                self.sessions.remove(&transaction_id);
            }
            CancelSessionResponse::CompactCancelSessionResponseOk(_) => {
                return Err(SmdpError::invalid(
                    "compact CancelSession answers are not supported",
                ));
            }
        }
        Ok(CancelSessionOk {})
    }

    fn find_order(&self, matching_id: &str) -> Option<usize> {
        self.orders.iter().position(|state| {
            bool::from(
                state
                    .order
                    .matching_id
                    .expose()
                    .as_bytes()
                    .ct_eq(matching_id.as_bytes()),
            )
        })
    }

    /// The order for a matching ID, or (empty matching ID) the first open order bound to this EID.
    fn select_order(&self, matching_id: Option<&str>, eid: &Eid) -> Result<usize, SmdpError> {
        let index = match matching_id.filter(|id| !id.is_empty()) {
            Some(id) => self.find_order(id),
            None => self
                .orders
                .iter()
                .position(|state| !state.installed && state.order.eid.as_ref() == Some(eid)),
        }
        .ok_or(SmdpError::MatchingIdRefused)?;
        let state = &self.orders[index];
        if state.installed {
            return Err(SmdpError::MatchingIdRefused);
        }
        if state
            .order
            .expires
            .is_some_and(|expires| SystemTime::now() >= expires)
        {
            return Err(SmdpError::OrderExpired);
        }
        if state.order.eid.as_ref().is_some_and(|bound| bound != eid) {
            return Err(SmdpError::EidMismatch);
        }
        Ok(index)
    }

    fn check_confirmation_code(
        &mut self,
        order: usize,
        hash: Option<&Octets>,
        transaction_id: &[u8],
    ) -> Result<(), SmdpError> {
        let state = &mut self.orders[order];
        let Some(code) = &state.order.confirmation_code else {
            return Ok(());
        };
        if state.cc_failures >= MAX_CC_ATTEMPTS {
            return Err(SmdpError::ConfirmationCodeRetriesExceeded);
        }
        let hash = hash.ok_or(SmdpError::ConfirmationCodeMissing)?;
        let expected = hash_cc(code.expose().as_bytes(), transaction_id);
        if bool::from(expected.ct_eq(hash.0.as_slice())) {
            return Ok(());
        }
        state.cc_failures += 1;
        Err(if state.cc_failures >= MAX_CC_ATTEMPTS {
            SmdpError::ConfirmationCodeRetriesExceeded
        } else {
            SmdpError::ConfirmationCodeRefused
        })
    }

    fn verify_euicc_chain(&self, euicc: &[u8], eum: &[u8]) -> Result<Certificate, SmdpError> {
        let invalid = |e: CertError| SmdpError::EuiccCertificateInvalid(e.to_string());
        let euicc = Certificate::from_der(euicc).map_err(invalid)?;
        let eum = Certificate::from_der(eum).map_err(invalid)?;
        if !euicc.has_role(RspRole::Euicc) || !eum.has_role(RspRole::Eum) {
            return Err(SmdpError::EuiccCertificateInvalid(
                "missing eUICC or EUM role policy".into(),
            ));
        }
        match verify_chain(&euicc, std::slice::from_ref(&eum), &self.identity.ci) {
            Ok(_) => {}
            Err(CertError::UnknownIssuer) => return Err(SmdpError::CiUnknown),
            Err(e) => return Err(invalid(e)),
        }
        let now = SystemTime::now();
        if !euicc.is_valid_at(now) || !eum.is_valid_at(now) {
            return Err(SmdpError::EuiccCertificateExpired);
        }
        Ok(euicc)
    }

    fn expire_sessions(&mut self) {
        let ttl = self.session_ttl;
        self.sessions
            .retain(|_, session| session.started.elapsed() < ttl);
    }

    fn insert_session(&mut self, transaction_id: Vec<u8>, step: Step) {
        if self.sessions.len() >= MAX_SESSIONS {
            let oldest = self
                .sessions
                .iter()
                .min_by_key(|(_, session)| session.started)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                self.sessions.remove(&oldest);
            }
        }
        self.sessions.insert(
            transaction_id,
            Session {
                started: Instant::now(),
                step,
            },
        );
    }

    fn session(&mut self, transaction_id: &[u8]) -> Result<&Session, SmdpError> {
        self.expire_sessions();
        self.sessions
            .get(transaction_id)
            .ok_or(SmdpError::UnknownTransaction)
    }

    fn session_mut(&mut self, transaction_id: &[u8]) -> Result<&mut Session, SmdpError> {
        self.sessions
            .get_mut(transaction_id)
            .ok_or(SmdpError::UnknownTransaction)
    }

    fn record(&mut self, event: SmdpEvent) {
        match &event {
            SmdpEvent::SessionCancelled { reason, .. } => {
                tracing::info!(reason, "SM-DP+ session cancelled by the eUICC");
            }
            SmdpEvent::AuthenticationRefused { reason, .. } => {
                tracing::info!(
                    reason,
                    "SM-DP+ session refused by the eUICC at AuthenticateServer"
                );
            }
            _ => {}
        }
        if self.events.len() >= MAX_EVENTS {
            self.events.remove(0);
        }
        self.events.push(event);
    }
}

/// Verifies a raw `r‖s` signature by the certificate's key.
fn verify_signature(cert: &Certificate, message: &[u8], signature: &[u8]) -> Result<(), SmdpError> {
    cert.public_key()
        .map_err(|e| SmdpError::EuiccCertificateInvalid(e.to_string()))?
        .verify_raw(message, signature)
        .map_err(|_| SmdpError::EuiccSignatureInvalid)
}

/// The EID in the eUICC certificate's subject serialNumber.
fn eid_of(cert: &Certificate) -> Result<Eid, SmdpError> {
    cert.subject_serial_number()
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| SmdpError::EuiccCertificateInvalid("no EID in the subject".into()))
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}
