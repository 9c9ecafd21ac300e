//! `grader hint NAME`: the hint for where the learner is in an exercise (after grading
//! it), or the hints of one step or check of the course (without grading anything).

use super::Settings;
use crate::course::{Check, Course, Exercise, Step};
use crate::error::{Error, Result, Stage};
use crate::grading::{self, Options};
use crate::report::{CheckReport, ExerciseReport, GRADER_COMMAND, Status};
use crate::ui::text::{counted, indent, shorten_lines};
use crate::ui::{Progress, Style};
use crate::workspace::Source;
use std::fmt::Write;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// An exercise (`threads`, `01-threads` or `1`): grades it and shows the hint for the
    /// first thing left to do. A check or step (`scoped::edge_cases`,
    /// `threads::scoped::edge_cases`, `edge_cases`, `threads::scoped`): shows its hints
    /// without grading.
    #[arg(value_name = "EXERCISE|CHECK")]
    pub name: String,
}

const STAGE: Stage = Stage::Command("hint");

/// Lines of a failure's message shown with its hint; the full text is one grading away.
const MESSAGE_LINES: usize = 8;

pub fn run(course: &Course, args: &Args, settings: &Settings) -> Result<bool> {
    let style = Style::for_stdout();
    if let Some(ex) = course.find(&args.name) {
        let options = Options {
            source: Source::InPlace,
            only: Some(ex.name.clone()),
            timeout: settings.timeout,
            jobs: settings.jobs,
        };
        let report = grading::grade(course, &options, &Progress::new(true))?;
        let graded = report
            .exercises
            .first()
            .ok_or_else(|| Error::new(STAGE, format!("grading {} reported nothing", ex.name)))?;
        let next = course
            .exercises
            .iter()
            .skip_while(|e| e.name != ex.name)
            .nth(1);
        print!("{}", exercise_hint(course, graded, next, &style));
        return Ok(true);
    }
    let target = lookup(course, &args.name)?;
    print!("{}", target_hint(course, &target, &style));
    Ok(true)
}

/// What to do next in a graded exercise: the first step that is not done, and in it the
/// first failing check, else the step's own hint when it is not started.
fn exercise_hint(
    course: &Course,
    ex: &ExerciseReport,
    next: Option<&Exercise>,
    style: &Style,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}, {}",
        style.bold(&ex.name),
        ex.status.as_str(),
        ex.summary().line()
    );
    let details = format!("{GRADER_COMMAND} {}", ex.name);
    if ex.status == Status::Skipped {
        let reason = ex.checks.first().map_or("", |c| c.message.as_str());
        let _ = writeln!(out, "\n{} cannot run on this machine: {reason}", ex.name);
        let _ = writeln!(out, "  read: {}", ex.book);
        return out;
    }
    if let Some(error) = &ex.compile_error {
        let first = ex.first_compile_error().unwrap_or(error);
        let _ = writeln!(
            out,
            "\n{} make it compile:\n{}",
            style.bold("Next:"),
            indent(first, 4)
        );
        let _ = writeln!(out, "  details: {details}");
        let _ = writeln!(out, "  read:    {}", ex.book);
        return out;
    }
    let unfinished = ex
        .checks
        .chunk_by(|a, b| a.step == b.step)
        .find(|step| step.iter().any(|c| !is_done(c)));
    let Some(step) = unfinished else {
        let _ = writeln!(out, "\nEvery check of {} passes.", ex.name);
        match next {
            Some(next) => {
                let _ = writeln!(
                    out,
                    "{} the next exercise, {}: {}",
                    style.bold("Next:"),
                    next.name,
                    next.title
                );
                let _ = writeln!(out, "  read: {}", course.book_link(&next.book));
                let _ = writeln!(out, "  hint: {GRADER_COMMAND} hint {}", next.name);
            }
            None => {
                let _ = writeln!(out, "That was the last exercise of the course. Well done.");
            }
        }
        return out;
    };
    let broken = ex.next_check().filter(|c| c.status != Status::Todo);
    if let Some(diagnosis) = broken.and_then(|c| ex.diagnosis_of(c)) {
        let _ = writeln!(
            out,
            "\n{} {}",
            style.bold("Next:"),
            indent(&shorten_lines(&diagnosis.cause, MESSAGE_LINES), 2).trim_start()
        );
        let _ = writeln!(out, "  explains: {}", diagnosis.checks.join(", "));
        let _ = writeln!(out, "  hint:    {}", diagnosis.hint);
        let _ = writeln!(out, "  read:    {}", diagnosis.book);
        let _ = writeln!(out, "  details: {details}");
        return out;
    }
    match broken {
        Some(check) => {
            let _ = writeln!(
                out,
                "\n{} {} ({})",
                style.bold("Next:"),
                check.name,
                check.status.as_str()
            );
            if !check.message.is_empty() {
                let _ = writeln!(
                    out,
                    "{}",
                    indent(&shorten_lines(&check.message, MESSAGE_LINES), 2)
                );
            }
            let _ = writeln!(out, "  hint:    {}", check.hint);
            let _ = writeln!(out, "  read:    {}", check.book);
            let _ = writeln!(out, "  check:   {}", check.source);
            let _ = writeln!(out, "  details: {details}");
        }
        None => {
            // A check not started carries its step's hint in the report.
            let first = &step[0];
            let todo = step.iter().filter(|c| c.status == Status::Todo).count();
            let started = if todo == step.len() {
                "not started".to_string()
            } else {
                format!("{todo} of its {} not started", counted(step.len(), "check"))
            };
            let _ = writeln!(
                out,
                "\n{} step {}: {} ({started})",
                style.bold("Next:"),
                first.step,
                first.step_title,
            );
            let hint = step
                .iter()
                .find(|c| c.status == Status::Todo)
                .map_or(first.hint.as_str(), |c| c.hint.as_str());
            let _ = writeln!(out, "  hint: {hint}");
            let _ = writeln!(out, "  read: {}", first.book);
        }
    }
    out
}

fn is_done(check: &CheckReport) -> bool {
    check.status.is_done()
}

/// A step or a check of the course, found by name.
enum Target<'a> {
    Step(&'a Exercise, &'a Step),
    Check(&'a Exercise, &'a Step, &'a Check),
}

impl Target<'_> {
    /// The name that finds this target and nothing else.
    fn full_name(&self) -> String {
        match self {
            Target::Step(ex, step) => format!("{}::{}", ex.name, step.name),
            Target::Check(ex, step, check) => {
                format!("{}::{}::{}", ex.name, step.name, check.name)
            }
        }
    }
}

/// Finds the step or check `wanted` names: the end of its full name
/// `exercise::step::check` (or `exercise::step`), the exercise also by folder or number.
fn lookup<'a>(course: &'a Course, wanted: &str) -> Result<Target<'a>> {
    let parts: Vec<&str> = wanted.split("::").collect();
    let mut found = Vec::new();
    for (index, ex) in course.exercises.iter().enumerate() {
        let number = (index + 1).to_string();
        // Matches `path` from its end; the first element of `path` is the exercise.
        let ends_with = |path: &[&str]| {
            parts.len() <= path.len()
                && (0..parts.len()).all(|back| {
                    let part = parts[parts.len() - 1 - back];
                    if back == path.len() - 1 {
                        part == ex.name || part == ex.dir || part == number
                    } else {
                        part == path[path.len() - 1 - back]
                    }
                })
        };
        for step in &ex.steps {
            if ends_with(&[ex.name.as_str(), step.name.as_str()]) {
                found.push(Target::Step(ex, step));
            }
            for check in &step.checks {
                if ends_with(&[ex.name.as_str(), step.name.as_str(), check.name.as_str()]) {
                    found.push(Target::Check(ex, step, check));
                }
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(unknown(course, wanted)),
        _ => {
            let names: Vec<String> = found.iter().map(Target::full_name).collect();
            Err(Error::new(
                STAGE,
                format!(
                    "{wanted:?} names more than one step or check: {}; give one of these names",
                    names.join(", ")
                ),
            ))
        }
    }
}

fn unknown(course: &Course, wanted: &str) -> Error {
    let last = wanted.rsplit("::").next().unwrap_or(wanted);
    let mut similar = Vec::new();
    if !last.is_empty() {
        for ex in &course.exercises {
            for step in &ex.steps {
                if step.name.contains(last) {
                    similar.push(format!("{}::{}", ex.name, step.name));
                }
                for check in step.checks.iter().filter(|c| c.name.contains(last)) {
                    similar.push(format!("{}::{}::{}", ex.name, step.name, check.name));
                }
            }
        }
    }
    let mut reason = format!(
        "no exercise, step or check is named {wanted:?}; `{GRADER_COMMAND} list` \
         shows the exercises and their steps, and course.toml names every check"
    );
    if !similar.is_empty() {
        similar.truncate(5);
        let _ = write!(reason, " (similar: {})", similar.join(", "));
    }
    Error::new(STAGE, reason)
}

/// The hints of a step or check, as the course gives them; nothing is graded.
fn target_hint(course: &Course, target: &Target, style: &Style) -> String {
    let mut out = String::new();
    match *target {
        Target::Check(ex, step, check) => {
            let _ = writeln!(
                out,
                "{}  {}, {}",
                style.bold(&format!("{} / {}", ex.name, step.test_name(check))),
                check.kind.as_str(),
                counted(check.points as usize, "point")
            );
            let _ = writeln!(out, "  hint:       {}", check.hint);
            let _ = writeln!(out, "  step:       {}: {}", step.name, step.title);
            let _ = writeln!(out, "  step hint:  {}", step.hint);
            let _ = writeln!(out, "  read:       {}", course.book_link(&step.book));
            let _ = writeln!(
                out,
                "  defined in: {}",
                definition(&course.root, ex, step, Some(check))
            );
        }
        Target::Step(ex, step) => {
            let points: u32 = step.checks.iter().map(|c| c.points).sum();
            let _ = writeln!(
                out,
                "{}  {}, {}",
                style.bold(&format!("{} / step {}: {}", ex.name, step.name, step.title)),
                counted(step.checks.len(), "check"),
                counted(points as usize, "point")
            );
            let _ = writeln!(out, "  hint:       {}", step.hint);
            let _ = writeln!(out, "  read:       {}", course.book_link(&step.book));
            let names: Vec<&str> = step.checks.iter().map(|c| c.name.as_str()).collect();
            let _ = writeln!(out, "  checks:     {}", names.join(", "));
            let _ = writeln!(
                out,
                "  defined in: {}",
                definition(&course.root, ex, step, None)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nWhere you stand in {}: {GRADER_COMMAND} hint {}",
        target_exercise(target).name,
        target_exercise(target).name
    );
    out
}

fn target_exercise<'a>(target: &Target<'a>) -> &'a Exercise {
    match *target {
        Target::Step(ex, _) | Target::Check(ex, _, _) => ex,
    }
}

/// Where a step's checks (or one check) are written, relative to the course root, with
/// the line of the check's function when it can be found. A harness keeps a step in
/// `tests/checks/<step>.rs`, or as `mod <step>` in `tests/checks/main.rs`.
fn definition(root: &Path, ex: &Exercise, step: &Step, check: Option<&Check>) -> String {
    let dir = ex.checks_rel();
    let own_file = format!("{dir}/{}.rs", step.name);
    let main_file = format!("{dir}/main.rs");
    let (rel, after) = if root.join(&own_file).is_file() {
        (own_file, None)
    } else if root.join(&main_file).is_file() {
        (main_file, Some(format!("mod {}", step.name)))
    } else {
        return own_file;
    };
    let Ok(text) = fs_err::read_to_string(root.join(&rel)) else {
        return rel;
    };
    let lines: Vec<&str> = text.lines().collect();
    let start = match &after {
        Some(module) => lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{module} ")))
            .unwrap_or(0),
        None => 0,
    };
    let wanted = match check {
        Some(check) => format!("fn {}(", check.name),
        None if after.is_some() => return format!("{rel}:{}", start + 1),
        None => return rel,
    };
    match lines[start..].iter().position(|l| l.contains(&wanted)) {
        Some(i) => format!("{rel}:{}", start + i + 1),
        None => rel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mini_course() -> Course {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini-course");
        Course::load(&root).unwrap()
    }

    fn found(course: &Course, wanted: &str) -> Result<String, String> {
        lookup(course, wanted)
            .map(|t| t.full_name())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn names_are_matched_from_their_end() {
        let course = mini_course();
        for wanted in [
            "answers",
            "basics::answers",
            "delta::basics::answers",
            "04-delta::basics::answers",
            "4::basics::answers",
        ] {
            assert_eq!(found(&course, wanted).unwrap(), "delta::basics::answers");
        }
        assert_eq!(found(&course, "beta::basics").unwrap(), "beta::basics");
        assert_eq!(found(&course, "hostile").unwrap(), "alpha::hostile");
        let ambiguous = found(&course, "basics").unwrap_err();
        assert!(
            ambiguous.contains("alpha::basics, beta::basics"),
            "{ambiguous}"
        );
        for unknown in [
            "",
            "::answers",
            "beta::answers",
            "x::basics::answers",
            "a::b::c::d",
        ] {
            let err = found(&course, unknown).unwrap_err();
            assert!(
                err.contains("no exercise, step or check"),
                "{unknown}: {err}"
            );
        }
    }

    fn check(step: &str, name: &str, status: Status) -> CheckReport {
        CheckReport {
            name: format!("{step}::{name}"),
            step: step.into(),
            step_title: format!("Title of {step}"),
            kind: "behaviour",
            status,
            points: 0,
            max_points: 1,
            message: format!("message of {name}"),
            cause: None,
            hint: if status == Status::Todo {
                format!("step hint of {step}")
            } else {
                format!("hint of {name}")
            },
            book: format!("book/{step}.md"),
            source: String::new(),
            details: String::new(),
            seconds: 0.0,
        }
    }

    fn exercise(checks: Vec<CheckReport>) -> ExerciseReport {
        ExerciseReport {
            name: "beta".into(),
            title: "Beta".into(),
            dir: "02-beta".into(),
            status: ExerciseReport::summarize(&checks, false),
            points: 0,
            max_points: checks.len() as u32,
            book: "book/beta.md".into(),
            compile_error: None,
            flagged: Vec::new(),
            diagnoses: Vec::new(),
            next: None,
            checks,
        }
    }

    #[test]
    fn a_failure_in_the_first_unfinished_step_comes_before_its_todos() {
        let course = mini_course();
        let ex = exercise(vec![
            check("one", "a", Status::Pass),
            check("two", "b", Status::Todo),
            check("two", "c", Status::Timeout),
            check("three", "d", Status::Fail),
        ]);
        let text = exercise_hint(&course, &ex, None, &Style::PLAIN);
        assert!(text.contains("Next: two::c (timeout)"), "{text}");
        assert!(text.contains("message of c"), "{text}");
        assert!(text.contains("hint:    hint of c"), "{text}");
        assert!(!text.contains("of d"), "{text}");
    }

    #[test]
    fn a_cause_shared_by_several_checks_comes_before_any_checks_hint() {
        let course = mini_course();
        let mut ex = exercise(vec![
            check("one", "a", Status::Crash),
            check("two", "b", Status::Crash),
        ]);
        ex.diagnoses = vec![crate::report::Diagnosis {
            cause: "2 checks crashed with SIGSEGV: a bad pointer".into(),
            checks: vec!["one::a".into(), "two::b".into()],
            hint: "one bug".into(),
            book: "book/beta.md".into(),
        }];
        let text = exercise_hint(&course, &ex, None, &Style::PLAIN);
        assert!(
            text.contains("Next: 2 checks crashed with SIGSEGV: a bad pointer\n  explains: one::a, two::b\n  hint:    one bug"),
            "{text}"
        );
        assert!(!text.contains("hint of a"), "{text}");
    }

    #[test]
    fn a_step_not_started_gets_the_step_hint() {
        let course = mini_course();
        let ex = exercise(vec![
            check("one", "a", Status::Pass),
            check("two", "b", Status::Todo),
            check("two", "c", Status::Todo),
        ]);
        let text = exercise_hint(&course, &ex, None, &Style::PLAIN);
        assert!(
            text.contains("Next: step two: Title of two (not started)"),
            "{text}"
        );
        assert!(text.contains("hint: step hint of two"), "{text}");
        assert!(text.contains("read: book/two.md"), "{text}");
        let ex = exercise(vec![
            check("one", "a", Status::Pass),
            check("one", "b", Status::Todo),
        ]);
        let text = exercise_hint(&course, &ex, None, &Style::PLAIN);
        assert!(
            text.contains("Next: step one: Title of one (1 of its 2 checks not started)"),
            "{text}"
        );
    }

    #[test]
    fn a_compile_error_comes_first() {
        let course = mini_course();
        let mut ex = exercise(vec![check("one", "a", Status::CompileError)]);
        ex.compile_error = Some("error[E0308]: mismatched types\n --> src/lib.rs:3\n\nmore".into());
        let text = exercise_hint(&course, &ex, None, &Style::PLAIN);
        assert!(text.contains("Next: make it compile:"), "{text}");
        assert!(
            text.contains("    error[E0308]: mismatched types\n     --> src/lib.rs:3\n"),
            "{text}"
        );
        assert!(!text.contains("more"), "{text}");
        assert!(
            text.contains("details: cargo run -p grader -- beta"),
            "{text}"
        );
    }

    #[test]
    fn a_finished_exercise_points_to_the_next_one_or_says_the_course_is_done() {
        let course = mini_course();
        let ex = exercise(vec![check("one", "a", Status::Pass)]);
        let next = course.find("gamma");
        let text = exercise_hint(&course, &ex, next, &Style::PLAIN);
        assert!(text.contains("Every check of beta passes."), "{text}");
        assert!(text.contains("read: book/gamma.md"), "{text}");
        let text = exercise_hint(&course, &ex, None, &Style::PLAIN);
        assert!(text.contains("the last exercise"), "{text}");
    }
}
