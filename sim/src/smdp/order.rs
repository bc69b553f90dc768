//! Download orders of the simulated SM-DP+: which profile package a matching ID gets, with its metadata.

use std::fmt;
use std::time::SystemTime;

use euicc_asn1::types::sgp22::StoreMetadataRequest;
use euicc_asn1::{Ctx, Eid, Iccid, Limits, Tag, Tlv, Writer};
use sha2::{Digest, Sha256};

pub use crate::secret::Secret;

/// Profile class of the metadata (SGP.22 `ProfileClass`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProfileClass {
    /// test 0.
    Test,
    /// provisioning 1.
    Provisioning,
    /// operational 2 (left out of the DER, as its default).
    #[default]
    Operational,
}

/// The metadata of a profile, sent in AuthenticateClient and as StoreMetadata in the BPP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileMetadata {
    /// The profile's ICCID.
    pub iccid: Iccid,
    /// Name of the operator.
    pub service_provider_name: String,
    /// Name of the profile.
    pub profile_name: String,
    /// Profile class.
    pub class: ProfileClass,
}

impl ProfileMetadata {
    /// The `BF25` StoreMetadataRequest of this metadata.
    pub fn store_metadata_request(&self) -> StoreMetadataRequest {
        StoreMetadataRequest {
            iccid: self.iccid,
            service_provider_name: self.service_provider_name.clone(),
            profile_name: self.profile_name.clone(),
            icon_type: None,
            icon: None,
            profile_class: match self.class {
                ProfileClass::Test => 0,
                ProfileClass::Provisioning => 1,
                ProfileClass::Operational => 2,
            },
            notification_configuration_info: None,
            profile_owner: None,
            profile_policy_rules: None,
            service_specific_data_stored_in_euicc: None,
            service_specific_data_not_stored_in_euicc: None,
            ecall_indication: None,
            fallback_allowed: None,
        }
    }
}

/// One download order: a matching ID and the profile it releases. `Debug` shows the package's length only.
#[derive(Clone)]
pub struct ProfileOrder {
    /// The activation code token that selects this order.
    pub matching_id: Secret,
    /// The unprotected profile package (a DER SAIP `ProfileElement` sequence), bound per download.
    pub package: Vec<u8>,
    /// Its metadata.
    pub metadata: ProfileMetadata,
    /// The confirmation code the user must enter, if any.
    pub confirmation_code: Option<Secret>,
    /// The only eUICC allowed to download it, if the order is bound to an EID.
    pub eid: Option<Eid>,
    /// When the order stops being valid, if ever.
    pub expires: Option<SystemTime>,
}

impl fmt::Debug for ProfileOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileOrder")
            .field("matching_id", &self.matching_id)
            .field("package_len", &self.package.len())
            .field("metadata", &self.metadata)
            .field("confirmation_code", &self.confirmation_code)
            .field("eid", &self.eid)
            .field("expires", &self.expires)
            .finish()
    }
}

impl ProfileOrder {
    /// An order for `package` with `metadata`, without confirmation code, EID binding or expiry.
    pub fn new(matching_id: Secret, package: Vec<u8>, metadata: ProfileMetadata) -> Self {
        Self {
            matching_id,
            package,
            metadata,
            confirmation_code: None,
            eid: None,
            expires: None,
        }
    }
}

/// Tag of the SAIP `ProfileHeader` element (`header [0]`), and of its `iccid` component.
const SAIP_HEADER: u8 = 0xA0;
const SAIP_ICCID: u8 = 0x83;
/// Tags of the filler elements of a synthetic package (SAIP `genericFileManagement`-like) and of its `end`.
const FILLER_ELEMENT: u8 = 0xA1;
const END_ELEMENT: u8 = 0xAA;
/// Content bytes of each filler element (a few per protected `86` segment).
const FILLER_CHUNK: usize = 1000;

/// A deterministic, TS.48-shaped profile package of at least `size` bytes: a SAIP-like header element
/// (`A0 {80 major, 81 minor, 82 profileType, 83 ICCID}`, the ICCID in plain BCD digit order as in SAIP), filler elements of pseudo-random bytes derived
/// from the ICCID, and an end element. It installs on the simulated eUICC like a real package; nothing
/// parses it as a real SAIP profile.
pub fn synthetic_profile_package(iccid: &Iccid, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + FILLER_CHUNK + 64);
    let mut header = Vec::new();
    push_tlv(&mut header, 0x80, &[2]);
    push_tlv(&mut header, 0x81, &[3]);
    push_tlv(&mut header, 0x82, b"euiccd synthetic test profile");
    push_tlv(&mut header, SAIP_ICCID, &swap_nibbles(*iccid.as_bytes()));
    push_tlv(&mut out, SAIP_HEADER, &header);
    let mut counter = 0u32;
    while out.len() < size {
        let mut chunk = Vec::with_capacity(FILLER_CHUNK);
        while chunk.len() < FILLER_CHUNK {
            let mut hash = Sha256::new();
            hash.update(iccid.as_bytes());
            hash.update(counter.to_be_bytes());
            chunk.extend_from_slice(&hash.finalize());
            counter += 1;
        }
        chunk.truncate(FILLER_CHUNK);
        push_tlv(&mut out, FILLER_ELEMENT, &chunk);
    }
    push_tlv(&mut out, END_ELEMENT, &[]);
    out
}

/// The ICCID in the header element of a profile package (synthetic or a real SAIP/TS.48 file), if the package
/// starts with one.
pub fn package_iccid(package: &[u8]) -> Option<Iccid> {
    let mut cx = Ctx::new(Limits::default());
    let (header, _) = Tlv::parse(package, 0, &mut cx).ok()?;
    if header.tag != Tag(SAIP_HEADER.into()) {
        return None;
    }
    let mut rest = header.content;
    while !rest.is_empty() {
        let (field, next) = Tlv::parse(rest, 0, &mut cx).ok()?;
        if field.tag == Tag(SAIP_ICCID.into()) {
            let bytes = <[u8; 10]>::try_from(field.content).ok()?;
            return Iccid::from_bytes(swap_nibbles(bytes)).ok();
        }
        rest = next;
    }
    None
}

/// SAIP headers store the ICCID digits in order (`89 49 …`), EF.ICCID and SGP.22 nibble-swapped (`98 94 …`).
fn swap_nibbles(mut bytes: [u8; 10]) -> [u8; 10] {
    for byte in &mut bytes {
        *byte = byte.rotate_left(4);
    }
    bytes
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.extend_from_slice(&tlv(Tag(tag.into()), value));
}

/// One DER TLV of `tag` around `value`.
pub(super) fn tlv(tag: Tag, value: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.tlv(tag, |w| w.raw(value));
    w.into_bytes()
}
