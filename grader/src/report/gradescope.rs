//! Gradescope's `results.json`: what an autograder's `run_autograder` script leaves in
//! `/autograder/results/results.json`.
//!
//! One test per check, numbered `exercise.check` in course order. A test is `passed`
//! only when its check passed: every other verdict scores 0 and is `failed`, `todo` and
//! `skipped` included, just as the report gives them no points. The format has no
//! top-level maximum (Gradescope adds up the tests' `max_score`), so the report's
//! summary, maximum included, goes into `extra_data`.

use super::text::clean;
use super::{CheckReport, ExerciseReport, FLAGGED_REASON, Report, Status, Summary};
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
struct Results<'a> {
    score: f64,
    output: String,
    /// The grader's own log on stdout is for the instructor; students read the tests.
    stdout_visibility: &'static str,
    extra_data: &'a Summary,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    number: String,
    score: f64,
    max_score: f64,
    status: &'static str,
    output: String,
    visibility: &'static str,
}

pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let tests = report
        .exercises
        .iter()
        .enumerate()
        .flat_map(|(i, ex)| {
            let number = ex.number().unwrap_or(i + 1);
            ex.checks
                .iter()
                .enumerate()
                .map(move |(j, check)| test(ex, number, j + 1, check))
        })
        .collect();
    let results = Results {
        score: f64::from(report.summary.points),
        output: overview(report),
        stdout_visibility: "hidden",
        extra_data: &report.summary,
        tests,
    };
    serde_json::to_string_pretty(&results)
}

fn test(ex: &ExerciseReport, number: usize, index: usize, check: &CheckReport) -> Test {
    let passed = check.status == Status::Pass;
    Test {
        name: format!("{}: {}", ex.name, check.name),
        number: format!("{number}.{index}"),
        score: f64::from(check.points),
        max_score: f64::from(check.max_points),
        status: if passed { "passed" } else { "failed" },
        output: test_output(ex, check),
        visibility: "visible",
    }
}

fn test_output(ex: &ExerciseReport, check: &CheckReport) -> String {
    let clean = |text: &str| clean(text).into_owned();
    let mut out = format!("{} ({} check)", check.status.as_str(), check.kind);
    match check.status {
        Status::Pass => return out,
        Status::CompileError => {
            // The whole message is in the overview above the tests, once.
            let first = ex.first_compile_error().unwrap_or_default();
            let _ = write!(out, "\n\n{}\n\n{}", check.message, clean(first));
        }
        Status::Flagged => {
            // The evidence is in the overview above the tests, once.
            let _ = write!(out, "\n\n{}", clean(&check.message));
            return out;
        }
        _ => {
            if !check.message.is_empty() {
                let _ = write!(out, "\n\n{}", clean(&check.message));
            }
            if !check.details.is_empty() && check.status != Status::Todo {
                let _ = write!(out, "\n\noutput:\n{}", clean(check.details.trim_end()));
            }
        }
    }
    if check.status != Status::Skipped {
        let _ = write!(out, "\n\nhint: {}\nread: {}", check.hint, check.book);
    }
    out
}

/// The text above the tests: the totals and how each exercise went.
fn overview(report: &Report) -> String {
    let mut out = format!("{}: {}.\n", report.course, report.summary.line());
    if let Some(reason) = report.isolation.strip_prefix("off: ") {
        let _ = writeln!(
            out,
            "Isolation off ({reason}): checks ran with network access and could write to the \
             course."
        );
    }
    for ex in &report.exercises {
        let _ = write!(
            out,
            "\n{} ({}): {}, {}/{} points",
            ex.name,
            ex.title,
            ex.status.as_str(),
            ex.points,
            ex.max_points
        );
        if ex.status != Status::Pass {
            let _ = write!(out, "; read {}", ex.book);
        }
    }
    for ex in &report.exercises {
        if !ex.flagged.is_empty() {
            let _ = write!(
                out,
                "\n\n{} is flagged and not graded: {FLAGGED_REASON}. Found:\n{}",
                ex.name,
                clean(&ex.flagged.join("\n"))
            );
        }
        if let Some(error) = &ex.compile_error {
            let _ = write!(
                out,
                "\n\n{} does not compile:\n{}",
                ex.name,
                clean(error.trim_end())
            );
        }
    }
    out
}
