//! A complete RSP test PKI, generated at test time, and the eUICC identity the simulated eUICC loads.
//!
//! [`TestPki::generate`] creates, all on P-256 with ecdsa-with-SHA256 and consistent SKI/AKI:
//!
//! | file prefix | certificate | issuer | extensions |
//! |---|---|---|---|
//! | `ci`       | CI root            | self | CA, keyCertSign+cRLSign, policy id-rspRole-ci (critical) |
//! | `eum`      | EUM                | CI   | CA pathLen 0, keyCertSign, policy id-rspRole-eum (critical) |
//! | `euicc`    | eUICC (EID in subject serialNumber) | EUM | digitalSignature, policy id-rspRole-euicc (critical) |
//! | `dp-auth`  | CERT.DPauth.SIG    | CI   | digitalSignature, policy id-rspRole-dp-auth (critical) |
//! | `dp-pb`    | CERT.DPpb.SIG      | CI   | digitalSignature, policy id-rspRole-dp-pb (critical) |
//! | `dp-tls`   | SM-DP+ TLS server  | CI   | digitalSignature, EKU serverAuth, SAN host + `localhost` + `127.0.0.1`, policy id-rspRole-dp-tls (not critical, so webpki accepts it) |
//! | `eim-sign` | eIM signing        | CI   | digitalSignature |
//! | `eim-tls`  | eIM TLS server     | CI   | as `dp-tls`, without policy |
//!
//! Each `<prefix>` has `<prefix>.cert.pem` and `<prefix>.key.pem` (PKCS#8, mode 0600) in the directory given
//! to [`TestPki::write_to`]. A TLS client trusts `ci.cert.pem` as its only anchor. The CI has no AKI and the
//! key identifiers are the leftmost 160 bits of SHA-256 over the public key (RFC 7093 §2 method 1).
//!
//! An [`EuiccIdentity`] uses the `euicc`, `eum` and `ci` files of the same layout; `ci.cert.pem` may hold
//! several CI certificates. [`mint_euicc_certificate`] issues an eUICC certificate from any EUM certificate
//! and key, for instance the GSMA SGP.26 test EUM.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::der::asn1::{BitString, GeneralizedTime, Ia5String, OctetString, UtcTime};
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::oid::db::{rfc4519, rfc5280};
use x509_cert::der::{DateTime, Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage,
    KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use super::cert::{CertError, Certificate, ECDSA_WITH_SHA256, RspRole, verify_chain};
use super::ecdsa::{EcdsaError, SigningKey, VerifyingKey};
use euicc_asn1::Eid;
use euicc_asn1::types::IdError;

/// TLS host name of the simulated SM-DP+ when the caller does not choose one.
pub const DEFAULT_SMDP_HOST: &str = "smdp.example.test";

/// TLS host name of the simulated eIM when the caller does not choose one.
pub const DEFAULT_EIM_HOST: &str = "eim.example.test";

/// Lifetime of generated certificates other than the eUICC's.
const LIFETIME: Duration = Duration::from_secs(20 * 365 * 24 * 3600);

/// Back-dating of `notBefore`, so that peers with a late clock accept fresh certificates: also a client
/// whose clock is unset and checks certificates at the time its binary was built (src/clock.rs), which may
/// be days before the test that generates them.
const BACKDATE: Duration = Duration::from_secs(30 * 24 * 3600);

/// How long ago an expired TLS certificate expired: years, so before any build of this binary, and so
/// expired even at the floor a client with an unset clock checks at (src/clock.rs).
const EXPIRED_AGO: Duration = Duration::from_secs(5 * 365 * 24 * 3600);

const CI_FILE: &str = "ci";
const EUM_FILE: &str = "eum";
const EUICC_FILE: &str = "euicc";
const DP_AUTH_FILE: &str = "dp-auth";
const DP_PB_FILE: &str = "dp-pb";
const DP_TLS_FILE: &str = "dp-tls";
const EIM_SIGN_FILE: &str = "eim-sign";
const EIM_TLS_FILE: &str = "eim-tls";

/// Why generating, writing or loading a PKI failed.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A key file does not hold a usable private key.
    #[error("{path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with the key.
        #[source]
        source: EcdsaError,
    },
    /// A certificate file does not hold usable certificates.
    #[error("{path}: {source}")]
    CertFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with the certificate.
        #[source]
        source: CertError,
    },
    /// A certificate file holds no certificate.
    #[error("{0}: no certificate")]
    NoCertificate(PathBuf),
    /// A private key does not belong to the certificate it is paired with.
    #[error("private key does not match the {0} certificate")]
    KeyMismatch(&'static str),
    /// The eUICC certificate carries no EID (subject serialNumber), or an invalid one.
    #[error("eUICC certificate has no valid EID in its subject serialNumber")]
    MissingEid,
    /// An invalid EID was given.
    #[error(transparent)]
    Eid(#[from] IdError),
    /// The eUICC chain does not verify.
    #[error("eUICC certificate chain: {0}")]
    Chain(#[source] CertError),
    /// Building or encoding a certificate failed.
    #[error("cannot build certificate: {0}")]
    Build(#[from] x509_cert::der::Error),
    /// A key or certificate operation failed.
    #[error(transparent)]
    Cert(#[from] CertError),
    /// Encoding a key failed.
    #[error(transparent)]
    Key(#[from] EcdsaError),
}

/// A certificate and its private key. `Debug` shows the certificate only.
#[derive(Clone, Debug)]
pub struct CertAndKey {
    /// The certificate.
    pub cert: Certificate,
    /// Its private key.
    pub key: SigningKey,
}

impl CertAndKey {
    fn write(&self, dir: &Path, prefix: &str) -> Result<(), PkiError> {
        write_file(
            &cert_path(dir, prefix),
            self.cert.to_pem()?.as_bytes(),
            0o644,
        )?;
        write_file(
            &key_path(dir, prefix),
            self.key.to_pkcs8_pem()?.as_bytes(),
            0o600,
        )
    }

    fn load(dir: &Path, prefix: &'static str) -> Result<Self, PkiError> {
        let cert = load_cert(&cert_path(dir, prefix))?;
        let path = key_path(dir, prefix);
        let key = SigningKey::from_bytes(&read_file(&path)?)
            .map_err(|source| PkiError::KeyFile { path, source })?;
        if cert.public_key()? != key.verifying_key() {
            return Err(PkiError::KeyMismatch(prefix));
        }
        Ok(Self { cert, key })
    }
}

/// Every key and certificate the simulated eUICC, SM-DP+ and eIM need, under one generated CI.
#[derive(Clone, Debug)]
pub struct TestPki {
    /// The EID of the eUICC certificate.
    pub eid: Eid,
    /// The CI (root, trust anchor of everything, including TLS).
    pub ci: CertAndKey,
    /// The EUM (issues the eUICC certificate).
    pub eum: CertAndKey,
    /// The eUICC (SK.EUICC.SIG / CERT.EUICC.SIG).
    pub euicc: CertAndKey,
    /// SM-DP+ authentication (CERT.DPauth.SIG).
    pub dp_auth: CertAndKey,
    /// SM-DP+ profile binding (CERT.DPpb.SIG).
    pub dp_pb: CertAndKey,
    /// SM-DP+ TLS server certificate.
    pub dp_tls: CertAndKey,
    /// eIM signing key and certificate (signs eUICC packages).
    pub eim_sign: CertAndKey,
    /// eIM TLS server certificate.
    pub eim_tls: CertAndKey,
}

impl TestPki {
    /// Generates a PKI for `eid` with the TLS host names [`DEFAULT_SMDP_HOST`] and [`DEFAULT_EIM_HOST`].
    pub fn generate(eid: &Eid) -> Result<Self, PkiError> {
        Self::generate_for_hosts(eid, DEFAULT_SMDP_HOST, DEFAULT_EIM_HOST)
    }

    /// Generates a PKI for `eid` whose TLS certificates name `smdp_host` and `eim_host` (DNS names or IP
    /// addresses), each plus `localhost` and `127.0.0.1`.
    pub fn generate_for_hosts(
        eid: &Eid,
        smdp_host: &str,
        eim_host: &str,
    ) -> Result<Self, PkiError> {
        let ci_key = SigningKey::generate();
        let ci_cert = issue(
            name("CN=euiccd Test CI,O=euiccd test PKI")?,
            &ci_key.verifying_key(),
            Issuer::SelfSigned(&ci_key),
            Profile::Ci,
        )?;
        let ci = CertAndKey {
            cert: ci_cert,
            key: ci_key,
        };
        let by_ci = || Issuer::Certificate(&ci);
        let eum = new_pair(
            name("CN=euiccd Test EUM,O=euiccd test EUM")?,
            by_ci(),
            Profile::Eum,
        )?;
        let euicc_key = SigningKey::generate();
        let euicc = CertAndKey {
            cert: mint_euicc_certificate(eid, &euicc_key.verifying_key(), &eum.cert, &eum.key)?,
            key: euicc_key,
        };
        let smdp = name(r"CN=euiccd Test SM-DP\+,O=euiccd test")?;
        let eim = name("CN=euiccd Test eIM,O=euiccd test")?;
        Ok(Self {
            eid: *eid,
            dp_auth: new_pair(
                smdp.clone(),
                by_ci(),
                Profile::Signing(Some(RspRole::DpAuth)),
            )?,
            dp_pb: new_pair(smdp, by_ci(), Profile::Signing(Some(RspRole::DpPb)))?,
            dp_tls: new_pair(
                name(&format!("CN={smdp_host},O=euiccd test"))?,
                by_ci(),
                Profile::TlsServer {
                    host: smdp_host,
                    role: Some(RspRole::DpTls),
                    expired: false,
                },
            )?,
            eim_sign: new_pair(eim, by_ci(), Profile::Signing(None))?,
            eim_tls: new_pair(
                name(&format!("CN={eim_host},O=euiccd test"))?,
                by_ci(),
                Profile::TlsServer {
                    host: eim_host,
                    role: None,
                    expired: false,
                },
            )?,
            eum,
            euicc,
            ci,
        })
    }

    /// A TLS server certificate for `host` under this CI that expired years ago: a client must refuse
    /// it (robustness tests).
    pub fn expired_tls_server(&self, host: &str) -> Result<CertAndKey, PkiError> {
        new_pair(
            name(&format!("CN={host},O=euiccd test"))?,
            Issuer::Certificate(&self.ci),
            Profile::TlsServer {
                host,
                role: None,
                expired: true,
            },
        )
    }

    /// Writes every certificate and key into `dir` (created if missing), in the layout of the module docs.
    pub fn write_to(&self, dir: &Path) -> Result<(), PkiError> {
        for (prefix, pair) in self.pairs() {
            pair.write(dir, prefix)?;
        }
        Ok(())
    }

    /// Loads a PKI written by [`TestPki::write_to`], checking every key against its certificate and the
    /// eUICC chain against the CI (the first certificate of `ci.cert.pem`).
    pub fn load_from(dir: &Path) -> Result<Self, PkiError> {
        let identity = EuiccIdentity::load_from(dir)?;
        let ci = CertAndKey::load(dir, CI_FILE)?;
        let eum = CertAndKey::load(dir, EUM_FILE)?;
        Ok(Self {
            eid: identity.eid,
            ci,
            eum,
            euicc: identity.euicc,
            dp_auth: CertAndKey::load(dir, DP_AUTH_FILE)?,
            dp_pb: CertAndKey::load(dir, DP_PB_FILE)?,
            dp_tls: CertAndKey::load(dir, DP_TLS_FILE)?,
            eim_sign: CertAndKey::load(dir, EIM_SIGN_FILE)?,
            eim_tls: CertAndKey::load(dir, EIM_TLS_FILE)?,
        })
    }

    /// The identity a simulated eUICC loads from this PKI.
    pub fn euicc_identity(&self) -> EuiccIdentity {
        EuiccIdentity {
            eid: self.eid,
            euicc: self.euicc.clone(),
            eum: self.eum.cert.clone(),
            ci: vec![self.ci.cert.clone()],
        }
    }

    fn pairs(&self) -> [(&'static str, &CertAndKey); 8] {
        [
            (CI_FILE, &self.ci),
            (EUM_FILE, &self.eum),
            (EUICC_FILE, &self.euicc),
            (DP_AUTH_FILE, &self.dp_auth),
            (DP_PB_FILE, &self.dp_pb),
            (DP_TLS_FILE, &self.dp_tls),
            (EIM_SIGN_FILE, &self.eim_sign),
            (EIM_TLS_FILE, &self.eim_tls),
        ]
    }
}

/// What a simulated eUICC is: its EID, its certificate and key, its EUM certificate and the CIs it trusts.
#[derive(Clone, Debug)]
pub struct EuiccIdentity {
    /// The EID (also in the eUICC certificate).
    pub eid: Eid,
    /// CERT.EUICC.SIG and SK.EUICC.SIG.
    pub euicc: CertAndKey,
    /// CERT.EUM.SIG, sent with the eUICC certificate in AuthenticateClient.
    pub eum: Certificate,
    /// Trusted CI certificates (euiccCiPKIdList), at least one.
    pub ci: Vec<Certificate>,
}

impl EuiccIdentity {
    /// Creates an identity with a fresh eUICC key and a certificate minted by the given EUM.
    pub fn mint(eid: &Eid, eum: &CertAndKey, ci: Vec<Certificate>) -> Result<Self, PkiError> {
        let key = SigningKey::generate();
        let cert = mint_euicc_certificate(eid, &key.verifying_key(), &eum.cert, &eum.key)?;
        let identity = Self {
            eid: *eid,
            euicc: CertAndKey { cert, key },
            eum: eum.cert.clone(),
            ci,
        };
        identity.verify()?;
        Ok(identity)
    }

    /// Loads `euicc.cert.pem`, `euicc.key.pem`, `eum.cert.pem` and `ci.cert.pem` from `dir`, takes the EID
    /// from the eUICC certificate, and checks the key and the chain.
    pub fn load_from(dir: &Path) -> Result<Self, PkiError> {
        let euicc = CertAndKey::load(dir, EUICC_FILE)?;
        let eid = euicc
            .cert
            .subject_serial_number()
            .and_then(|s| Eid::from_str(s).ok())
            .ok_or(PkiError::MissingEid)?;
        let eum = load_cert(&cert_path(dir, EUM_FILE))?;
        let ci_path = cert_path(dir, CI_FILE);
        let ci = Certificate::all_from_bytes(&read_file(&ci_path)?).map_err(|source| {
            PkiError::CertFile {
                path: ci_path.clone(),
                source,
            }
        })?;
        if ci.is_empty() {
            return Err(PkiError::NoCertificate(ci_path));
        }
        let identity = Self {
            eid,
            euicc,
            eum,
            ci,
        };
        identity.verify()?;
        Ok(identity)
    }

    /// Writes the identity in the layout [`EuiccIdentity::load_from`] reads (no EUM or CI keys).
    pub fn write_to(&self, dir: &Path) -> Result<(), PkiError> {
        self.euicc.write(dir, EUICC_FILE)?;
        write_file(
            &cert_path(dir, EUM_FILE),
            self.eum.to_pem()?.as_bytes(),
            0o644,
        )?;
        let bundle = self
            .ci
            .iter()
            .map(Certificate::to_pem)
            .collect::<Result<String, _>>()?;
        write_file(&cert_path(dir, CI_FILE), bundle.as_bytes(), 0o644)
    }

    /// Checks eUICC → EUM → one of the CIs, and returns the CI that anchors the chain.
    pub fn verify(&self) -> Result<&Certificate, PkiError> {
        verify_chain(&self.euicc.cert, std::slice::from_ref(&self.eum), &self.ci)
            .map_err(PkiError::Chain)
    }
}

/// Issues an eUICC certificate for `eid` and `euicc_key`, signed by `eum_key` under `eum_cert`.
///
/// The subject is the EUM's organisation RDN (copied byte for byte, as EUM name constraints expect), then
/// `serialNumber = EID`, then `CN = Test eUICC`. The certificate does not expire (notAfter 9999-12-31, as
/// eUICC certificates are meant to outlive the card).
pub fn mint_euicc_certificate(
    eid: &Eid,
    euicc_key: &VerifyingKey,
    eum_cert: &Certificate,
    eum_key: &SigningKey,
) -> Result<Certificate, PkiError> {
    if eum_cert.public_key()? != eum_key.verifying_key() {
        return Err(PkiError::KeyMismatch(EUM_FILE));
    }
    let mut rdns: Vec<RelativeDistinguishedName> = eum_cert
        .subject()
        .0
        .iter()
        .filter(|rdn| rdn.0.iter().any(|atv| atv.oid == rfc4519::O))
        .cloned()
        .collect();
    rdns.extend(name(&format!("CN=Test eUICC,serialNumber={eid}"))?.0);
    let eum = CertAndKey {
        cert: eum_cert.clone(),
        key: eum_key.clone(),
    };
    issue(
        x509_cert::name::RdnSequence(rdns),
        euicc_key,
        Issuer::Certificate(&eum),
        Profile::Euicc,
    )
}

/// Who signs a new certificate.
enum Issuer<'a> {
    SelfSigned(&'a SigningKey),
    Certificate(&'a CertAndKey),
}

/// What a new certificate is for, which decides its extensions.
enum Profile<'a> {
    Ci,
    Eum,
    Euicc,
    /// An end-entity signing certificate, with the role policy if it has one.
    Signing(Option<RspRole>),
    TlsServer {
        host: &'a str,
        role: Option<RspRole>,
        /// Valid only until half an hour ago (tests of certificate expiry).
        expired: bool,
    },
}

impl Profile<'_> {
    fn extensions(&self) -> Result<Vec<Extension>, PkiError> {
        let mut out = Vec::new();
        let key_usage = match self {
            Self::Ci => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Self::Eum => KeyUsages::KeyCertSign.into(),
            _ => KeyUsages::DigitalSignature.into(),
        };
        out.push(extension(&KeyUsage(key_usage), true)?);
        let path_len = match self {
            Self::Ci => Some(None),
            Self::Eum => Some(Some(0)),
            _ => None,
        };
        if let Some(path_len_constraint) = path_len {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint,
            };
            out.push(extension(&bc, true)?);
        }
        let (role, critical) = match self {
            Self::Ci => (Some(RspRole::Ci), true),
            Self::Eum => (Some(RspRole::Eum), true),
            Self::Euicc => (Some(RspRole::Euicc), true),
            Self::Signing(role) => (*role, true),
            // webpki rejects certificates with critical extensions it does not know.
            Self::TlsServer { role, .. } => (*role, false),
        };
        if let Some(role) = role {
            let policies = CertificatePolicies(vec![PolicyInformation {
                policy_identifier: role.oid(),
                policy_qualifiers: None,
            }]);
            out.push(extension(&policies, critical)?);
        }
        if let Self::TlsServer { host, .. } = self {
            let eku = ExtendedKeyUsage(vec![rfc5280::ID_KP_SERVER_AUTH]);
            out.push(extension(&eku, false)?);
            let mut names = Vec::new();
            for host in [*host, "localhost", "127.0.0.1"] {
                let name = general_name(host)?;
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            out.push(extension(&SubjectAltName(names), false)?);
        }
        Ok(out)
    }

    fn not_before(&self) -> Result<Time, PkiError> {
        match self {
            Self::TlsServer { expired: true, .. } => x509_time(SystemTime::now() - 2 * EXPIRED_AGO),
            _ => x509_time(SystemTime::now() - BACKDATE),
        }
    }

    fn not_after(&self) -> Result<Time, PkiError> {
        match self {
            Self::Euicc => Ok(GeneralizedTime::from_date_time(DateTime::new(
                9999, 12, 31, 23, 59, 59,
            )?)
            .into()),
            Self::TlsServer { expired: true, .. } => x509_time(SystemTime::now() - EXPIRED_AGO),
            _ => x509_time(SystemTime::now() + LIFETIME),
        }
    }
}

fn new_pair(
    subject: Name,
    issuer: Issuer<'_>,
    profile: Profile<'_>,
) -> Result<CertAndKey, PkiError> {
    let key = SigningKey::generate();
    let cert = issue(subject, &key.verifying_key(), issuer, profile)?;
    Ok(CertAndKey { cert, key })
}

/// Builds, signs and re-parses one certificate.
fn issue(
    subject: Name,
    public_key: &VerifyingKey,
    issuer: Issuer<'_>,
    profile: Profile<'_>,
) -> Result<Certificate, PkiError> {
    let (issuer_name, signer, authority_key_id) = match issuer {
        Issuer::SelfSigned(key) => (subject.clone(), key, None),
        Issuer::Certificate(pair) => {
            let key_id = match pair.cert.subject_key_identifier() {
                Some(ski) => ski.to_vec(),
                None => key_identifier(&pair.cert.public_key()?).to_vec(),
            };
            (pair.cert.subject().clone(), &pair.key, Some(key_id))
        }
    };
    let mut extensions = profile.extensions()?;
    let ski = SubjectKeyIdentifier(OctetString::new(key_identifier(public_key).to_vec())?);
    extensions.push(extension(&ski, false)?);
    if let Some(key_id) = authority_key_id {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_id)?),
            ..Default::default()
        };
        extensions.push(extension(&aki, false)?);
    }
    let algorithm = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: random_serial()?,
        signature: algorithm.clone(),
        issuer: issuer_name,
        validity: Validity {
            not_before: profile.not_before()?,
            not_after: profile.not_after()?,
        },
        subject,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&public_key.to_spki_der()?)?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = signer.sign_der(&tbs.to_der()?);
    let cert = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(Certificate::from_der(&cert.to_der()?)?)
}

/// RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey bits.
fn key_identifier(key: &VerifyingKey) -> [u8; 20] {
    let digest = Sha256::digest(key.to_sec1_uncompressed());
    let mut out = [0u8; 20];
    out.copy_from_slice(&digest[..20]);
    out
}

fn extension<T: Encode + AssociatedOid>(value: &T, critical: bool) -> Result<Extension, PkiError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn general_name(host: &str) -> Result<GeneralName, PkiError> {
    Ok(match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => GeneralName::IpAddress(OctetString::new(ip.octets().to_vec())?),
        Ok(IpAddr::V6(ip)) => GeneralName::IpAddress(OctetString::new(ip.octets().to_vec())?),
        Err(_) => GeneralName::DnsName(Ia5String::new(host)?),
    })
}

fn name(rfc4514: &str) -> Result<Name, PkiError> {
    Ok(Name::from_str(rfc4514)?)
}

/// A positive 16-byte serial number with a non-zero first byte (so DER needs no padding byte).
fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(SerialNumber::new(&bytes)?)
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
fn x509_time(time: SystemTime) -> Result<Time, PkiError> {
    let date = DateTime::from_system_time(time)?;
    Ok(if date.year() < 2050 {
        UtcTime::from_date_time(date)?.into()
    } else {
        GeneralizedTime::from_date_time(date).into()
    })
}

fn cert_path(dir: &Path, prefix: &str) -> PathBuf {
    dir.join(format!("{prefix}.cert.pem"))
}

fn key_path(dir: &Path, prefix: &str) -> PathBuf {
    dir.join(format!("{prefix}.key.pem"))
}

/// Largest key or certificate file read.
const MAX_PKI_FILE: u64 = 1024 * 1024;

fn read_file(path: &Path) -> Result<Vec<u8>, PkiError> {
    crate::bounded_read::read(path, MAX_PKI_FILE).map_err(|source| PkiError::Io {
        path: path.to_owned(),
        source,
    })
}

fn load_cert(path: &Path) -> Result<Certificate, PkiError> {
    Certificate::from_bytes(&read_file(path)?).map_err(|source| PkiError::CertFile {
        path: path.to_owned(),
        source,
    })
}

/// Writes a file with `mode` (private keys get 0600 from creation on, never a wider window).
fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), PkiError> {
    let io_error = |source| PkiError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io_error)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .map_err(io_error)?;
    file.write_all(contents).map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const EID: &str = "89049032123451234512345678901235";

    fn eid() -> Eid {
        EID.parse().unwrap()
    }

    #[test]
    fn write_and_load_round_trip() {
        let pki = TestPki::generate(&eid()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        pki.write_to(dir.path()).unwrap();
        let loaded = TestPki::load_from(dir.path()).unwrap();
        assert_eq!(loaded.eid, eid());
        for ((name, a), (_, b)) in pki.pairs().into_iter().zip(loaded.pairs()) {
            assert_eq!(a.cert.der(), b.cert.der(), "{name}");
            assert_eq!(a.key.verifying_key(), b.key.verifying_key(), "{name}");
        }
        let mode = fs::metadata(key_path(dir.path(), EUICC_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        let identity = EuiccIdentity::load_from(dir.path()).unwrap();
        assert_eq!(identity.eid, eid());
        assert_eq!(identity.verify().unwrap().der(), pki.ci.cert.der());
    }

    #[test]
    fn load_detects_swapped_keys_and_missing_files() {
        let pki = TestPki::generate(&eid()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        pki.write_to(dir.path()).unwrap();
        fs::copy(
            key_path(dir.path(), DP_PB_FILE),
            key_path(dir.path(), DP_AUTH_FILE),
        )
        .unwrap();
        assert!(matches!(
            TestPki::load_from(dir.path()),
            Err(PkiError::KeyMismatch(DP_AUTH_FILE))
        ));
        fs::remove_file(cert_path(dir.path(), EUM_FILE)).unwrap();
        assert!(matches!(
            EuiccIdentity::load_from(dir.path()),
            Err(PkiError::Io { .. })
        ));
    }

    #[test]
    fn identity_from_another_pki_fails_the_chain() {
        let a = TestPki::generate(&eid()).unwrap();
        let b = TestPki::generate(&eid()).unwrap();
        let mut identity = a.euicc_identity();
        identity.ci = vec![b.ci.cert.clone()];
        assert!(matches!(identity.verify(), Err(PkiError::Chain(_))));
    }

    #[test]
    fn minting_needs_the_matching_eum_key() {
        let pki = TestPki::generate(&eid()).unwrap();
        let other = SigningKey::generate();
        assert!(matches!(
            mint_euicc_certificate(&eid(), &other.verifying_key(), &pki.eum.cert, &other),
            Err(PkiError::KeyMismatch(_))
        ));
        let identity = EuiccIdentity::mint(
            &"89049032000000000000000000000066".parse().unwrap(),
            &pki.eum,
            vec![pki.ci.cert.clone()],
        )
        .unwrap();
        assert_eq!(
            identity.euicc.cert.subject_serial_number(),
            Some("89049032000000000000000000000066")
        );
    }

    /// The TLS certificates must pass rustls' verifier (webpki) with the CI as the only trust anchor.
    #[test]
    fn tls_certificates_pass_webpki() {
        use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
        let pki =
            TestPki::generate_for_hosts(&eid(), "smdp.example.test", "eim.example.test").unwrap();
        let ci = CertificateDer::from(pki.ci.cert.der());
        let anchors = [webpki::anchor_from_trusted_cert(&ci).unwrap()];
        for (pair, host) in [
            (&pki.dp_tls, "smdp.example.test"),
            (&pki.eim_tls, "eim.example.test"),
        ] {
            let der = CertificateDer::from(pair.cert.der());
            let ee = webpki::EndEntityCert::try_from(&der).unwrap();
            ee.verify_for_usage(
                &[webpki::ring::ECDSA_P256_SHA256],
                &anchors,
                &[],
                UnixTime::now(),
                webpki::KeyUsage::server_auth(),
                None,
                None,
            )
            .unwrap();
            for name in [host, "localhost", "127.0.0.1"] {
                ee.verify_is_valid_for_subject_name(&ServerName::try_from(name).unwrap())
                    .unwrap();
            }
            assert!(
                ee.verify_is_valid_for_subject_name(
                    &ServerName::try_from("other.example.test").unwrap()
                )
                .is_err()
            );
        }
        // The signing certificates carry their role policy as a critical extension (as SGP.22 wants), which
        // webpki refuses; this is why the TLS certificates carry theirs as non-critical.
        let der = CertificateDer::from(pki.dp_auth.cert.der());
        assert!(matches!(
            webpki::EndEntityCert::try_from(&der),
            Err(webpki::Error::UnsupportedCriticalExtension)
        ));
    }

    /// Loads the GSMA SGP.26 EUM and CI, mints an eUICC certificate for an EID in the EUM's name
    /// constraints, and verifies eUICC → SGP.26 EUM → SGP.26 CI. Runs when `EUICCD_INTEROP_DIR` names a
    /// folder with GSMA's public SGP.26 test PKI in `sgp26/`; skipped otherwise (the project does not ship it).
    #[test]
    fn sgp26_identity_can_be_minted() {
        let Some(root) = crate::interop::dir("sgp26") else {
            return;
        };
        let eum_key =
            SigningKey::from_bytes(&fs::read(root.join("EUM/SK_EUM_ECDSA_NIST.pem")).unwrap())
                .unwrap();
        let eum_cert =
            Certificate::from_bytes(&fs::read(root.join("EUM/CERT_EUM_ECDSA_NIST.der")).unwrap())
                .unwrap();
        let ci = Certificate::from_bytes(
            &fs::read(root.join("CertificateIssuer/CERT_CI_ECDSA_NIST.der")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            hex::encode_upper(ci.subject_key_identifier().unwrap()),
            "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
        );
        let eum = CertAndKey {
            cert: eum_cert,
            key: eum_key,
        };
        let identity = EuiccIdentity::mint(&eid(), &eum, vec![ci.clone()]).unwrap();
        let cert = &identity.euicc.cert;
        assert_eq!(cert.subject_serial_number(), Some(EID));
        assert_eq!(
            cert.authority_key_identifier(),
            eum.cert.subject_key_identifier()
        );
        let anchor = verify_chain(
            cert,
            std::slice::from_ref(&eum.cert),
            std::slice::from_ref(&ci),
        )
        .unwrap();
        assert_eq!(anchor.der(), ci.der());

        // The identity survives a write/load round trip next to the SGP.26 files.
        let dir = tempfile::tempdir().unwrap();
        identity.write_to(dir.path()).unwrap();
        let loaded = EuiccIdentity::load_from(dir.path()).unwrap();
        assert_eq!(loaded.euicc.cert.der(), cert.der());
        assert_eq!(loaded.eid, eid());
    }
}
