//! `grader dev mutants` through the binary, on a small fixed sample of each covered
//! exercise's mutants: cargo-mutants lists them, each is graded as a submission, and none of
//! the sample survives unexplained. (The full run is the instructor chapter's command.)

mod common;

use common::{grader, repo};
use serde_json::Value;

/// The exercises whose mutants must all be caught or explained.
const COVERED: &[&str] = &[
    "threads",
    "callbacks",
    "epoll",
    "green-threads",
    "futures",
    "runtime",
    "multi-thread",
];

#[test]
fn a_sample_of_each_exercises_mutants_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    for exercise in COVERED {
        let json = dir.path().join(format!("{exercise}.json"));
        let output = grader()
            .args([
                "--timeout",
                "5",
                "dev",
                "mutants",
                exercise,
                "--sample",
                "3",
                "--json",
            ])
            .arg(&json)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{exercise}: a sampled mutant survived, or the command failed:\n{stdout}\n{stderr}"
        );
        let results: Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let result = &results[0];
        assert_eq!(result["exercise"], *exercise);
        assert!(result["generated"].as_u64().unwrap() > 10, "{result}");
        assert_eq!(result["graded"], 3, "{result}");
        assert_eq!(result["survived"], 0, "{result}");
        let mutants = result["mutants"].as_array().unwrap();
        assert_eq!(mutants.len(), 3);
        for mutant in mutants {
            let outcome = mutant["outcome"].as_str().unwrap();
            assert!(
                ["killed", "timed-out", "unviable", "equivalent"].contains(&outcome),
                "{mutant}"
            );
            if outcome == "killed" || outcome == "timed-out" {
                assert!(
                    !mutant["caught_by"].as_array().unwrap().is_empty(),
                    "{mutant}"
                );
            }
        }
        assert!(
            stdout.contains(exercise),
            "the summary names {exercise}:\n{stdout}"
        );
    }
}

#[test]
fn listing_needs_no_grading_and_names_every_mutant_with_its_diff() {
    let output = grader()
        .args(["dev", "mutants", "threads", "--list", "--shard", "1/4"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("exercises/01-threads/src/"), "{text}");
    assert!(text.contains("\n+++ "), "no diff in:\n{text}");
    // The shard holds every fourth mutant, starting at the second.
    let first = text.lines().next().unwrap_or_default().trim_start();
    assert!(first.starts_with("1 "), "{first}");
    assert!(repo().join("grader/mutants/equivalent.toml").is_file());
}
