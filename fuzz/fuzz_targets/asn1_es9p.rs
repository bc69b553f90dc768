//! Bodies an SM-DP+ sends over ES9+.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: &[&str] = &[
    "InitiateAuthenticationResponse",
    "AuthenticateClientResponseEs9",
    "GetBoundProfilePackageResponse",
    "CancelSessionResponseEs9",
    "BoundProfilePackage",
    "StoreMetadataRequest",
];

fuzz_target!(|data: &[u8]| euiccd_fuzz::decode_family(TYPES, data));
