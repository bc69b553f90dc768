//! eUICC packages and data requests an eIM signs, and their results.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: &[&str] = &[
    "EuiccPackageRequest",
    "IpaEuiccDataRequest",
    "ProfileDownloadTriggerRequest",
    "EuiccPackageResult",
    "EimConfigurationData",
];

fuzz_target!(|data: &[u8]| euiccd_fuzz::decode_family(TYPES, data));
