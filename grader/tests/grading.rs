//! The real course: the stubs grade `todo`, the solutions `pass`, and nothing the learner
//! owns is touched.

mod common;

use common::{fingerprint, grade, grader, repo};

#[test]
fn stubs_grade_todo_and_exit_1_without_touching_the_exercises() {
    let before = fingerprint(&repo().join("exercises"));
    let graded = grade(grader(), &[]);
    assert_eq!(graded.code, 1, "{}", graded.stderr);
    let checks = graded.checks();
    assert!(checks.len() >= 12, "only {} checks", checks.len());
    for (name, (status, message)) in &checks {
        assert_eq!(
            status, "todo",
            "stub check {name}: {message}\n(this test grades exercises/ in place and expects \
             the untouched stubs; run it on a clean checkout)"
        );
    }
    for ex in graded.json["exercises"].as_array().unwrap() {
        assert_eq!(ex["status"], "todo");
        assert_eq!(ex["points"], 0);
    }
    assert_eq!(graded.json["summary"]["passed"], 0);
    assert_eq!(
        graded.json["summary"]["todo"],
        graded.json["summary"]["total"]
    );
    assert_eq!(graded.json["source"], "exercises");
    assert_eq!(
        before,
        fingerprint(&repo().join("exercises")),
        "grading changed exercises/"
    );
}

#[test]
fn solutions_pass_every_check_and_exit_0() {
    let before = fingerprint(&repo().join("solutions"));
    let graded = grade(grader(), &["--solutions"]);
    // A check that cannot measure on this machine right now (two_workers_faster with no
    // second core free, an order check held up in every run) skips through
    // `testkit::record::skip_on_this_machine`, whose reason says "this machine"; it judged
    // nothing, so it stands for a pass here.
    let failing: Vec<_> = graded
        .checks()
        .into_iter()
        .filter(|(_, (status, message))| {
            status != "pass" && !(status == "skipped" && message.contains("this machine"))
        })
        .collect();
    assert!(failing.is_empty(), "solutions failing: {failing:#?}");
    assert_eq!(graded.code, 0);
    let summary = &graded.json["summary"];
    let skipped = summary["skipped"].as_u64().unwrap_or(0);
    assert_eq!(
        summary["passed"].as_u64().unwrap() + skipped,
        summary["total"].as_u64().unwrap()
    );
    if skipped == 0 {
        assert_eq!(summary["points"], summary["max_points"]);
    }
    assert!(summary["max_points"].as_u64().unwrap() > 0);
    assert_eq!(
        before,
        fingerprint(&repo().join("solutions")),
        "grading changed solutions/"
    );
}

#[test]
fn json_report_has_the_documented_shape() {
    let graded = grade(grader(), &["threads"]);
    let report = &graded.json;
    for key in ["passed", "total", "points", "max_points"] {
        assert!(report["summary"][key].is_u64(), "summary.{key}");
    }
    let exercise = &report["exercises"][0];
    assert_eq!(exercise["name"], "threads");
    assert!(exercise["status"].is_string());
    let check = &exercise["checks"][0];
    for key in ["name", "kind", "status", "message", "hint", "book"] {
        assert!(check[key].is_string(), "check.{key} in {check}");
    }
    assert!(check["points"].is_u64() && check["max_points"].is_u64());
    let kinds: std::collections::BTreeSet<&str> = exercise["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for kind in ["snapshot", "timing", "structural", "resource"] {
        assert!(
            kinds.contains(kind),
            "no {kind} check in threads: {kinds:?}"
        );
    }
}

#[test]
fn one_exercise_in_full_detail_and_plain_when_piped() {
    let output = grader().arg("threads").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in piped output:\n{text}"
    );
    assert!(
        text.contains("todo          results_in_given_order"),
        "{text}"
    );
    // Full detail: every unstarted step with its hint and book section.
    assert!(text.contains("hint:  Spawn every thread first"), "{text}");
    assert!(
        text.contains("read:  book/src/threads.md#step-1-run-tasks-concurrently"),
        "{text}"
    );
    let threads = &common::course()["exercise"][0];
    let steps = threads["step"].as_array().unwrap();
    let (checks, points): (usize, i64) = steps
        .iter()
        .flat_map(|s| s["check"].as_array().unwrap())
        .fold((0, 0), |(n, p), c| {
            (n + 1, p + c["points"].as_integer().unwrap())
        });
    assert!(
        text.contains(&format!(
            "0/{checks} checks passed, {checks} todo; 0/{points} points"
        )),
        "{text}"
    );
    // Unstarted steps are summarized once per step, not once per check.
    let pool = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("pool"))
        .unwrap();
    let in_pool = pool["check"].as_array().unwrap().len();
    assert!(
        text.contains(&format!(
            "step pool: A thread pool ({in_pool} checks not started)"
        )),
        "{text}"
    );
    assert!(
        text.contains("Next: threads / tasks::results_in_given_order"),
        "{text}"
    );
}
