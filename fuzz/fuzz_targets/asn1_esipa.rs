//! Messages an eIM sends over ESipa.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: &[&str] = &[
    "EsipaMessageFromEimToIpa",
    "GetEimPackageResponse",
    "ProvideEimPackageResultResponse",
    "TransferEimPackageRequest",
    "InitiateAuthenticationResponseEsipa",
    "AuthenticateClientResponseEsipa",
    "GetBoundProfilePackageResponseEsipa",
    "CancelSessionResponseEsipa",
];

fuzz_target!(|data: &[u8]| euiccd_fuzz::decode_family(TYPES, data));
