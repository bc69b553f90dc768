//! The simulated eIM's side of the ESipa JSON binding (SGP.32 v1.1 and later, v1.2 layout): a JSON request
//! becomes the DER of the ASN.1 message the eIM logic reads, and the DER of its answer becomes JSON.
//!
//! Written apart from the IPA's codec on purpose, so that a misreading on one side fails a test instead of
//! being shared. The field layout is the one public implementations use: a member per ASN.1 component, named
//! as in the ASN.1 module; ASN.1 objects as base64 of their DER; `transactionId`, `eimTransactionId` and
//! `rPLMN` as hex; `eidValue` as the 32 digits; `euiccChallenge`, signatures, the CI key identifier and
//! `hashCc` as base64 of the bare value; integers as JSON numbers. A CHOICE answer has the one member of
//! the alternative chosen; an answer with nothing to say is an empty body.
//!
//! A queued package travels as the bytes queued, even malformed ones: GetEimPackage's answer is read as
//! TLVs, not decoded. A v1.3 eIM names the error of ProvideEimPackageResult `eimPackageError`
//! ([`ResultErrorName::EimPackageError`]).

use base64ct::{Base64, Encoding};
use euicc_asn1::types::sgp22::CancelSessionOk;
use euicc_asn1::types::sgp32::common::{
    AuthenticateClientRequestEsipa, AuthenticateClientResponseEsipa, CancelSessionRequestEsipa,
    CancelSessionResponseEsipa, GetBoundProfilePackageRequestEsipa,
    GetBoundProfilePackageResponseEsipa,
};
use euicc_asn1::types::sgp32::v1_2::{
    EsipaMessageFromEimToIpa as Answer, EsipaMessageFromIpaToEim as Request, GetEimPackageRequest,
    HandleNotificationEsipa, InitiateAuthenticationRequestEsipa,
    InitiateAuthenticationResponseEsipa, ProvideEimPackageResult, ProvideEimPackageResultResponse,
};
use euicc_asn1::{Asn1, Ctx, Eid, Limits, Null, Octets, Tag, Tlv, from_ber, to_der};
use serde_json::{Map, Value};

/// Where the JSON binding's functions are served: this prefix and the function's name.
pub const PATH_PREFIX: &str = "/gsma/rsp2/esipa/";

/// The media type of requests and answers.
pub const MEDIA_TYPE: &str = "application/json";

/// The functions served, by their path names.
pub const FUNCTIONS: [&str; 7] = [
    "initiateAuthentication",
    "authenticateClient",
    "getBoundProfilePackage",
    "cancelSession",
    "handleNotification",
    "getEimPackage",
    "provideEimPackageResult",
];

/// How the eIM names the error member of its answer to ProvideEimPackageResult.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultErrorName {
    /// `provideEimPackageResultError`, the ASN.1 component's name.
    #[default]
    Asn1,
    /// `eimPackageError`, as a public v1.3 eIM sends it.
    EimPackageError,
}

/// A JSON body the eIM cannot serve, or an answer it cannot write.
#[derive(Debug, thiserror::Error)]
#[error("ESipa JSON {function}: {detail}")]
pub struct JsonError {
    /// The function's path name.
    pub function: String,
    /// What is wrong.
    pub detail: String,
}

/// The DER of the `EsipaMessageFromIpaToEim` that the JSON request `body` to `function` carries.
pub fn request_der(function: &str, body: &[u8]) -> Result<Vec<u8>, JsonError> {
    let fail = |detail: &str| JsonError {
        function: function.to_owned(),
        detail: detail.to_owned(),
    };
    let members = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(members)) => members,
        Ok(_) => return Err(fail("the body is not a JSON object")),
        Err(_) => return Err(fail("the body is not JSON")),
    };
    let body = Members { function, members };
    let message = match function {
        "initiateAuthentication" => {
            Request::InitiateAuthenticationRequestEsipa(InitiateAuthenticationRequestEsipa {
                euicc_challenge: Octets(body.required(body.base64("euiccChallenge"))?),
                smdp_address: body.text("smdpAddress")?.map(str::to_owned),
                euicc_info1: body.asn1("euiccInfo1")?,
                eim_transaction_id: body.hex("eimTransactionId")?.map(Octets),
            })
        }
        "authenticateClient" => {
            Request::AuthenticateClientRequestEsipa(AuthenticateClientRequestEsipa {
                transaction_id: Octets(body.required(body.hex("transactionId"))?),
                authenticate_server_response: body
                    .required(body.asn1("authenticateServerResponse"))?,
            })
        }
        "getBoundProfilePackage" => {
            Request::GetBoundProfilePackageRequestEsipa(GetBoundProfilePackageRequestEsipa {
                transaction_id: Octets(body.required(body.hex("transactionId"))?),
                prepare_download_response: body.required(body.asn1("prepareDownloadResponse"))?,
            })
        }
        "cancelSession" => Request::CancelSessionRequestEsipa(CancelSessionRequestEsipa {
            transaction_id: Octets(body.required(body.hex("transactionId"))?),
            cancel_session_response: body.required(body.asn1("cancelSessionResponse"))?,
        }),
        "handleNotification" => {
            Request::HandleNotificationEsipa(match body.asn1("pendingNotification")? {
                Some(notification) => HandleNotificationEsipa::PendingNotification(notification),
                None => HandleNotificationEsipa::ProvideEimPackageResult(
                    body.required(body.asn1("provideEimPackageResult"))?,
                ),
            })
        }
        "getEimPackage" => Request::GetEimPackageRequest(GetEimPackageRequest {
            eid_value: body.required(body.eid())?,
            notify_state_change: match body.members.get("notifyStateChange") {
                None | Some(Value::Null | Value::Bool(false)) => None,
                Some(Value::Bool(true)) => Some(Null),
                Some(_) => return Err(fail("notifyStateChange is not a boolean")),
            },
            state_change_cause: body.integer("stateChangeCause")?,
            r_plmn: body.hex("rPLMN")?.map(Octets),
        }),
        "provideEimPackageResult" => Request::ProvideEimPackageResult(ProvideEimPackageResult {
            eid_value: body.eid()?,
            eim_package_result: body.required(body.asn1("eimPackageResult"))?,
        }),
        _ => return Err(fail("no such function")),
    };
    Ok(to_der(&message))
}

/// The JSON body answering `function` with the eIM's answer `der` (the DER of an
/// `EsipaMessageFromEimToIpa`); `None`: an empty answer.
pub fn answer_json(
    function: &str,
    der: &[u8],
    error_name: ResultErrorName,
) -> Result<Option<Vec<u8>>, JsonError> {
    let fail = |detail: String| JsonError {
        function: function.to_owned(),
        detail,
    };
    let mut out = Map::new();
    if function == "getEimPackage" {
        package_members(der, &mut out).map_err(fail)?;
        return Ok(Some(Value::Object(out).to_string().into_bytes()));
    }
    let answer = from_ber::<Answer>(der).map_err(|e| fail(e.to_string()))?;
    let b64 = |bytes: &[u8]| Value::String(Base64::encode_string(bytes));
    let mut put = |name: &str, value: Value| {
        out.insert(name.to_owned(), value);
    };
    match answer {
        Answer::InitiateAuthenticationResponseEsipa(r) => match r {
            InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(code) => {
                put("initiateAuthenticationErrorEsipa", code.into());
            }
            InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(ok) => {
                if let Some(id) = &ok.transaction_id {
                    put("transactionId", hex::encode_upper(&id.0).into());
                }
                put("serverSigned1", b64(ok.server_signed1.raw()));
                put("serverSignature1", b64(&ok.server_signature1.0));
                put(
                    "euiccCiPKIdentifierToBeUsed",
                    b64(&ok.euicc_ci_pk_identifier_to_be_used.0),
                );
                put("serverCertificate", b64(&to_der(&ok.server_certificate)));
                if let Some(matching_id) = &ok.matching_id {
                    put("matchingId", matching_id.as_str().into());
                }
                if let Some(ctx) = &ok.ctx_params1 {
                    put("ctxParams1", b64(&to_der(ctx)));
                }
            }
        },
        Answer::AuthenticateClientResponseEsipa(r) => match r {
            AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(code) => {
                put("authenticateClientErrorEsipa", code.into());
            }
            AuthenticateClientResponseEsipa::AuthenticateClientOkDsEsipa(ds) => {
                put("authenticateClientOkDSEsipa", b64(&to_der(&ds)));
            }
            AuthenticateClientResponseEsipa::AuthenticateClientOkDpEsipa(dp) => {
                if let Some(id) = &dp.transaction_id {
                    put("transactionId", hex::encode_upper(&id.0).into());
                }
                if let Some(metadata) = &dp.profile_meta_data {
                    put("profileMetadata", b64(&to_der(metadata)));
                }
                put("smdpSigned2", b64(dp.smdp_signed2.raw()));
                put("smdpSignature2", b64(&dp.smdp_signature2.0));
                put("smdpCertificate", b64(&to_der(&dp.smdp_certificate)));
                if let Some(hash) = &dp.hash_cc {
                    put("hashCc", b64(&hash.0));
                }
            }
        },
        Answer::GetBoundProfilePackageResponseEsipa(r) => match r {
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(code) => {
                put("getBoundProfilePackageErrorEsipa", code.into());
            }
            GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(ok) => {
                if let Some(id) = &ok.transaction_id {
                    put("transactionId", hex::encode_upper(&id.0).into());
                }
                put("boundProfilePackage", b64(ok.bound_profile_package.raw()));
            }
        },
        Answer::CancelSessionResponseEsipa(CancelSessionResponseEsipa::CancelSessionOk(
            CancelSessionOk {},
        )) => return Ok(None),
        Answer::CancelSessionResponseEsipa(CancelSessionResponseEsipa::CancelSessionError(
            code,
        )) => put("cancelSessionError", code.into()),
        Answer::ProvideEimPackageResultResponse(r) => match r {
            ProvideEimPackageResultResponse::EimAcknowledgements(acks) => {
                put("eimAcknowledgements", b64(&to_der(&acks)));
            }
            ProvideEimPackageResultResponse::ProvideEimPackageResultError(code) => {
                let name = match error_name {
                    ResultErrorName::Asn1 => "provideEimPackageResultError",
                    ResultErrorName::EimPackageError => "eimPackageError",
                };
                put(name, code.into());
            }
            ProvideEimPackageResultResponse::EmptyResponse(_) => return Ok(None),
        },
        Answer::GetEimPackageResponse(_) | Answer::TransferEimPackageRequest(_) => {
            return Err(fail("not an answer of this function".into()));
        }
    }
    Ok(Some(Value::Object(out).to_string().into_bytes()))
}

/// GetEimPackage's answer `BF4F { package | 02 error }` as its one member, read as TLVs so that a
/// malformed package travels as queued.
fn package_members(der: &[u8], out: &mut Map<String, Value>) -> Result<(), String> {
    let mut cx = Ctx::new(Limits::default());
    let (outer, _) = Tlv::parse(der, 0, &mut cx).map_err(|e| e.to_string())?;
    if outer.tag != Tag(0xBF4F) {
        return Err("not a GetEimPackageResponse".into());
    }
    let (inner, _) =
        Tlv::parse(outer.content, outer.content_offset, &mut cx).map_err(|e| e.to_string())?;
    let (name, value) = match inner.tag {
        Tag(0x02) => {
            let code = inner
                .content
                .iter()
                .fold(0i64, |code, &b| (code << 8) | i64::from(b));
            ("eimPackageError", Value::from(code))
        }
        Tag(0xBF52) => ("ipaEuiccDataRequest", base64_value(inner.raw)),
        Tag(0xBF54) => ("profileDownloadTriggerRequest", base64_value(inner.raw)),
        // An eUICC package, or whatever was queued in its place.
        _ => ("euiccPackageRequest", base64_value(inner.raw)),
    };
    out.insert(name.into(), value);
    Ok(())
}

fn base64_value(bytes: &[u8]) -> Value {
    Value::String(Base64::encode_string(bytes))
}

/// The members of one JSON request.
struct Members<'a> {
    function: &'a str,
    members: Map<String, Value>,
}

impl Members<'_> {
    fn fail(&self, name: &str, what: &str) -> JsonError {
        JsonError {
            function: self.function.to_owned(),
            detail: format!("{name} {what}"),
        }
    }

    fn required<T>(&self, value: Result<Option<T>, JsonError>) -> Result<T, JsonError> {
        value?.ok_or_else(|| self.fail("a member", "is missing"))
    }

    fn text(&self, name: &str) -> Result<Option<&str>, JsonError> {
        match self.members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(self.fail(name, "is not a string")),
        }
    }

    fn integer(&self, name: &str) -> Result<Option<i64>, JsonError> {
        match self.members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.fail(name, "is not an integer")),
        }
    }

    fn base64(&self, name: &str) -> Result<Option<Vec<u8>>, JsonError> {
        self.text(name)?
            .map(|text| Base64::decode_vec(text).map_err(|_| self.fail(name, "is not base64")))
            .transpose()
    }

    fn hex(&self, name: &str) -> Result<Option<Vec<u8>>, JsonError> {
        self.text(name)?
            .map(|text| hex::decode(text).map_err(|_| self.fail(name, "is not hex")))
            .transpose()
    }

    fn asn1<T: Asn1>(&self, name: &str) -> Result<Option<T>, JsonError> {
        self.base64(name)?
            .map(|der| from_ber(&der).map_err(|_| self.fail(name, "does not decode")))
            .transpose()
    }

    fn eid(&self) -> Result<Option<Eid>, JsonError> {
        self.text("eidValue")?
            .map(|digits| {
                digits
                    .parse()
                    .map_err(|_| self.fail("eidValue", "is not an EID"))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use euicc_asn1::types::sgp32::common::{EimAcknowledgements, SequenceNumber};

    #[test]
    fn a_poll_becomes_its_asn1_message() {
        let body = br#"{"eidValue": "89049032123451234512345678901235", "notifyStateChange": true,
            "stateChangeCause": 1, "rPLMN": "62F210"}"#;
        let der = request_der("getEimPackage", body).unwrap();
        assert_eq!(
            hex::encode_upper(der),
            "BF4F1C5A10890490321234512345123456789012358000810101820362F210"
        );
    }

    #[test]
    fn queued_packages_travel_as_queued_even_malformed() {
        let answer = answer_json(
            "getEimPackage",
            &hex::decode("BF4F05BF5102AABB").unwrap(),
            Default::default(),
        );
        let value: Value = serde_json::from_slice(&answer.unwrap().unwrap()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"euiccPackageRequest": "v1ECqrs="})
        );
        let nothing = answer_json(
            "getEimPackage",
            &hex::decode("BF4F03020101").unwrap(),
            Default::default(),
        );
        let value: Value = serde_json::from_slice(&nothing.unwrap().unwrap()).unwrap();
        assert_eq!(value, serde_json::json!({"eimPackageError": 1}));
    }

    #[test]
    fn result_answers_name_the_error_as_the_eim_does() {
        let refused = to_der(&Answer::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::ProvideEimPackageResultError(3),
        ));
        let as_asn1 = answer_json("provideEimPackageResult", &refused, ResultErrorName::Asn1);
        assert_eq!(
            as_asn1.unwrap().unwrap(),
            br#"{"provideEimPackageResultError":3}"#
        );
        let as_v1_3 = answer_json(
            "provideEimPackageResult",
            &refused,
            ResultErrorName::EimPackageError,
        );
        assert_eq!(as_v1_3.unwrap().unwrap(), br#"{"eimPackageError":3}"#);
        let acks = to_der(&Answer::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::EimAcknowledgements(EimAcknowledgements(vec![
                SequenceNumber(3),
            ])),
        ));
        let acks = answer_json("provideEimPackageResult", &acks, Default::default());
        assert_eq!(
            acks.unwrap().unwrap(),
            br#"{"eimAcknowledgements":"v1MDgAED"}"#
        );
    }

    proptest::proptest! {
        /// Whatever an IPA sends, and whatever was queued, the eIM answers or refuses; it never panics.
        #[test]
        fn garbage_never_panics(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            function in proptest::sample::select(FUNCTIONS.to_vec()),
        ) {
            let _ = request_der(function, &body);
            let _ = answer_json(function, &body, ResultErrorName::Asn1);
            let object = serde_json::json!({ "eimPackageResult": Base64::encode_string(&body) });
            let _ = request_der(function, object.to_string().as_bytes());
        }
    }

    #[test]
    fn bad_requests_are_typed_errors() {
        for (function, body) in [
            ("getEimPackage", &b"[]"[..]),
            ("getEimPackage", b"{}"),
            ("getEimPackage", b"{\"eidValue\": 89}"),
            ("provideEimPackageResult", b"{\"eimPackageResult\": \"%%\"}"),
            ("authenticateClient", b"{\"transactionId\": \"XYZ\"}"),
            ("nosuchFunction", b"{}"),
            ("cancelSession", b"not json"),
        ] {
            assert!(request_der(function, body).is_err(), "{function} {body:?}");
        }
    }
}
