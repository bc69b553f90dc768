//! The simulated eUICC: an ISD-R that answers ES10a/b/c and the SGP.32 v1.2 additions (or, configured so,
//! the v1.0 forms: [`SimEuiccConfig::version`]) with real cryptography, behind the simulated card ([`crate::card::SimCard`]).
//!
//! - [`state`]: what the card keeps across power cycles, and its crash-safe file.
//! - `info`: EUICCInfo1/2, EID, challenge, addresses, certificates, RAT.
//! - `profiles`: listing and switching profiles, fallback, emergency profile, rollback, memory reset.
//! - `notifications`: the notification list and its signatures.
//! - `download`: AuthenticateServer, PrepareDownload, the BPP segments, the PIR, CancelSession.
//! - `package`: LoadEuiccPackage (PSMOs and eCOs) and the signed eUICC Package Result.
//! - `eim`: eIM configurations (AddInitialEim, GetEimConfigurationData).
//! - `v1_0`: the SGP.32 v1.0 forms of a v1.0 card, converted to and from the v1.2 forms.
//!
//! Every command is decoded with the bounded decoder of `euicc-asn1`; anything malformed or unknown is
//! answered `6A 80`, never with a panic.

mod download;
mod eim;
mod info;
mod notifications;
mod package;
mod profiles;
pub mod state;
#[cfg(test)]
mod tests;
mod v1_0;

use std::path::{Path, PathBuf};
use std::time::Duration;

use euicc_asn1::types::sgp22::Certificate;
use euicc_asn1::{DecodeError, Eid, Octets};

use crate::Layout;
use crate::card::{AppletOutcome, IsdrApplet};
use crate::crypto::pki::{EuiccIdentity, PkiError, TestPki};
use crate::iso7816::StatusWord;
pub use package::eim_signed_data;
use state::{CardState, Profile, StateError, StateFile, StoredNotification};

/// Status word of a command the card cannot parse or does not know.
const SW_WRONG_DATA: StatusWord = StatusWord(0x6A80);
/// Status word of a command out of sequence.
const SW_CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
/// Status word of an internal failure (persistence, randomness).
const SW_NO_PRECISE_DIAGNOSIS: StatusWord = StatusWord(0x6F00);

/// Why a command got a status word instead of a response.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command does not decode.
    #[error("malformed command: {0}")]
    Malformed(#[from] DecodeError),
    /// The command's tag is not an ES10 function of this card, or a BPP segment arrived out of place.
    #[error("unknown or unexpected command (tag {0:#x})")]
    Unexpected(u32),
    /// A BPP segment arrived without a prepared download session.
    #[error("no download session")]
    NoSession,
    /// The state could not be persisted.
    #[error(transparent)]
    State(#[from] StateError),
    /// The card's own data is unusable (never with a verified identity).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl CommandError {
    fn status_word(&self) -> StatusWord {
        match self {
            Self::Malformed(_) | Self::Unexpected(_) => SW_WRONG_DATA,
            Self::NoSession => SW_CONDITIONS_NOT_SATISFIED,
            Self::State(_) | Self::Internal(_) => SW_NO_PRECISE_DIAGNOSIS,
        }
    }
}

/// Fault switches for tests. The applet sees complete commands, not APDUs: one command is one STORE DATA
/// chain (an ES10 function or one BPP segment). They are counted from 1 since this `SimEuicc` was created
/// or loaded.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer command number N with this status word, without executing it.
    pub fail_command: Option<(u64, StatusWord)>,
    /// Lose power after command number N: it is executed (and persisted if it completed something), then
    /// its answer is lost (`6F 00`), the volatile state (challenge, download session, one-time key) is dropped, the
    /// persisted state is reloaded (a card without a state file keeps its state) and the card resets,
    /// closing every logical channel.
    pub power_loss_after: Option<u64>,
    /// Processing time added to every command.
    pub delay: Duration,
}

/// Settings of a simulated eUICC.
#[derive(Debug, Clone)]
pub struct SimEuiccConfig {
    /// ES10c Enable/Disable/DeleteProfile are accepted (IoT cards may refuse them: disallowedByPolicy).
    pub es10c_allowed: bool,
    /// Most profiles the card holds (more: insufficient memory).
    pub max_profiles: usize,
    /// The root SM-DS address (GetEuiccConfiguredAddresses).
    pub root_ds_address: String,
    /// The default SM-DP+ address of a new card.
    pub default_smdp_address: Option<String>,
    /// The SGP.32 version the card announces (`iotVersion`) and speaks: a v1.0 card refuses the v1.2-only
    /// PSMOs, leaves the transaction identifier out of unsigned package errors and returns notifications
    /// and package results together from RetrieveNotificationsList.
    pub version: Layout,
    /// Fault switches.
    pub faults: Faults,
}

impl Default for SimEuiccConfig {
    fn default() -> Self {
        Self {
            es10c_allowed: true,
            max_profiles: 8,
            root_ds_address: "smds.example.test".into(),
            default_smdp_address: None,
            version: Layout::V1_2,
            faults: Faults::default(),
        }
    }
}

/// What the card forgets when it loses power.
#[derive(Debug, Default)]
struct Volatile {
    /// The last GetEuiccChallenge answer.
    challenge: Option<[u8; 16]>,
    /// The download session in progress.
    session: Option<download::Session>,
    /// The one-time key pair of the last PrepareDownload, kept for rebinding until a profile is installed.
    one_time_key: Option<crate::crypto::ecka::OneTimeKeyPair>,
    /// The profile installed by the last download, for ImmediateEnable.
    installed: Option<euicc_asn1::Iccid>,
}

/// The simulated eUICC (ISD-R). See the module documentation.
///
/// # Driving a download
///
/// Put it behind a card (`SimCard::new(euicc, ResponseMode::Direct)`) or call [`IsdrApplet::process`] with
/// complete ES10 commands:
///
/// 1. `BF2E` GetEuiccChallenge and `BF20` GetEuiccInfo1 → InitiateAuthentication at the SM-DP+.
/// 2. `BF38` AuthenticateServer with the SM-DP+'s serverSigned1, serverSignature1 (over the exact
///    serverSigned1 bytes), CI key id and CERT.DPauth → `BF38 A0 {euiccSigned1, 5F37, certificates}`.
/// 3. `BF21` PrepareDownload with smdpSigned2 and smdpSignature2 (over smdpSigned2 ‖ the `5F37`
///    euiccSignature1 TLV), CERT.DPpb and, if asked, hashCc → the one-time key in euiccSigned2, signed over
///    euiccSigned2 ‖ the `5F37` smdpSignature2 TLV.
/// 4. The BPP in segments (SGP.22 §2.5.5): `BF36` header + `BF23`, `A0`+`87`, `A1` header, each `88`,
///    optionally `A2`+`87`, `A3` header, each `86`. Every segment but the last answers nothing; the last
///    answers the signed PIR (`BF37`), which also goes into the notification list. A failing segment
///    answers the error PIR at once.
/// 5. `BF2B` RetrieveNotificationsList, then `BF30` with the PIR's sequence number once delivered.
pub struct SimEuicc {
    identity: EuiccIdentity,
    config: SimEuiccConfig,
    state: CardState,
    file: Option<StateFile>,
    volatile: Volatile,
    commands: u64,
}

impl std::fmt::Debug for SimEuicc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimEuicc")
            .field("eid", &self.identity.eid)
            .field("profiles", &self.state.profiles.len())
            .field("notifications", &self.state.notifications.len())
            .finish_non_exhaustive()
    }
}

impl SimEuicc {
    /// A new, empty card with this identity, keeping its state in memory only.
    pub fn new(identity: EuiccIdentity, config: SimEuiccConfig) -> Self {
        let state = CardState {
            default_smdp_address: config.default_smdp_address.clone(),
            ..CardState::default()
        };
        Self {
            identity,
            config,
            state,
            file: None,
            volatile: Volatile::default(),
            commands: 0,
        }
    }

    /// The card whose state lives in `state_file`: loaded if the file exists, a new card otherwise. Every
    /// change is written back atomically.
    pub fn load(
        state_file: impl Into<PathBuf>,
        identity: EuiccIdentity,
    ) -> Result<Self, StateError> {
        Self::load_with(state_file, identity, SimEuiccConfig::default())
    }

    /// [`SimEuicc::load`] with settings.
    pub fn load_with(
        state_file: impl Into<PathBuf>,
        identity: EuiccIdentity,
        config: SimEuiccConfig,
    ) -> Result<Self, StateError> {
        let file = StateFile::new(state_file);
        let mut euicc = Self::new(identity, config);
        match file.load()? {
            Some(state) => euicc.state = state,
            None => file.save(&euicc.state)?,
        }
        euicc.file = Some(file);
        Ok(euicc)
    }

    /// The EID.
    pub fn eid(&self) -> &Eid {
        &self.identity.eid
    }

    /// The installed profiles.
    pub fn profiles(&self) -> &[Profile] {
        &self.state.profiles
    }

    /// The notification list (notifications and stored eUICC Package Results).
    pub fn notifications(&self) -> &[StoredNotification] {
        &self.state.notifications
    }

    /// The whole persistent state.
    pub fn state(&self) -> &CardState {
        &self.state
    }

    /// The identity.
    pub fn identity(&self) -> &EuiccIdentity {
        &self.identity
    }

    /// The settings, to change them (fault switches, ES10c policy) while the card runs.
    pub fn config_mut(&mut self) -> &mut SimEuiccConfig {
        &mut self.config
    }

    /// Executes one command and persists what it changed.
    fn execute(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let before = self.file.as_ref().map(|_| self.state.clone());
        let result = self.dispatch(command);
        if let (Some(file), Some(before)) = (&self.file, before) {
            if before != self.state {
                if let Err(e) = file.save(&self.state) {
                    // What could not be made durable did not happen.
                    self.state = before;
                    return Err(e.into());
                }
            }
        }
        result
    }

    fn dispatch(&mut self, command: &[u8]) -> Result<AppletOutcome, CommandError> {
        let tag = header(command)
            .map(|h| h.tag)
            .ok_or(CommandError::Unexpected(0))?;
        match tag {
            0xBF20 => self.get_euicc_info1(),
            0xBF22 => self.get_euicc_info2(command),
            0xBF2E => self.get_euicc_challenge(command),
            0xBF3E => self.get_eid(command),
            0xBF3C => self.get_configured_addresses(command),
            0xBF3F | 0xBF65 => self.set_default_dp_address(command),
            0xBF56 => self.get_certs(command),
            0xBF43 => self.get_rat(command),
            0xBF2D => self.get_profiles_info(command),
            0xBF31 => self.es10c_enable(command),
            0xBF32 => self.es10c_disable(command),
            0xBF33 => self.es10c_delete(command),
            0xBF29 => self.set_nickname(command),
            0xBF34 | 0xBF64 => self.memory_reset(command),
            0xBF58 => self.profile_rollback(command),
            0xBF59 => self.configure_immediate_enable(command),
            0xBF5A => self.immediate_enable(command),
            0xBF5B => self.enable_emergency_profile(command),
            0xBF5C => self.disable_emergency_profile(command),
            0xBF5D => self.execute_fallback(command),
            0xBF5E => self.return_from_fallback(command),
            0xBF5F => self.get_connectivity_parameters(command),
            0xBF28 => self.list_notifications(command),
            0xBF2B => self.retrieve_notifications(command),
            0xBF30 => self.remove_notification(command),
            0xBF38 => self.authenticate_server(command),
            0xBF21 => self.prepare_download(command),
            0xBF41 => self.cancel_session(command),
            0xBF36 | 0xA0..=0xA3 | 0x86..=0x88 => self.load_bpp_segment(command),
            0xBF51 => self.load_euicc_package(command),
            0xBF55 => self.get_eim_configuration_data(command),
            0xBF57 => self.add_initial_eim(command),
            other => Err(CommandError::Unexpected(other)),
        }
    }

    /// Power is cut: volatile state is lost, the persisted state is what the card wakes up with.
    fn lose_power(&mut self) {
        self.volatile = Volatile::default();
        if let Some(file) = &self.file {
            match file.load() {
                Ok(Some(state)) => self.state = state,
                Ok(None) => self.state = CardState::default(),
                Err(e) => tracing::warn!("simulated eUICC: reloading state after power loss: {e}"),
            }
        }
    }

    /// Signs `data` with SK.EUICC.SIG: the raw `r‖s` of a `5F37`.
    fn sign(&self, data: &[u8]) -> Octets {
        Octets(self.identity.euicc.key.sign_raw(data).to_vec())
    }

    /// The eUICC and EUM certificates in their ASN.1 form.
    fn certificates(&self) -> Result<(Certificate, Certificate), CommandError> {
        let decode = |der: &[u8]| {
            euicc_asn1::from_ber::<Certificate>(der)
                .map_err(|_| CommandError::Internal("own certificate does not decode"))
        };
        Ok((
            decode(self.identity.euicc.cert.der())?,
            decode(self.identity.eum.der())?,
        ))
    }
}

impl IsdrApplet for SimEuicc {
    fn process(&mut self, command: &[u8]) -> AppletOutcome {
        self.commands += 1;
        let faults = self.config.faults.clone();
        if !faults.delay.is_zero() {
            std::thread::sleep(faults.delay);
        }
        if let Some((n, sw)) = faults.fail_command {
            if n == self.commands {
                return AppletOutcome::error(sw);
            }
        }
        let outcome = self.execute(command).unwrap_or_else(|e| {
            tracing::debug!("simulated eUICC: {e}");
            AppletOutcome::error(e.status_word())
        });
        if faults.power_loss_after == Some(self.commands) {
            self.lose_power();
            return AppletOutcome {
                data: Vec::new(),
                sw: SW_NO_PRECISE_DIAGNOSIS,
                reset_card: true,
            };
        }
        outcome
    }

    fn power_loss(&mut self) {
        self.lose_power();
    }
}

/// A successful answer that may reset the card (a profile switch with REFRESH).
fn answer(data: Vec<u8>, reset_card: bool) -> AppletOutcome {
    AppletOutcome {
        data,
        sw: StatusWord::OK,
        reset_card,
    }
}

/// A DER answer.
fn respond<T: euicc_asn1::Asn1>(response: &T) -> Result<AppletOutcome, CommandError> {
    Ok(AppletOutcome::ok(euicc_asn1::to_der(response)))
}

/// A BER-TLV header: the tag, the header's length and the declared content length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    tag: u32,
    len: usize,
    content_len: usize,
}

/// Reads the tag and length at the start of `input` without requiring the content to follow (BPP segments
/// carry container headers alone). Tags up to three bytes, definite lengths up to four bytes.
fn header(input: &[u8]) -> Option<Header> {
    let first = *input.first()?;
    let mut tag = u32::from(first);
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *input.get(pos)?;
            tag = (tag << 8) | u32::from(b);
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
            if pos >= 3 {
                return None;
            }
        }
    }
    let first_len = *input.get(pos)?;
    pos += 1;
    let content_len = if first_len & 0x80 == 0 {
        usize::from(first_len)
    } else {
        let count = usize::from(first_len & 0x7F);
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = input.get(pos..pos + count)?;
        pos += count;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    Some(Header {
        tag,
        len: pos,
        content_len,
    })
}

/// Why a simulated eUICC could not be set up from its files.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The identity could not be loaded or generated.
    #[error("simulated eUICC identity: {0}")]
    Identity(#[from] PkiError),
    /// The state file could not be read or created.
    #[error("simulated eUICC state: {0}")]
    State(#[from] StateError),
}

/// The simulated eUICC of `--sim` and `sim serve`: the identity in `identity_dir` (a test PKI for `eid` is
/// generated there if it holds none) or a fresh in-memory test PKI for `eid`; the state in `state_file`, or
/// in memory only.
pub fn open(
    identity_dir: Option<&Path>,
    state_file: Option<&Path>,
    eid: &Eid,
) -> Result<SimEuicc, SetupError> {
    let identity = match identity_dir {
        Some(dir) => load_or_generate_identity(dir, eid)?.0,
        None => TestPki::generate(eid)?.euicc_identity(),
    };
    Ok(match state_file {
        Some(file) => SimEuicc::load(file, identity)?,
        None => SimEuicc::new(identity, SimEuiccConfig::default()),
    })
}

/// Loads the identity in `dir`, or generates a test PKI for `eid` into `dir` if it holds none yet (so that
/// a simulated SM-DP+ and eIM can use the same CI). Returns the identity and the PKI when one was generated.
pub fn load_or_generate_identity(
    dir: &Path,
    eid: &Eid,
) -> Result<(EuiccIdentity, Option<TestPki>), PkiError> {
    if dir.join("euicc.cert.pem").exists() {
        return Ok((EuiccIdentity::load_from(dir)?, None));
    }
    let pki = TestPki::generate(eid)?;
    pki.write_to(dir)?;
    Ok((pki.euicc_identity(), Some(pki)))
}
