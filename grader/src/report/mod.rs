//! The grading result, as data, and every format it is written in: for people
//! ([`human`], [`list_view`]), for CI and instructors ([`junit`], [`gradescope`],
//! [`markdown`]); JSON is the model serialized as it is.

pub mod bench;
pub mod gradescope;
pub mod human;
pub mod junit;
pub mod list_view;
pub mod markdown;
pub mod svg;
#[cfg(test)]
pub(crate) mod testing;
mod text;

use serde::Serialize;

/// Why a flagged exercise earns nothing, as every format says it before the evidence.
pub const FLAGGED_REASON: &str =
    "its code reaches for the grader itself instead of only doing the exercise";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    Todo,
    CompileError,
    Timeout,
    Crash,
    Skipped,
    /// Not graded: the code reaches for the grader itself (see the exercise's evidence).
    Flagged,
}

/// How a learner runs the grader; every "run this next" starts with it.
pub const GRADER_COMMAND: &str = "cargo run -p grader --";

impl Status {
    /// Passed, or not graded here (skipped): nothing left to do.
    pub fn is_done(self) -> bool {
        matches!(self, Status::Pass | Status::Skipped)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Todo => "todo",
            Status::CompileError => "compile-error",
            Status::Timeout => "timeout",
            Status::Crash => "crash",
            Status::Skipped => "skipped",
            Status::Flagged => "flagged",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub course: String,
    /// Which implementation was graded: `exercises`, `solutions` or `submission DIR`.
    pub source: String,
    /// The workspace the checks were built in (the course, or an overlay of it).
    pub workspace: String,
    /// `on` when checks ran in namespaces of their own (no network, the course
    /// read-only, the answers hidden), else `off: <why>`.
    pub isolation: String,
    /// `N MiB` when each check had that memory limit, else `off: <why>`.
    pub memory_limit: String,
    /// Files of a submission outside the graded surface (`exercises/*/src/**`), which
    /// were not used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    pub exercises: Vec<ExerciseReport>,
    pub summary: Summary,
    /// The grader arguments that choose the same source again (for "run this next").
    #[serde(skip)]
    pub source_args: String,
}

#[derive(Debug, Serialize)]
pub struct ExerciseReport {
    pub name: String,
    pub title: String,
    pub dir: String,
    /// `pass`, `fail`, `todo`, `compile-error`, `skipped` or `flagged`.
    pub status: Status,
    pub points: u32,
    pub max_points: u32,
    pub book: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compile_error: Option<String>,
    /// Why the exercise was not graded: what its code does to reach for the grader (run
    /// code before `main`, replace a C library function, name the record channel), each
    /// with where it was found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flagged: Vec<String>,
    /// Causes found behind failing checks, in course order: those checks named, and those
    /// several share. One bug often breaks many checks, and each check's own hint would
    /// then point elsewhere.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<Diagnosis>,
    /// What to fix first, as the human report leads with it: the cause of the diagnosis
    /// that explains the next check, else that check's name and first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub checks: Vec<CheckReport>,
}

/// One cause behind one or more failing checks.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// What most likely went wrong, in words.
    pub cause: String,
    /// The checks it explains (`<step>::<check>`), in course order.
    pub checks: Vec<String>,
    pub hint: String,
    pub book: String,
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// `<step>::<check>`, the name the harness knows it by.
    pub name: String,
    pub step: String,
    pub step_title: String,
    pub kind: &'static str,
    pub status: Status,
    pub points: u32,
    pub max_points: u32,
    pub message: String,
    /// The cause the check named for its failure (`[[exercise.cause]]` in `course.toml`),
    /// when it could tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    pub hint: String,
    pub book: String,
    /// Where the check is defined.
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub details: String,
    pub seconds: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub passed: usize,
    /// Checks that failed, timed out, crashed, did not compile or were flagged.
    pub failed: usize,
    /// Checks whose code is not written yet.
    pub todo: usize,
    pub skipped: usize,
    pub total: usize,
    pub points: u32,
    pub max_points: u32,
}

impl ExerciseReport {
    /// The exercise's overall status from its checks': `fail` as soon as anything is
    /// broken, `todo` while steps remain unstarted and nothing is broken.
    pub fn summarize(checks: &[CheckReport], compile_error: bool) -> Status {
        let all = |s: &[Status]| checks.iter().all(|c| s.contains(&c.status));
        if checks.iter().any(|c| c.status == Status::Flagged) {
            Status::Flagged
        } else if compile_error {
            Status::CompileError
        } else if all(&[Status::Skipped]) {
            Status::Skipped
        } else if all(&[Status::Pass, Status::Skipped]) {
            Status::Pass
        } else if all(&[Status::Pass, Status::Todo, Status::Skipped]) {
            Status::Todo
        } else {
            Status::Fail
        }
    }
}

impl Summary {
    /// The counts of `checks`.
    pub fn of<'a>(checks: impl IntoIterator<Item = &'a CheckReport>) -> Summary {
        let mut summary = Summary::default();
        for check in checks {
            summary.total += 1;
            summary.max_points += check.max_points;
            summary.points += check.points;
            match check.status {
                Status::Pass => summary.passed += 1,
                Status::Skipped => summary.skipped += 1,
                Status::Todo => summary.todo += 1,
                _ => summary.failed += 1,
            }
        }
        summary
    }

    /// `3/6 checks passed, 1 failing, 1 todo, 1 skipped; 15/22 points`: the line every
    /// report and screen gives the totals in.
    pub fn line(&self) -> String {
        let mut line = format!("{}/{} checks passed", self.passed, self.total);
        for (n, what) in [
            (self.failed, "failing"),
            (self.todo, "todo"),
            (self.skipped, "skipped"),
        ] {
            if n > 0 {
                line.push_str(&format!(", {n} {what}"));
            }
        }
        format!("{line}; {}/{} points", self.points, self.max_points)
    }
}

impl ExerciseReport {
    pub fn summary(&self) -> Summary {
        Summary::of(&self.checks)
    }

    /// The compiler's first diagnostic, when the exercise does not compile.
    pub fn first_compile_error(&self) -> Option<&str> {
        let error = self.compile_error.as_deref()?;
        Some(error.split("\n\n").next().unwrap_or(error))
    }

    /// The number its folder starts with (`3` of `03-epoll`).
    pub fn number(&self) -> Option<usize> {
        self.dir.split('-').next()?.parse().ok()
    }

    /// The diagnosis that explains `check`, if there is one.
    pub fn diagnosis_of(&self, check: &CheckReport) -> Option<&Diagnosis> {
        self.numbered_diagnosis_of(check).map(|(_, d)| d)
    }

    /// [`ExerciseReport::diagnosis_of`] with its number among the diagnoses, from 1, as
    /// reports show them.
    pub fn numbered_diagnosis_of(&self, check: &CheckReport) -> Option<(usize, &Diagnosis)> {
        self.diagnoses
            .iter()
            .enumerate()
            .find(|(_, d)| d.checks.contains(&check.name))
            .map(|(i, d)| (i + 1, d))
    }

    /// The text of [`ExerciseReport::next`], from the checks and diagnoses.
    pub fn lead(&self) -> Option<String> {
        let check = self.next_check()?;
        Some(match self.diagnosis_of(check) {
            Some(diagnosis) => first_line(&diagnosis.cause).to_owned(),
            None if check.message.is_empty() => check.name.clone(),
            None => format!("{}: {}", check.name, first_line(&check.message)),
        })
    }

    /// What to work on next: in the first step not done, its most basic broken check (a
    /// later step's failures may well come from it; a timeout says least, so it comes
    /// after the others), else its first check not started.
    pub fn next_check(&self) -> Option<&CheckReport> {
        let step = self
            .checks
            .chunk_by(|a, b| a.step == b.step)
            .find(|step| step.iter().any(|c| !c.status.is_done()))?;
        let unfinished = || step.iter().filter(|c| !c.status.is_done());
        unfinished()
            .filter(|c| c.status != Status::Todo)
            .min_by_key(|c| (c.status == Status::Timeout, basicness(c.kind)))
            .or_else(|| unfinished().next())
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// How basic a kind of check is, most basic first: whether the code does its job comes
/// before its structure, its pitfalls, the resources it uses and its timing, and a
/// failure of it is the likelier root of the others.
fn basicness(kind: &str) -> usize {
    const ORDER: [&str; 6] = [
        "behaviour",
        "snapshot",
        "structural",
        "pitfall",
        "resource",
        "timing",
    ];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

impl Report {
    pub fn summarize(exercises: &[ExerciseReport]) -> Summary {
        Summary::of(exercises.iter().flat_map(|e| &e.checks))
    }

    /// True when every graded check passed (skipped ones are not graded).
    pub fn all_passed(&self) -> bool {
        self.summary.failed == 0 && self.summary.todo == 0
    }

    /// The first exercise not done, and in it the check to work on next.
    pub fn first_unfinished(&self) -> Option<(&ExerciseReport, &CheckReport)> {
        self.exercises
            .iter()
            .find_map(|ex| ex.next_check().map(|c| (ex, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Status) -> CheckReport {
        CheckReport {
            name: "s::c".into(),
            step: "s".into(),
            step_title: "S".into(),
            kind: "behaviour",
            status,
            points: 0,
            max_points: 1,
            message: String::new(),
            cause: None,
            hint: String::new(),
            book: String::new(),
            source: String::new(),
            details: String::new(),
            seconds: 0.0,
        }
    }

    #[test]
    fn the_totals_line_names_only_what_there_is() {
        use Status::*;
        let checks: Vec<_> = [Pass, Fail, Todo, Skipped, Crash]
            .iter()
            .map(|s| check(*s))
            .collect();
        assert_eq!(
            Summary::of(&checks).line(),
            "1/5 checks passed, 2 failing, 1 todo, 1 skipped; 0/5 points"
        );
        assert_eq!(
            Summary::of(&checks[..1]).line(),
            "1/1 checks passed; 0/1 points"
        );
    }

    #[test]
    fn next_is_the_most_basic_broken_check_of_the_first_step_not_done() {
        use Status::*;
        let with = |step: &str, kind: &'static str, status: Status, name: &str| CheckReport {
            name: name.into(),
            step: step.into(),
            kind,
            ..check(status)
        };
        let report = |checks| testing::exercise(checks, Vec::new());
        let ex = report(vec![
            with("one", "behaviour", Pass, "a"),
            with("two", "behaviour", Timeout, "a2"),
            with("two", "pitfall", Fail, "b"),
            with("two", "timing", Timeout, "c"),
            with("two", "behaviour", Crash, "d"),
            with("two", "behaviour", Fail, "e"),
            with("three", "behaviour", Fail, "f"),
        ]);
        assert_eq!(ex.next_check().map(|c| c.name.as_str()), Some("d"));
        assert_eq!(ex.lead().as_deref(), Some("d"));
        let mut ex = ex;
        ex.checks[4].message = "crashed with SIGSEGV: a bad pointer\nmore".into();
        assert_eq!(
            ex.lead().as_deref(),
            Some("d: crashed with SIGSEGV: a bad pointer")
        );
        ex.diagnoses = vec![Diagnosis {
            cause: "2 checks crashed with SIGSEGV: a bad pointer".into(),
            checks: vec!["d".into(), "f".into()],
            hint: String::new(),
            book: String::new(),
        }];
        assert_eq!(
            ex.lead().as_deref(),
            Some("2 checks crashed with SIGSEGV: a bad pointer")
        );
        let ex = report(vec![
            with("one", "behaviour", Pass, "a"),
            with("two", "behaviour", Todo, "b"),
            with("two", "timing", Todo, "c"),
        ]);
        assert_eq!(ex.next_check().map(|c| c.name.as_str()), Some("b"));
        let ex = report(vec![with("one", "behaviour", Pass, "a")]);
        assert!(ex.next_check().is_none());
    }

    #[test]
    fn exercise_status_from_its_checks() {
        use Status::*;
        let cases: &[(&[Status], bool, Status)] = &[
            (&[Pass, Pass], false, Pass),
            (&[Pass, Skipped], false, Pass),
            (&[Todo, Todo], false, Todo),
            (&[Pass, Todo], false, Todo),
            (&[Pass, Todo, Fail], false, Fail),
            (&[Pass, Timeout], false, Fail),
            (&[Crash], false, Fail),
            (&[Skipped], false, Skipped),
            (&[CompileError], true, CompileError),
            (&[Flagged, Flagged], false, Flagged),
        ];
        for (statuses, compile_error, want) in cases {
            let checks: Vec<_> = statuses.iter().map(|s| check(*s)).collect();
            assert_eq!(
                ExerciseReport::summarize(&checks, *compile_error),
                *want,
                "{statuses:?}"
            );
        }
    }
}
