//! The agent's own resource use: CPU time of this process (getrusage) and its resident memory
//! (`/proc/self/status`). The simulators run in another process, so none of theirs is counted.

/// CPU time (user and system) of this process so far, in seconds.
pub(crate) fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes one plain struct that we own; RUSAGE_SELF needs no other argument.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0.0;
        }
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Memory figures of this process, in KiB: (current `VmRSS`, peak `VmHWM`). `None` without `/proc`.
pub(crate) fn rss_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    Some((field(&status, "VmRSS:")?, field(&status, "VmHWM:")?))
}

/// The two parts of this process's resident memory, in KiB: (anonymous `RssAnon`, file-backed `RssFile`).
#[cfg(any(test, feature = "sim"))]
pub(crate) fn rss_parts_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    Some((field(&status, "RssAnon:")?, field(&status, "RssFile:")?))
}

/// The number of a `Name:   1234 kB` line.
fn field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_and_plausible() {
        assert_eq!(
            field("VmHWM:\t  4711 kB\nVmRSS: 12 kB", "VmHWM:"),
            Some(4711)
        );
        assert_eq!(field("VmRSS: x kB", "VmRSS:"), None);
        let (rss, peak) = rss_kib().expect("Linux has /proc/self/status");
        assert!(rss > 0 && peak >= rss, "{rss} {peak}");
        let (anon, file) = rss_parts_kib().expect("Linux has /proc/self/status");
        assert!(
            anon > 0 && file > 0 && anon + file <= rss + 64,
            "{anon} {file} {rss}"
        );
        let before = cpu_seconds();
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(cpu_seconds() >= before);
    }
}
