//! The list view: one line per exercise and per step with its state, as `grader list`
//! and the watch mode show it.

use super::human::status_cell;
use super::{CheckReport, ExerciseReport, Report, Status, Summary};
use crate::ui::Style;
use std::fmt::Write;

/// One line of the list.
struct Row {
    /// A step's line is indented under its exercise's.
    step: bool,
    name: String,
    status: Status,
    counts: Summary,
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
            counts: Summary::of(checks),
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
        format!("{}/{} checks", self.counts.passed, self.counts.total)
    }

    fn points(&self) -> String {
        format!("{}/{} points", self.counts.points, self.counts.max_points)
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
pub fn render(report: &Report, style: &Style) -> String {
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
            status_cell(style, row.status),
            row.checks(),
            row.points(),
            row.title
        );
        if !row.note.is_empty() {
            let _ = write!(line, "  {}", style.dim(&format!("({})", row.note)));
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "\n{}", style.bold(&report.summary.line()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
            cause: None,
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
            flagged: Vec::new(),
            diagnoses: Vec::new(),
            next: None,
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
        let text = render(&report(), &Style::PLAIN);
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
        let text = render(&report(), &Style::COLORED);
        let style = Style::COLORED;
        assert!(text.contains(&status_cell(&style, Status::Pass)), "{text}");
        assert!(text.contains(&status_cell(&style, Status::Fail)), "{text}");
        assert!(text.contains('\x1b'), "{text}");
        let plain: String = strip_escapes(&text);
        assert_eq!(plain, render(&report(), &Style::PLAIN));
    }

    #[test]
    fn an_empty_report_is_just_the_totals() {
        let report = Report {
            exercises: Vec::new(),
            summary: Summary::default(),
            ..report()
        };
        let text = render(&report, &Style::PLAIN);
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
