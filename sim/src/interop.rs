//! GSMA's public test data (the SGP.26 test PKI in `sgp26/`, TS.48 test profiles in `ts48-profiles/`) for the
//! tests that check the simulators against it. The repository does not ship it: `EUICCD_INTEROP_DIR` names a
//! folder that holds it, and without it those tests say they are skipped.

use std::path::PathBuf;

/// The folder `part` of the interop data, when `EUICCD_INTEROP_DIR` names a folder that has it.
pub(crate) fn dir(part: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("EUICCD_INTEROP_DIR").map(|root| PathBuf::from(root).join(part));
    if dir.as_ref().is_some_and(|dir| dir.is_dir()) {
        dir
    } else {
        println!("skipped: EUICCD_INTEROP_DIR does not name a folder with {part}/");
        None
    }
}
