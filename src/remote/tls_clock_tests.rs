//! Certificates checked at the verification time (src/clock.rs): a handshake with the system clock at 1970,
//! at the build time and far in the future, against the simulated HTTPS server on loopback.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;

use super::*;
use crate::clock::BUILD_TIME;
use crate::remote::https::{HttpError, HttpOptions, HttpsClient, Server};
use euiccd_sim::crypto::pki::{CertAndKey, DEFAULT_SMDP_HOST, TestPki};
use euiccd_sim::https_server;

/// One request to a server presenting `server_tls`, from a client trusting the CI of `pki` whose system
/// clock says `now`.
fn request(pki: &TestPki, server_tls: &CertAndKey, now: SystemTime) -> Result<u16, HttpError> {
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path()).unwrap();
    let config =
        client_config_with_clock(&[dir.path().join("ci.cert.pem")], SystemClock::Fixed(now))
            .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let listening = https_server::serve(
                "clock test",
                server_tls,
                "127.0.0.1:0".parse().unwrap(),
                |_| async { Response::new(Full::new(Bytes::from_static(b"ok"))) },
            )
            .await
            .unwrap();
            let mut client = HttpsClient::new(
                config,
                HttpOptions {
                    timeout: Duration::from_secs(10),
                    connect_override: Some(listening.local_addr().to_string()),
                    ..HttpOptions::default()
                },
            );
            let server = Server::parse(DEFAULT_SMDP_HOST).unwrap();
            let response = client
                .post(&server, "/", "text/plain", &[], Vec::new())
                .await?;
            Ok(response.status)
        })
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn pki() -> TestPki {
    TestPki::generate(&"89049032123451234512345678901235".parse().unwrap()).unwrap()
}

#[test]
fn an_unset_clock_still_verifies_at_the_build_time() {
    let pki = pki();
    // 1970-01-02, as a board without RTC boots; and exactly the build time.
    assert_eq!(request(&pki, &pki.dp_tls, at(86_400)).unwrap(), 200);
    assert_eq!(request(&pki, &pki.dp_tls, at(BUILD_TIME)).unwrap(), 200);
}

#[test]
fn a_certificate_expired_before_the_build_is_refused_whatever_the_clock() {
    let pki = pki();
    let expired = pki.expired_tls_server(DEFAULT_SMDP_HOST).unwrap();
    for now in [at(86_400), SystemTime::now()] {
        let error = request(&pki, &expired, now).unwrap_err();
        assert!(
            matches!(error, HttpError::Handshake { .. }),
            "{now:?}: {error}"
        );
        assert!(format!("{error:?}").contains("Expired"), "{error:?}");
    }
}

#[test]
fn a_clock_far_in_the_future_sees_every_certificate_expired() {
    let pki = pki();
    let in_a_century = SystemTime::now() + Duration::from_secs(100 * 365 * 24 * 3600);
    let error = request(&pki, &pki.dp_tls, in_a_century).unwrap_err();
    assert!(format!("{error:?}").contains("Expired"), "{error:?}");
}
