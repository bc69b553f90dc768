//! ESipa (SGP.32 §5.14; HTTPS §6.1, bindings §6.3 ASN.1 and §6.4 JSON): the IPA's side of the eIM interface, over the
//! ASN.1 binding by default or the JSON binding ([`EsipaBinding`]).
//!
//! Every message is `POST https://<eimFqdn>/gsma/rsp2/asn1` with `Content-Type: application/x-gsma-rsp-asn1`
//! and `X-Admin-Protocol` (a setting, [`DEFAULT_ADMIN_PROTOCOL`] by default). The body is the DER of one
//! `EsipaMessageFromIpaToEim` alternative, with no wrapper; the answer is the DER of one
//! `EsipaMessageFromEimToIpa` alternative. HandleNotification may be answered 200 or 204 with no body.
//!
//! Both SGP.32 layouts are spoken: the [`EsipaVersion`] the caller passes decides the encoding of the request and
//! the decoding of the answer. One procedure (GetEimPackage … ProvideEimPackageResult) runs over one
//! keep-alive connection of the [`HttpsClient`], because eIMs link v1.0 messages by connection.
//!
//! Bodies are logged only as lengths, and only at debug level.

use euicc_asn1::types::sgp32::view::Sgp32;
use euicc_asn1::{DecodeError, for_layout, for_value, from_ber, layout_neutral, to_der};

use super::esipa_json::{self, JsonError};
use super::https::{HttpError, HttpResponse, HttpsClient, Server};
use euicc_asn1::Layout;

/// The `X-Admin-Protocol` sent by default (SGP.32 v1.2 §6.1 sets `v2.1.0`; onomondo-eim requires it).
pub(crate) const DEFAULT_ADMIN_PROTOCOL: &str = "gsma/rsp/v2.1.0";

/// The `User-Agent` of an IPAd (SGP.32 §6.1; SGP.22's LPAd sends `gsma-rsp-lpad`). With `Host`,
/// `Content-Type`, `Content-Length` and `X-Admin-Protocol` it is every header a request carries.
pub(crate) const USER_AGENT: &str = "gsma-rsp-ipad";

/// The path of the ASN.1 binding.
pub(crate) const PATH: &str = "/gsma/rsp2/asn1";

/// The content type of requests and answers.
pub(crate) const CONTENT_TYPE: &str = "application/x-gsma-rsp-asn1";

/// The SGP.32 version of the ESipa messages exchanged with one eIM. ESipa messages are SGP32Definitions
/// types, so this is a [`Layout`]; but it is the eIM's, not the eUICC's: an eIM may be configured to speak
/// another version than the card (`[[eim]] version`), and what the eUICC signs then travels in the card's
/// layout inside messages of this one. An alias, not a type of its own: the two meet only where the poll
/// cycle is set up (`agent::eim::poll_once`), which names them apart (`layout` for ESipa, `card` for the
/// eUICC), and the codecs are written over [`Layout`] with `for_layout!`.
pub(crate) type EsipaVersion = Layout;

/// How ESipa messages travel: one setting per eIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum EsipaBinding {
    /// The ASN.1 binding: the DER of each message (fewest bytes on a metered link).
    #[default]
    Asn1,
    /// The JSON binding ([`esipa_json`]; SGP.32 v1.1 and later, so v1.2 layout only).
    Json,
}

/// What the IPA does with the eUICC Package Result and notifications it delivered when the eIM answers
/// ProvideEimPackageResult successfully but acknowledges nothing: one setting per eIM. SGP.32 v1.0 makes
/// `eimAcknowledgements` optional and v1.0 eIMs do not send it (an IPA of that version removes the result
/// after a successful delivery); from v1.2 on the eIM acknowledges what it took.
/// In the configuration: `auto`, `keep` or `remove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Unacknowledged {
    /// Remove with the v1.0 layout, keep with the v1.2 layout.
    #[default]
    Auto,
    /// Keep them on the eUICC until an eIM acknowledges them.
    Keep,
    /// Remove them: the successful answer is the confirmation.
    Remove,
}

impl std::str::FromStr for Unacknowledged {
    type Err = String;

    /// `auto`, `keep` or `remove`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Self::Auto),
            "keep" => Ok(Self::Keep),
            "remove" => Ok(Self::Remove),
            other => Err(format!("expected auto, keep or remove, not {other:?}")),
        }
    }
}

impl Unacknowledged {
    /// Whether a successful delivery in the `layout` without acknowledgements removes what it delivered.
    pub(crate) fn removes(self, layout: EsipaVersion) -> bool {
        match self {
            Self::Auto => layout == EsipaVersion::V1_0,
            Self::Keep => false,
            Self::Remove => true,
        }
    }
}

layout_neutral! {
    /// A message to the eIM, in the layout of one SGP.32 version.
    pub(crate) enum IpaToEim(EsipaMessageFromIpaToEim);
}

impl IpaToEim {
    /// The layout of this message, which is also the layout its answer is read in.
    pub(crate) fn version(&self) -> EsipaVersion {
        for_value!(self, IpaToEim, l, _message => <l::Types as Sgp32>::LAYOUT)
    }

    /// The DER of the chosen alternative.
    pub(crate) fn to_der(&self) -> Vec<u8> {
        for_value!(self, IpaToEim, l, message => to_der(message))
    }

    /// Reads a message of the `version` layout (e.g. one a journal kept).
    pub(crate) fn decode(version: EsipaVersion, der: &[u8]) -> Result<Self, DecodeError> {
        Ok(for_layout!(version, l => from_ber::<l::EsipaMessageFromIpaToEim>(der)?.into()))
    }
}

layout_neutral! {
    /// A message from the eIM, in the layout of one SGP.32 version.
    pub(crate) enum EimToIpa(EsipaMessageFromEimToIpa);
}

impl EimToIpa {
    /// Decodes an answer in the layout of `version`.
    pub(crate) fn decode(version: EsipaVersion, der: &[u8]) -> Result<Self, DecodeError> {
        Ok(for_layout!(version, l => from_ber::<l::EsipaMessageFromEimToIpa>(der)?.into()))
    }
}

/// A failed ESipa exchange.
#[derive(Debug, thiserror::Error)]
pub enum EsipaError {
    /// The HTTPS exchange failed (connect, TLS, timeout, framing, body bound).
    #[error("ESipa {function}")]
    Http {
        /// The ESipa function.
        function: &'static str,
        /// What failed.
        #[source]
        source: HttpError,
    },
    /// The eIM answered an HTTP status other than 200 (or 204 for HandleNotification).
    #[error("ESipa {function}: the eIM answered HTTP {status}")]
    HttpStatus {
        /// The ESipa function.
        function: &'static str,
        /// The status code.
        status: u16,
    },
    /// The eIM answered with no body where the function has an answer.
    #[error("ESipa {function}: the eIM answered with an empty body")]
    EmptyAnswer {
        /// The ESipa function.
        function: &'static str,
    },
    /// A JSON body could not be made or read (JSON binding).
    #[error("ESipa {function}: the JSON body is unusable")]
    Json {
        /// The ESipa function.
        function: &'static str,
        /// What is wrong.
        #[source]
        source: JsonError,
    },
    /// The answer is not an `EsipaMessageFromEimToIpa` of the version spoken.
    #[error("ESipa {function}: undecodable answer")]
    Undecodable {
        /// The ESipa function.
        function: &'static str,
        /// What the decoder reported.
        #[source]
        source: DecodeError,
    },
}

/// An ESipa client over the ASN.1 binding, towards one eIM. See the module documentation.
#[derive(Debug)]
pub struct EsipaClient {
    http: HttpsClient,
    server: Server,
    admin_protocol: String,
    binding: EsipaBinding,
    /// The SGP.32 layout this eIM speaks, when configured; otherwise the eUICC's.
    layout: Option<EsipaVersion>,
    unacknowledged: Unacknowledged,
}

impl EsipaClient {
    /// A client of the eIM at `server`, sending [`DEFAULT_ADMIN_PROTOCOL`] and [`USER_AGENT`].
    pub fn new(mut http: HttpsClient, server: Server) -> Self {
        http.set_user_agent(USER_AGENT);
        Self {
            http,
            server,
            admin_protocol: DEFAULT_ADMIN_PROTOCOL.to_owned(),
            binding: EsipaBinding::Asn1,
            layout: None,
            unacknowledged: Unacknowledged::Auto,
        }
    }

    /// Reads a successful answer without acknowledgements as [`Unacknowledged`] says.
    pub(crate) fn with_unacknowledged(mut self, unacknowledged: Unacknowledged) -> Self {
        self.unacknowledged = unacknowledged;
        self
    }

    /// Whether a successful delivery in the `layout` that the eIM does not acknowledge removes what it
    /// delivered from the eUICC.
    pub(crate) fn removes_unacknowledged(&self, layout: EsipaVersion) -> bool {
        self.unacknowledged.removes(layout)
    }

    /// Speaks the `layout` of SGP.32 with this eIM whatever the eUICC speaks (`None`: the eUICC's): the
    /// messages the IPA builds (polls, results, data answers, notifications' envelopes) follow it, while
    /// what the eUICC signs travels as the eUICC built it.
    pub(crate) fn with_layout(mut self, layout: Option<EsipaVersion>) -> Self {
        self.layout = layout;
        self
    }

    /// The layout of ESipa with this eIM for an eUICC that speaks `card`.
    pub(crate) fn layout(&self, card: Layout) -> EsipaVersion {
        self.layout.unwrap_or(card)
    }

    /// Speaks `binding` instead of the ASN.1 binding.
    pub(crate) fn with_binding(mut self, binding: EsipaBinding) -> Self {
        self.binding = binding;
        self
    }

    /// Sends `protocol` as `X-Admin-Protocol` instead (e.g. `gsma/rsp/v1.3.0` for newer eIMs).
    pub(crate) fn with_admin_protocol(mut self, protocol: impl Into<String>) -> Self {
        self.admin_protocol = protocol.into();
        self
    }

    /// Sends `message` and returns the eIM's answer, read in the message's layout. `None` is an empty answer
    /// to HandleNotification, the only function that may have one.
    pub(crate) async fn send(
        &mut self,
        message: &IpaToEim,
    ) -> Result<Option<EimToIpa>, EsipaError> {
        let body = message.to_der();
        let function = function_name(&body);
        self.exchange(message.version(), body)
            .await?
            .map(|answer| decode_answer(message.version(), function, &answer))
            .transpose()
    }

    /// Sends `body`, the exact DER of one ESipa message of the `version` layout (e.g. one a journal kept),
    /// and returns the answer as the DER of one message, after the status and empty-body rules; `None` is an
    /// empty answer to HandleNotification. Over the ASN.1 binding both travel as they are; over the JSON
    /// binding they are converted at this edge.
    pub(crate) async fn exchange(
        &mut self,
        version: EsipaVersion,
        body: Vec<u8>,
    ) -> Result<Option<Vec<u8>>, EsipaError> {
        let function = function_name(&body);
        tracing::debug!(function, len = body.len(), "ESipa request");
        let answer = match self.binding {
            EsipaBinding::Asn1 => {
                let response = self.post(function, PATH, CONTENT_TYPE, body).await?;
                check_answer(function, response)?
            }
            EsipaBinding::Json => self.exchange_json(version, function, &body).await?,
        };
        tracing::debug!(
            function,
            len = answer.as_ref().map(Vec::len),
            "ESipa answer"
        );
        Ok(answer)
    }

    /// [`EsipaClient::exchange`] over the JSON binding.
    async fn exchange_json(
        &mut self,
        version: EsipaVersion,
        function: &'static str,
        der: &[u8],
    ) -> Result<Option<Vec<u8>>, EsipaError> {
        let json = |source| EsipaError::Json { function, source };
        let message = match IpaToEim::decode(version, der) {
            Ok(IpaToEim::V1_2(message)) => message,
            Ok(IpaToEim::V1_0(_)) => {
                return Err(json(JsonError {
                    function: "any",
                    detail: "SGP.32 v1.0 has no JSON binding".into(),
                }));
            }
            Err(source) => return Err(EsipaError::Undecodable { function, source }),
        };
        let (name, value) = esipa_json::encode_request(&message).map_err(json)?;
        let path = format!("{}{name}", esipa_json::PATH_PREFIX);
        let response = self
            .post(
                function,
                &path,
                esipa_json::CONTENT_TYPE,
                value.to_string().into_bytes(),
            )
            .await?;
        if !matches!(response.status, 200 | 204) {
            return Err(EsipaError::HttpStatus {
                function,
                status: response.status,
            });
        }
        match esipa_json::decode_answer(name, &response.body) {
            Ok(answer) => Ok(answer.map(|message| to_der(&message))),
            // One rule for both bindings: a GetEimPackage answer that cannot be read is a package that
            // cannot be parsed, which the poll answers `invalidPackageFormat`. The body goes on as it came,
            // and no JSON text decodes as an ASN.1 message (`{` and white space are no ESipa tag).
            Err(_) if response.body.iter().all(u8::is_ascii_whitespace) => {
                Err(EsipaError::EmptyAnswer { function })
            }
            Err(error) if function == "GetEimPackage" => {
                tracing::warn!(%error, "unreadable eIM package");
                Ok(Some(response.body))
            }
            Err(error) => Err(json(error)),
        }
    }

    /// One POST to the eIM.
    async fn post(
        &mut self,
        function: &'static str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<HttpResponse, EsipaError> {
        let headers = [("x-admin-protocol", self.admin_protocol.as_str())];
        let sent = match starts_procedure(function) {
            true => {
                self.http
                    .post_replayable(&self.server, path, content_type, &headers, body)
                    .await
            }
            false => {
                self.http
                    .post(&self.server, path, content_type, &headers, body)
                    .await
            }
        };
        sent.map_err(|source| EsipaError::Http { function, source })
    }
}

/// The ESipa function a request body carries, from its outer tag (for errors and logs).
pub(crate) fn function_name(der: &[u8]) -> &'static str {
    match der {
        [0xBF, 0x39, ..] => "InitiateAuthentication",
        [0xBF, 0x3B, ..] => "AuthenticateClient",
        [0xBF, 0x3A, ..] => "GetBoundProfilePackage",
        [0xBF, 0x41, ..] => "CancelSession",
        [0xBF, 0x3D, ..] => "HandleNotification",
        [0xBF, 0x4E, ..] => "TransferEimPackage",
        [0xBF, 0x4F, ..] => "GetEimPackage",
        [0xBF, 0x50, ..] => "ProvideEimPackageResult",
        _ => "unknown",
    }
}

/// Whether `function` opens a procedure, so that the eIM may receive it twice (see
/// [`HttpsClient::post_replayable`]): a poll (the eIM hands out its next package or says there is none; an
/// answer lost on the way costs the same with or without a second poll) and an indirect download's
/// InitiateAuthentication (a lost answer leaves an unused session at the SM-DP+ either way). A package
/// result, AuthenticateClient or GetBoundProfilePackage move the procedure on and are never sent twice.
fn starts_procedure(function: &str) -> bool {
    matches!(function, "GetEimPackage" | "InitiateAuthentication")
}

/// Checks the HTTP answer to `function`: the status, then the empty body rule.
fn check_answer(
    function: &'static str,
    response: HttpResponse,
) -> Result<Option<Vec<u8>>, EsipaError> {
    let notification = function == "HandleNotification";
    match response.status {
        200 => {}
        204 if notification => return Ok(None),
        status => return Err(EsipaError::HttpStatus { function, status }),
    }
    match (response.body.is_empty(), notification) {
        (true, true) => Ok(None),
        (true, false) => Err(EsipaError::EmptyAnswer { function }),
        (false, _) => Ok(Some(response.body)),
    }
}

/// Reads the answer to `function` in the `version` layout.
pub(crate) fn decode_answer(
    version: EsipaVersion,
    function: &'static str,
    der: &[u8],
) -> Result<EimToIpa, EsipaError> {
    EimToIpa::decode(version, der).map_err(|source| EsipaError::Undecodable { function, source })
}

/// Both steps, for the tests.
#[cfg(test)]
fn interpret(
    version: EsipaVersion,
    function: &'static str,
    response: &HttpResponse,
) -> Result<Option<EimToIpa>, EsipaError> {
    check_answer(function, response.clone())?
        .map(|body| decode_answer(version, function, &body))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use euicc_asn1::Eid;
    use euicc_asn1::types::sgp32::v1_2;

    fn eid() -> Eid {
        "89049032123451234512345678901235".parse().unwrap()
    }

    /// A poll with nothing but the EID, which both layouts encode alike.
    fn poll(version: EsipaVersion) -> IpaToEim {
        let der = hex::decode(format!("BF4F125A10{}", eid())).unwrap();
        IpaToEim::decode(version, &der).unwrap()
    }

    fn ok(body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status: 200,
            admin_protocol: None,
            body,
        }
    }

    #[test]
    fn a_poll_is_bf4f_with_the_eid_in_both_layouts() {
        for version in [EsipaVersion::V1_0, EsipaVersion::V1_2] {
            let der = poll(version).to_der();
            assert_eq!(hex::encode_upper(&der[..5]), "BF4F125A10", "{version}");
            assert_eq!(function_name(&der), "GetEimPackage");
            assert_eq!(poll(version).version(), version);
        }
    }

    #[test]
    fn nothing_to_do_decodes_in_both_layouts() {
        let answer = hex::decode("BF4F03020101").unwrap();
        let v12 = interpret(EsipaVersion::V1_2, "GetEimPackage", &ok(answer.clone())).unwrap();
        assert_eq!(
            v12,
            Some(EimToIpa::V1_2(
                v1_2::EsipaMessageFromEimToIpa::GetEimPackageResponse(
                    v1_2::GetEimPackageResponse::EimPackageError(1)
                )
            ))
        );
        let v10 = interpret(EsipaVersion::V1_0, "GetEimPackage", &ok(answer)).unwrap();
        assert!(matches!(v10, Some(EimToIpa::V1_0(_))));
    }

    #[test]
    fn empty_answers_only_for_handle_notification() {
        assert_eq!(
            interpret(EsipaVersion::V1_2, "HandleNotification", &ok(Vec::new())).unwrap(),
            None
        );
        let no_content = HttpResponse {
            status: 204,
            ..ok(Vec::new())
        };
        assert_eq!(
            interpret(EsipaVersion::V1_2, "HandleNotification", &no_content).unwrap(),
            None
        );
        assert!(matches!(
            interpret(EsipaVersion::V1_2, "GetEimPackage", &ok(Vec::new())),
            Err(EsipaError::EmptyAnswer { .. })
        ));
        assert!(matches!(
            interpret(EsipaVersion::V1_2, "GetEimPackage", &no_content),
            Err(EsipaError::HttpStatus { status: 204, .. })
        ));
    }

    #[test]
    fn bad_statuses_and_garbage_are_typed_errors() {
        let refused = HttpResponse {
            status: 400,
            ..ok(Vec::new())
        };
        assert!(matches!(
            interpret(EsipaVersion::V1_2, "GetEimPackage", &refused),
            Err(EsipaError::HttpStatus { status: 400, .. })
        ));
        assert!(matches!(
            interpret(
                EsipaVersion::V1_2,
                "GetEimPackage",
                &ok(vec![0x30, 0x03, 0x01])
            ),
            Err(EsipaError::Undecodable { .. })
        ));
        assert_eq!(function_name(&[0x30, 0x00]), "unknown");
    }
}

#[cfg(test)]
#[path = "esipa_sim_tests.rs"]
mod sim_tests;
