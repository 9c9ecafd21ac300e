//! Turning verdicts into the report: one entry per check, in course order, with its
//! points, hint and book section.

use super::build::Build;
use super::diagnosis;
use super::snapshot;
use super::stuck::Stuck;
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
    let graded: Vec<(CheckReport, Option<Origin>, Option<Stuck>)> = ex
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
            let (origin, stuck) = (verdict.origin.clone(), verdict.stuck.clone());
            (
                check_report(course, ex, step, check, verdict, seconds),
                origin,
                stuck,
            )
        })
        .collect();
    let book = course.book_link(&ex.book);
    let paired: Vec<_> = graded
        .iter()
        .map(|(c, o, s)| (c, o.as_ref(), s.as_ref()))
        .collect();
    let diagnoses = diagnosis::diagnose(&paired, course, ex);
    let checks: Vec<CheckReport> = graded.into_iter().map(|(check, ..)| check).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{Ending, Run};
    use std::time::Duration;

    /// What a check of 02-callbacks printed when its snapshot differed, as the snapshot
    /// library prints it outside the grader too (with its advice to update snapshots).
    const SNAPSHOT_DIFFERED: &str = r#"
running 1 test
test blocking::panics_become_errors ... testkit: the check panics on purpose next, in thread 'loop-worker-0' (30909)

thread 'loop-worker-0' (30909) panicked at grader/checks/02-callbacks/tests/checks/blocking.rs:280:39:
the disk is on fire
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
testkit: the check panics on purpose next, in thread 'loop-worker-0' (30910)

thread 'loop-worker-0' (30910) panicked at grader/checks/02-callbacks/tests/checks/blocking.rs:285:39:
disk 2 is on fire
testkit: the check panics on purpose next, in thread 'blocking::panics_become_errors' (30908)

thread 'blocking::panics_become_errors' (30908) panicked at grader/checks/02-callbacks/tests/checks/blocking.rs:290:35:
a callback gave up
testkit: the check panics on purpose next, in thread 'blocking::panics_become_errors' (30908)

thread 'blocking::panics_become_errors' (30908) panicked at grader/checks/02-callbacks/tests/checks/blocking.rs:299:35:
callback 2 gave up
testkit: the check panics on purpose next, in thread 'blocking::panics_become_errors' (30908)

thread 'blocking::panics_become_errors' (30908) panicked at grader/checks/02-callbacks/tests/checks/blocking.rs:302:40:
then gave up
━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ Snapshot Summary ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
Snapshot: panics_become_errors
Source: grader/checks/02-callbacks/tests/checks/blocking.rs:309
────────────────────────────────────────────────────────────────────────────────
Expression: all.iter().map(shown).collect::<Vec<_>>().join("\n")
────────────────────────────────────────────────────────────────────────────────
-old snapshot
+new results
────────────┬───────────────────────────────────────────────────────────────────
    1     1 │ WorkPanicked("the disk is on fire") / blocking work panicked: the disk is on fire
    2       │-WorkPanicked("disk 2 is on fire") / blocking work panicked: disk 2 is on fire
          2 │+WorkPanicked("<non-string panic>") / blocking work panicked: <non-string panic>
    3     3 │ CallbackPanicked("a callback gave up") / a callback panicked: a callback gave up
    4       │-CallbackPanicked("callback 2 gave up") / a callback panicked: callback 2 gave up
          4 │+CallbackPanicked("<non-string panic>") / a callback panicked: <non-string panic>
    5     5 │ CallbackPanicked("then gave up") / a callback panicked: then gave up
────────────┴───────────────────────────────────────────────────────────────────
To update snapshots run `cargo insta review`
Stopped on the first failure. Run `cargo insta test` to run all snapshots.

thread 'blocking::panics_become_errors' (30908) panicked at /home/learner/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/insta-1.49.0/src/runtime.rs:734:13:
snapshot assertion for 'panics_become_errors' failed in line 309
FAILED

failures:

failures:
    blocking::panics_become_errors

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 29 filtered out; finished in 0.13s

"#;

    #[test]
    fn no_report_format_passes_on_the_snapshot_tools_advice() {
        let v = verdict::classify(
            &Run {
                ending: Ending::Exited(101),
                output: SNAPSHOT_DIFFERED.into(),
                record: None,
                elapsed: Duration::from_millis(10),
                out_of_memory: None,
                stacks: None,
            },
            "blocking::panics_become_errors",
            None,
        );
        assert_eq!(v.status, Status::Fail);
        assert_eq!(v.message, verdict::SNAPSHOT_DIFFERS);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let course = Course::load(&root).unwrap();
        let ex = course.exercise("callbacks").unwrap();
        let (step, check) = ex
            .checks()
            .find(|(s, c)| s.test_name(c) == "blocking::panics_become_errors")
            .unwrap();
        let check = check_report(&course, ex, step, check, v, 0.1);
        // The snapshot's own header says where the check asserted it.
        assert_eq!(
            check.source,
            "grader/checks/02-callbacks/tests/checks/blocking.rs:309"
        );
        let report = crate::report::testing::report(vec![check], Vec::new());
        let style = crate::ui::Style::PLAIN;
        let formats = [
            ("human", crate::report::human::render(&report, &style, true)),
            ("json", serde_json::to_string_pretty(&report).unwrap()),
            (
                "junit",
                // Read as XML text, not as its escapes.
                crate::report::junit::render(&report)
                    .unwrap()
                    .replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            ),
            ("markdown", crate::report::markdown::render(&report)),
            (
                "gradescope",
                crate::report::gradescope::render(&report).unwrap(),
            ),
        ];
        for (format, text) in formats {
            for advice in ["insta", "INSTA", "update snapshots", "review", "Stopped on"] {
                assert!(!text.contains(advice), "{format} says {advice:?}:\n{text}");
            }
            for ours in [snapshot::IN_OUR_WORDS, "-expected", "+got"] {
                assert!(text.contains(ours), "{format} lacks {ours:?}:\n{text}");
            }
            // The panics the scenario raised are evidence, marked as such.
            assert!(
                text.contains("[raised on purpose by the check]"),
                "{format}:\n{text}"
            );
        }
    }
}
