//! JUnit XML, the test report CI systems know how to show, written with `quick-junit`.
//!
//! One `<testsuite>` per exercise and one `<testcase>` per check, with classname
//! `exercise.step` and the check's name. Verdicts map to:
//!
//! | verdict | element |
//! |---|---|
//! | `pass` | none |
//! | `fail`, `timeout`, `crash` | `<failure type="…">` with the message, the output and the hint |
//! | `todo` | `<failure type="todo">`: a step not started must never look passed, nor skipped (which CI shows as fine) |
//! | `compile-error` | `<error type="compile-error">`; the whole compiler message is the suite's `<system-err>` |
//! | `skipped` | `<skipped message="reason"/>` |
//!
//! Points are `<properties>` of every suite and case. A parser reads the line breaks of an
//! attribute as spaces, so the `message` attribute is the message on one line; the element's
//! text holds it as written, followed by the evidence.

use super::text::clean;
use super::{CheckReport, ExerciseReport, Report, Status};
use crate::error::{Error, Result, Stage};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::fmt::Write;
use std::time::Duration;

pub fn render(report: &Report) -> Result<String> {
    let mut junit = quick_junit::Report::new(text(&report.course));
    let mut seconds = 0.0;
    for ex in &report.exercises {
        let suite = suite(ex);
        seconds += suite.time.map_or(0.0, |t| t.as_secs_f64());
        junit.add_test_suite(suite);
    }
    junit.set_time(Duration::from_secs_f64(seconds));
    junit
        .to_string()
        .map_err(|e| Error::new(Stage::Report, format!("cannot write the JUnit report: {e}")))
}

fn suite(ex: &ExerciseReport) -> TestSuite {
    let mut suite = TestSuite::new(text(&ex.name));
    for (name, value) in [
        ("title", ex.title.clone()),
        ("status", ex.status.as_str().to_owned()),
        ("points", ex.points.to_string()),
        ("max_points", ex.max_points.to_string()),
        ("book", ex.book.clone()),
    ] {
        suite.add_property(Property::new(name, text(&value)));
    }
    suite.add_test_cases(ex.checks.iter().map(|check| case(ex, check)));
    let seconds: f64 = ex.checks.iter().map(|c| c.seconds).sum();
    suite.set_time(Duration::from_secs_f64(seconds));
    if let Some(error) = &ex.compile_error {
        suite.set_system_err(text(error));
    }
    if !ex.flagged.is_empty() {
        suite.set_system_err(text(&ex.flagged.join("\n")));
    }
    suite
}

fn case(ex: &ExerciseReport, check: &CheckReport) -> TestCase {
    let status = match check.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(one_line(&check.message));
            status
        }
        Status::CompileError => {
            let first = ex.first_compile_error().unwrap_or_default();
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(one_line(&check.message))
                .set_type("compile-error")
                .set_description(text(first));
            status
        }
        Status::Flagged => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(one_line(&check.message))
                .set_type("flagged")
                .set_description(text(&ex.flagged.join("\n")));
            status
        }
        Status::Fail | Status::Timeout | Status::Crash | Status::Todo => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(one_line(&check.message))
                .set_type(check.status.as_str())
                .set_description(text(&explanation(check)));
            status
        }
    };
    let check_name = check.name.rsplit("::").next().unwrap_or(&check.name);
    let mut case = TestCase::new(text(check_name), status);
    case.set_classname(text(&format!("{}.{}", ex.name, check.step)))
        .set_time(Duration::from_secs_f64(check.seconds));
    for (name, value) in [
        ("kind", check.kind.to_owned()),
        ("points", check.points.to_string()),
        ("max_points", check.max_points.to_string()),
    ] {
        case.add_property(Property::new(name, value));
    }
    case
}

/// The body of a `<failure>`: everything a learner would need to act without the grader.
fn explanation(check: &CheckReport) -> String {
    let mut text = check.message.clone();
    if !check.details.is_empty() && check.status != Status::Todo {
        let _ = write!(text, "\n\noutput:\n{}", check.details.trim_end());
    }
    let _ = write!(
        text,
        "\n\nhint:  {}\nread:  {}\ncheck: {}",
        check.hint, check.book, check.source
    );
    text
}

/// `text` without what XML forbids. (`quick-junit` drops control characters, and leaves
/// the non-characters U+FFFE and U+FFFF, which XML forbids too.)
fn text(text: &str) -> String {
    clean(text).into_owned()
}

/// `text` on one line, its words separated by single spaces.
fn one_line(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    clean(&words.join(" ")).into_owned()
}
