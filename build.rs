//! Embeds the build time (`EUICCD_BUILD_TIME`, seconds since the Unix epoch): the earliest time a device
//! with an unset clock checks certificates at (src/clock.rs). `SOURCE_DATE_EPOCH` wins when set, so a
//! reproducible build embeds the time of its sources instead of the time it ran.

use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Rerun when the sources change, so that the embedded time stays close to the code's age.
    println!("cargo:rerun-if-changed=src");
    let secs = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value
            .trim()
            .parse::<u64>()
            .expect("SOURCE_DATE_EPOCH must be seconds since the Unix epoch"),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the build machine's clock is after 1970")
            .as_secs(),
    };
    println!("cargo:rustc-env=EUICCD_BUILD_TIME={secs}");
}
