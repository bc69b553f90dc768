//! The simulated eIM's ES9+ client (SGP.22 §6.5, the JSON binding), with which it relays indirect downloads
//! to the SM-DP+ ([`relay`](super::relay)). The eIM's own reading of the binding, not the IPA's client, so
//! that a misreading on either side fails a test: requests are `POST /gsma/rsp2/es9plus/<function>` with
//! ASN.1 objects as base64 of their DER TLV and `transactionId` as upper-case hex (SGP.22 §6.5.1); answers
//! carry `header.functionExecutionStatus` (§6.5.1.4), HandleNotification answers 204 (§6.5.2.4).

use std::sync::Arc;
use std::time::Duration;

use base64ct::{Base64, Encoding};
use euicc_asn1::types::sgp22::{
    AuthenticateClientOk, Certificate, InitiateAuthenticationOkEs9, ServerSigned1, SmdpSigned2,
    StoreMetadataRequest,
};
use euicc_asn1::{Asn1, Ctx, Limits, Octets, Signed, Tag, Tlv, from_ber};
use serde_json::{Map, Value, json};

use crate::https_client::{self, Target};

/// The path prefix of every ES9+ function (SGP.22 §6.5.1).
const PATH_PREFIX: &str = "/gsma/rsp2/es9plus/";
/// The content type of ES9+ requests (SGP.22 §6.5.1).
const JSON: &str = "application/json;charset=UTF-8";
/// The `X-Admin-Protocol` the eIM sends (SGP.22 §6.5.1: `gsma/rsp/v<version>`).
const ADMIN_PROTOCOL: &str = "gsma/rsp/v2.2.0";
/// How long one relayed call may take, and the largest answer (a bound profile package) accepted.
const DEADLINE: Duration = Duration::from_secs(30);
const MAX_ANSWER: usize = 4 << 20;

/// A relayed ES9+ call that failed; the eIM answers the IPA with the function's error.
#[derive(Debug, thiserror::Error)]
pub enum Es9Error {
    /// No answer: the address, the connection, TLS or HTTP failed.
    #[error("ES9+ {function}: {detail}")]
    Http {
        /// The ES9+ function.
        function: &'static str,
        /// What failed.
        detail: String,
    },
    /// An HTTP status other than the function's success status.
    #[error("ES9+ {function}: the server answered HTTP {status}")]
    HttpStatus {
        /// The ES9+ function.
        function: &'static str,
        /// The status code.
        status: u16,
    },
    /// Not the function's JSON answer.
    #[error("ES9+ {function}: malformed answer: {detail}")]
    Malformed {
        /// The ES9+ function.
        function: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The SM-DP+ refused (`functionExecutionStatus.status` other than success).
    #[error("ES9+ {function}: the SM-DP+ answered {status} ({subject}/{reason})")]
    Failed {
        /// The ES9+ function.
        function: &'static str,
        /// E.g. `Failed`.
        status: String,
        /// `subjectCode`.
        subject: String,
        /// `reasonCode`.
        reason: String,
    },
}

/// An ES9+ client of one SM-DP+.
#[derive(Debug)]
pub struct Es9Client {
    tls: Arc<rustls::ClientConfig>,
    smdp: Target,
}

impl Es9Client {
    /// A client of the SM-DP+ at `smdp_address` (`host[:port]`), trusting `tls`'s anchors, connecting to
    /// `connect_override` instead when given.
    pub fn new(
        tls: Arc<rustls::ClientConfig>,
        smdp_address: &str,
        connect_override: Option<String>,
    ) -> Self {
        Self {
            tls,
            smdp: Target {
                address: smdp_address.to_owned(),
                connect_override,
            },
        }
    }

    /// ES9+.InitiateAuthentication (SGP.22 §5.6.1).
    pub async fn initiate_authentication(
        &mut self,
        euicc_challenge: &[u8],
        euicc_info1: &[u8],
        smdp_address: &str,
    ) -> Result<InitiateAuthenticationOkEs9, Es9Error> {
        let body = json!({
            "euiccChallenge": Base64::encode_string(euicc_challenge),
            "euiccInfo1": Base64::encode_string(euicc_info1),
            "smdpAddress": smdp_address,
        });
        let answer = Answer::read(self.call("initiateAuthentication", body).await?)?;
        Ok(InitiateAuthenticationOkEs9 {
            transaction_id: answer.transaction_id()?,
            server_signed1: answer.asn1::<Signed<ServerSigned1>>("serverSigned1")?,
            server_signature1: answer.signature("serverSignature1")?,
            euicc_ci_pk_id_to_be_used: answer.asn1::<Octets>("euiccCiPKIdToBeUsed")?,
            server_certificate: answer.asn1::<Certificate>("serverCertificate")?,
        })
    }

    /// ES9+.AuthenticateClient (SGP.22 §5.6.3).
    pub async fn authenticate_client(
        &mut self,
        transaction_id: &[u8],
        authenticate_server_response: &[u8],
    ) -> Result<AuthenticateClientOk, Es9Error> {
        let body = json!({
            "transactionId": hex::encode_upper(transaction_id),
            "authenticateServerResponse": Base64::encode_string(authenticate_server_response),
        });
        let answer = Answer::read(self.call("authenticateClient", body).await?)?;
        Ok(AuthenticateClientOk {
            transaction_id: answer.transaction_id()?,
            profile_meta_data: answer.asn1::<StoreMetadataRequest>("profileMetadata")?,
            smdp_signed2: answer.asn1::<Signed<SmdpSigned2>>("smdpSigned2")?,
            smdp_signature2: answer.signature("smdpSignature2")?,
            smdp_certificate: answer.asn1::<Certificate>("smdpCertificate")?,
        })
    }

    /// ES9+.GetBoundProfilePackage (SGP.22 §5.6.2): the BPP as received.
    pub async fn get_bound_profile_package(
        &mut self,
        transaction_id: &[u8],
        prepare_download_response: &[u8],
    ) -> Result<Vec<u8>, Es9Error> {
        let body = json!({
            "transactionId": hex::encode_upper(transaction_id),
            "prepareDownloadResponse": Base64::encode_string(prepare_download_response),
        });
        let answer = Answer::read(self.call("getBoundProfilePackage", body).await?)?;
        answer.base64("boundProfilePackage")
    }

    /// ES9+.CancelSession (SGP.22 §5.6.5).
    pub async fn cancel_session(
        &mut self,
        transaction_id: &[u8],
        cancel_session_response: &[u8],
    ) -> Result<(), Es9Error> {
        let body = json!({
            "transactionId": hex::encode_upper(transaction_id),
            "cancelSessionResponse": Base64::encode_string(cancel_session_response),
        });
        Answer::read(self.call("cancelSession", body).await?).map(drop)
    }

    /// ES9+.HandleNotification (SGP.22 §5.6.4) to the notification's own address: 204, or 200 with a
    /// success status.
    pub async fn handle_notification(
        &mut self,
        address: &str,
        pending_notification: &[u8],
    ) -> Result<(), Es9Error> {
        const FUNCTION: &str = "handleNotification";
        let target = Target {
            address: address.to_owned(),
            connect_override: self.smdp.connect_override.clone(),
        };
        let body = json!({ "pendingNotification": Base64::encode_string(pending_notification) });
        match self.post(&target, FUNCTION, body).await? {
            (204, _) => Ok(()),
            (200, body) => Answer::read((FUNCTION, body)).map(drop),
            (status, _) => Err(Es9Error::HttpStatus {
                function: FUNCTION,
                status,
            }),
        }
    }

    /// Calls a function that answers 200 with a JSON body.
    async fn call(
        &self,
        function: &'static str,
        body: Value,
    ) -> Result<(&'static str, Vec<u8>), Es9Error> {
        match self.post(&self.smdp, function, body).await? {
            (200, answer) => Ok((function, answer)),
            (status, _) => Err(Es9Error::HttpStatus { function, status }),
        }
    }

    async fn post(
        &self,
        target: &Target,
        function: &'static str,
        body: Value,
    ) -> Result<(u16, Vec<u8>), Es9Error> {
        let answer = https_client::post(
            Arc::clone(&self.tls),
            target,
            &format!("{PATH_PREFIX}{function}"),
            JSON,
            &[("x-admin-protocol", ADMIN_PROTOCOL)],
            body.to_string().into_bytes(),
            (DEADLINE, MAX_ANSWER),
        )
        .await
        .map_err(|e| Es9Error::Http {
            function,
            detail: e.to_string(),
        })?;
        Ok((answer.status, answer.body))
    }
}

/// The fields of a successful answer.
struct Answer {
    function: &'static str,
    fields: Map<String, Value>,
}

impl Answer {
    /// Parses a JSON answer and checks its execution status.
    fn read((function, body): (&'static str, Vec<u8>)) -> Result<Self, Es9Error> {
        let malformed = |detail: &str| Es9Error::Malformed {
            function,
            detail: detail.to_owned(),
        };
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
            return Err(malformed("not a JSON object"));
        };
        let execution = fields
            .get("header")
            .and_then(|header| header.get("functionExecutionStatus"))
            .ok_or_else(|| malformed("no header.functionExecutionStatus"))?;
        match execution.get("status").and_then(Value::as_str) {
            Some("Executed-Success" | "Executed-WithWarning") => Ok(Self { function, fields }),
            Some(status) => {
                let code = |name: &str| {
                    execution
                        .get("statusCodeData")
                        .and_then(|data| data.get(name))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .chars()
                        .take(64)
                        .collect()
                };
                Err(Es9Error::Failed {
                    function,
                    status: status.chars().take(64).collect(),
                    subject: code("subjectCode"),
                    reason: code("reasonCode"),
                })
            }
            None => Err(malformed("no functionExecutionStatus.status")),
        }
    }

    fn malformed(&self, detail: String) -> Es9Error {
        Es9Error::Malformed {
            function: self.function,
            detail,
        }
    }

    fn base64(&self, name: &str) -> Result<Vec<u8>, Es9Error> {
        self.fields
            .get(name)
            .and_then(Value::as_str)
            .and_then(|text| Base64::decode_vec(text).ok())
            .ok_or_else(|| self.malformed(format!("{name} missing or not base64")))
    }

    fn asn1<T: Asn1>(&self, name: &str) -> Result<T, Es9Error> {
        from_ber(&self.base64(name)?).map_err(|e| self.malformed(format!("{name}: {e}")))
    }

    fn transaction_id(&self) -> Result<Octets, Es9Error> {
        self.fields
            .get("transactionId")
            .and_then(Value::as_str)
            .and_then(|text| hex::decode(text).ok())
            .map(Octets)
            .ok_or_else(|| self.malformed("transactionId missing or not hex".into()))
    }

    /// A signature: the whole `5F37` TLV, whose content is the raw signature.
    fn signature(&self, name: &str) -> Result<Octets, Es9Error> {
        let bytes = self.base64(name)?;
        match Tlv::parse(&bytes, 0, &mut Ctx::new(Limits::default())) {
            Ok((tlv, [])) if tlv.tag == Tag(0x5F37) => Ok(Octets(tlv.content.to_vec())),
            _ => Err(self.malformed(format!("{name} is not a 5F37 TLV"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_status_and_fields_are_checked() {
        let ok = br#"{"header":{"functionExecutionStatus":{"status":"Executed-WithWarning"}},"transactionId":"0A0B"}"#;
        let answer = Answer::read(("authenticateClient", ok.to_vec())).unwrap();
        assert_eq!(answer.transaction_id().unwrap(), Octets(vec![10, 11]));
        assert!(answer.signature("transactionId").is_err());

        let failed = br#"{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.2.7","reasonCode":"3.8"}}}}"#;
        let error = Answer::read(("cancelSession", failed.to_vec()))
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "ES9+ cancelSession: the SM-DP+ answered Failed (8.2.7/3.8)"
        );
        for garbage in [&b"{\"header\": <"[..], b"[]", b"{}"] {
            assert!(matches!(
                Answer::read(("cancelSession", garbage.to_vec())),
                Err(Es9Error::Malformed { .. })
            ));
        }
    }
}
