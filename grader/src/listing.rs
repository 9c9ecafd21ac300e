//! `grader list`: where the learner stands, one line per exercise and per step.

use crate::course::Course;
use crate::error::Fatal;
use crate::grade;
use crate::human::Style;
use crate::progress::Progress;
use crate::report::{CheckReport, ExerciseReport, Report};
use crate::verdict::Status;
use crate::workspace::Source;
use std::fmt::Write;
use std::io::IsTerminal;
use std::time::Duration;

/// Grades every exercise in place and prints the list; true when every check passes.
pub fn run(course: &Course, timeout: Option<Duration>, jobs: usize) -> Result<bool, Fatal> {
    let options = grade::Options {
        source: Source::InPlace,
        only: None,
        timeout,
        jobs,
    };
    let report = grade::grade(course, &options, &Progress::new(true))?;
    let style = stdout_style();
    println!("{}\n", style.bold(&report.course));
    print!("{}", render_list(&report, &style));
    if let Some((ex, _)) = report.first_unfinished() {
        println!(
            "\n{} cargo run -p grader -- hint {}",
            style.bold("Next:"),
            ex.name
        );
    }
    Ok(report.all_passed())
}

/// Colour only for a person at a terminal who has not asked for none.
pub fn stdout_style() -> Style {
    Style {
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// One line of the list.
struct Row {
    /// A step's line is indented under its exercise's.
    step: bool,
    name: String,
    status: Status,
    passed: usize,
    total: usize,
    points: u32,
    max_points: u32,
    title: String,
    /// Why an exercise is skipped; nothing else earns a note in so compact a view.
    note: String,
}

impl Row {
    fn new(step: bool, name: &str, title: &str, status: Status, checks: &[CheckReport]) -> Row {
        Row {
            step,
            name: name.to_owned(),
            status,
            passed: checks.iter().filter(|c| c.status == Status::Pass).count(),
            total: checks.len(),
            points: checks.iter().map(|c| c.points).sum(),
            max_points: checks.iter().map(|c| c.max_points).sum(),
            title: title.to_owned(),
            note: String::new(),
        }
    }

    fn label(&self) -> String {
        if self.step {
            format!("  {}", self.name)
        } else {
            self.name.clone()
        }
    }

    fn checks(&self) -> String {
        format!("{}/{} checks", self.passed, self.total)
    }

    fn points(&self) -> String {
        format!("{}/{} points", self.points, self.max_points)
    }
}

fn rows_of(ex: &ExerciseReport) -> Vec<Row> {
    let mut exercise = Row::new(false, &ex.name, &ex.title, ex.status, &ex.checks);
    if ex.status == Status::Skipped
        && let Some(check) = ex.checks.first()
    {
        exercise.note = check.message.clone();
    }
    let mut rows = vec![exercise];
    // A step's checks are next to each other: the report keeps course order.
    for checks in ex.checks.chunk_by(|a, b| a.step == b.step) {
        let status = ExerciseReport::summarize(checks, ex.compile_error.is_some());
        rows.push(Row::new(
            true,
            &checks[0].step,
            &checks[0].step_title,
            status,
            checks,
        ));
    }
    rows
}

/// The list for `report`: a line per exercise, a line per step under it, then the totals.
/// Used by `grader list` and by the watch mode.
pub fn render_list(report: &Report, style: &Style) -> String {
    let rows: Vec<Row> = report.exercises.iter().flat_map(rows_of).collect();
    let width = |column: fn(&Row) -> String| rows.iter().map(|r| column(r).len()).max();
    let name_width = width(|r| r.label()).unwrap_or(0);
    let checks_width = width(Row::checks).unwrap_or(0);
    let points_width = width(Row::points).unwrap_or(0);
    let mut out = String::new();
    for row in &rows {
        let label = format!("{:<name_width$}", row.label());
        let label = if row.step { label } else { style.bold(&label) };
        let mut line = format!(
            "{label}  {}  {:>checks_width$}  {:>points_width$}  {}",
            style.status(row.status),
            row.checks(),
            row.points(),
            row.title
        );
        if !row.note.is_empty() {
            let _ = write!(line, "  {}", style.dim(&format!("({})", row.note)));
        }
        let _ = writeln!(out, "{line}");
    }
    let s = &report.summary;
    let mut totals = format!("{}/{} checks passed", s.passed, s.total);
    for (n, what) in [
        (s.failed, "failing"),
        (s.todo, "todo"),
        (s.skipped, "skipped"),
    ] {
        if n > 0 {
            let _ = write!(totals, ", {n} {what}");
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("{totals}; {}/{} points", s.points, s.max_points))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Summary;

    fn check(step: &str, name: &str, status: Status, max_points: u32) -> CheckReport {
        CheckReport {
            name: format!("{step}::{name}"),
            step: step.into(),
            step_title: format!("Title of {step}"),
            kind: "behaviour",
            status,
            points: if status == Status::Pass {
                max_points
            } else {
                0
            },
            max_points,
            message: if status == Status::Skipped {
                "this exercise runs on plan9-mips only".into()
            } else {
                String::new()
            },
            hint: String::new(),
            book: String::new(),
            source: String::new(),
            details: String::new(),
            seconds: 0.0,
        }
    }

    fn exercise(name: &str, checks: Vec<CheckReport>) -> ExerciseReport {
        ExerciseReport {
            name: name.into(),
            title: format!("Title of {name}"),
            dir: format!("01-{name}"),
            status: ExerciseReport::summarize(&checks, false),
            points: checks.iter().map(|c| c.points).sum(),
            max_points: checks.iter().map(|c| c.max_points).sum(),
            book: String::new(),
            compile_error: None,
            checks,
        }
    }

    fn report() -> Report {
        let exercises = vec![
            exercise(
                "threads",
                vec![
                    check("tasks", "a", Status::Pass, 2),
                    check("tasks", "b", Status::Pass, 3),
                    check("scoped_threads", "c", Status::Fail, 2),
                    check("scoped_threads", "d", Status::Pass, 10),
                    check("pool", "e", Status::Todo, 1),
                ],
            ),
            exercise("epoll", vec![check("poll", "f", Status::Skipped, 4)]),
        ];
        Report {
            course: "Course".into(),
            source: "exercises".into(),
            workspace: String::new(),
            isolation: "on".into(),
            memory_limit: "1024 MiB".into(),
            ignored: Vec::new(),
            summary: Report::summarize(&exercises),
            exercises,
            source_args: String::new(),
        }
    }

    #[test]
    fn one_aligned_line_per_exercise_and_step() {
        let text = render_list(&report(), &Style { color: false });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..6],
            [
                "threads           fail           3/5 checks  15/18 points  Title of threads",
                "  tasks           pass           2/2 checks    5/5 points  Title of tasks",
                "  scoped_threads  fail           1/2 checks  10/12 points  Title of scoped_threads",
                "  pool            todo           0/1 checks    0/1 points  Title of pool",
                "epoll             skipped        0/1 checks    0/4 points  Title of epoll  \
                 (this exercise runs on plan9-mips only)",
                "  poll            skipped        0/1 checks    0/4 points  Title of poll",
            ]
        );
        assert_eq!(
            lines[7],
            "3/6 checks passed, 1 failing, 1 todo, 1 skipped; 15/22 points"
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_asked_for() {
        let text = render_list(&report(), &Style { color: true });
        assert!(text.contains("\x1b[32mpass"), "{text}");
        assert!(text.contains("\x1b[31;1mfail"), "{text}");
        let plain: String = strip_escapes(&text);
        assert_eq!(plain, render_list(&report(), &Style { color: false }));
    }

    #[test]
    fn an_empty_report_is_just_the_totals() {
        let report = Report {
            exercises: Vec::new(),
            summary: Summary::default(),
            ..report()
        };
        let text = render_list(&report, &Style { color: false });
        assert_eq!(text, "\n0/0 checks passed; 0/0 points\n");
    }

    fn strip_escapes(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
