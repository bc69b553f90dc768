//! Network lines from the modem (`+CREG/+CGREG/+CEREG/+C5GREG`, `+COPS`, `+CGEV`, `+CGACT`, `+CGCONTRDP`,
//! `+CSQ`, `+CESQ`), as URCs and as query answers, fed to the connectivity observer: parsing must never
//! panic, and a refused line leaves the state as it was.
#![no_main]

use euiccd::agent::connectivity::{Form, Observer, ObserverConfig};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

const NAMES: [&str; 10] = [
    "+CREG",
    "+CGREG",
    "+CEREG",
    "+C5GREG",
    "+COPS",
    "+CGEV",
    "+CGACT",
    "+CGCONTRDP",
    "+CSQ",
    "+CESQ",
];

fuzz_target!(|data: &[u8]| {
    let mut observer = Observer::new(ObserverConfig {
        update_interval: Some(Duration::from_secs(1)),
        ..ObserverConfig::default()
    });
    let mut now = SystemTime::UNIX_EPOCH;
    for line in String::from_utf8_lossy(data).lines() {
        let Some((&selector, _)) = line.as_bytes().split_first() else {
            continue;
        };
        let name = NAMES[usize::from(selector) % NAMES.len()];
        let form = if selector & 0x80 == 0 {
            Form::Urc
        } else {
            Form::Query
        };
        let full = format!("{name}: {}", line.get(1..).unwrap_or(""));
        let before = observer.state().clone();
        if observer.feed(&full, form, now).is_err() {
            assert_eq!(observer.state(), &before);
        }
        now += Duration::from_secs(1);
        observer.counters(u64::from(selector), u64::from(selector) * 2);
        let _ = observer.tick(now);
        let _ = observer.queries_done(now);
    }
});
