//! Robustness: TLS failures. A server whose certificate names another host, chains to another CA, or has
//! expired is refused before any request is sent; nothing on the card changes. (The eIM's pinned key and
//! its certificate as CA, right and wrong, are tested in `src/remote/tls_tests.rs`.)
#![cfg(feature = "sim")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use euicc_asn1::{Eid, from_ber};
use euiccd::euicc::EimKey;
use euiccd::remote::https::{HttpError, HttpOptions, HttpsClient, Server};
use euiccd::remote::tls::{client_config, eim_client_config};
use euiccd_sim::crypto::pki::{CertAndKey, DEFAULT_SMDP_HOST, TestPki};
use euiccd_sim::https_server;
use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use support::{Run, Scratch, SimServer};

const MATCHING_ID: &str = "EUICCD-TLS-1";
const TIMEOUT: Duration = Duration::from_secs(60);

/// `euiccd download` against `sim serve` with this activation-code host and CA file; asserts it fails at
/// the TLS handshake with `reason`, and that the card got no profile and no notification.
fn refused_download(sim: &SimServer, host: &str, ca: &str, reason: &str) {
    let link = sim.link.to_string_lossy().into_owned();
    let code = format!("1${host}${MATCHING_ID}");
    let run = Run::euiccd(
        &[
            "--device",
            &link,
            "download",
            &code,
            "--smdp-connect",
            &sim.smdp_address,
            "--smdp-ca",
            ca,
            "--http-timeout",
            "5",
        ],
        &[],
        TIMEOUT,
    );
    run.fails(1, "TLS handshake");
    assert!(run.stderr.contains(reason), "{}", run.stderr);
    // Said once, on one line, in words rather than the TLS library's debug text.
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        !run.stderr.contains("invalid peer certificate"),
        "{}",
        run.stderr
    );
    // The handshake failed before InitiateAuthentication: there is no session to cancel.
    assert!(!run.stderr.contains("cancelled"), "{}", run.stderr);
    let profiles = Run::finished(&["--device", &link, "--json", "profiles"], TIMEOUT).json();
    assert!(
        !profiles.to_string().contains("8949449999999990031"),
        "{profiles}"
    );
    let pending = Run::finished(
        &["--device", &link, "--json", "notifications", "list"],
        TIMEOUT,
    );
    assert_eq!(pending.json()["notifications"], serde_json::json!([]));
}

#[test]
fn an_smdp_with_the_wrong_name_or_anchor_is_refused() {
    let scratch = Scratch::new("tls");
    let sim = SimServer::start(&scratch.0, MATCHING_ID, &[]);
    let ca = sim.identity.join("ci.cert.pem");
    let ca = ca.to_string_lossy().into_owned();
    // The certificate names smdp.example.test, not this host.
    refused_download(
        &sim,
        "smdp.elsewhere.test",
        &ca,
        "its certificate is not issued for this name",
    );
    // Another CI (same name, other key): the server's chain does not verify under it.
    let eid: Eid = "89049032123451234512345678901235".parse().unwrap();
    let foreign = TestPki::generate(&eid).unwrap();
    let foreign_dir = scratch.path("foreign");
    foreign.write_to(&foreign_dir).unwrap();
    let foreign_ca = foreign_dir.join("ci.cert.pem");
    refused_download(
        &sim,
        DEFAULT_SMDP_HOST,
        &foreign_ca.to_string_lossy(),
        "does not verify under the CA certificate given for its issuer",
    );
}

/// One request to a server with `cert` under a client configuration `tls`.
fn request(cert: &CertAndKey, tls: Arc<rustls::ClientConfig>) -> Result<u16, HttpError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let listening =
                https_server::serve("expired", cert, "127.0.0.1:0".parse().unwrap(), |_| async {
                    Response::new(Full::new(Bytes::from_static(b"ok")))
                })
                .await
                .unwrap();
            let mut client = HttpsClient::new(
                tls,
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

#[test]
fn an_expired_certificate_is_refused_under_a_ca_and_a_pinned_key_has_no_dates() {
    let eid: Eid = "89049032123451234512345678901235".parse().unwrap();
    let pki = TestPki::generate(&eid).unwrap();
    let expired = pki.expired_tls_server(DEFAULT_SMDP_HOST).unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path()).unwrap();

    // Anchors from files (ES9+), and the eIM's certificate as CA: expiry is checked.
    let files = client_config(&[dir.path().join("ci.cert.pem")]).unwrap();
    let error = request(&expired, files).unwrap_err();
    assert!(
        format!("{error}").contains("certificate expired"),
        "{error}"
    );
    let ci = EimKey::Certificate(from_ber(pki.ci.cert.der()).unwrap());
    let error = request(&expired, eim_client_config(Some(&ci), &[]).unwrap()).unwrap_err();
    assert!(
        format!("{error}").contains("certificate expired"),
        "{error}"
    );
    // The same CA accepts the valid certificate.
    let valid = client_config(&[dir.path().join("ci.cert.pem")]).unwrap();
    assert_eq!(request(&pki.dp_tls, valid).unwrap(), 200);

    // A pinned key is trusted as a key: the certificate around it carries no trust, so its dates do not
    // matter (the eUICC configuration changes the pin, not a calendar).
    let spki = expired.key.verifying_key().to_spki_der().unwrap();
    let pinned = EimKey::PublicKey(from_ber(&spki).unwrap());
    let tls = eim_client_config(Some(&pinned), &[]).unwrap();
    assert_eq!(request(&expired, tls).unwrap(), 200);
}
