//! The simulated eIM: sans-IO answers (its exchange with the IPA's ESipa client is tested in the euiccd crate).

use std::sync::OnceLock;

use euicc_asn1::types::sgp32::common::{EimAcknowledgements, EnableParams, SequenceNumber};
use euicc_asn1::types::sgp32::v1_2::{
    EimPackageResult, EimPackageResultResponseError, EsipaMessageFromEimToIpa,
    EsipaMessageFromIpaToEim, EuiccPackage, EuiccPackageRequest, EuiccPackageResult,
    EuiccPackageResultDataSigned, EuiccPackageResultSigned, EuiccResultData, GetEimPackageRequest,
    GetEimPackageResponse, ProvideEimPackageResult, ProvideEimPackageResultResponse, Psmo,
};
use euicc_asn1::{Eid, Octets, Signed, from_ber, to_der};

use super::{Action, BadRequest, Received, Report, SimEim};
use crate::Layout;
use crate::crypto::pki::TestPki;
use crate::euicc::eim_signed_data;
use crate::https_server::ConnectionId;
use euicc_asn1::types::sgp32::v1_0;

const TOKEN: i64 = 7;
const CONNECTION: ConnectionId = ConnectionId(3);

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(&eid()).unwrap())
}

fn eid() -> Eid {
    "89049032123451234512345678901235".parse().unwrap()
}

fn eim() -> SimEim {
    let mut eim = SimEim::new("eim-test", pki().eim_sign.key.clone());
    eim.associate(eid(), Some(TOKEN));
    eim
}

fn enable() -> EuiccPackage {
    EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
        iccid: "8949449999999990049".parse().unwrap(),
        rollback_flag: None,
    })])
}

fn poll(eid: Eid) -> Vec<u8> {
    to_der(&EsipaMessageFromIpaToEim::GetEimPackageRequest(
        GetEimPackageRequest {
            eid_value: eid,
            notify_state_change: None,
            state_change_cause: None,
            r_plmn: None,
        },
    ))
}

/// The body of the eIM's answer to `request` on [`CONNECTION`].
fn body(eim: &mut SimEim, request: &[u8]) -> Vec<u8> {
    match eim.handle(CONNECTION, request).unwrap() {
        Action::Answer(Some(body)) => body,
        other => panic!("{other:?}"),
    }
}

fn answer(eim: &mut SimEim, request: &[u8]) -> EsipaMessageFromEimToIpa {
    from_ber(&body(eim, request)).unwrap()
}

fn result(seq_number: i64) -> ProvideEimPackageResult {
    let data = Signed::new(EuiccPackageResultDataSigned {
        eim_id: "eim-test".into(),
        counter_value: 1,
        eim_transaction_id: None,
        seq_number,
        euicc_result: vec![EuiccResultData::EnableResult(0)],
    });
    ProvideEimPackageResult {
        eid_value: Some(eid()),
        eim_package_result: EimPackageResult::EuiccPackageResult(Signed::new(
            EuiccPackageResult::EuiccPackageResultSigned(EuiccPackageResultSigned {
                euicc_package_result_data_signed: data,
                euicc_sign_epr: Octets(vec![0; 64]),
            }),
        )),
    }
}

#[test]
fn polls_answer_nothing_to_do_or_unknown_eid() {
    let mut eim = eim();
    assert_eq!(
        hex::encode_upper(body(&mut eim, &poll(eid()))),
        "BF4F03020101"
    );
    let stranger = "89049032999991234512345678901231".parse().unwrap();
    assert_eq!(
        answer(&mut eim, &poll(stranger)),
        EsipaMessageFromEimToIpa::GetEimPackageResponse(GetEimPackageResponse::EimPackageError(2))
    );
    assert!(eim.handle(CONNECTION, &[0x30, 0x00]).is_err());
}

#[test]
fn queued_packages_are_signed_with_counter_and_token_and_sent_in_order() {
    let mut eim = eim();
    let first = eim.queue_package(eid(), enable(), Some(Octets(vec![1])));
    let second = eim.queue_package(eid(), enable(), None);
    assert_eq!(eim.queued(&eid()), 2);
    for (expected, counter) in [(first, 1), (second, 2)] {
        let raw = body(&mut eim, &poll(eid()));
        let EsipaMessageFromEimToIpa::GetEimPackageResponse(
            GetEimPackageResponse::EuiccPackageRequest(package),
        ) = from_ber(&raw).unwrap()
        else {
            panic!("no package")
        };
        assert_eq!(package.raw(), expected.as_slice());
        let request: &EuiccPackageRequest = package.value();
        let signed = &request.euicc_package_signed;
        assert_eq!(signed.value().counter_value, counter);
        assert_eq!(signed.value().eid_value, eid());
        pki()
            .eim_sign
            .cert
            .public_key()
            .unwrap()
            .verify_raw(
                &eim_signed_data(signed.raw(), Some(TOKEN)),
                request.eim_signature.as_slice(),
            )
            .unwrap();
    }
    assert_eq!(eim.queued(&eid()), 0);
}

#[test]
fn results_are_kept_as_received_and_acknowledged() {
    let mut eim = eim();
    let provided = result(42);
    let raw_epr = match &provided.eim_package_result {
        EimPackageResult::EuiccPackageResult(epr) => epr.raw().to_vec(),
        _ => unreachable!(),
    };
    let request = to_der(&EsipaMessageFromIpaToEim::ProvideEimPackageResult(provided));
    assert_eq!(
        answer(&mut eim, &request),
        EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            ProvideEimPackageResultResponse::EimAcknowledgements(EimAcknowledgements(vec![
                SequenceNumber(42)
            ]))
        )
    );
    let error = to_der(&EsipaMessageFromIpaToEim::ProvideEimPackageResult(
        ProvideEimPackageResult {
            eid_value: None,
            eim_package_result: EimPackageResult::EimPackageResultResponseError(
                EimPackageResultResponseError {
                    eim_transaction_id: None,
                    eim_package_result_error_code: 1,
                },
            ),
        },
    ));
    answer(&mut eim, &error);
    assert_eq!(
        eim.received(),
        [
            Received {
                eid: Some(eid()),
                report: Report::PackageResult(raw_epr),
            },
            Received {
                eid: None,
                report: Report::PackageError {
                    eim_transaction_id: None,
                    code: 1,
                },
            },
        ]
    );
}

#[test]
fn a_v1_0_eim_signs_v1_0_packages_and_ties_results_to_the_polling_connection() {
    let mut eim = eim().with_version(Layout::V1_0);
    let iccid = "8949449999999990049".parse().unwrap();
    let operations = v1_0::EuiccPackage::PsmoList(vec![v1_0::Psmo::Enable(EnableParams {
        iccid,
        rollback_flag: None,
    })]);
    let package = eim.queue_package(eid(), operations.clone(), Some(Octets(vec![9])));
    let poll = to_der(&v1_0::EsipaMessageFromIpaToEim::GetEimPackageRequest(
        v1_0::GetEimPackageRequest {
            eid_value: eid(),
            notify_state_change: None,
            r_plmn: None,
        },
    ));
    let answer = body(&mut eim, &poll);
    let v1_0::EsipaMessageFromEimToIpa::GetEimPackageResponse(
        v1_0::GetEimPackageResponse::EuiccPackageRequest(received),
    ) = from_ber(&answer).unwrap()
    else {
        panic!("no package")
    };
    assert_eq!(received.raw(), package.as_slice());
    let signed = &received.value().euicc_package_signed;
    assert_eq!(signed.value().transaction_id, Some(Octets(vec![9])));
    assert_eq!(signed.value().euicc_package, operations);
    pki()
        .eim_sign
        .cert
        .public_key()
        .unwrap()
        .verify_raw(
            &eim_signed_data(signed.raw(), Some(TOKEN)),
            received.value().eim_signature.as_slice(),
        )
        .unwrap();

    // v1.0 results name no EID: only the connection that polled can deliver one.
    let result = to_der(&v1_0::EsipaMessageFromIpaToEim::ProvideEimPackageResult(
        v1_0::ProvideEimPackageResult::EimPackageError(1),
    ));
    assert!(matches!(
        eim.handle(ConnectionId(99), &result),
        Err(BadRequest::NoDevice)
    ));
    // Like the public v1.0 eIM, it acknowledges nothing.
    let answer = body(&mut eim, &result);
    assert_eq!(
        from_ber::<v1_0::EsipaMessageFromEimToIpa>(&answer).unwrap(),
        v1_0::EsipaMessageFromEimToIpa::ProvideEimPackageResultResponse(
            v1_0::ProvideEimPackageResultResponse {
                eim_acknowledgements: None,
            }
        )
    );
    assert_eq!(
        eim.received(),
        [Received {
            eid: Some(eid()),
            report: Report::PackageError {
                eim_transaction_id: None,
                code: 1
            },
        }]
    );
    // v1.0 has no eidNotFound.
    let stranger: Eid = "89049032999991234512345678901231".parse().unwrap();
    let mut unknown = poll.clone();
    unknown[5..21].copy_from_slice(&to_der(&stranger)[2..]);
    assert_eq!(hex::encode_upper(body(&mut eim, &unknown)), "BF4F0302017F");
}

#[test]
fn relay_requests_become_es9_calls_only_for_known_smdps_and_sessions() {
    use euicc_asn1::types::sgp32::common::AuthenticateClientResponseEsipa;
    use euicc_asn1::types::sgp32::v1_2::{
        InitiateAuthenticationRequestEsipa, InitiateAuthenticationResponseEsipa,
    };
    let mut eim = eim();
    let initiate = |smdp_address: Option<&str>| {
        to_der(
            &EsipaMessageFromIpaToEim::InitiateAuthenticationRequestEsipa(
                InitiateAuthenticationRequestEsipa {
                    euicc_challenge: Octets(vec![7; 16]),
                    smdp_address: smdp_address.map(str::to_owned),
                    euicc_info1: Some(euicc_asn1::types::sgp22::EUICCInfo1 {
                        svn: Octets(vec![2, 3, 0]),
                        euicc_ci_pk_id_list_for_verification: vec![],
                        euicc_ci_pk_id_list_for_signing: vec![],
                    }),
                    eim_transaction_id: None,
                },
            ),
        )
    };
    // No SM-DP+ named and none configured: invalidDpAddress, nothing relayed.
    assert_eq!(
        answer(&mut eim, &initiate(None)),
        EsipaMessageFromEimToIpa::InitiateAuthenticationResponseEsipa(
            InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(1)
        )
    );
    eim.set_default_smdp("smdp.example.test");
    let Action::Relay(call) = eim.handle(CONNECTION, &initiate(None)).unwrap() else {
        panic!("not relayed")
    };
    assert_eq!(call.smdp_address(), "smdp.example.test");
    assert_eq!(call.function(), "initiateAuthentication");

    // A session the eIM never relayed: invalidTransactionId, whatever the SM-DP+ would say.
    let unknown = EsipaMessageFromIpaToEim::AuthenticateClientRequestEsipa(
        euicc_asn1::types::sgp32::common::AuthenticateClientRequestEsipa {
            transaction_id: Octets(vec![1, 2, 3]),
            authenticate_server_response: from_ber(
                &hex::decode("BF380AA1088003010203020101").unwrap(),
            )
            .unwrap(),
        },
    );
    assert_eq!(
        answer(&mut eim, &to_der(&unknown)),
        EsipaMessageFromEimToIpa::AuthenticateClientResponseEsipa(
            AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(10)
        )
    );
    assert!(eim.relayed_functions().is_empty());
}
