//! The ES9+ JSON binding (SGP.22 §6.5), sans-IO: request body in, reply out.
//!
//! ASN.1 objects travel as base64 of the whole DER TLV, `transactionId` as upper-case hex, `smdpAddress`
//! as text, `euiccChallenge` as base64 of the 16 raw bytes. Responses carry
//! `header.functionExecutionStatus`; HandleNotification answers with no body (HTTP 204).

use base64ct::{Base64, Encoding};
use euicc_asn1::types::sgp22::{
    AuthenticateClientRequest, CancelSessionRequestEs9, EUICCInfo1, GetBoundProfilePackageRequest,
    InitiateAuthenticationRequest, PendingNotification,
};
use euicc_asn1::{Asn1, Octets, Tag, from_ber};
use serde_json::{Map, Value, json};

use super::logic::SmdpServer;
use super::order::tlv;
use super::status::{SmdpError, StatusCode};

/// The ES9+ functions of the JSON binding, each at `/gsma/rsp2/es9plus/<name>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Es9Function {
    /// ES9+.InitiateAuthentication.
    InitiateAuthentication,
    /// ES9+.AuthenticateClient.
    AuthenticateClient,
    /// ES9+.GetBoundProfilePackage.
    GetBoundProfilePackage,
    /// ES9+.HandleNotification.
    HandleNotification,
    /// ES9+.CancelSession.
    CancelSession,
}

/// The path prefix of every ES9+ function.
pub const PATH_PREFIX: &str = "/gsma/rsp2/es9plus/";

impl Es9Function {
    /// All functions.
    pub const ALL: [Self; 5] = [
        Self::InitiateAuthentication,
        Self::AuthenticateClient,
        Self::GetBoundProfilePackage,
        Self::HandleNotification,
        Self::CancelSession,
    ];

    /// The last path segment (`initiateAuthentication`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::InitiateAuthentication => "initiateAuthentication",
            Self::AuthenticateClient => "authenticateClient",
            Self::GetBoundProfilePackage => "getBoundProfilePackage",
            Self::HandleNotification => "handleNotification",
            Self::CancelSession => "cancelSession",
        }
    }

    /// The function served at `path`, if any.
    pub fn from_path(path: &str) -> Option<Self> {
        let name = path.strip_prefix(PATH_PREFIX)?;
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What to send back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonReply {
    /// HTTP 200 with this JSON body.
    Body(Value),
    /// HTTP 204 without body.
    NoContent,
}

/// Runs one ES9+ function on `server` with a JSON request body.
pub fn handle(server: &mut SmdpServer, function: Es9Function, body: &[u8]) -> JsonReply {
    let result = serde_json::from_slice::<Value>(body)
        .map_err(|e| SmdpError::invalid(format!("JSON: {e}")))
        .and_then(|request| dispatch(server, function, &request));
    match (function, result) {
        (Es9Function::HandleNotification, result) => {
            if let Err(error) = result {
                tracing::warn!(%error, "SM-DP+ dropped a notification");
            }
            JsonReply::NoContent
        }
        (_, Ok(fields)) => JsonReply::Body(with_header(fields, success_status())),
        (_, Err(error)) => {
            tracing::info!(function = function.name(), %error, "SM-DP+ refused");
            JsonReply::Body(failed(error.status_code(), &error.to_string()))
        }
    }
}

/// A `Failed` response with this status code.
pub fn failed(code: StatusCode, message: &str) -> Value {
    with_header(
        Map::new(),
        json!({
            "status": "Failed",
            "statusCodeData": {
                "subjectCode": code.subject,
                "reasonCode": code.reason,
                "message": message,
            }
        }),
    )
}

fn success_status() -> Value {
    json!({ "status": "Executed-Success" })
}

fn with_header(mut fields: Map<String, Value>, status: Value) -> Value {
    fields.insert(
        "header".into(),
        json!({ "functionExecutionStatus": status }),
    );
    Value::Object(fields)
}

fn dispatch(
    server: &mut SmdpServer,
    function: Es9Function,
    request: &Value,
) -> Result<Map<String, Value>, SmdpError> {
    let mut out = Map::new();
    match function {
        Es9Function::InitiateAuthentication => {
            let ok = server.initiate_authentication(&InitiateAuthenticationRequest {
                euicc_challenge: Octets(base64_field(request, "euiccChallenge")?),
                smdp_address: text_field(request, "smdpAddress")?.to_owned(),
                euicc_info1: asn1_field::<EUICCInfo1>(request, "euiccInfo1")?,
            })?;
            put_transaction_id(&mut out, &ok.transaction_id);
            put_base64(&mut out, "serverSigned1", ok.server_signed1.raw());
            put_signature(&mut out, "serverSignature1", &ok.server_signature1);
            put_asn1(
                &mut out,
                "euiccCiPKIdToBeUsed",
                &ok.euicc_ci_pk_id_to_be_used,
            );
            put_asn1(&mut out, "serverCertificate", &ok.server_certificate);
        }
        Es9Function::AuthenticateClient => {
            let ok = server.authenticate_client(&AuthenticateClientRequest {
                transaction_id: transaction_id_field(request)?,
                authenticate_server_response: asn1_field(request, "authenticateServerResponse")?,
            })?;
            put_transaction_id(&mut out, &ok.transaction_id);
            put_asn1(&mut out, "profileMetadata", &ok.profile_meta_data);
            put_base64(&mut out, "smdpSigned2", ok.smdp_signed2.raw());
            put_signature(&mut out, "smdpSignature2", &ok.smdp_signature2);
            put_asn1(&mut out, "smdpCertificate", &ok.smdp_certificate);
        }
        Es9Function::GetBoundProfilePackage => {
            let ok = server.get_bound_profile_package(&GetBoundProfilePackageRequest {
                transaction_id: transaction_id_field(request)?,
                prepare_download_response: asn1_field(request, "prepareDownloadResponse")?,
            })?;
            put_transaction_id(&mut out, &ok.transaction_id);
            put_asn1(&mut out, "boundProfilePackage", &ok.bound_profile_package);
        }
        Es9Function::HandleNotification => {
            server.handle_notification(&asn1_field::<PendingNotification>(
                request,
                "pendingNotification",
            )?)?;
        }
        Es9Function::CancelSession => {
            server.cancel_session(&CancelSessionRequestEs9 {
                transaction_id: transaction_id_field(request)?,
                cancel_session_response: asn1_field(request, "cancelSessionResponse")?,
            })?;
        }
    }
    Ok(out)
}

fn text_field<'a>(request: &'a Value, name: &str) -> Result<&'a str, SmdpError> {
    request
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| SmdpError::invalid(format!("missing string field {name}")))
}

fn base64_field(request: &Value, name: &str) -> Result<Vec<u8>, SmdpError> {
    Base64::decode_vec(text_field(request, name)?)
        .map_err(|_| SmdpError::invalid(format!("{name} is not base64")))
}

fn asn1_field<T: Asn1>(request: &Value, name: &str) -> Result<T, SmdpError> {
    from_ber(&base64_field(request, name)?).map_err(|e| SmdpError::invalid(format!("{name}: {e}")))
}

fn transaction_id_field(request: &Value) -> Result<Octets, SmdpError> {
    let text = text_field(request, "transactionId")?;
    hex::decode(text)
        .map(Octets)
        .map_err(|_| SmdpError::invalid("transactionId is not hex"))
}

fn put_transaction_id(out: &mut Map<String, Value>, transaction_id: &Octets) {
    out.insert(
        "transactionId".into(),
        Value::String(hex::encode_upper(&transaction_id.0)),
    );
}

fn put_base64(out: &mut Map<String, Value>, name: &str, bytes: &[u8]) {
    out.insert(name.into(), Value::String(Base64::encode_string(bytes)));
}

fn put_asn1<T: Asn1>(out: &mut Map<String, Value>, name: &str, value: &T) {
    put_base64(out, name, &euicc_asn1::to_der(value));
}

/// A raw signature as the whole `5F37` TLV.
fn put_signature(out: &mut Map<String, Value>, name: &str, signature: &Octets) {
    put_base64(out, name, &tlv(Tag(0x5F37), &signature.0));
}
