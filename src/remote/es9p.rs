//! ES9+ over the JSON binding (SGP.22 §6.5): the IPA's side of a direct download.
//!
//! Requests are `POST /gsma/rsp2/es9plus/<function>` with a JSON body: ASN.1 objects as base64 of the whole
//! DER TLV (relayed byte for byte), `transactionId` as upper-case hex, `smdpAddress` as text. Answers carry
//! `header.functionExecutionStatus`; a `Failed` or `Expired` status becomes [`Es9Error::Failed`] with the
//! subject and reason codes and a readable explanation ([`describe_status`]). HandleNotification answers 204.

use std::future::Future;

use base64ct::{Base64, Encoding};
use euicc_asn1::types::sgp22::{
    AuthenticateClientOk, Certificate, InitiateAuthenticationOkEs9, ServerSigned1, SmdpSigned2,
    StoreMetadataRequest,
};
use euicc_asn1::{Asn1, Ctx, Limits, Octets, Signed, Tag, Tlv, from_ber};
use serde_json::{Map, Value, json};

use super::https::{HttpError, HttpsClient, Server};

/// The `X-Admin-Protocol` sent by default (the version lpac sends; servers accept any `gsma/rsp/v2.*`).
pub(crate) const DEFAULT_ADMIN_PROTOCOL: &str = "gsma/rsp/v2.2.2";

/// The path prefix of every ES9+ function.
const PATH_PREFIX: &str = "/gsma/rsp2/es9plus/";
/// Most characters kept of each `statusCodeData` text: they reach the log and the terminal, and the body
/// they come in may be megabytes.
const MAX_STATUS_TEXT: usize = 256;

/// The content type of ES9+ requests (SGP.22 §6.5.1).
const JSON: &str = "application/json;charset=UTF-8";

/// What the IPA needs from an SM-DP+ for a download, whatever carries it (ES9+ directly, or ESipa through
/// the eIM). Byte arguments are exact DER TLVs produced by the eUICC.
pub trait Es9 {
    /// ES9+.InitiateAuthentication.
    fn initiate_authentication(
        &mut self,
        euicc_challenge: &[u8],
        euicc_info1: &[u8],
        smdp_address: &str,
    ) -> impl Future<Output = Result<InitiateAuthenticationOkEs9, Es9Error>>;
    /// ES9+.AuthenticateClient with the eUICC's AuthenticateServerResponse (`BF38…`).
    fn authenticate_client(
        &mut self,
        transaction_id: &[u8],
        authenticate_server_response: &[u8],
    ) -> impl Future<Output = Result<AuthenticateClientOk, Es9Error>>;
    /// ES9+.GetBoundProfilePackage with the eUICC's PrepareDownloadResponse (`BF21…`); returns the BPP
    /// (`BF36…`) as received.
    fn get_bound_profile_package(
        &mut self,
        transaction_id: &[u8],
        prepare_download_response: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, Es9Error>>;
    /// ES9+.HandleNotification to `address` (a notification's FQDN); `Ok` only once the server accepted it.
    fn handle_notification(
        &mut self,
        address: &str,
        pending_notification: &[u8],
    ) -> impl Future<Output = Result<(), Es9Error>>;
    /// ES9+.CancelSession with the eUICC's signed CancelSessionResponse (`BF41…`).
    fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        cancel_session_response: &[u8],
    ) -> impl Future<Output = Result<(), Es9Error>>;
}

/// An ES9+ subject and reason code pair, with the server's message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusCodeData {
    /// `subjectCode`, e.g. `8.2.7`.
    pub(crate) subject_code: String,
    /// `reasonCode`, e.g. `3.8`.
    pub(crate) reason_code: String,
    /// The server's own text, if any.
    pub(crate) message: Option<String>,
}

impl std::fmt::Display for StatusCodeData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = describe_status(&self.subject_code, &self.reason_code)
            .unwrap_or("no description for this code");
        write!(f, "{text} ({}/{})", self.subject_code, self.reason_code)?;
        // The server's own text, unless it only repeats the description.
        match &self.message {
            Some(message) if !text.to_lowercase().starts_with(&message.to_lowercase()) => {
                write!(f, "; server says: {message:?}")
            }
            _ => Ok(()),
        }
    }
}

/// A readable explanation of common ES9+ status codes (SGP.22 §5.6).
pub(crate) fn describe_status(subject: &str, reason: &str) -> Option<&'static str> {
    Some(match (subject, reason) {
        ("8.1", "3.8") => "the eUICC refused the SM-DP+'s authentication",
        ("8.1", "4.8") => "not enough memory on the eUICC",
        ("8.1", "6.1") => "eUICC signature or challenge invalid",
        ("8.1.1", "3.8") => "EID mismatch: the order is for another eUICC",
        ("8.1.3", "6.1") => "eUICC certificate chain invalid",
        ("8.1.3", "6.3") => "eUICC certificate expired",
        ("8.2", "3.7") => "bound profile package not available for rebinding",
        ("8.2.6", "3.8") => {
            "matching ID refused (no such order, or already used; check the activation code)"
        }
        ("8.2.7", "2.2") => "confirmation code missing",
        ("8.2.7", "3.8") => "confirmation code refused",
        ("8.2.7", "6.4") => "confirmation code retries exceeded",
        ("8.8", "3.10") => "SM-DP+ OID invalid",
        ("8.8.1", "3.8") => "SM-DP+ address refused",
        ("8.8.2", "3.1") => "none of the eUICC's CI keys is supported by the SM-DP+",
        ("8.8.5", "4.1") => "download order expired",
        ("8.10.1", "3.9") => "unknown or expired transaction ID",
        ("8.11.1", "3.9") => "the eUICC's CI is unknown to the SM-DP+",
        ("1.2", "2.1") => "the SM-DP+ found the request invalid",
        _ => return None,
    })
}

/// A failed ES9+ function.
#[derive(Debug, thiserror::Error)]
pub enum Es9Error {
    /// The HTTPS exchange failed (connect, TLS, timeout, framing).
    #[error("ES9+ {function}")]
    Http {
        /// The ES9+ function.
        function: &'static str,
        /// What failed.
        #[source]
        source: HttpError,
    },
    /// The server answered an HTTP status other than the function's success status.
    #[error("ES9+ {function}: the server answered HTTP {status}")]
    HttpStatus {
        /// The ES9+ function.
        function: &'static str,
        /// The status code.
        status: u16,
    },
    /// The answer is not the function's JSON response (not JSON, a missing or malformed field).
    #[error("ES9+ {function}: malformed answer: {detail}")]
    Malformed {
        /// The ES9+ function.
        function: &'static str,
        /// What is wrong (never a field's content).
        detail: String,
    },
    /// The SM-DP+ executed the function and refused (`Failed` or `Expired`).
    #[error("ES9+ {function}: the SM-DP+ answered {status}: {code}")]
    Failed {
        /// The ES9+ function.
        function: &'static str,
        /// `Failed` or `Expired`.
        status: String,
        /// The subject and reason codes.
        code: StatusCodeData,
    },
}

impl Es9Error {
    /// True when the request ran out of time (the download is cancelled with reason timeout).
    pub(crate) fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::Http {
                source: HttpError::Timeout(_),
                ..
            }
        )
    }
}

/// The ES9+ JSON binding over one [`HttpsClient`] connection to one SM-DP+.
#[derive(Debug)]
pub struct Es9Client {
    http: HttpsClient,
    smdp: Server,
    admin_protocol: String,
}

impl Es9Client {
    /// A client of the SM-DP+ `smdp` sending [`DEFAULT_ADMIN_PROTOCOL`].
    pub fn new(http: HttpsClient, smdp: Server) -> Self {
        Self {
            http,
            smdp,
            admin_protocol: DEFAULT_ADMIN_PROTOCOL.to_owned(),
        }
    }

    /// Posts `body` to `server` and returns the HTTP status and body.
    async fn post(
        &mut self,
        server: Option<&Server>,
        function: &'static str,
        body: Value,
    ) -> Result<(u16, Vec<u8>), Es9Error> {
        let server = server.unwrap_or(&self.smdp).clone();
        tracing::debug!(function, host = server.host(), "ES9+ request");
        let path = format!("{PATH_PREFIX}{function}");
        let headers = [("x-admin-protocol", self.admin_protocol.as_str())];
        let body = body.to_string().into_bytes();
        // initiateAuthentication opens the session: a second one only leaves the first unused at the
        // SM-DP+, as its lost answer would anyway (HttpsClient::post_replayable). Later functions move the
        // session on and are sent once.
        let sent = match function {
            "initiateAuthentication" => {
                self.http
                    .post_replayable(&server, &path, JSON, &headers, body)
                    .await
            }
            _ => self.http.post(&server, &path, JSON, &headers, body).await,
        };
        let response = sent.map_err(|source| Es9Error::Http { function, source })?;
        tracing::debug!(function, status = response.status, "ES9+ answer");
        Ok((response.status, response.body))
    }

    /// Calls a function that answers 200 with a JSON body, and returns the body.
    async fn call(&mut self, function: &'static str, body: Value) -> Result<Vec<u8>, Es9Error> {
        match self.post(None, function, body).await? {
            (200, answer) => Ok(answer),
            (status, _) => Err(Es9Error::HttpStatus { function, status }),
        }
    }
}

impl Es9 for Es9Client {
    async fn initiate_authentication(
        &mut self,
        euicc_challenge: &[u8],
        euicc_info1: &[u8],
        smdp_address: &str,
    ) -> Result<InitiateAuthenticationOkEs9, Es9Error> {
        let answer = self
            .call(
                "initiateAuthentication",
                json!({
                    "euiccChallenge": Base64::encode_string(euicc_challenge),
                    "euiccInfo1": Base64::encode_string(euicc_info1),
                    "smdpAddress": smdp_address,
                }),
            )
            .await?;
        decode_initiate_authentication(&answer)
    }

    async fn authenticate_client(
        &mut self,
        transaction_id: &[u8],
        authenticate_server_response: &[u8],
    ) -> Result<AuthenticateClientOk, Es9Error> {
        let answer = self
            .call(
                "authenticateClient",
                json!({
                    "transactionId": hex::encode_upper(transaction_id),
                    "authenticateServerResponse": Base64::encode_string(authenticate_server_response),
                }),
            )
            .await?;
        decode_authenticate_client(&answer)
    }

    async fn get_bound_profile_package(
        &mut self,
        transaction_id: &[u8],
        prepare_download_response: &[u8],
    ) -> Result<Vec<u8>, Es9Error> {
        let answer = self
            .call(
                "getBoundProfilePackage",
                json!({
                    "transactionId": hex::encode_upper(transaction_id),
                    "prepareDownloadResponse": Base64::encode_string(prepare_download_response),
                }),
            )
            .await?;
        decode_bound_profile_package(&answer)
    }

    async fn handle_notification(
        &mut self,
        address: &str,
        pending_notification: &[u8],
    ) -> Result<(), Es9Error> {
        const FUNCTION: &str = "handleNotification";
        let server = Server::parse(address).map_err(|source| Es9Error::Http {
            function: FUNCTION,
            source,
        })?;
        let body = json!({ "pendingNotification": Base64::encode_string(pending_notification) });
        match self.post(Some(&server), FUNCTION, body).await? {
            (204, _) => Ok(()),
            // Some servers answer 200 with a status header instead.
            (200, answer) => decode_status(FUNCTION, &answer),
            (status, _) => Err(Es9Error::HttpStatus {
                function: FUNCTION,
                status,
            }),
        }
    }

    async fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        cancel_session_response: &[u8],
    ) -> Result<(), Es9Error> {
        const FUNCTION: &str = "cancelSession";
        let answer = self
            .call(
                FUNCTION,
                json!({
                    "transactionId": hex::encode_upper(transaction_id),
                    "cancelSessionResponse": Base64::encode_string(cancel_session_response),
                }),
            )
            .await?;
        decode_status(FUNCTION, &answer)
    }
}

/// Decodes the answer to ES9+.InitiateAuthentication (the decoders here do no I/O: the client and the
/// `es9p_json` fuzz target both read through them).
pub fn decode_initiate_authentication(
    body: &[u8],
) -> Result<InitiateAuthenticationOkEs9, Es9Error> {
    let reply = Fields::parse("initiateAuthentication", body)?;
    Ok(InitiateAuthenticationOkEs9 {
        transaction_id: reply.transaction_id()?,
        server_signed1: reply.asn1::<Signed<ServerSigned1>>("serverSigned1")?,
        server_signature1: reply.signature("serverSignature1")?,
        euicc_ci_pk_id_to_be_used: reply.asn1::<Octets>("euiccCiPKIdToBeUsed")?,
        server_certificate: reply.asn1::<Certificate>("serverCertificate")?,
    })
}

/// Decodes the answer to ES9+.AuthenticateClient.
pub fn decode_authenticate_client(body: &[u8]) -> Result<AuthenticateClientOk, Es9Error> {
    let reply = Fields::parse("authenticateClient", body)?;
    Ok(AuthenticateClientOk {
        transaction_id: reply.transaction_id()?,
        profile_meta_data: reply.asn1::<StoreMetadataRequest>("profileMetadata")?,
        smdp_signed2: reply.asn1::<Signed<SmdpSigned2>>("smdpSigned2")?,
        smdp_signature2: reply.signature("smdpSignature2")?,
        smdp_certificate: reply.asn1::<Certificate>("smdpCertificate")?,
    })
}

/// Decodes the answer to ES9+.GetBoundProfilePackage: the BPP (`BF36…`) as received.
pub fn decode_bound_profile_package(body: &[u8]) -> Result<Vec<u8>, Es9Error> {
    let reply = Fields::parse("getBoundProfilePackage", body)?;
    let bpp = reply.base64("boundProfilePackage")?;
    if bpp.get(..2) != Some(&[0xBF, 0x36][..]) {
        return Err(reply.malformed("boundProfilePackage is not a BF36 TLV"));
    }
    Ok(bpp)
}

/// Checks the execution status of an answer whose fields the IPA does not use (`cancelSession`, and
/// `handleNotification` from servers that answer 200).
pub fn decode_status(function: &'static str, body: &[u8]) -> Result<(), Es9Error> {
    Fields::parse(function, body).map(drop)
}

/// The fields of a successful JSON answer.
struct Fields {
    function: &'static str,
    fields: Map<String, Value>,
}

impl Fields {
    /// Parses `body` and checks `header.functionExecutionStatus`.
    fn parse(function: &'static str, body: &[u8]) -> Result<Self, Es9Error> {
        let malformed = |detail: &str| Es9Error::Malformed {
            function,
            detail: detail.to_owned(),
        };
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
            return Err(malformed("not a JSON object"));
        };
        let execution = fields
            .get("header")
            .and_then(|h| h.get("functionExecutionStatus"))
            .ok_or_else(|| malformed("no header.functionExecutionStatus"))?;
        let status = execution
            .get("status")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("no functionExecutionStatus.status"))?;
        match status {
            "Executed-Success" | "Executed-WithWarning" => Ok(Self { function, fields }),
            other => {
                let data = execution.get("statusCodeData");
                // Bounded, and without control characters (a terminal would obey them).
                let clean = |text: &str| {
                    text.chars()
                        .filter(|c| !c.is_control())
                        .take(MAX_STATUS_TEXT)
                        .collect::<String>()
                };
                let text = |name: &str| {
                    data.and_then(|d| d.get(name))
                        .and_then(Value::as_str)
                        .map(clean)
                };
                Err(Es9Error::Failed {
                    function,
                    status: clean(other),
                    code: StatusCodeData {
                        subject_code: text("subjectCode").unwrap_or_default(),
                        reason_code: text("reasonCode").unwrap_or_default(),
                        message: text("message"),
                    },
                })
            }
        }
    }

    fn malformed(&self, detail: impl Into<String>) -> Es9Error {
        Es9Error::Malformed {
            function: self.function,
            detail: detail.into(),
        }
    }

    fn text(&self, name: &str) -> Result<&str, Es9Error> {
        self.fields
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| self.malformed(format!("missing string field {name}")))
    }

    fn base64(&self, name: &str) -> Result<Vec<u8>, Es9Error> {
        Base64::decode_vec(self.text(name)?)
            .map_err(|_| self.malformed(format!("{name} is not base64")))
    }

    fn asn1<T: Asn1>(&self, name: &str) -> Result<T, Es9Error> {
        from_ber(&self.base64(name)?).map_err(|e| self.malformed(format!("{name}: {e}")))
    }

    fn transaction_id(&self) -> Result<Octets, Es9Error> {
        hex::decode(self.text("transactionId")?)
            .map(Octets)
            .map_err(|_| self.malformed("transactionId is not hex"))
    }

    /// A signature field: the whole `5F37` TLV, whose content is the raw signature.
    fn signature(&self, name: &str) -> Result<Octets, Es9Error> {
        let bytes = self.base64(name)?;
        let mut cx = Ctx::new(Limits::default());
        match Tlv::parse(&bytes, 0, &mut cx) {
            Ok((tlv, [])) if tlv.tag == Tag(0x5F37) => Ok(Octets(tlv.content.to_vec())),
            _ => Err(self.malformed(format!("{name} is not a 5F37 TLV"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_status_is_checked() {
        let ok = br#"{"header":{"functionExecutionStatus":{"status":"Executed-WithWarning"}},"transactionId":"0A0B"}"#;
        let fields = Fields::parse("authenticateClient", ok).unwrap();
        assert_eq!(fields.transaction_id().unwrap(), Octets(vec![10, 11]));
        assert!(fields.signature("transactionId").is_err());

        let failed = br#"{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.2.7","reasonCode":"3.8","message":"no"}}}}"#;
        let error = Fields::parse("getBoundProfilePackage", failed)
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "ES9+ getBoundProfilePackage: the SM-DP+ answered Failed: confirmation code refused \
             (8.2.7/3.8); server says: \"no\""
        );
        for garbage in [&b"{\"header\": <"[..], b"[]", b"{}"] {
            assert!(matches!(
                Fields::parse("cancelSession", garbage),
                Err(Es9Error::Malformed { .. })
            ));
        }
    }

    #[test]
    fn a_server_text_is_bounded_and_printable() {
        let message = "\u{1b}[2J".to_owned() + &"x".repeat(1 << 20);
        let body = json!({"header":{"functionExecutionStatus":{"status":"Failed",
            "statusCodeData":{"subjectCode":"8.1\n","reasonCode":"y".repeat(5000),"message":message}}}});
        let error = decode_status("cancelSession", body.to_string().as_bytes())
            .err()
            .unwrap();
        let Es9Error::Failed { code, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(code.subject_code, "8.1");
        assert_eq!(code.reason_code.len(), MAX_STATUS_TEXT);
        let text = error.to_string();
        assert!(text.len() < 4 * MAX_STATUS_TEXT, "{} bytes", text.len());
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    /// Found by the es9p_json fuzz target: an unknown status is echoed in the error, so it is bounded too.
    #[test]
    fn an_unknown_status_is_bounded_and_printable() {
        let status = "Executed-Succ\u{7}".to_owned() + &"3".repeat(5000);
        let body = json!({"header":{"functionExecutionStatus":{"status":status}}});
        let error = decode_status("cancelSession", body.to_string().as_bytes())
            .err()
            .unwrap();
        let Es9Error::Failed { status, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(status.chars().count(), MAX_STATUS_TEXT);
        assert!(!status.contains('\u{7}'));
    }

    #[test]
    fn status_descriptions() {
        assert_eq!(
            describe_status("8.2.6", "3.8"),
            Some("matching ID refused (no such order, or already used; check the activation code)")
        );
        assert_eq!(describe_status("9.9", "9.9"), None);
    }
}
