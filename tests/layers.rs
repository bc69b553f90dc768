//! The crate layers ARCHITECTURE.md draws, checked on the dependency graph cargo resolves: the codec depends on
//! none of our crates, the sans-IO core on no runtime, socket or file API, the simulators on nothing of the
//! product, and the product on the simulators only through the `sim` feature. A new arrow that breaks a layer
//! fails here, not in a review.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Crates that bring an async runtime, sockets or an event loop: never in the sans-IO core.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "hyper",
    "tokio-serial",
    "serialport",
];

/// The normal (non-dev, non-build) dependency graph of the workspace, by package name, as resolved with
/// `args` (e.g. `--features sim`).
fn graph(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut graph = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| names[d["pkg"].as_str().unwrap()].to_string())
            .collect::<BTreeSet<_>>();
        graph
            .entry(names[node["id"].as_str().unwrap()].to_string())
            .or_insert_with(BTreeSet::new)
            .extend(deps);
    }
    graph
}

/// Every crate `root` reaches through normal dependencies.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_string()];
    while let Some(name) = todo.pop() {
        for dep in graph.get(&name).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                todo.push(dep.clone());
            }
        }
    }
    seen
}

/// The names in `reached` that `forbidden` lists.
fn among<'a>(reached: &BTreeSet<String>, forbidden: &[&'a str]) -> Vec<&'a str> {
    forbidden
        .iter()
        .copied()
        .filter(|f| reached.contains(*f))
        .collect()
}

#[test]
fn every_crate_depends_only_on_the_layers_below_it() {
    let graph = graph(&["--features", "sim"]);
    let ours = ["euiccd", "euiccd-core", "euiccd-sim"];
    assert_eq!(
        among(&reachable(&graph, "euicc-asn1"), &ours),
        Vec::<&str>::new(),
        "the codec depends on none of our crates"
    );
    let core = reachable(&graph, "euiccd-core");
    assert_eq!(among(&core, &["euiccd", "euiccd-sim"]), Vec::<&str>::new());
    assert_eq!(
        among(&core, IO_CRATES),
        Vec::<&str>::new(),
        "the core has no I/O"
    );
    assert_eq!(
        among(&reachable(&graph, "euiccd-sim"), &["euiccd", "euiccd-core"]),
        Vec::<&str>::new(),
        "the simulators are witnesses: they never see the product's code"
    );
    let product = reachable(&graph, "euiccd");
    assert!(product.contains("euiccd-core") && product.contains("euiccd-sim"));
}

#[test]
fn the_product_links_the_simulators_only_with_the_sim_feature() {
    let graph = graph(&[]);
    let product = reachable(&graph, "euiccd");
    assert!(product.contains("euiccd-core"));
    assert!(
        !product.contains("euiccd-sim"),
        "a build without features must not link the simulators"
    );
}

/// The manifests keep the core free of I/O crates; this keeps its source free of the standard library's I/O.
#[test]
fn the_core_source_uses_no_file_socket_or_process_api() {
    let forbidden = [
        "std::fs",
        "std::net::Tcp",
        "std::net::Udp",
        "std::process",
        "tokio::",
    ];
    let mut offenders = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for word in forbidden.iter().filter(|w| text.contains(**w)) {
                    offenders.push(format!("{}: {word}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}
