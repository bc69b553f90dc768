//! Every registered type, in both SGP.32 versions: random values survive DER and JER round trips.
#![cfg(feature = "testgen")]

use euicc_asn1::Layout;
use euicc_asn1::registry::entries;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_type_round_trips(seed in any::<u64>()) {
        for version in [Layout::V1_0, Layout::V1_2] {
            for entry in entries(version) {
                if let Err(e) = (entry.round_trip)(seed) {
                    prop_assert!(false, "{} ({:?}): {}", entry.name, version, e);
                }
            }
        }
    }
}
