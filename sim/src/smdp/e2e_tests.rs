//! In-process download: the simulated eUICC (ES10 commands as DER) ⇄ this SM-DP+, with the BPP split into
//! LoadBoundProfilePackage segments as the IPA does (SGP.22 §2.5.5).

use euicc_asn1::types::sgp22::{
    AuthenticateClientOk, AuthenticateClientRequest, AuthenticateServerRequest,
    AuthenticateServerResponse, CancelSessionRequest, CancelSessionRequestEs9,
    CancelSessionResponse, CtxParams1, CtxParamsForCommonAuthentication, DeviceCapabilities,
    DeviceInfo, EUICCInfo1, GetBoundProfilePackageRequest, GetEuiccChallengeResponse,
    InitiateAuthenticationRequest, PendingNotification, PrepareDownloadRequest,
    PrepareDownloadResponse, ProfileInstallationResult,
};
use euicc_asn1::{Ctx, Eid, Limits, Octets, Tag, Tlv, from_ber, to_der};

use super::*;
use crate::card::IsdrApplet;
use crate::crypto::hash::hash_cc;
use crate::crypto::pki::TestPki;
use crate::euicc::{SimEuicc, SimEuiccConfig};
use crate::iso7816::StatusWord;

const ADDRESS: &str = "smdp.example.test";
const MATCHING_ID: &str = "E2E-1";

/// Runs one ES10 command and returns its data, which must come with `90 00`.
fn command(euicc: &mut SimEuicc, der: &[u8]) -> Vec<u8> {
    let outcome = euicc.process(der);
    assert_eq!(outcome.sw, StatusWord::OK, "command {:02X?}", &der[..2]);
    outcome.data
}

/// The LoadBoundProfilePackage segments of a BPP (SGP.22 §2.5.5): the `BF36` header with `BF23`, `A0` and
/// `A2` whole, `A1` and `A3` as their header and then one segment per element. The test's own splitter: the
/// IPA's runs against the simulators in the euiccd crate's download tests.
fn segments(bpp: &[u8]) -> Vec<Vec<u8>> {
    let mut cx = Ctx::new(Limits::default());
    let (outer, _) = Tlv::parse(bpp, 0, &mut cx).unwrap();
    let header = bpp.len() - outer.content.len();
    let (initialise, mut rest) = Tlv::parse(outer.content, header, &mut cx).unwrap();
    let mut out = vec![bpp[..header + initialise.raw.len()].to_vec()];
    while !rest.is_empty() {
        let (part, next) = Tlv::parse(rest, bpp.len() - rest.len(), &mut cx).unwrap();
        if matches!(part.tag, Tag(0xA1) | Tag(0xA3)) {
            out.push(part.raw[..part.raw.len() - part.content.len()].to_vec());
            let mut items = part.content;
            while !items.is_empty() {
                let (item, after) = Tlv::parse(items, bpp.len() - items.len(), &mut cx).unwrap();
                out.push(item.raw.to_vec());
                items = after;
            }
        } else {
            out.push(part.raw.to_vec());
        }
        rest = next;
    }
    out
}

/// A simulated eUICC and an SM-DP+ with one order under the same test PKI.
struct Bench {
    pki: TestPki,
    euicc: SimEuicc,
    smdp: SmdpServer,
    metadata: ProfileMetadata,
}

impl Bench {
    /// An order for a synthetic package of `size` bytes.
    fn new(size: usize, confirmation_code: Option<&str>) -> Self {
        let metadata = ProfileMetadata {
            iccid: "8949449999999990023".parse().unwrap(),
            service_provider_name: "euiccd e2e".into(),
            profile_name: "E2E profile".into(),
            class: ProfileClass::Operational,
        };
        let package = synthetic_profile_package(&metadata.iccid, size);
        Self::with_package(package, metadata, confirmation_code)
    }

    fn with_package(
        package: Vec<u8>,
        metadata: ProfileMetadata,
        confirmation_code: Option<&str>,
    ) -> Self {
        let eid: Eid = "89049032123451234512345678901235".parse().unwrap();
        let pki = TestPki::generate(&eid).unwrap();
        let euicc = SimEuicc::new(pki.euicc_identity(), SimEuiccConfig::default());
        let mut smdp = SmdpServer::new(SmdpIdentity::from_test_pki(&pki, ADDRESS)).unwrap();
        let mut order = ProfileOrder::new(Secret::new(MATCHING_ID), package, metadata.clone());
        order.confirmation_code = confirmation_code.map(Secret::new);
        smdp.add_order(order).unwrap();
        Self {
            pki,
            euicc,
            smdp,
            metadata,
        }
    }

    /// GetEuiccChallenge, GetEuiccInfo1, InitiateAuthentication, AuthenticateServer, AuthenticateClient.
    fn authenticate(&mut self) -> AuthenticateClientOk {
        let euicc = &mut self.euicc;
        let challenge: GetEuiccChallengeResponse =
            from_ber(&command(euicc, &[0xBF, 0x2E, 0x00])).unwrap();
        let info1: EUICCInfo1 = from_ber(&command(euicc, &[0xBF, 0x20, 0x00])).unwrap();
        let init = self
            .smdp
            .initiate_authentication(&InitiateAuthenticationRequest {
                euicc_challenge: challenge.euicc_challenge,
                smdp_address: ADDRESS.into(),
                euicc_info1: info1,
            })
            .unwrap();
        let authenticate_server = AuthenticateServerRequest {
            server_signed1: init.server_signed1,
            server_signature1: init.server_signature1,
            euicc_ci_pk_id_to_be_used: init.euicc_ci_pk_id_to_be_used,
            server_certificate: init.server_certificate,
            ctx_params1: CtxParams1::CtxParamsForCommonAuthentication(
                CtxParamsForCommonAuthentication {
                    matching_id: Some(MATCHING_ID.into()),
                    device_info: DeviceInfo {
                        tac: Octets(vec![0x35, 0x29, 0x06, 0x11]),
                        device_capabilities: DeviceCapabilities::default(),
                        imei: None,
                    },
                },
            ),
        };
        let response: AuthenticateServerResponse =
            from_ber(&command(euicc, &to_der(&authenticate_server))).unwrap();
        self.smdp
            .authenticate_client(&AuthenticateClientRequest {
                transaction_id: init.transaction_id,
                authenticate_server_response: response,
            })
            .unwrap()
    }

    /// The whole download after authentication: PrepareDownload (with `code` if given), the BPP in segments,
    /// the PIR checked with the eUICC certificate and delivered; the profile must then be on the card.
    fn download(mut self, code: Option<&str>) {
        let auth = self.authenticate();
        assert_eq!(auth.smdp_signed2.value().cc_required_flag, code.is_some());
        let transaction_id = auth.transaction_id.clone();
        let prepare = PrepareDownloadRequest {
            hash_cc: code.map(|code| Octets(hash_cc(code.as_bytes(), &transaction_id.0).to_vec())),
            smdp_signed2: auth.smdp_signed2,
            smdp_signature2: auth.smdp_signature2,
            smdp_certificate: auth.smdp_certificate,
        };
        let prepared: PrepareDownloadResponse =
            from_ber(&command(&mut self.euicc, &to_der(&prepare))).unwrap();
        let bpp = self
            .smdp
            .get_bound_profile_package(&GetBoundProfilePackageRequest {
                transaction_id,
                prepare_download_response: prepared,
            })
            .unwrap()
            .bound_profile_package;

        let segments = segments(&to_der(&bpp));
        let (last, first) = segments.split_last().unwrap();
        for segment in first {
            assert!(command(&mut self.euicc, segment).is_empty(), "early answer");
        }
        let pir: ProfileInstallationResult = from_ber(&command(&mut self.euicc, last)).unwrap();
        self.pki
            .euicc
            .cert
            .public_key()
            .unwrap()
            .verify_raw(
                pir.profile_installation_result_data.raw(),
                &pir.euicc_sign_pir.0,
            )
            .expect("the PIR verifies with the eUICC certificate");
        self.smdp
            .handle_notification(&PendingNotification::ProfileInstallationResult(pir))
            .unwrap();
        assert_eq!(self.smdp.order_installed(MATCHING_ID), Some(true));
        assert!(
            self.euicc
                .profiles()
                .iter()
                .any(|profile| profile.iccid == self.metadata.iccid)
        );
    }
}

#[test]
fn profiles_download_into_the_simulated_euicc() {
    for (size, code) in [(20 * 1024, None), (100 * 1024, Some("4711"))] {
        Bench::new(size, code).download(code);
    }
}

#[test]
fn public_ts48_packages_install_in_the_simulated_euicc() {
    let Some(dir) = crate::interop::dir("ts48-profiles") else {
        return;
    };
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let package = std::fs::read(entry.path()).unwrap();
        let metadata = ProfileMetadata {
            iccid: package_iccid(&package).unwrap(),
            service_provider_name: "GSMA TS.48".into(),
            profile_name: entry.file_name().to_string_lossy().into_owned(),
            class: ProfileClass::Test,
        };
        Bench::with_package(package, metadata, None).download(None);
    }
}

#[test]
fn the_euicc_cancels_a_session() {
    let mut bench = Bench::new(2000, None);
    let auth = bench.authenticate();
    let cancel = CancelSessionRequest {
        transaction_id: auth.transaction_id.clone(),
        reason: 0,
    };
    let response: CancelSessionResponse =
        from_ber(&command(&mut bench.euicc, &to_der(&cancel))).unwrap();
    bench
        .smdp
        .cancel_session(&CancelSessionRequestEs9 {
            transaction_id: auth.transaction_id,
            cancel_session_response: response,
        })
        .unwrap();
    assert!(matches!(
        bench.smdp.events(),
        [SmdpEvent::SessionCancelled { reason: 0, .. }]
    ));
    assert_eq!(bench.smdp.order_installed(MATCHING_ID), Some(false));
}

/// The same download through the ES9+ JSON binding over HTTPS: every field in the form an IPA sends and
/// reads (base64 of whole TLVs, `5F37` signatures, `04 14` CI key id, upper-case hex transaction ID).
mod over_https {
    use std::net::SocketAddr;

    use base64ct::{Base64, Encoding};
    use euicc_asn1::Signed;
    use euicc_asn1::types::sgp22::{Certificate, ServerSigned1, SmdpSigned2};
    use serde_json::{Value, json};

    use super::*;
    use crate::smdp::server::start;
    use crate::smdp::tests::https::post;

    struct Client<'a> {
        ci: &'a [u8],
        address: SocketAddr,
    }

    impl Client<'_> {
        async fn call(&self, function: &str, body: Value) -> (u16, Vec<u8>) {
            let path = format!("/gsma/rsp2/es9plus/{function}");
            post(
                self.ci,
                self.address,
                &path,
                true,
                body.to_string().as_bytes(),
            )
            .await
        }

        async fn ok(&self, function: &str, body: Value) -> Value {
            let (status, answer) = self.call(function, body).await;
            assert_eq!(status, 200);
            let reply: Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(
                reply["header"]["functionExecutionStatus"]["status"], "Executed-Success",
                "{function}: {reply}"
            );
            reply
        }
    }

    fn b64(bytes: &[u8]) -> Value {
        Value::String(Base64::encode_string(bytes))
    }

    fn field(reply: &Value, name: &str) -> Vec<u8> {
        Base64::decode_vec(reply[name].as_str().unwrap()).unwrap()
    }

    /// The raw signature inside a `5F37` TLV field.
    fn signature(reply: &Value, name: &str) -> Octets {
        let tlv = field(reply, name);
        assert_eq!(&tlv[..3], &[0x5F, 0x37, 0x40]);
        Octets(tlv[3..].to_vec())
    }

    #[test]
    fn profile_downloads_over_the_json_binding() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let Bench {
                pki,
                mut euicc,
                smdp,
                metadata,
            } = Bench::new(20 * 1024, None);
            let handle = start(smdp, &pki.dp_tls, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
            let client = Client {
                ci: pki.ci.cert.der(),
                address: handle.local_addr(),
            };

            let challenge: GetEuiccChallengeResponse =
                from_ber(&command(&mut euicc, &[0xBF, 0x2E, 0x00])).unwrap();
            let info1 = command(&mut euicc, &[0xBF, 0x20, 0x00]);
            let r1 = client
                .ok(
                    "initiateAuthentication",
                    json!({
                        "euiccChallenge": b64(&challenge.euicc_challenge.0),
                        "euiccInfo1": b64(&info1),
                        "smdpAddress": ADDRESS,
                    }),
                )
                .await;
            let transaction_id = r1["transactionId"].as_str().unwrap().to_owned();
            let authenticate_server = AuthenticateServerRequest {
                server_signed1: from_ber::<Signed<ServerSigned1>>(&field(&r1, "serverSigned1"))
                    .unwrap(),
                server_signature1: signature(&r1, "serverSignature1"),
                euicc_ci_pk_id_to_be_used: from_ber(&field(&r1, "euiccCiPKIdToBeUsed")).unwrap(),
                server_certificate: from_ber::<Certificate>(&field(&r1, "serverCertificate"))
                    .unwrap(),
                ctx_params1: CtxParams1::CtxParamsForCommonAuthentication(
                    CtxParamsForCommonAuthentication {
                        matching_id: Some(MATCHING_ID.into()),
                        device_info: DeviceInfo {
                            tac: Octets(vec![0x35, 0x29, 0x06, 0x11]),
                            device_capabilities: DeviceCapabilities::default(),
                            imei: None,
                        },
                    },
                ),
            };
            let response = command(&mut euicc, &to_der(&authenticate_server));

            let r2 = client
                .ok(
                    "authenticateClient",
                    json!({
                        "transactionId": transaction_id,
                        "authenticateServerResponse": b64(&response),
                    }),
                )
                .await;
            let prepare = PrepareDownloadRequest {
                smdp_signed2: from_ber::<Signed<SmdpSigned2>>(&field(&r2, "smdpSigned2")).unwrap(),
                smdp_signature2: signature(&r2, "smdpSignature2"),
                hash_cc: None,
                smdp_certificate: from_ber(&field(&r2, "smdpCertificate")).unwrap(),
            };
            let prepared = command(&mut euicc, &to_der(&prepare));

            let r3 = client
                .ok(
                    "getBoundProfilePackage",
                    json!({
                        "transactionId": transaction_id,
                        "prepareDownloadResponse": b64(&prepared),
                    }),
                )
                .await;
            let segments = segments(&field(&r3, "boundProfilePackage"));
            let (last, first) = segments.split_last().unwrap();
            for segment in first {
                assert!(command(&mut euicc, segment).is_empty(), "early answer");
            }
            let pir = command(&mut euicc, last);
            let answer = client
                .call(
                    "handleNotification",
                    json!({ "pendingNotification": b64(&pir) }),
                )
                .await;
            assert_eq!(answer, (204, Vec::new()));
            assert_eq!(
                handle.with_smdp(|smdp| smdp.order_installed(MATCHING_ID)),
                Some(true)
            );
            assert!(
                euicc
                    .profiles()
                    .iter()
                    .any(|profile| profile.iccid == metadata.iccid)
            );
        });
    }
}
