//! The ESipa client against the simulated eIM over loopback HTTPS (moved from the simulator's own tests, which
//! may not see the IPA's client).

use euicc_asn1::Eid;
use euicc_asn1::types::sgp32::common::EnableParams;
use euicc_asn1::types::sgp32::v1_2::{
    EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, EuiccPackage, GetEimPackageRequest,
    GetEimPackageResponse, Psmo,
};
use euiccd_sim::crypto::pki::{DEFAULT_EIM_HOST, TestPki};
use euiccd_sim::eim::SimEim;
use euiccd_sim::eim::server::start;

use crate::remote::esipa::{EimToIpa, EsipaClient, EsipaError, IpaToEim};
use crate::remote::https::{HttpOptions, HttpsClient, Server};

/// The association token the simulated eIM expects.
const TOKEN: i64 = 7;

#[test]
fn the_esipa_client_polls_over_https() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let eid: Eid = "89049032123451234512345678901235".parse().unwrap();
            let pki = TestPki::generate(&eid).unwrap();
            let mut eim = SimEim::new("eim-test", pki.eim_sign.key.clone());
            eim.associate(eid, Some(TOKEN));
            let enable = EuiccPackage::PsmoList(vec![Psmo::Enable(EnableParams {
                iccid: "8949449999999990049".parse().unwrap(),
                rollback_flag: None,
            })]);
            let package = eim.queue_package(eid, enable, None);
            let handle = start(eim, &pki.eim_tls, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
            let dir = tempfile::tempdir().unwrap();
            pki.write_to(dir.path()).unwrap();
            let tls = crate::remote::tls::client_config(&[dir.path().join("ci.cert.pem")]).unwrap();
            let http = || {
                HttpsClient::new(
                    tls.clone(),
                    HttpOptions {
                        connect_override: Some(handle.local_addr().to_string()),
                        ..HttpOptions::default()
                    },
                )
            };
            let server = Server::parse(DEFAULT_EIM_HOST).unwrap();
            let request = IpaToEim::V1_2(EsipaMessageFromIpaToEim::GetEimPackageRequest(
                GetEimPackageRequest {
                    eid_value: eid,
                    notify_state_change: None,
                    state_change_cause: None,
                    r_plmn: None,
                },
            ));
            let mut client = EsipaClient::new(http(), server.clone());
            let Some(EimToIpa::V1_2(EsipaMessageFromEimToIpa::GetEimPackageResponse(
                GetEimPackageResponse::EuiccPackageRequest(received),
            ))) = client.send(&request).await.unwrap()
            else {
                panic!("no package")
            };
            assert_eq!(received.raw(), package.as_slice());
            let nothing = client.send(&request).await.unwrap();
            assert!(matches!(
                nothing,
                Some(EimToIpa::V1_2(
                    EsipaMessageFromEimToIpa::GetEimPackageResponse(
                        GetEimPackageResponse::EimPackageError(1)
                    )
                ))
            ));

            let mut wrong = EsipaClient::new(http(), server).with_admin_protocol("other/v1");
            assert!(matches!(
                wrong.send(&request).await,
                Err(EsipaError::HttpStatus { status: 400, .. })
            ));
        });
}
