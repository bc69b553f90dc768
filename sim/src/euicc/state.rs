//! The persistent state of the simulated eUICC, and its crash-safe file.
//!
//! Everything a real card keeps in non-volatile memory lives in [`CardState`]: profiles, eIM configurations
//! with their counters and association tokens, the notification list (install results, other signed
//! notifications and eUICC Package Results, each under its sequence number), the rollback pointer, the
//! immediate-enable configuration and the default SM-DP+ address. Download sessions and challenges are
//! volatile and live elsewhere, so that a power loss drops them.
//!
//! [`StateFile::save`] writes a temporary file next to the target, syncs it, renames it over the target and
//! syncs the directory: a reader sees the old state or the new one, never a mixture.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use euicc_asn1::Iccid;
use serde::{Deserialize, Serialize};

/// Largest state file accepted when loading (a card with a few hundred notifications stays far below).
const MAX_STATE_FILE: u64 = 16 * 1024 * 1024;

/// Why loading or saving the state failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not hold a valid state.
    #[error("{path}: invalid state: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The file is larger than any state the simulator writes.
    #[error("{0}: state file too large")]
    TooLarge(PathBuf),
}

/// One installed profile: its metadata and how much of its package the card accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The ICCID.
    #[serde(with = "iccid_hex")]
    pub iccid: Iccid,
    /// The AID of the profile's ISD-P.
    #[serde(with = "hex_bytes")]
    pub isdp_aid: Vec<u8>,
    /// Enabled (true) or disabled.
    pub enabled: bool,
    /// test 0, provisioning 1, operational 2.
    pub class: i64,
    /// The nickname, if one was set.
    pub nickname: Option<String>,
    /// Service provider name.
    pub service_provider_name: String,
    /// Profile name.
    pub profile_name: String,
    /// SGP.32: this is the fallback profile.
    pub fallback_attribute: bool,
    /// SGP.32: the profile owner allows the fallback attribute.
    pub fallback_allowed: bool,
    /// SGP.32: an emergency-call (eCall) profile.
    pub ecall: bool,
    /// Where this profile's notifications go.
    pub notification_address: String,
    /// Number of profile-element bytes the card accepted.
    pub profile_bytes: u64,
}

impl Profile {
    /// An installed operational profile, as test and demo cards are seeded with: the `n`th ISD-P, named
    /// "Profile n" of "Operator", notifications to the default simulated SM-DP+.
    pub fn seeded(iccid: Iccid, n: u8, enabled: bool) -> Self {
        Self {
            iccid,
            isdp_aid: vec![0xA0, 0, 0, 5, 0x59, 0x10, 0x10, n],
            enabled,
            class: 2,
            nickname: None,
            service_provider_name: "Operator".into(),
            profile_name: format!("Profile {n}"),
            fallback_attribute: false,
            fallback_allowed: false,
            ecall: false,
            notification_address: crate::crypto::pki::DEFAULT_SMDP_HOST.into(),
            profile_bytes: 100,
        }
    }
}

/// What a stored notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationKind {
    /// A Profile Installation Result (`BF37`).
    Install,
    /// An enable notification.
    Enable,
    /// A disable notification.
    Disable,
    /// A delete notification.
    Delete,
    /// An SGP.32 eUICC Package Result (`BF51`), kept until the eIM acknowledged it.
    PackageResult,
}

impl NotificationKind {
    /// The NotificationEvent bit of SGP.22, or `None` for a package result (which has none).
    pub fn event_bit(self) -> Option<usize> {
        match self {
            Self::Install => Some(0),
            Self::Enable => Some(1),
            Self::Disable => Some(2),
            Self::Delete => Some(3),
            Self::PackageResult => None,
        }
    }
}

/// One entry of the notification list: what `ListNotification` shows and the exact signed bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredNotification {
    /// The sequence number.
    pub seq_number: i64,
    /// What it is.
    pub kind: NotificationKind,
    /// The receiver (SM-DP+ FQDN); empty for package results.
    pub address: String,
    /// The profile concerned.
    #[serde(with = "opt_iccid_hex")]
    pub iccid: Option<Iccid>,
    /// The signed object as the card produced it (`BF37…`, `30…` or `BF51…`).
    #[serde(with = "hex_bytes")]
    pub signed: Vec<u8>,
}

/// One configured eIM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EimEntry {
    /// The eIM identifier.
    pub eim_id: String,
    /// The configuration as received (`EimConfigurationData` DER); counter and token are kept below.
    #[serde(with = "hex_bytes")]
    pub configuration: Vec<u8>,
    /// The last counter value accepted.
    pub counter: i64,
    /// The association token assigned by the card.
    pub association_token: Option<i64>,
}

/// The package that enabled the current profile, kept while a rollback is possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollback {
    /// The profile enabled before (none if no profile was enabled).
    #[serde(with = "opt_iccid_hex")]
    pub previous: Option<Iccid>,
    /// The eIM that sent the enable.
    pub eim_id: String,
    /// The package's counter value.
    pub counter: i64,
    /// The package's transaction identifier.
    #[serde(with = "opt_hex_bytes")]
    pub eim_transaction_id: Option<Vec<u8>>,
}

/// The immediate-enable configuration (ConfigureImmediateProfileEnabling).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmediateEnableConfig {
    /// A freshly downloaded profile may be enabled with ImmediateEnable.
    pub enabled: bool,
    /// The SM-DP+ address configured with it.
    pub smdp_address: Option<String>,
}

/// Everything the card keeps across power cycles. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardState {
    /// Installed profiles.
    pub profiles: Vec<Profile>,
    /// Configured eIMs.
    pub eims: Vec<EimEntry>,
    /// The notification list, oldest first.
    pub notifications: Vec<StoredNotification>,
    /// The last sequence number handed out.
    pub last_seq_number: i64,
    /// The last association token handed out.
    pub last_association_token: i64,
    /// The last ISD-P number handed out.
    pub last_isdp: u32,
    /// Set by an enable PSMO with rollbackFlag; cleared by the next profile change or the rollback.
    pub rollback: Option<Rollback>,
    /// The profile to go back to after ExecuteFallbackMechanism.
    #[serde(with = "opt_iccid_hex")]
    pub fallback_return: Option<Iccid>,
    /// The profile to go back to after EnableEmergencyProfile.
    #[serde(with = "opt_iccid_hex")]
    pub emergency_return: Option<Iccid>,
    /// Immediate enable.
    pub immediate_enable: ImmediateEnableConfig,
    /// The default SM-DP+ address.
    pub default_smdp_address: Option<String>,
}

impl CardState {
    /// The next sequence number for the notification list.
    pub fn next_seq_number(&mut self) -> i64 {
        self.last_seq_number += 1;
        self.last_seq_number
    }

    /// The profile with this ICCID.
    pub fn profile(&self, iccid: &Iccid) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.iccid == *iccid)
    }

    /// The profile with this ICCID, to change it.
    pub fn profile_mut(&mut self, iccid: &Iccid) -> Option<&mut Profile> {
        self.profiles.iter_mut().find(|p| p.iccid == *iccid)
    }

    /// The enabled profile.
    pub fn enabled_profile(&self) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.enabled)
    }

    /// The eIM with this identifier.
    pub fn eim(&self, eim_id: &str) -> Option<&EimEntry> {
        self.eims.iter().find(|e| e.eim_id == eim_id)
    }
}

/// Where the state is persisted.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// A state file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the state, or returns `None` if the file does not exist yet.
    pub fn load(&self) -> Result<Option<CardState>, StateError> {
        let io = |source| StateError::Io {
            path: self.path.clone(),
            source,
        };
        let bytes = match crate::bounded_read::read(&self.path, MAX_STATE_FILE) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if crate::bounded_read::is_too_large(&e) => {
                return Err(StateError::TooLarge(self.path.clone()));
            }
            Err(e) => return Err(io(e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| StateError::Format {
                path: self.path.clone(),
                source,
            })
    }

    /// Writes the state atomically: temporary file, fsync, rename, fsync of the directory.
    pub fn save(&self, state: &CardState) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: self.path.clone(),
            source,
        };
        let json = serde_json::to_vec(state).map_err(|source| StateError::Format {
            path: self.path.clone(),
            source,
        })?;
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let mut file = File::create(&temporary).map_err(io)?;
        file.write_all(&json).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&temporary, &self.path).map_err(io)?;
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)
    }
}

/// Bytes as a hex string.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// Optional bytes as a hex string or null.
mod opt_hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_some(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| hex::decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// An ICCID as the hex of its 10 stored bytes.
mod iccid_hex {
    use euicc_asn1::Iccid;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(iccid: &Iccid, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(iccid.as_bytes()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Iccid, D::Error> {
        parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }

    pub fn parse(text: &str) -> Result<Iccid, String> {
        let mut bytes = [0u8; 10];
        hex::decode_to_slice(text, &mut bytes).map_err(|e| e.to_string())?;
        Iccid::from_bytes(bytes).map_err(|e| e.to_string())
    }
}

/// An optional ICCID as hex or null.
mod opt_iccid_hex {
    use euicc_asn1::Iccid;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(iccid: &Option<Iccid>, s: S) -> Result<S::Ok, S::Error> {
        match iccid {
            Some(i) => s.serialize_some(&hex::encode(i.as_bytes())),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Iccid>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| super::iccid_hex::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CardState {
        let mut state = CardState::default();
        state.profiles.push(Profile {
            iccid: "8944476500000000013".parse().unwrap(),
            isdp_aid: vec![0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0x01],
            enabled: true,
            class: 2,
            nickname: Some("n".into()),
            service_provider_name: "op".into(),
            profile_name: "p".into(),
            fallback_attribute: false,
            fallback_allowed: true,
            ecall: false,
            notification_address: "smdp.example.test".into(),
            profile_bytes: 1234,
        });
        let seq = state.next_seq_number();
        state.notifications.push(StoredNotification {
            seq_number: seq,
            kind: NotificationKind::Install,
            address: "smdp.example.test".into(),
            iccid: None,
            signed: vec![0xBF, 0x37, 0x00],
        });
        state.rollback = Some(Rollback {
            previous: None,
            eim_id: "eim".into(),
            counter: 3,
            eim_transaction_id: Some(vec![1, 2]),
        });
        state
    }

    #[test]
    fn saves_and_loads_the_same_state() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().join("card.json"));
        assert_eq!(file.load().unwrap(), None);
        let state = sample();
        file.save(&state).unwrap();
        assert_eq!(file.load().unwrap(), Some(state.clone()));
        // A second save replaces the first and leaves no temporary file behind.
        let mut changed = state;
        changed.default_smdp_address = Some("dp.example".into());
        file.save(&changed).unwrap();
        assert_eq!(file.load().unwrap(), Some(changed));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.json");
        std::fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            StateFile::new(&path).load(),
            Err(StateError::Format { .. })
        ));
    }
}
