//! `grader bench` and `grader trace`: what they say about unfinished exercises, what
//! they write, the pictures the book shows, and that grading never builds the peers.

mod common;

use common::{grader, repo, run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Parses an SVG the grader wrote.
fn svg(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{}: not SVG: {e}", path.display()));
    text
}

#[test]
fn an_exercise_that_fails_its_checks_is_benched_only_on_request() {
    let out = tempfile::tempdir().unwrap();
    let ran = run(grader().args(["bench", "threads", "--out"]).arg(out.path()));
    assert_eq!(
        ran.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    let course = common::course();
    let threads = course["exercise"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some("threads"))
        .unwrap();
    let checks = common::listed_checks(threads).len();
    assert!(
        ran.stdout.contains(&format!(
            "not benched: 0 of its {checks} checks pass (todo)"
        )) && ran.stdout.contains("grader bench threads --anyway"),
        "{}",
        ran.stdout
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("bench.json")).unwrap())
            .unwrap();
    assert_eq!(json["exercises"][0]["workloads"], Value::Array(Vec::new()));
    svg(&out.path().join("bench.svg"));
}

#[test]
fn a_course_without_bench_programs_is_told_so_not_crashed() {
    let out = tempfile::tempdir().unwrap();
    let ran = run(common::mini_grader()
        .args(["bench", "--anyway", "--out"])
        .arg(out.path()));
    assert_eq!(
        ran.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    assert!(
        ran.stdout
            .contains("not benched: the course has no bench program for it"),
        "{}",
        ran.stdout
    );
    let ran = run(common::mini_grader().args(["trace", "alpha"]));
    assert_eq!(
        ran.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    assert!(
        ran.stderr.contains("has no scenarios for alpha"),
        "{}",
        ran.stderr
    );
}

#[test]
fn benching_a_stub_anyway_reports_each_workload_failed_and_measures_the_others() {
    let out = tempfile::tempdir().unwrap();
    let ran = run(grader()
        .args(["bench", "threads", "--anyway", "--json", "--out"])
        .arg(out.path()));
    assert_eq!(ran.code, 1, "stderr:\n{}", ran.stderr);
    let json: Value = serde_json::from_str(&ran.stdout).unwrap();
    let workloads = json["exercises"][0]["workloads"].as_array().unwrap();
    assert!(workloads.len() >= 2, "{json:#}");
    for w in workloads {
        let rows = w["rows"].as_array().unwrap();
        let by_name: BTreeMap<&str, &Value> = rows
            .iter()
            .map(|r| (r["implementation"].as_str().unwrap(), r))
            .collect();
        assert_eq!(
            by_name["yours"]["failed"]["why"], "panicked: not yet implemented",
            "{w:#}"
        );
        assert!(
            by_name["reference"]["measured"]["value"].as_f64().unwrap() > 0.0,
            "{w:#}"
        );
        assert!(
            rows.len() >= 3,
            "a peer beside yours and the reference: {w:#}"
        );
    }
    // One bar (or "failed") per row, each named after what it measured.
    let picture = svg(&out.path().join("bench.svg"));
    let doc = roxmltree::Document::parse(&picture).unwrap();
    let bars = doc
        .descendants()
        .filter(|n| n.attribute("data-implementation").is_some())
        .count();
    let rows: usize = workloads
        .iter()
        .map(|w| w["rows"].as_array().unwrap().len())
        .sum();
    assert_eq!(bars, rows);
}

/// Per panel, per lane: the kinds of event in the order they were recorded.
type Lanes = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn lanes(picture: &str) -> (Vec<String>, Lanes) {
    let doc = roxmltree::Document::parse(picture).unwrap();
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .take(2)
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect();
    let mut found = Lanes::new();
    for panel in doc
        .descendants()
        .filter(|n| n.attribute("data-panel").is_some())
    {
        let lanes = found
            .entry(panel.attribute("data-panel").unwrap().to_owned())
            .or_default();
        for event in panel
            .descendants()
            .filter(|n| n.attribute("data-kind").is_some())
        {
            lanes
                .entry(event.attribute("data-lane").unwrap().to_owned())
                .or_default()
                .push(event.attribute("data-kind").unwrap().to_owned());
        }
    }
    (texts, found)
}

/// Where each event of a lane starts, left to right.
fn starts(picture: &str, lane: &str, kind: &str) -> Vec<f64> {
    let doc = roxmltree::Document::parse(picture).unwrap();
    doc.descendants()
        .filter(|n| {
            n.attribute("data-lane") == Some(lane) && n.attribute("data-kind") == Some(kind)
        })
        .map(|n| {
            let shape = n.first_element_child().unwrap();
            shape
                .attribute("x")
                .or(shape.attribute("x1"))
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

#[test]
fn a_trace_of_a_stub_shows_why_it_has_no_timeline_beside_the_reference() {
    let out = tempfile::tempdir().unwrap();
    let ran = run(grader()
        .args(["trace", "green-threads", "--out"])
        .arg(out.path()));
    assert_eq!(
        ran.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    let picture = svg(&out.path().join("green-threads-yielding.svg"));
    assert!(
        picture.contains("no timeline: panicked: not yet implemented"),
        "{picture}"
    );
    let (_, found) = lanes(&picture);
    let reference = &found["the reference solution"];
    assert_eq!(reference.len(), 3, "one lane per task: {found:?}");
    // Round robin: every task's n-th run comes before any task's (n+1)-th.
    let runs: Vec<Vec<f64>> = (1..=3)
        .map(|t| starts(&picture, &format!("task {t}"), "run"))
        .collect();
    for round in 0..3 {
        let latest = runs.iter().map(|r| r[round]).fold(f64::MIN, f64::max);
        let next = runs.iter().map(|r| r[round + 1]).fold(f64::MAX, f64::min);
        assert!(latest <= next, "round {round}: {runs:?}");
    }
}

/// The book's timelines, made by `grader trace EXERCISE --solutions --out book/src/img`.
const BOOK_TRACES: &[(&str, &str)] = &[
    ("green-threads", "yielding"),
    ("futures", "join_all"),
    ("runtime", "sleepers"),
];

#[test]
fn the_books_timelines_are_what_the_reference_solutions_draw_now() {
    let out = tempfile::tempdir().unwrap();
    let book = repo().join("book/src/img");
    for (exercise, scenario) in BOOK_TRACES {
        let ran = run(grader()
            .args(["trace", exercise, "--solutions", "--out"])
            .arg(out.path()));
        assert_eq!(
            ran.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            ran.stdout, ran.stderr
        );
        let file = format!("{exercise}-{scenario}.svg");
        let fresh = svg(&out.path().join(&file));
        let shown = svg(&book.join(&file));
        assert_eq!(
            lanes(&shown),
            lanes(&fresh),
            "book/src/img/{file} is out of date: run `cargo run -p grader -- trace \
             {exercise} --solutions --out book/src/img`"
        );
        if *exercise == "runtime" {
            // Each task: polled once to start, woken once by its timer, polled once more.
            for task in 1..=3 {
                let lane = format!("task {task}");
                let polls = starts(&fresh, &lane, "poll");
                let wakes = starts(&fresh, &lane, "wake");
                assert_eq!((polls.len(), wakes.len()), (2, 1), "{lane}");
                assert!(polls[0] < wakes[0] && wakes[0] <= polls[1], "{lane}");
            }
        }
    }
}

#[test]
fn grading_never_builds_a_peer() {
    let peers = ["tokio", "corosensei", "mio"];
    let course = common::course();
    let mut packages = vec!["grader".to_owned()];
    for ex in course["exercise"].as_array().unwrap() {
        let dir = repo()
            .join("grader/checks")
            .join(ex["dir"].as_str().unwrap())
            .join("Cargo.toml");
        let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(dir).unwrap()).unwrap();
        packages.push(manifest["package"]["name"].as_str().unwrap().to_owned());
    }
    for package in &packages {
        let output = Command::new(env!("CARGO"))
            .args([
                "tree",
                "--offline",
                "-e",
                "normal,dev,build",
                "--prefix",
                "none",
                "-p",
            ])
            .arg(package)
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8_lossy(&output.stdout);
        for peer in peers {
            assert!(
                !tree.lines().any(|l| l.starts_with(&format!("{peer} "))),
                "{package} depends on {peer}:\n{tree}"
            );
        }
    }
    // And the peers really are there to find, in the bench program that uses them.
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            "peers-bench",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    let tree = String::from_utf8_lossy(&output.stdout);
    for peer in peers {
        assert!(
            tree.lines().any(|l| l.starts_with(&format!("{peer} "))),
            "{tree}"
        );
    }
}
