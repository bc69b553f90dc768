//! The download chain (SGP.22 §3.1.3, ES10b): AuthenticateServer, PrepareDownload, the Bound Profile
//! Package segment by segment, the signed Profile Installation Result, and CancelSession.
//!
//! The session is volatile: a power loss drops it, and a BPP whose last segment never arrived installs
//! nothing (the profile is written to the persistent state in one step, with its PIR, at the end). The
//! one-time key pair outlives a failed session so that an SM-DP+ can rebind the same package
//! (`bppEuiccOtpk` in smdpSigned2), until a profile is installed.
//!
//! What each signature covers (pySim `es8p.py` / `osmo-smdpp.py`, SGP.22):
//! - serverSignature1: serverSigned1; euiccSignature1: euiccSigned1;
//! - smdpSignature2: smdpSigned2 ‖ the `5F37` TLV of euiccSignature1;
//! - euiccSignature2: euiccSigned2 ‖ the `5F37` TLV of smdpSignature2;
//! - smdpSign (InitialiseSecureChannel): its `82`, `80`, `A6` and `5F49` TLVs as received ‖ `5F49` euiccOtpk;
//! - euiccSignPIR: profileInstallationResultData (`BF27`); euiccCancelSessionSignature:
//!   euiccCancelSessionSigned.

use euicc_asn1::types::sgp22::{
    AuthenticateResponseError, AuthenticateResponseOk, AuthenticateServerRequest,
    AuthenticateServerResponse, CancelSessionRequest, CancelSessionResponse,
    CancelSessionResponseOk, EUICCSigned2, ErrorResult, EuiccCancelSessionSigned, EuiccSigned1,
    FinalResult, InitialiseSecureChannelRequest, PrepareDownloadRequest, PrepareDownloadResponse,
    PrepareDownloadResponseError, PrepareDownloadResponseOk, ProfileInstallationResult,
    ProfileInstallationResultData, StoreMetadataRequest, SuccessResult,
};
use euicc_asn1::{Ctx, Iccid, Limits, Octets, Oid, Signed, Tag, Tlv, Writer, from_ber, to_der};

use super::state::{NotificationKind, Profile};
use super::{CommandError, Header, SimEuicc, header, respond};
use crate::card::AppletOutcome;
use crate::crypto::bsp::{BspDecoder, BspError, ERROR_REASON_STRUCTURE, SegmentTag};
use crate::crypto::cert::{Certificate as X509, RspRole, verify_chain};
use crate::crypto::ecdsa::VerifyingKey;
use crate::crypto::ecka::OneTimeKeyPair;
use crate::crypto::kdf::{ControlReferenceTemplate, SessionKeys, derive_session_keys};

/// AuthenticateServer / PrepareDownload error codes (SGP.22).
mod auth_error {
    pub const INVALID_CERTIFICATE: i64 = 1;
    pub const INVALID_SIGNATURE: i64 = 2;
    pub const UNSUPPORTED_CURVE: i64 = 3;
    pub const NO_SESSION_CONTEXT: i64 = 4;
    pub const INVALID_OID: i64 = 5;
    pub const INVALID_TRANSACTION_ID: i64 = 5;
    pub const EUICC_CHALLENGE_MISMATCH: i64 = 6;
    pub const CI_PK_UNKNOWN: i64 = 7;
    pub const UNDEFINED: i64 = 127;
}

/// BPP command identifiers of the PIR's errorResult.
mod bpp_command {
    pub const INITIALISE_SECURE_CHANNEL: i64 = 0;
    pub const CONFIGURE_ISDP: i64 = 1;
    pub const STORE_METADATA: i64 = 2;
    pub const REPLACE_SESSION_KEYS: i64 = 4;
    pub const LOAD_PROFILE_ELEMENTS: i64 = 5;
}

/// PIR error reasons.
mod reason {
    pub const INCORRECT_INPUT_VALUES: i64 = 1;
    pub const INVALID_SIGNATURE: i64 = 2;
    pub const INVALID_TRANSACTION_ID: i64 = 3;
    pub const UNSUPPORTED_CRT_VALUES: i64 = 4;
    pub const UNSUPPORTED_REMOTE_OPERATION_TYPE: i64 = 5;
    pub const ICCID_ALREADY_EXISTS: i64 = 9;
    pub const INSUFFICIENT_MEMORY: i64 = 10;
}

/// CancelSession invalidTransactionId.
const CANCEL_INVALID_TRANSACTION_ID: i64 = 5;
/// remoteOpId installBoundProfilePackage.
const INSTALL_BOUND_PROFILE_PACKAGE: i64 = 1;
/// Largest StoreMetadata accepted.
const MAX_METADATA: usize = 16 * 1024;
/// Largest profile package accepted.
const MAX_PROFILE_BYTES: u64 = 1024 * 1024;
/// The SM-DP+ OID reported in PIRs and cancellations: the SGP.26 test SM-DP+ (`2.999.10`), since the test
/// PKI's certificates carry no registeredID.
const SMDP_OID: [u64; 3] = [2, 999, 10];
/// The SIMalliance EUICCResponse of a successful installation: `{ peStatus { { status ok } } }`.
const SIMA_RESPONSE_OK: [u8; 9] = [0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00];

/// A download session in progress (volatile).
pub(super) struct Session {
    transaction_id: Vec<u8>,
    server_address: String,
    /// The CI the SM-DP+ certificates must chain to.
    ci: X509,
    stage: Stage,
}

enum Stage {
    /// AuthenticateServer succeeded.
    Authenticated { euicc_signature1: Vec<u8> },
    /// PrepareDownload succeeded; the one-time key is in the volatile state.
    Prepared {
        euicc_otpk: Vec<u8>,
        dp_pb: VerifyingKey,
    },
    /// The BPP is being loaded.
    Loading(Box<Loading>),
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stage = match self.stage {
            Stage::Authenticated { .. } => "authenticated",
            Stage::Prepared { .. } => "prepared",
            Stage::Loading(_) => "loading",
        };
        f.debug_struct("Session")
            .field("stage", &stage)
            .finish_non_exhaustive()
    }
}

/// Where the BPP load is.
struct Loading {
    decoder: BspDecoder,
    /// The last container (`A0`…`A3`) completed, `0` after InitialiseSecureChannel.
    completed: u32,
    /// The container being received and how many of its content bytes are still to come.
    open: Option<(u32, usize)>,
    metadata_bytes: Vec<u8>,
    metadata: Option<StoreMetadataRequest>,
    profile_bytes: u64,
}

/// A failed BPP command: the PIR's bppCommandId and errorReason.
struct BppFailure {
    command: i64,
    reason: i64,
}

fn fail(command: i64, reason: i64) -> BppFailure {
    BppFailure { command, reason }
}

/// A BSP (SCP03t) failure of a segment of `command`.
fn bsp_failure(command: i64, error: &BspError) -> BppFailure {
    fail(command, i64::from(error.error_reason()))
}

/// The `5F37` TLV of a signature, as the next signature in the chain covers it.
fn signature_tlv(signature: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.tlv(Tag(0x5F37), |w| w.raw(signature));
    w.into_bytes()
}

fn smdp_oid() -> Oid {
    Oid(SMDP_OID.to_vec())
}

impl SimEuicc {
    pub(super) fn authenticate_server(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<AuthenticateServerRequest>(command)?;
        let challenge = self.volatile.challenge.take();
        self.volatile.session = None;
        let signed1 = request.server_signed1.value();
        let ci = match self.check_server(&request, challenge) {
            Ok(ci) => ci,
            Err(code) => {
                return respond(&AuthenticateServerResponse::AuthenticateResponseError(
                    AuthenticateResponseError {
                        transaction_id: signed1.transaction_id.clone(),
                        authenticate_error_code: code,
                    },
                ));
            }
        };
        let euicc_signed1 = Signed::new(EuiccSigned1 {
            transaction_id: signed1.transaction_id.clone(),
            server_address: signed1.server_address.clone(),
            server_challenge: signed1.server_challenge.clone(),
            euicc_info2: self.euicc_info2(),
            ctx_params1: request.ctx_params1.clone(),
        });
        let euicc_signature1 = self.sign(euicc_signed1.raw());
        let (euicc_certificate, eum_certificate) = self.certificates()?;
        self.volatile.session = Some(Session {
            transaction_id: signed1.transaction_id.0.clone(),
            server_address: signed1.server_address.clone(),
            ci,
            stage: Stage::Authenticated {
                euicc_signature1: euicc_signature1.0.clone(),
            },
        });
        respond(&AuthenticateServerResponse::AuthenticateResponseOk(
            AuthenticateResponseOk {
                euicc_signed1,
                euicc_signature1,
                euicc_certificate,
                eum_certificate,
            },
        ))
    }

    /// Checks the CI, CERT.DPauth, serverSignature1 and the challenge; returns the CI.
    fn check_server(
        &self,
        request: &AuthenticateServerRequest,
        challenge: Option<[u8; 16]>,
    ) -> Result<X509, i64> {
        let ci = self
            .identity
            .ci
            .iter()
            .find(|ci| {
                ci.subject_key_identifier() == Some(request.euicc_ci_pk_id_to_be_used.as_slice())
            })
            .ok_or(auth_error::CI_PK_UNKNOWN)?;
        let key = check_certificate(request.server_certificate.as_der(), ci, RspRole::DpAuth)?;
        key.verify_raw(
            request.server_signed1.raw(),
            request.server_signature1.as_slice(),
        )
        .map_err(|_| auth_error::INVALID_SIGNATURE)?;
        let echoed = request.server_signed1.value().euicc_challenge.as_slice();
        if challenge.as_ref().map(|c| c.as_slice()) != Some(echoed) {
            return Err(auth_error::EUICC_CHALLENGE_MISMATCH);
        }
        Ok(ci.clone())
    }

    pub(super) fn prepare_download(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<PrepareDownloadRequest>(command)?;
        let transaction_id = request.smdp_signed2.value().transaction_id.clone();
        match self.check_prepare(&request) {
            Ok((dp_pb, smdp_signature2)) => {
                // Rebinding (SGP.22 bppEuiccOtpk): keep the key of an earlier attempt if it is the one named.
                let previous = request.smdp_signed2.value().bpp_euicc_otpk.as_ref();
                let one_time_key = match self.volatile.one_time_key.take() {
                    Some(key) if previous.is_some_and(|pk| pk.as_slice() == key.public_key()) => {
                        key
                    }
                    _ => OneTimeKeyPair::generate(),
                };
                let euicc_otpk = one_time_key.public_key().to_vec();
                self.volatile.one_time_key = Some(one_time_key);
                let euicc_signed2 = Signed::new(EUICCSigned2 {
                    transaction_id,
                    euicc_otpk: Octets(euicc_otpk.clone()),
                    hash_cc: request.hash_cc.clone(),
                });
                let mut signed_data = euicc_signed2.raw().to_vec();
                signed_data.extend_from_slice(&smdp_signature2);
                let euicc_signature2 = self.sign(&signed_data);
                if let Some(session) = self.volatile.session.as_mut() {
                    session.stage = Stage::Prepared { euicc_otpk, dp_pb };
                }
                respond(&PrepareDownloadResponse::DownloadResponseOk(
                    PrepareDownloadResponseOk {
                        euicc_signed2,
                        euicc_signature2,
                    },
                ))
            }
            Err(code) => {
                if code != auth_error::INVALID_TRANSACTION_ID {
                    self.volatile.session = None;
                }
                respond(&PrepareDownloadResponse::DownloadResponseError(
                    PrepareDownloadResponseError {
                        transaction_id,
                        download_error_code: code,
                    },
                ))
            }
        }
    }

    /// Checks the session, CERT.DPpb, smdpSignature2 and hashCc; returns the DPpb key and the
    /// smdpSignature2 TLV that euiccSignature2 covers.
    fn check_prepare(
        &self,
        request: &PrepareDownloadRequest,
    ) -> Result<(VerifyingKey, Vec<u8>), i64> {
        let Some(Session {
            transaction_id,
            ci,
            stage: Stage::Authenticated { euicc_signature1 },
            ..
        }) = &self.volatile.session
        else {
            return Err(auth_error::NO_SESSION_CONTEXT);
        };
        let signed2 = request.smdp_signed2.value();
        if signed2.transaction_id.as_slice() != transaction_id.as_slice() {
            return Err(auth_error::INVALID_TRANSACTION_ID);
        }
        let key = check_certificate(request.smdp_certificate.as_der(), ci, RspRole::DpPb)?;
        let mut signed_data = request.smdp_signed2.raw().to_vec();
        signed_data.extend_from_slice(&signature_tlv(euicc_signature1));
        key.verify_raw(&signed_data, request.smdp_signature2.as_slice())
            .map_err(|_| auth_error::INVALID_SIGNATURE)?;
        // The eUICC cannot check the code itself, only that the hash is there when one is required.
        if signed2.cc_required_flag != request.hash_cc.is_some() {
            return Err(auth_error::UNDEFINED);
        }
        Ok((key, signature_tlv(request.smdp_signature2.as_slice())))
    }

    pub(super) fn cancel_session(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let request = from_ber::<CancelSessionRequest>(command)?;
        let matches = self
            .volatile
            .session
            .as_ref()
            .is_some_and(|s| s.transaction_id == request.transaction_id.as_slice());
        if !matches {
            return respond(&CancelSessionResponse::CancelSessionResponseError(
                CANCEL_INVALID_TRANSACTION_ID,
            ));
        }
        self.volatile.session = None;
        let signed = Signed::new(EuiccCancelSessionSigned {
            transaction_id: request.transaction_id,
            smdp_oid: smdp_oid(),
            reason: request.reason,
        });
        respond(&CancelSessionResponse::CancelSessionResponseOk(
            CancelSessionResponseOk {
                euicc_cancel_session_signature: self.sign(signed.raw()),
                euicc_cancel_session_signed: signed,
            },
        ))
    }

    /// One LoadBoundProfilePackage command: answers nothing until the last segment, then the PIR; a
    /// failing segment answers the error PIR and ends the session.
    pub(super) fn load_bpp_segment(
        &mut self,
        command: &[u8],
    ) -> Result<AppletOutcome, CommandError> {
        let head = header(command).ok_or(CommandError::Unexpected(0))?;
        let Some(mut session) = self.volatile.session.take() else {
            return Err(CommandError::NoSession);
        };
        let result = match head.tag {
            0xBF36 => self.initialise_secure_channel(&mut session, &command[head.len..]),
            _ => match &mut session.stage {
                Stage::Loading(loading) => self.load_segments(loading, head, command),
                _ => Err(fail(
                    bpp_command::INITIALISE_SECURE_CHANNEL,
                    reason::INCORRECT_INPUT_VALUES,
                )),
            },
        };
        match result {
            Ok(None) => {
                self.volatile.session = Some(session);
                Ok(AppletOutcome::ok(Vec::new()))
            }
            Ok(Some(mut profile)) => {
                if profile.notification_address.is_empty() {
                    profile.notification_address = session.server_address.clone();
                }
                self.state.last_isdp += 1;
                self.volatile.one_time_key = None;
                let iccid = profile.iccid;
                let address = profile.notification_address.clone();
                let aid = profile.isdp_aid.clone();
                self.state.profiles.push(profile);
                self.volatile.installed = Some(iccid);
                let success = FinalResult::SuccessResult(SuccessResult {
                    aid: Octets(aid),
                    sima_response: Octets(SIMA_RESPONSE_OK.to_vec()),
                });
                Ok(self.pir(&session, Some(iccid), &address, success))
            }
            Err(failure) => {
                let (iccid, address) = match &session.stage {
                    Stage::Loading(l) => (
                        l.metadata.as_ref().map(|m| m.iccid),
                        install_address(l.metadata.as_ref(), &session.server_address),
                    ),
                    _ => (None, session.server_address.clone()),
                };
                let error = FinalResult::ErrorResult(ErrorResult {
                    bpp_command_id: failure.command,
                    error_reason: failure.reason,
                    sima_response: None,
                });
                Ok(self.pir(&session, iccid, &address, error))
            }
        }
    }

    /// The first segment: `BF36` header and InitialiseSecureChannel.
    fn initialise_secure_channel(
        &self,
        session: &mut Session,
        bf23: &[u8],
    ) -> Result<Option<Profile>, BppFailure> {
        let command = bpp_command::INITIALISE_SECURE_CHANNEL;
        let (Stage::Prepared { euicc_otpk, dp_pb }, Some(one_time_key)) =
            (&session.stage, &self.volatile.one_time_key)
        else {
            return Err(fail(command, reason::INCORRECT_INPUT_VALUES));
        };
        let request = from_ber::<InitialiseSecureChannelRequest>(bf23)
            .map_err(|_| fail(command, reason::INCORRECT_INPUT_VALUES))?;
        if request.remote_op_id.0 != INSTALL_BOUND_PROFILE_PACKAGE {
            return Err(fail(command, reason::UNSUPPORTED_REMOTE_OPERATION_TYPE));
        }
        if request.transaction_id.as_slice() != session.transaction_id.as_slice() {
            return Err(fail(command, reason::INVALID_TRANSACTION_ID));
        }
        let mut signed_data = signed_part_of_bf23(bf23)
            .ok_or_else(|| fail(command, reason::INCORRECT_INPUT_VALUES))?;
        let mut w = Writer::new();
        w.tlv(Tag(0x5F49), |w| w.raw(euicc_otpk));
        signed_data.extend_from_slice(&w.into_bytes());
        dp_pb
            .verify_raw(&signed_data, request.smdp_sign.as_slice())
            .map_err(|_| fail(command, reason::INVALID_SIGNATURE))?;
        let crt = &request.control_ref_template;
        let (&[key_type], &[key_length]) = (crt.key_type.as_slice(), crt.key_len.as_slice()) else {
            return Err(fail(command, reason::UNSUPPORTED_CRT_VALUES));
        };
        let shared = one_time_key
            .agree(request.smdp_otpk.as_slice())
            .map_err(|_| fail(command, reason::INCORRECT_INPUT_VALUES))?;
        let template = ControlReferenceTemplate {
            key_type,
            key_length,
            host_id: crt.host_id.as_slice(),
        };
        let keys = derive_session_keys(&shared, &template, self.identity.eid.as_bytes())
            .map_err(|_| fail(command, reason::UNSUPPORTED_CRT_VALUES))?;
        session.stage = Stage::Loading(Box::new(Loading {
            decoder: BspDecoder::new(&keys),
            completed: 0,
            open: None,
            metadata_bytes: Vec::new(),
            metadata: None,
            profile_bytes: 0,
        }));
        Ok(None)
    }

    /// A container header (`A0`…`A3`), possibly followed by segments, or one segment (`86`, `87`, `88`).
    /// Returns the profile once the last segment is in.
    fn load_segments(
        &self,
        loading: &mut Loading,
        head: Header,
        command: &[u8],
    ) -> Result<Option<Profile>, BppFailure> {
        let mut rest = command;
        if (0xA0..=0xA3).contains(&head.tag) {
            let allowed = match head.tag {
                0xA0 => loading.completed == 0,
                0xA1 => loading.completed == 0xA0,
                0xA2 => loading.completed == 0xA1,
                _ => matches!(loading.completed, 0xA1 | 0xA2),
            };
            if !allowed || loading.open.is_some() {
                return Err(fail(command_of(head.tag), reason::INCORRECT_INPUT_VALUES));
            }
            loading.open = Some((head.tag, head.content_len));
            rest = &command[head.len..];
            if let Some(profile) = self.close_if_complete(loading)? {
                return Ok(Some(profile));
            }
        }
        while !rest.is_empty() {
            let Some((container, remaining)) = loading.open else {
                return Err(fail(command_of(0), reason::INCORRECT_INPUT_VALUES));
            };
            let command_id = command_of(container);
            let segment_len = header(rest)
                .and_then(|h| h.len.checked_add(h.content_len))
                .filter(|len| *len <= rest.len() && *len <= remaining)
                .ok_or_else(|| fail(command_id, i64::from(ERROR_REASON_STRUCTURE)))?;
            let (segment, tail) = rest.split_at(segment_len);
            rest = tail;
            loading.open = Some((container, remaining - segment_len));
            let plain = loading
                .decoder
                .unprotect(segment)
                .map_err(|e| bsp_failure(command_id, &e))?;
            let expected = match container {
                0xA1 => SegmentTag::StoreMetadata,
                0xA3 => SegmentTag::ProfileElements,
                _ => SegmentTag::ConfigureIsdpOrReplaceKeys,
            };
            if plain.tag != expected {
                return Err(fail(command_id, i64::from(ERROR_REASON_STRUCTURE)));
            }
            match container {
                0xA1 => {
                    if loading.metadata_bytes.len() + plain.data.len() > MAX_METADATA {
                        return Err(fail(command_id, reason::INCORRECT_INPUT_VALUES));
                    }
                    loading.metadata_bytes.extend_from_slice(&plain.data);
                }
                0xA2 => {
                    let keys = replace_session_keys(&plain.data)
                        .ok_or_else(|| fail(command_id, reason::INCORRECT_INPUT_VALUES))?;
                    loading.decoder = BspDecoder::new(&keys);
                }
                0xA3 => {
                    loading.profile_bytes += plain.data.len() as u64;
                    if loading.profile_bytes > MAX_PROFILE_BYTES {
                        return Err(fail(command_id, reason::INSUFFICIENT_MEMORY));
                    }
                }
                // ConfigureISDP: the ISD-P is created when the profile is installed.
                _ => {}
            }
            if let Some(profile) = self.close_if_complete(loading)? {
                return Ok(Some(profile));
            }
        }
        Ok(None)
    }

    /// Closes the open container once all its bytes are in, checking what its end makes checkable.
    fn close_if_complete(&self, loading: &mut Loading) -> Result<Option<Profile>, BppFailure> {
        let Some((container, 0)) = loading.open else {
            return Ok(None);
        };
        loading.open = None;
        loading.completed = container;
        match container {
            0xA0 if self.state.profiles.len() >= self.config.max_profiles => Err(fail(
                bpp_command::CONFIGURE_ISDP,
                reason::INSUFFICIENT_MEMORY,
            )),
            0xA1 => {
                let metadata =
                    from_ber::<StoreMetadataRequest>(&loading.metadata_bytes).map_err(|_| {
                        fail(bpp_command::STORE_METADATA, reason::INCORRECT_INPUT_VALUES)
                    })?;
                let exists = self.state.profile(&metadata.iccid).is_some();
                loading.metadata = Some(metadata);
                if exists {
                    return Err(fail(
                        bpp_command::STORE_METADATA,
                        reason::ICCID_ALREADY_EXISTS,
                    ));
                }
                Ok(None)
            }
            0xA3 => {
                let metadata = loading.metadata.as_ref().ok_or_else(|| {
                    fail(
                        bpp_command::LOAD_PROFILE_ELEMENTS,
                        reason::INCORRECT_INPUT_VALUES,
                    )
                })?;
                Ok(Some(self.new_profile(metadata, loading.profile_bytes)))
            }
            _ => Ok(None),
        }
    }

    /// The profile a completed BPP installs (disabled), with a fresh ISD-P AID. Its notification address is
    /// the metadata's install address, or empty for the caller to fill in with the SM-DP+ address.
    fn new_profile(&self, metadata: &StoreMetadataRequest, profile_bytes: u64) -> Profile {
        let number = self.state.last_isdp + 1;
        // ISD-P AIDs as cards number them: A0000005591010FFFFFFFF89 0000 1N 00.
        let mut isdp_aid = vec![
            0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00,
        ];
        isdp_aid.extend_from_slice(&[0x10u8.wrapping_add(number as u8), 0x00]);
        Profile {
            iccid: metadata.iccid,
            isdp_aid,
            enabled: false,
            class: metadata.profile_class,
            nickname: None,
            service_provider_name: metadata.service_provider_name.clone(),
            profile_name: metadata.profile_name.clone(),
            fallback_attribute: false,
            fallback_allowed: metadata.fallback_allowed.unwrap_or(false),
            ecall: metadata.ecall_indication.unwrap_or(false),
            notification_address: install_address(Some(metadata), ""),
            profile_bytes,
        }
    }

    /// Signs a PIR, stores it as the install notification and returns it as the answer.
    fn pir(
        &mut self,
        session: &Session,
        iccid: Option<Iccid>,
        address: &str,
        final_result: FinalResult,
    ) -> AppletOutcome {
        let metadata = self.new_notification_metadata(NotificationKind::Install, iccid, address);
        let data = Signed::new(ProfileInstallationResultData {
            transaction_id: Octets(session.transaction_id.clone()),
            notification_metadata: metadata.clone(),
            smdp_oid: smdp_oid(),
            final_result,
        });
        let pir = ProfileInstallationResult {
            euicc_sign_pir: self.sign(data.raw()),
            profile_installation_result_data: data,
        };
        let der = to_der(&pir);
        self.store_notification(&metadata, NotificationKind::Install, der.clone());
        AppletOutcome::ok(der)
    }
}

/// Verifies an SM-DP+ certificate against the session's CI and role; returns its key. A certificate of
/// another role is invalidOid in AuthenticateServer and invalidCertificate in PrepareDownload, whose code 5
/// means something else.
fn check_certificate(der: &[u8], ci: &X509, role: RspRole) -> Result<VerifyingKey, i64> {
    let cert = X509::from_der(der).map_err(|_| auth_error::INVALID_CERTIFICATE)?;
    let key = cert
        .public_key()
        .map_err(|_| auth_error::UNSUPPORTED_CURVE)?;
    verify_chain(&cert, &[], std::slice::from_ref(ci))
        .map_err(|_| auth_error::INVALID_CERTIFICATE)?;
    if !cert.has_role(role) {
        return Err(match role {
            RspRole::DpAuth => auth_error::INVALID_OID,
            _ => auth_error::INVALID_CERTIFICATE,
        });
    }
    Ok(key)
}

/// The PIR's BPP command for a container tag.
fn command_of(container: u32) -> i64 {
    match container {
        0xA0 => bpp_command::CONFIGURE_ISDP,
        0xA1 => bpp_command::STORE_METADATA,
        0xA2 => bpp_command::REPLACE_SESSION_KEYS,
        _ => bpp_command::LOAD_PROFILE_ELEMENTS,
    }
}

/// The notification address for installs: the metadata's install entry, else `fallback`.
fn install_address(metadata: Option<&StoreMetadataRequest>, fallback: &str) -> String {
    metadata
        .and_then(|m| m.notification_configuration_info.as_ref())
        .and_then(|list| list.iter().find(|n| n.profile_management_operation.bit(0)))
        .map_or_else(|| fallback.to_owned(), |n| n.notification_address.clone())
}

/// The TLVs of InitialiseSecureChannel that smdpSign covers: every component but the signature, as received.
fn signed_part_of_bf23(bf23: &[u8]) -> Option<Vec<u8>> {
    let mut cx = Ctx::new(Limits::default());
    let outer = Tlv::parse_message(bf23, &mut cx).ok()?;
    let mut children = euicc_asn1::ChildCursor::new(&outer);
    let mut signed = Vec::new();
    while let Some(child) = children.next(&mut cx).ok()? {
        if child.tag != Tag(0x5F37) {
            signed.extend_from_slice(child.raw);
        }
    }
    Some(signed)
}

/// The profile protection keys of ReplaceSessionKeys (`BF26 {80 initialMacChainingValue, 81 ppkEnc,
/// 82 ppkCmac}`).
fn replace_session_keys(data: &[u8]) -> Option<SessionKeys> {
    let mut cx = Ctx::new(Limits::default());
    let outer = Tlv::parse_message(data, &mut cx).ok()?;
    if outer.tag != Tag(0xBF26) {
        return None;
    }
    let mut children = euicc_asn1::ChildCursor::new(&outer);
    let (mut mcv, mut enc, mut mac) = (None, None, None);
    while let Some(child) = children.next(&mut cx).ok()? {
        let key: Option<[u8; 16]> = child.content.try_into().ok();
        match child.tag.0 {
            0x80 => mcv = key,
            0x81 => enc = key,
            0x82 => mac = key,
            _ => {}
        }
    }
    Some(SessionKeys::new(mcv?, enc?, mac?))
}
