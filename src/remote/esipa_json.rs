//! The ESipa JSON binding (SGP.32 v1.1 and later; §6.4 of v1.2): `POST /gsma/rsp2/esipa/<function>`
//! with a JSON object per message. This module converts between those objects and the ASN.1 messages of the
//! v1.2 layout, both ways, so that the client ([`super::esipa`]) keeps working with the ASN.1 messages and
//! only the edge speaks JSON; the eIM's direction exists for the round-trip checks (tests, fuzz target). The
//! simulated eIM has its own implementation (`euiccd_sim::eim::json`), so that a misreading here fails a test.
//! SGP.32 v1.0 has no JSON binding.
//!
//! **UNVERIFIED field layout.** SGP.32's JSON schemas are not public. The names and encodings here follow
//! the one public implementation found (a third-party v1.2 port of onomondo-ipa, `esipa_json.c`), which
//! agrees with the ES9+ JSON binding's style: ASN.1 component names in camelCase; ASN.1 objects as base64 of
//! their DER (signed objects: of the exact bytes received); `transactionId` (and here also
//! `eimTransactionId` and `rPLMN`) as upper-case hex; `eidValue` as the 32 digits; `euiccChallenge`,
//! signatures and the CI key identifier as base64 of the bare value; addresses, matching IDs and
//! integers as JSON strings and numbers. A CHOICE answer is an object with the one member of the chosen
//! alternative (`eimPackageError`, `initiateAuthenticationErrorEsipa`, …); an answer with nothing to say is
//! an empty object or an empty body. The error of ProvideEimPackageResult is read under its ASN.1 name
//! (`provideEimPackageResultError`) and under the one a v1.3 eIM sends (`eimPackageError`); an answer to it
//! that is not empty and carries neither acknowledgements nor an error is not understood, and an error. Check against a real eIM before relying on it.

use base64ct::{Base64, Encoding};
use euicc_asn1::types::sgp22::CancelSessionOk;
use euicc_asn1::types::sgp32::common::{
    AuthenticateClientOkDPEsipa, AuthenticateClientRequestEsipa, AuthenticateClientResponseEsipa,
    CancelSessionRequestEsipa, CancelSessionResponseEsipa, GetBoundProfilePackageOkEsipa,
    GetBoundProfilePackageRequestEsipa, GetBoundProfilePackageResponseEsipa,
};
use euicc_asn1::types::sgp32::v1_2::{
    EsipaMessageFromEimToIpa as FromEim, EsipaMessageFromIpaToEim as FromIpa, GetEimPackageRequest,
    GetEimPackageResponse, HandleNotificationEsipa, InitiateAuthenticationOkEsipa,
    InitiateAuthenticationRequestEsipa, InitiateAuthenticationResponseEsipa,
    ProvideEimPackageResult, ProvideEimPackageResultResponse,
};
use euicc_asn1::{Asn1, Eid, Null, Octets, from_ber, to_der};
use serde_json::{Map, Value};

/// The path prefix of every function.
pub(crate) const PATH_PREFIX: &str = "/gsma/rsp2/esipa/";

/// The content type of requests and answers.
pub(crate) const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Longest `transactionId` (SGP.22 TransactionId: 1 to 16 bytes).
const MAX_TRANSACTION_ID: usize = 16;

/// A JSON body that is not the function's message.
#[derive(Debug, thiserror::Error)]
#[error("ESipa JSON {function}: {detail}")]
pub struct JsonError {
    /// The function (its path name, e.g. `getEimPackage`).
    pub(crate) function: &'static str,
    /// What is wrong (never a field's content).
    pub(crate) detail: String,
}

/// The JSON binding's functions, by their path names.
pub const FUNCTIONS: &[&str] = &[
    "initiateAuthentication",
    "authenticateClient",
    "getBoundProfilePackage",
    "cancelSession",
    "handleNotification",
    "getEimPackage",
    "provideEimPackageResult",
];

/// The path name of the function `message` calls; `None` for TransferEimPackageResponse, which only the
/// injection mode uses.
pub(crate) fn function_of(message: &FromIpa) -> Option<&'static str> {
    Some(match message {
        FromIpa::InitiateAuthenticationRequestEsipa(_) => "initiateAuthentication",
        FromIpa::AuthenticateClientRequestEsipa(_) => "authenticateClient",
        FromIpa::GetBoundProfilePackageRequestEsipa(_) => "getBoundProfilePackage",
        FromIpa::CancelSessionRequestEsipa(_) => "cancelSession",
        FromIpa::HandleNotificationEsipa(_) => "handleNotification",
        FromIpa::GetEimPackageRequest(_) => "getEimPackage",
        FromIpa::ProvideEimPackageResult(_) => "provideEimPackageResult",
        FromIpa::TransferEimPackageResponse(_) => return None,
    })
}

/// A request as its function's path name and JSON body.
pub fn encode_request(message: &FromIpa) -> Result<(&'static str, Value), JsonError> {
    let function = function_of(message).ok_or(JsonError {
        function: "transferEimPackage",
        detail: "not part of the retrieval mode".into(),
    })?;
    let mut o = Object::new(function);
    match message {
        FromIpa::InitiateAuthenticationRequestEsipa(r) => {
            o.put_bytes("euiccChallenge", &r.euicc_challenge.0);
            o.put_opt_str("smdpAddress", r.smdp_address.as_deref());
            o.put_opt_der("euiccInfo1", r.euicc_info1.as_ref());
            o.put_opt_hex("eimTransactionId", r.eim_transaction_id.as_ref());
        }
        FromIpa::AuthenticateClientRequestEsipa(r) => {
            o.put_hex("transactionId", &r.transaction_id.0);
            o.put_der(
                "authenticateServerResponse",
                &r.authenticate_server_response,
            );
        }
        FromIpa::GetBoundProfilePackageRequestEsipa(r) => {
            o.put_hex("transactionId", &r.transaction_id.0);
            o.put_der("prepareDownloadResponse", &r.prepare_download_response);
        }
        FromIpa::CancelSessionRequestEsipa(r) => {
            o.put_hex("transactionId", &r.transaction_id.0);
            o.put_der("cancelSessionResponse", &r.cancel_session_response);
        }
        FromIpa::HandleNotificationEsipa(HandleNotificationEsipa::PendingNotification(n)) => {
            o.put_der("pendingNotification", n);
        }
        FromIpa::HandleNotificationEsipa(HandleNotificationEsipa::ProvideEimPackageResult(r)) => {
            o.put_der("provideEimPackageResult", r);
        }
        FromIpa::GetEimPackageRequest(r) => {
            o.put_str("eidValue", &r.eid_value.digits());
            if r.notify_state_change.is_some() {
                o.fields
                    .insert("notifyStateChange".into(), Value::Bool(true));
            }
            o.put_opt_int("stateChangeCause", r.state_change_cause);
            o.put_opt_hex("rPLMN", r.r_plmn.as_ref());
        }
        FromIpa::ProvideEimPackageResult(r) => {
            if let Some(eid) = &r.eid_value {
                o.put_str("eidValue", &eid.digits());
            }
            o.put_der("eimPackageResult", &r.eim_package_result);
        }
        FromIpa::TransferEimPackageResponse(_) => unreachable!("refused above"),
    }
    Ok((function, Value::Object(o.fields)))
}

/// Reads the JSON request `body` of `function` (the eIM's side).
pub fn decode_request(function: &str, body: &[u8]) -> Result<FromIpa, JsonError> {
    let function = known(function)?;
    let o = Object::parse(function, body)?;
    Ok(match function {
        "initiateAuthentication" => {
            FromIpa::InitiateAuthenticationRequestEsipa(InitiateAuthenticationRequestEsipa {
                euicc_challenge: Octets(o.req_bytes("euiccChallenge")?),
                smdp_address: o.opt_str("smdpAddress")?,
                euicc_info1: o.opt_der("euiccInfo1")?,
                eim_transaction_id: o.opt_hex("eimTransactionId")?.map(Octets),
            })
        }
        "authenticateClient" => {
            FromIpa::AuthenticateClientRequestEsipa(AuthenticateClientRequestEsipa {
                transaction_id: o.transaction_id()?,
                authenticate_server_response: o.req_der("authenticateServerResponse")?,
            })
        }
        "getBoundProfilePackage" => {
            FromIpa::GetBoundProfilePackageRequestEsipa(GetBoundProfilePackageRequestEsipa {
                transaction_id: o.transaction_id()?,
                prepare_download_response: o.req_der("prepareDownloadResponse")?,
            })
        }
        "cancelSession" => FromIpa::CancelSessionRequestEsipa(CancelSessionRequestEsipa {
            transaction_id: o.transaction_id()?,
            cancel_session_response: o.req_der("cancelSessionResponse")?,
        }),
        "handleNotification" => {
            FromIpa::HandleNotificationEsipa(match o.opt_der("pendingNotification")? {
                Some(n) => HandleNotificationEsipa::PendingNotification(n),
                None => HandleNotificationEsipa::ProvideEimPackageResult(
                    o.req_der("provideEimPackageResult")?,
                ),
            })
        }
        "getEimPackage" => FromIpa::GetEimPackageRequest(GetEimPackageRequest {
            eid_value: o.eid()?.ok_or_else(|| o.missing("eidValue"))?,
            notify_state_change: o
                .opt_bool("notifyStateChange")?
                .filter(|b| *b)
                .map(|_| Null),
            state_change_cause: o.opt_int("stateChangeCause")?,
            r_plmn: o.opt_hex("rPLMN")?.map(Octets),
        }),
        "provideEimPackageResult" => FromIpa::ProvideEimPackageResult(ProvideEimPackageResult {
            eid_value: o.eid()?,
            eim_package_result: o.req_der("eimPackageResult")?,
        }),
        _ => unreachable!("known() checked it"),
    })
}

/// The JSON answer body for `message` (the eIM's side); `None`: an empty answer.
pub fn encode_answer(message: &FromEim) -> Result<Option<Value>, JsonError> {
    let mut o = Object::new("answer");
    match message {
        FromEim::InitiateAuthenticationResponseEsipa(r) => match r {
            InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(ok) => {
                o.put_opt_hex("transactionId", ok.transaction_id.as_ref());
                o.put_der("serverSigned1", &ok.server_signed1);
                o.put_bytes("serverSignature1", &ok.server_signature1.0);
                o.put_bytes(
                    "euiccCiPKIdentifierToBeUsed",
                    &ok.euicc_ci_pk_identifier_to_be_used.0,
                );
                o.put_der("serverCertificate", &ok.server_certificate);
                o.put_opt_str("matchingId", ok.matching_id.as_deref());
                o.put_opt_der("ctxParams1", ok.ctx_params1.as_ref());
            }
            InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(code) => {
                o.put_int("initiateAuthenticationErrorEsipa", *code);
            }
        },
        FromEim::AuthenticateClientResponseEsipa(r) => match r {
            AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(ok) => {
                o.put_opt_hex("transactionId", ok.transaction_id.as_ref());
                o.put_opt_der("profileMetadata", ok.profile_meta_data.as_ref());
                o.put_der("smdpSigned2", &ok.smdp_signed2);
                o.put_bytes("smdpSignature2", &ok.smdp_signature2.0);
                o.put_der("smdpCertificate", &ok.smdp_certificate);
                if let Some(hash) = &ok.hash_cc {
                    o.put_bytes("hashCc", &hash.0);
                }
            }
            AuthenticateClientResponseEsipa::AuthenticateClientOkDsEsipa(ok) => {
                o.put_der("authenticateClientOkDSEsipa", ok);
            }
            AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(code) => {
                o.put_int("authenticateClientErrorEsipa", *code);
            }
        },
        FromEim::GetBoundProfilePackageResponseEsipa(r) => match r {
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(ok) => {
                o.put_opt_hex("transactionId", ok.transaction_id.as_ref());
                o.put_der("boundProfilePackage", &ok.bound_profile_package);
            }
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(code) => {
                o.put_int("getBoundProfilePackageErrorEsipa", *code);
            }
        },
        FromEim::CancelSessionResponseEsipa(r) => match r {
            CancelSessionResponseEsipa::CancelSessionOk(_) => return Ok(None),
            CancelSessionResponseEsipa::CancelSessionError(code) => {
                o.put_int("cancelSessionError", *code);
            }
        },
        FromEim::GetEimPackageResponse(r) => match r {
            GetEimPackageResponse::EuiccPackageRequest(p) => o.put_der("euiccPackageRequest", p),
            GetEimPackageResponse::IpaEuiccDataRequest(p) => o.put_der("ipaEuiccDataRequest", p),
            GetEimPackageResponse::ProfileDownloadTriggerRequest(p) => {
                o.put_der("profileDownloadTriggerRequest", p);
            }
            GetEimPackageResponse::EimPackageError(code) => o.put_int("eimPackageError", *code),
        },
        FromEim::ProvideEimPackageResultResponse(r) => match r {
            ProvideEimPackageResultResponse::EimAcknowledgements(acks) => {
                o.put_der("eimAcknowledgements", acks);
            }
            ProvideEimPackageResultResponse::EmptyResponse(_) => return Ok(None),
            ProvideEimPackageResultResponse::ProvideEimPackageResultError(code) => {
                o.put_int("provideEimPackageResultError", *code);
            }
        },
        FromEim::TransferEimPackageRequest(_) => {
            return Err(JsonError {
                function: "transferEimPackage",
                detail: "not part of the retrieval mode".into(),
            });
        }
    }
    Ok(Some(Value::Object(o.fields)))
}

/// Reads the eIM's answer to `function` (the IPA's side). An empty body is the empty answer where the
/// function has one (CancelSession, ProvideEimPackageResult); `None` is HandleNotification's answer.
pub fn decode_answer(function: &str, body: &[u8]) -> Result<Option<FromEim>, JsonError> {
    let function = known(function)?;
    let empty = body.iter().all(u8::is_ascii_whitespace);
    if function == "handleNotification" {
        return Ok(None);
    }
    let o = match empty {
        true => Object::new(function),
        false => Object::parse(function, body)?,
    };
    Ok(Some(match function {
        "initiateAuthentication" => FromEim::InitiateAuthenticationResponseEsipa(
            match o.opt_int("initiateAuthenticationErrorEsipa")? {
                Some(code) => {
                    InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(code)
                }
                None => InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(
                    InitiateAuthenticationOkEsipa {
                        transaction_id: o.opt_transaction_id()?,
                        server_signed1: o.req_der("serverSigned1")?,
                        server_signature1: Octets(o.req_bytes("serverSignature1")?),
                        euicc_ci_pk_identifier_to_be_used: Octets(
                            o.req_bytes("euiccCiPKIdentifierToBeUsed")?,
                        ),
                        server_certificate: o.req_der("serverCertificate")?,
                        matching_id: o.opt_str("matchingId")?,
                        ctx_params1: o.opt_der("ctxParams1")?,
                    },
                ),
            },
        ),
        "authenticateClient" => FromEim::AuthenticateClientResponseEsipa(
            if let Some(code) = o.opt_int("authenticateClientErrorEsipa")? {
                AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(code)
            } else if let Some(ds) = o.opt_der("authenticateClientOkDSEsipa")? {
                AuthenticateClientResponseEsipa::AuthenticateClientOkDsEsipa(ds)
            } else {
                AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(
                    AuthenticateClientOkDPEsipa {
                        transaction_id: o.opt_transaction_id()?,
                        profile_meta_data: o.opt_der("profileMetadata")?,
                        smdp_signed2: o.req_der("smdpSigned2")?,
                        smdp_signature2: Octets(o.req_bytes("smdpSignature2")?),
                        smdp_certificate: o.req_der("smdpCertificate")?,
                        hash_cc: o.opt_bytes("hashCc")?.map(Octets),
                    },
                )
            },
        ),
        "getBoundProfilePackage" => FromEim::GetBoundProfilePackageResponseEsipa(
            match o.opt_int("getBoundProfilePackageErrorEsipa")? {
                Some(code) => {
                    GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(code)
                }
                None => GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(
                    GetBoundProfilePackageOkEsipa {
                        transaction_id: o.opt_transaction_id()?,
                        bound_profile_package: o.req_der("boundProfilePackage")?,
                    },
                ),
            },
        ),
        "cancelSession" => {
            FromEim::CancelSessionResponseEsipa(match o.opt_int("cancelSessionError")? {
                Some(code) => CancelSessionResponseEsipa::CancelSessionError(code),
                None => CancelSessionResponseEsipa::CancelSessionOk(CancelSessionOk {}),
            })
        }
        "getEimPackage" => {
            FromEim::GetEimPackageResponse(if let Some(p) = o.opt_der("euiccPackageRequest")? {
                GetEimPackageResponse::EuiccPackageRequest(p)
            } else if let Some(p) = o.opt_der("ipaEuiccDataRequest")? {
                GetEimPackageResponse::IpaEuiccDataRequest(p)
            } else if let Some(p) = o.opt_der("profileDownloadTriggerRequest")? {
                GetEimPackageResponse::ProfileDownloadTriggerRequest(p)
            } else {
                GetEimPackageResponse::EimPackageError(
                    o.opt_int("eimPackageError")?
                        .ok_or_else(|| o.missing("eimPackageError"))?,
                )
            })
        }
        "provideEimPackageResult" => FromEim::ProvideEimPackageResultResponse(
            if let Some(acks) = o.opt_der("eimAcknowledgements")? {
                ProvideEimPackageResultResponse::EimAcknowledgements(acks)
            } else if let Some(code) = o.opt_int("provideEimPackageResultError")? {
                ProvideEimPackageResultResponse::ProvideEimPackageResultError(code)
            } else if let Some(code) = o.opt_int("eimPackageError")? {
                // The name a v1.3 eIM gives the error.
                ProvideEimPackageResultResponse::ProvideEimPackageResultError(code)
            } else if o.fields.is_empty() {
                ProvideEimPackageResultResponse::EmptyResponse(Default::default())
            } else {
                // Read as the empty answer, it would let the IPA remove what the eIM never took.
                return Err(
                    o.error("an answer that is neither acknowledgements nor an error".into())
                );
            },
        ),
        _ => unreachable!("known() checked it"),
    }))
}

/// `function` as one of [`FUNCTIONS`].
fn known(function: &str) -> Result<&'static str, JsonError> {
    FUNCTIONS
        .iter()
        .find(|&&f| f == function)
        .copied()
        .ok_or(JsonError {
            function: "unknown",
            detail: "no such ESipa function".into(),
        })
}

/// A JSON object being written or read for one function.
struct Object {
    function: &'static str,
    fields: Map<String, Value>,
}

impl Object {
    fn new(function: &'static str) -> Self {
        Self {
            function,
            fields: Map::new(),
        }
    }

    fn parse(function: &'static str, body: &[u8]) -> Result<Self, JsonError> {
        match serde_json::from_slice(body) {
            Ok(Value::Object(fields)) => Ok(Self { function, fields }),
            Ok(_) => Err(JsonError {
                function,
                detail: "the body is not a JSON object".into(),
            }),
            Err(error) => Err(JsonError {
                function,
                detail: format!("not JSON: {error}"),
            }),
        }
    }

    fn error(&self, detail: String) -> JsonError {
        JsonError {
            function: self.function,
            detail,
        }
    }

    fn missing(&self, name: &str) -> JsonError {
        self.error(format!("{name} is missing"))
    }

    // Writing.

    fn put_str(&mut self, name: &str, value: &str) {
        self.fields.insert(name.into(), Value::String(value.into()));
    }

    fn put_opt_str(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.put_str(name, value);
        }
    }

    fn put_int(&mut self, name: &str, value: i64) {
        self.fields.insert(name.into(), Value::from(value));
    }

    fn put_opt_int(&mut self, name: &str, value: Option<i64>) {
        if let Some(value) = value {
            self.put_int(name, value);
        }
    }

    fn put_bytes(&mut self, name: &str, value: &[u8]) {
        self.put_str(name, &Base64::encode_string(value));
    }

    fn put_der<T: Asn1>(&mut self, name: &str, value: &T) {
        self.put_bytes(name, &to_der(value));
    }

    fn put_opt_der<T: Asn1>(&mut self, name: &str, value: Option<&T>) {
        if let Some(value) = value {
            self.put_der(name, value);
        }
    }

    fn put_hex(&mut self, name: &str, value: &[u8]) {
        self.put_str(name, &hex::encode_upper(value));
    }

    fn put_opt_hex(&mut self, name: &str, value: Option<&Octets>) {
        if let Some(value) = value {
            self.put_hex(name, &value.0);
        }
    }

    // Reading.

    fn get_str(&self, name: &str) -> Result<Option<&str>, JsonError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.error(format!("{name} is not a string"))),
        }
    }

    fn opt_str(&self, name: &str) -> Result<Option<String>, JsonError> {
        Ok(self.get_str(name)?.map(str::to_owned))
    }

    fn opt_int(&self, name: &str) -> Result<Option<i64>, JsonError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.error(format!("{name} is not an integer"))),
        }
    }

    fn opt_bool(&self, name: &str) -> Result<Option<bool>, JsonError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.error(format!("{name} is not a boolean"))),
        }
    }

    fn opt_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, JsonError> {
        self.get_str(name)?
            .map(|s| Base64::decode_vec(s).map_err(|_| self.error(format!("{name} is not base64"))))
            .transpose()
    }

    fn req_bytes(&self, name: &str) -> Result<Vec<u8>, JsonError> {
        self.opt_bytes(name)?.ok_or_else(|| self.missing(name))
    }

    fn opt_der<T: Asn1>(&self, name: &str) -> Result<Option<T>, JsonError> {
        self.opt_bytes(name)?
            .map(|der| from_ber(&der).map_err(|e| self.error(format!("{name}: {e}"))))
            .transpose()
    }

    fn req_der<T: Asn1>(&self, name: &str) -> Result<T, JsonError> {
        self.opt_der(name)?.ok_or_else(|| self.missing(name))
    }

    fn opt_hex(&self, name: &str) -> Result<Option<Vec<u8>>, JsonError> {
        self.get_str(name)?
            .map(|s| hex::decode(s).map_err(|_| self.error(format!("{name} is not hex"))))
            .transpose()
    }

    fn opt_transaction_id(&self) -> Result<Option<Octets>, JsonError> {
        match self.opt_hex("transactionId")? {
            Some(id) if (1..=MAX_TRANSACTION_ID).contains(&id.len()) => Ok(Some(Octets(id))),
            Some(_) => Err(self.error("transactionId is not 1 to 16 bytes".into())),
            None => Ok(None),
        }
    }

    fn transaction_id(&self) -> Result<Octets, JsonError> {
        self.opt_transaction_id()?
            .ok_or_else(|| self.missing("transactionId"))
    }

    fn eid(&self) -> Result<Option<Eid>, JsonError> {
        self.get_str("eidValue")?
            .map(|s| {
                s.parse()
                    .map_err(|_| self.error("eidValue is not an EID".into()))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use euicc_asn1::types::sgp32::common::{EimAcknowledgements, SequenceNumber};

    fn eid() -> Eid {
        "89049032123451234512345678901235".parse().unwrap()
    }

    /// Through JSON and back.
    fn request_round_trip(message: FromIpa) -> Value {
        let (function, value) = encode_request(&message).unwrap();
        let body = value.to_string();
        assert_eq!(decode_request(function, body.as_bytes()).unwrap(), message);
        value
    }

    fn answer_round_trip(function: &str, message: FromEim) -> Option<Value> {
        let value = encode_answer(&message).unwrap();
        let body = value.as_ref().map(Value::to_string).unwrap_or_default();
        assert_eq!(
            decode_answer(function, body.as_bytes()).unwrap(),
            Some(message)
        );
        value
    }

    #[test]
    fn a_poll_and_its_answers_travel_both_ways() {
        let poll = request_round_trip(FromIpa::GetEimPackageRequest(GetEimPackageRequest {
            eid_value: eid(),
            notify_state_change: Some(Null),
            state_change_cause: Some(1),
            r_plmn: Some(Octets(vec![0x62, 0xF2, 0x10])),
        }));
        assert_eq!(
            poll,
            serde_json::json!({
                "eidValue": "89049032123451234512345678901235",
                "notifyStateChange": true,
                "stateChangeCause": 1,
                "rPLMN": "62F210",
            })
        );
        let nothing = answer_round_trip(
            "getEimPackage",
            FromEim::GetEimPackageResponse(GetEimPackageResponse::EimPackageError(1)),
        );
        assert_eq!(nothing, Some(serde_json::json!({"eimPackageError": 1})));
        let acks = answer_round_trip(
            "provideEimPackageResult",
            FromEim::ProvideEimPackageResultResponse(
                ProvideEimPackageResultResponse::EimAcknowledgements(EimAcknowledgements(vec![
                    SequenceNumber(3),
                ])),
            ),
        );
        // BF53 03 80 01 03
        assert_eq!(
            acks,
            Some(serde_json::json!({"eimAcknowledgements": "v1MDgAED"}))
        );
        assert_eq!(
            answer_round_trip(
                "provideEimPackageResult",
                FromEim::ProvideEimPackageResultResponse(
                    ProvideEimPackageResultResponse::EmptyResponse(Default::default())
                ),
            ),
            None
        );
        assert_eq!(
            answer_round_trip(
                "cancelSession",
                FromEim::CancelSessionResponseEsipa(CancelSessionResponseEsipa::CancelSessionOk(
                    CancelSessionOk {}
                )),
            ),
            None
        );
    }

    #[test]
    fn bad_bodies_are_typed_errors() {
        for (function, body) in [
            ("getEimPackage", &b"[1]"[..]),
            ("getEimPackage", b"{\"eidValue\": \"123\"}"),
            ("getEimPackage", b"{}"),
            ("getEimPackage", b"not json"),
            (
                "authenticateClient",
                b"{\"transactionId\": \"00112233445566778899AABBCCDDEEFF00\"}",
            ),
            ("provideEimPackageResult", b"{\"eimPackageResult\": \"!!\"}"),
            ("nosuchFunction", b"{}"),
        ] {
            let error = decode_request(function, body).unwrap_err();
            assert!(!error.detail.is_empty(), "{function}");
        }
        assert!(decode_answer("getEimPackage", b"").is_err());
        assert!(decode_answer("getEimPackage", b"{\"eimPackageError\": \"one\"}").is_err());
        // HandleNotification has no answer whatever the body.
        assert_eq!(decode_answer("handleNotification", b"").unwrap(), None);
    }

    #[test]
    fn result_answers_are_understood_or_errors() {
        let read = |body: &[u8]| decode_answer("provideEimPackageResult", body);
        let refused = |code| {
            Some(FromEim::ProvideEimPackageResultResponse(
                ProvideEimPackageResultResponse::ProvideEimPackageResultError(code),
            ))
        };
        // The error under its ASN.1 name and under the one a v1.3 eIM sends.
        assert_eq!(
            read(b"{\"provideEimPackageResultError\": 3}").unwrap(),
            refused(3)
        );
        assert_eq!(read(b"{\"eimPackageError\": 2}").unwrap(), refused(2));
        let empty = Some(FromEim::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::EmptyResponse(Default::default()),
        ));
        assert_eq!(read(b"").unwrap(), empty);
        assert_eq!(read(b" {} ").unwrap(), empty);
        // Anything else is not understood: never the empty answer.
        for body in [
            &b"{\"eimAcknowledgement\": \"v1MDgAED\"}"[..],
            b"{\"status\": \"ok\"}",
            b"[]",
        ] {
            let error = read(body).unwrap_err();
            assert!(!error.detail.is_empty(), "{body:?}");
        }
    }

    proptest::proptest! {
        /// Whatever an eIM or an IPA sends, reading it ends in a message or a typed error.
        #[test]
        fn garbage_never_panics(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            key in proptest::sample::select(vec![
                "eidValue", "euiccPackageRequest", "eimAcknowledgements", "transactionId",
                "serverSigned1", "boundProfilePackage", "eimPackageError",
            ]),
            function in proptest::sample::select(FUNCTIONS.to_vec()),
        ) {
            let _ = decode_request(function, &body);
            let _ = decode_answer(function, &body);
            let object = serde_json::json!({ key: Base64::encode_string(&body) }).to_string();
            let _ = decode_request(function, object.as_bytes());
            let _ = decode_answer(function, object.as_bytes());
        }
    }
}
