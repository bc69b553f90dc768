//! The size budget (`size-budget.txt`, checked by `scripts/size-budget.sh` after the cross builds in `.ci/run`):
//! a binary within its ceiling passes, one over it fails naming the binary and the bytes over, and
//! `EUICCD_SIZE_EXTRA` (a deliberately oversized build) fails the repository's own budget.

use std::path::{Path, PathBuf};
use std::process::Command;

const MIPSEL: &str = "euiccd-mipsel-unknown-linux-musl-nosim";

/// A directory of this test's own under the system's temporary directory, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("euiccd-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the budget check on `sizes` against `budget` with `EUICCD_SIZE_EXTRA` = `extra`.
fn check(sizes: &Path, budget: &Path, extra: u64) -> (i32, String) {
    check_with(sizes, budget, extra, &[])
}

/// [`check`] with more environment variables.
fn check_with(sizes: &Path, budget: &Path, extra: u64, env: &[(&str, &Path)]) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/size-budget.sh");
    let output = Command::new("sh")
        .arg(script)
        .arg(sizes)
        .arg(budget)
        .env("EUICCD_SIZE_EXTRA", extra.to_string())
        .env_remove("EUICCD_SIZE_EXPLAIN")
        .envs(env.iter().copied())
        .output()
        .expect("sh");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().expect("exit code"), text)
}

/// The ceiling `size-budget.txt` gives the mipsel router binary.
/// The mipsel router binary's ceiling and target in `budget`.
fn mipsel_budget(budget: &Path) -> (u64, u64) {
    std::fs::read_to_string(budget)
        .expect("budget")
        .lines()
        .find_map(|line| {
            let mut fields = line.strip_prefix(MIPSEL)?.split_whitespace();
            let ceiling = fields.next()?.parse().ok()?;
            Some((ceiling, fields.next()?.parse().ok()?))
        })
        .expect("a ceiling and a target for the mipsel binary")
}

#[test]
fn the_repository_budget_fails_a_router_binary_one_byte_over_its_ceiling() {
    let scratch = Scratch::new("size-budget");
    let budget = Path::new(env!("CARGO_MANIFEST_DIR")).join("size-budget.txt");
    let (ceiling, target) = mipsel_budget(&budget);
    let sizes = scratch.path("sizes.txt");
    std::fs::write(&sizes, format!("{MIPSEL} {ceiling}\n")).expect("sizes");

    let (code, text) = check(&sizes, &budget, 0);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("within its ceiling"), "{text}");
    let verdict = if ceiling <= target { "met" } else { "missed" };
    assert!(
        text.contains(&format!("target {target} {verdict}")),
        "{text}"
    );

    // The same build, one byte bigger: what a change that grows the router binary looks like.
    let (code, text) = check(&sizes, &budget, 1);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!(
            "{MIPSEL} is {} bytes, 1 over its ceiling",
            ceiling + 1
        )),
        "{text}"
    );
}

#[test]
fn a_target_met_is_said_and_a_budget_naming_no_built_binary_is_an_error() {
    let scratch = Scratch::new("size-budget-own");
    let budget = scratch.path("budget.txt");
    std::fs::write(&budget, "# a comment\n\nsmall 1000 500\n").expect("budget");
    let sizes = scratch.path("sizes.txt");
    std::fs::write(&sizes, "small 400\nother 99999999\n").expect("sizes");
    let (code, text) = check(&sizes, &budget, 0);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("small is 400 bytes, within its ceiling 1000 (target 500 met"),
        "{text}"
    );
    assert!(
        !text.contains("other"),
        "binaries without a budget are not judged: {text}"
    );

    std::fs::write(&sizes, "other 1\n").expect("sizes");
    let (code, text) = check(&sizes, &budget, 0);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no binary of"), "{text}");
}

#[test]
fn a_router_binary_over_its_ceiling_is_explained_crate_by_crate() {
    let scratch = Scratch::new("size-budget-crates");
    let budget = scratch.path("budget.txt");
    std::fs::write(&budget, "euiccd-mipsel-unknown-linux-musl-nosim 1000 -\n").expect("budget");
    let sizes = scratch.path("sizes.txt");
    std::fs::write(&sizes, "euiccd-mipsel-unknown-linux-musl-nosim 1500\n").expect("sizes");
    let recorded = scratch.path("recorded.txt");
    let env = [("EUICCD_SIZE_CRATES", recorded.as_path())];

    // Without a table of the build, the check says how to get one.
    std::fs::write(&recorded, "mipsel-unknown-linux-musl redb 300\n").expect("recorded");
    let (code, text) = check_with(&sizes, &budget, 0, &env);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("run scripts/size-crates.sh mipsel-unknown-linux-musl"),
        "{text}"
    );

    // The recorded table (other targets' lines are not this binary's) against the build's own.
    std::fs::write(
        &recorded,
        "mipsel-unknown-linux-musl euiccd 1000\nmipsel-unknown-linux-musl redb 300\n\
         mipsel-unknown-linux-musl gone 50\naarch64-unknown-linux-musl euiccd 9\n",
    )
    .expect("recorded");
    std::fs::write(
        scratch.path("crates-mipsel-unknown-linux-musl.txt"),
        "euiccd 1400\nredb 300\nnewcomer 80\n.text 1780\n",
    )
    .expect("current");
    let (code, text) = check_with(&sizes, &budget, 0, &env);
    assert_eq!(code, 1, "{text}");
    let growth: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("  "))
        .map(str::trim_start)
        .collect();
    let names: Vec<&str> = growth
        .iter()
        .map(|line| line.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [".text", "euiccd", "newcomer", "gone"],
        "biggest growth first, unchanged crates left out: {text}"
    );
    assert!(growth[1].contains("+400  (1000 -> 1400)"), "{text}");
    assert!(growth[2].contains("+80  (0 -> 80)"), "{text}");
    assert!(growth[3].contains("-50  (50 -> 0)"), "{text}");
}

#[test]
fn a_compressed_size_is_measured_from_the_binary_beside_the_sizes() {
    let scratch = Scratch::new("size-budget-xz");
    // 10,000 bytes that xz cannot shrink (a linear congruential sequence's high bytes).
    let mut state = 1u32;
    let bytes: Vec<u8> = (0..10_000)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect();
    std::fs::write(scratch.path("router"), &bytes).expect("binary");
    let sizes = scratch.path("sizes.txt");
    std::fs::write(&sizes, "router 10000\n").expect("sizes");
    let budget = scratch.path("budget.txt");

    std::fs::write(&budget, "router.xz 20000 5000\n").expect("budget");
    let (code, text) = check(&sizes, &budget, 0);
    assert_eq!(code, 0, "{text}");
    let packed: u64 = text
        .split_whitespace()
        .nth(3)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a size in {text}"));
    assert!(
        (10_000..10_200).contains(&packed),
        "xz of incompressible bytes: {text}"
    );
    assert!(text.contains("target 5000 missed"), "{text}");

    std::fs::write(&budget, "router.xz 1000 -\n").expect("budget");
    let (code, text) = check(&sizes, &budget, 0);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("over its ceiling 1000"), "{text}");
}
