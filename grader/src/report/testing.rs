//! Reports built by hand for the tests of the formats and of what reads reports.

use super::{CheckReport, Diagnosis, ExerciseReport, Report, Summary};
use crate::report::Status;

/// A check of step `s` when named `s::c`, with every text derived from its name.
pub fn check(name: &str, status: Status, message: &str) -> CheckReport {
    CheckReport {
        name: name.into(),
        step: name.split("::").next().unwrap_or_default().into(),
        step_title: "A step".into(),
        kind: "behaviour",
        status,
        points: 0,
        max_points: 1,
        message: message.into(),
        cause: None,
        hint: format!("own hint of {name}"),
        book: "book/x.md#step".into(),
        source: format!("grader/checks/01-x/tests/checks/{name}.rs"),
        details: String::new(),
        seconds: 0.0,
    }
}

/// Exercise `x` (folder `01-x`) with these checks and diagnoses.
pub fn exercise(checks: Vec<CheckReport>, diagnoses: Vec<Diagnosis>) -> ExerciseReport {
    let mut ex = ExerciseReport {
        name: "x".into(),
        title: "X".into(),
        dir: "01-x".into(),
        status: ExerciseReport::summarize(&checks, false),
        points: 0,
        max_points: checks.iter().map(|c| c.max_points).sum(),
        book: "book/x.md".into(),
        compile_error: None,
        flagged: Vec::new(),
        diagnoses,
        next: None,
        checks,
    };
    ex.next = ex.lead();
    ex
}

/// A report of the one exercise [`exercise`] makes.
pub fn report(checks: Vec<CheckReport>, diagnoses: Vec<Diagnosis>) -> Report {
    let exercise = exercise(checks, diagnoses);
    let summary = Summary::of(&exercise.checks);
    Report {
        course: "Course".into(),
        source: "exercises".into(),
        workspace: String::new(),
        isolation: "on".into(),
        memory_limit: "off: test".into(),
        ignored: Vec::new(),
        exercises: vec![exercise],
        summary,
        source_args: String::new(),
    }
}

/// Two checks of `x` that crashed the same way, and the diagnosis that says so.
pub fn shared_crash() -> (Vec<CheckReport>, Diagnosis) {
    const SEGV: &str = "crashed with SIGSEGV: a misaligned stack";
    let checks = vec![
        check("a::one", Status::Crash, SEGV),
        check("a::two", Status::Crash, SEGV),
        check("b::three", Status::Fail, "its own failure"),
    ];
    let diagnosis = Diagnosis {
        cause: format!("2 checks {SEGV}"),
        checks: vec!["a::one".into(), "a::two".into()],
        hint: "one bug crashes them".into(),
        book: "book/x.md".into(),
    };
    (checks, diagnosis)
}
