//! Turning verdicts into the report: one entry per check, in course order, with its
//! points, hint and book section.

use super::build::Build;
use super::diagnosis;
use super::snapshot;
use super::verdict::{self, Origin, Verdict};
use crate::course::{Check, Course, Exercise, Step};
use crate::report::{CheckReport, ExerciseReport, Status};

/// Each check's message; the evidence is the exercise's.
const FLAGGED_MESSAGE: &str = "not graded, 0 points: the exercise's code reaches for the \
    grader itself (code run before or after main, a replaced C library function, or the \
    grader's record channel)";

/// One exercise's report, taking its checks' verdicts from `verdicts` when it was built.
pub(super) fn exercise_report(
    course: &Course,
    ex: &Exercise,
    build: &Build,
    verdicts: &mut impl Iterator<Item = (Verdict, f64)>,
) -> ExerciseReport {
    let graded: Vec<(CheckReport, Option<Origin>)> = ex
        .checks()
        .map(|(step, check)| {
            let (verdict, seconds) = match build {
                Build::Built(_) => verdicts.next().expect("one verdict per job"),
                Build::Unsupported(reason) => {
                    (Verdict::without_run(Status::Skipped, reason.clone()), 0.0)
                }
                Build::Failed(_) => (
                    Verdict::without_run(
                        Status::CompileError,
                        "the exercise does not compile (see the compiler's message)",
                    ),
                    0.0,
                ),
                Build::Flagged(_) => (Verdict::without_run(Status::Flagged, FLAGGED_MESSAGE), 0.0),
            };
            let origin = verdict.origin.clone();
            (
                check_report(course, ex, step, check, verdict, seconds),
                origin,
            )
        })
        .collect();
    let book = course.book_link(&ex.book);
    let paired: Vec<_> = graded.iter().map(|(c, o)| (c, o.as_ref())).collect();
    let diagnoses = diagnosis::diagnose(&paired, course, ex);
    let checks: Vec<CheckReport> = graded.into_iter().map(|(check, _)| check).collect();
    let compile_error = match build {
        Build::Failed(text) => Some(text.clone()),
        Build::Built(_) | Build::Unsupported(_) | Build::Flagged(_) => None,
    };
    let flagged = match build {
        Build::Flagged(evidence) => evidence.clone(),
        _ => Vec::new(),
    };
    let mut report = ExerciseReport {
        name: ex.name.clone(),
        title: ex.title.clone(),
        dir: ex.dir.clone(),
        status: ExerciseReport::summarize(&checks, compile_error.is_some()),
        points: checks.iter().map(|c| c.points).sum(),
        max_points: ex.max_points(),
        book,
        compile_error,
        flagged,
        diagnoses,
        next: None,
        checks,
    };
    report.next = report.lead();
    report
}

fn check_report(
    course: &Course,
    ex: &Exercise,
    step: &Step,
    check: &Check,
    verdict: Verdict,
    seconds: f64,
) -> CheckReport {
    let file = format!("{}/{}.rs", ex.checks_rel(), step.name);
    let differs = verdict.status != Status::Pass && verdict.message == verdict::SNAPSHOT_DIFFERS;
    let details = match verdict.status {
        Status::Pass => String::new(),
        _ if differs => snapshot::with_snapshot_source(&verdict.details, &file),
        _ => verdict.details,
    };
    // A snapshot that differs fails inside the snapshot library; its header names the
    // check's line that asserted it.
    let asserted = match differs {
        true => snapshot::assertion_line(&details).map(|n| format!("{file}:{n}")),
        false => None,
    };
    CheckReport {
        name: step.test_name(check),
        step: step.name.clone(),
        step_title: step.title.clone(),
        kind: check.kind.as_str(),
        status: verdict.status,
        points: if verdict.status == Status::Pass {
            check.points
        } else {
            0
        },
        max_points: check.points,
        message: verdict.message,
        cause: verdict.cause,
        // A step not started yet needs the step's hint more than the check's.
        hint: if verdict.status == Status::Todo {
            step.hint.clone()
        } else {
            check.hint.clone()
        },
        book: course.book_link(&step.book),
        source: verdict
            .location
            .or(asserted)
            .unwrap_or_else(|| file.clone()),
        // A pass needs no evidence; keeping it would bloat reports with passing output.
        details,
        seconds: (seconds * 1000.0).round() / 1000.0,
    }
}
