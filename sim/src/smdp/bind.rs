//! Binding a profile package to one eUICC: the Bound Profile Package of SGP.22 §2.5.4 / §5.5.
//!
//! The SM-DP+ creates a one-time key pair, agrees a secret with the eUICC's one-time key (ECKA), derives the
//! session keys with the control reference template and the EID, and protects ConfigureISDP (`87`),
//! StoreMetadata (`88`) and the package (`86` segments) in that order on one BSP channel.
//!
//! `smdpSign` in InitialiseSecureChannel covers the concatenated data objects `82` remoteOpId, `80`
//! transactionId, `A6` controlRefTemplate and `5F49` smdpOtpk, followed by the eUICC's `5F49` euiccOtpk
//! (SGP.22 §5.5.1; the same layout as pySim `pySim/esim/es8p.py`).

use euicc_asn1::types::sgp22::{
    BoundProfilePackage, ControlRefTemplate, InitialiseSecureChannelRequest, RemoteOpId,
    StoreMetadataRequest, Tlv86, Tlv87, Tlv88,
};
use euicc_asn1::{Asn1, Ctx, Limits, Octets, Signed, Tag, Tlv, Writer};

use super::status::SmdpError;
use crate::crypto::bsp::{BspEncoder, SegmentTag};
use crate::crypto::ecdsa::SigningKey;
use crate::crypto::ecka::OneTimeKeyPair;
use crate::crypto::kdf::{
    ControlReferenceTemplate, KEY_LENGTH_AES128, KEY_TYPE_AES, derive_session_keys,
};

/// `remoteOpId` installBoundProfilePackage.
const INSTALL_BOUND_PROFILE_PACKAGE: i64 = 1;

/// The host identifier of this SM-DP+ in the control reference template.
const HOST_ID: &[u8] = b"euiccd-sim-smdp";

/// ES8+.ConfigureISDP (`BF24`) without SM-DP+ proprietary data.
const CONFIGURE_ISDP_REQUEST: [u8; 3] = [0xBF, 0x24, 0x00];

/// What a binding needs from the session.
pub(super) struct BindInput<'a> {
    /// The session's transaction ID.
    pub transaction_id: &'a [u8],
    /// The 16-byte EID, from the eUICC certificate.
    pub eid: &'a [u8],
    /// otPK.EUICC.KA from PrepareDownload.
    pub euicc_otpk: &'a [u8],
    /// The profile metadata.
    pub metadata: &'a StoreMetadataRequest,
    /// The unprotected profile package.
    pub package: &'a [u8],
    /// SK.DPpb.SIG.
    pub dp_pb_key: &'a SigningKey,
}

/// Builds the Bound Profile Package for one eUICC.
pub(super) fn bind(input: &BindInput<'_>) -> Result<BoundProfilePackage, SmdpError> {
    let one_time = OneTimeKeyPair::generate();
    let shared = one_time
        .agree(input.euicc_otpk)
        .map_err(|e| SmdpError::invalid(format!("euiccOtpk: {e}")))?;
    let crt = ControlReferenceTemplate {
        key_type: KEY_TYPE_AES,
        key_length: KEY_LENGTH_AES128,
        host_id: HOST_ID,
    };
    let keys = derive_session_keys(&shared, &crt, input.eid)
        .map_err(|e| SmdpError::invalid(e.to_string()))?;

    let mut isc = InitialiseSecureChannelRequest {
        remote_op_id: RemoteOpId(INSTALL_BOUND_PROFILE_PACKAGE),
        transaction_id: Octets(input.transaction_id.to_vec()),
        control_ref_template: ControlRefTemplate {
            key_type: Octets(vec![KEY_TYPE_AES]),
            key_len: Octets(vec![KEY_LENGTH_AES128]),
            host_id: Octets(HOST_ID.to_vec()),
        },
        smdp_otpk: Octets(one_time.public_key().to_vec()),
        smdp_sign: Octets(Vec::new()),
    };
    isc.smdp_sign = Octets(
        input
            .dp_pb_key
            .sign_raw(&smdp_sign_input(&isc, input.euicc_otpk))
            .to_vec(),
    );

    let mut bsp = BspEncoder::new(&keys);
    let mut protect = |tag, data: &[u8]| -> Result<Vec<Octets>, SmdpError> {
        bsp.protect(tag, data)
            .map_err(|e| SmdpError::invalid(e.to_string()))?
            .iter()
            .map(|segment| segment_value(segment))
            .collect()
    };
    let configure = protect(
        SegmentTag::ConfigureIsdpOrReplaceKeys,
        &CONFIGURE_ISDP_REQUEST,
    )?;
    let metadata = protect(
        SegmentTag::StoreMetadata,
        &euicc_asn1::to_der(input.metadata),
    )?;
    let profile = protect(SegmentTag::ProfileElements, input.package)?;

    Ok(BoundProfilePackage {
        initialise_secure_channel_request: Signed::new(isc),
        first_sequence_of87: configure.into_iter().map(Tlv87).collect(),
        sequence_of88: metadata.into_iter().map(Tlv88).collect(),
        second_sequence_of87: None,
        sequence_of86: profile.into_iter().map(Tlv86).collect(),
    })
}

/// The bytes `smdpSign` covers: the data objects of the request before the signature, then `5F49`
/// euiccOtpk.
fn smdp_sign_input(isc: &InitialiseSecureChannelRequest, euicc_otpk: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    isc.remote_op_id.encode(&mut w);
    isc.transaction_id.encode_implicit(Tag(0x80), &mut w);
    isc.control_ref_template.encode_implicit(Tag(0xA6), &mut w);
    isc.smdp_otpk.encode_implicit(Tag(0x5F49), &mut w);
    w.tlv(Tag(0x5F49), |w| w.raw(euicc_otpk));
    w.into_bytes()
}

/// The value of one complete protected segment (`86`/`87`/`88` TLV from the BSP encoder).
fn segment_value(segment: &[u8]) -> Result<Octets, SmdpError> {
    let mut cx = Ctx::new(Limits::default());
    let (tlv, _) = Tlv::parse(segment, 0, &mut cx)
        .map_err(|e| SmdpError::invalid(format!("protected segment: {e}")))?;
    Ok(Octets(tlv.content.to_vec()))
}
