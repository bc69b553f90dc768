//! `euiccd demo --json`: a fleet operator's day on the simulated device ends with every step done, in order,
//! in seconds, and without printing the demo order's matching ID.
#![cfg(feature = "sim")]

mod support;

use serde_json::Value;
use std::time::Duration;
use support::Run;

#[test]
fn the_demo_runs_every_step_of_the_day() {
    let run = Run::finished(&["demo", "--json"], Duration::from_secs(60));
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let (summary, steps) = lines.split_last().expect("a summary");
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "bootstrap",
            "download",
            "enable",
            "network",
            "audit",
            "delete",
            "idle"
        ]
    );
    for step in steps {
        assert_eq!(step["ok"], true, "{step}");
        assert!(step["ms"].is_u64(), "{step}");
        assert!(!step["detail"].as_str().unwrap().is_empty());
    }
    assert!(
        steps[2]["detail"]
            .as_str()
            .unwrap()
            .contains("rollbackFlag")
    );
    assert!(steps[3]["detail"].as_str().unwrap().contains("registered"));
    let summary = &summary["summary"];
    assert_eq!(summary["steps"], 7);
    assert_eq!(summary["ok"], 7);
    assert_eq!(summary["enabledProfile"], "8949449999999990031");
    assert_eq!(summary["profiles"], 1);
    assert!(summary["totalMs"].as_u64().unwrap() < 30_000, "{summary}");
    for output in [&run.stdout, &run.stderr] {
        assert!(
            !output.contains("EUICCD-DEMO-1"),
            "the matching ID was printed"
        );
    }
}
