//! The report for people: a table per exercise, then what to do next.

use crate::report::{CheckReport, ExerciseReport, Report};
use crate::verdict::Status;
use std::fmt::Write;

/// Lines of a check's output shown under a failure.
const DETAIL_LINES: usize = 40;

pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn status(&self, status: Status) -> String {
        let code = match status {
            Status::Pass => "32",
            Status::Todo => "33",
            Status::Skipped => "2",
            _ => "31;1",
        };
        self.paint(code, &format!("{:<13}", status.as_str()))
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Colours a line of a snapshot diff: what was expected in red, what the code
    /// produced in green. Other lines are left alone.
    fn diff_line(&self, line: &str) -> String {
        match diff_sign(line) {
            Some('-') => self.paint("31", line),
            Some('+') => self.paint("32", line),
            _ => line.to_owned(),
        }
    }
}

/// The sign of a diff line as the snapshot library prints it (`  3    │-old`, `    3 │+new`),
/// or as a plain unified diff does (`-old`, `+new`).
fn diff_sign(line: &str) -> Option<char> {
    let body = match line.split_once('│') {
        Some((numbers, body)) if numbers.chars().all(|c| c.is_ascii_digit() || c == ' ') => body,
        _ if line.starts_with("-old snapshot") || line.starts_with("+new results") => line,
        _ => return None,
    };
    body.chars().next().filter(|c| matches!(c, '-' | '+'))
}

/// The explanation of one check that is not passing, as the watch mode shows it: the
/// compiler's message, the step's hint for a step not started, or the full failure.
pub fn explain(ex: &ExerciseReport, check: &CheckReport, style: &Style) -> String {
    let mut out = String::new();
    if let Some(error) = &ex.compile_error {
        let _ = writeln!(
            out,
            "  {} does not compile:\n{}",
            style.bold(&ex.name),
            indent(error, 4)
        );
    } else if check.status == Status::Todo {
        let _ = writeln!(
            out,
            "\n  {} {}",
            style.status(Status::Todo),
            style.bold(&format!(
                "step {}: {} is not started yet",
                check.step, check.step_title
            ))
        );
        let _ = writeln!(out, "    hint:  {}", check.hint);
        let _ = writeln!(out, "    read:  {}", check.book);
    } else {
        render_failure(&mut out, check, style);
    }
    out
}

/// Renders the report. `detailed` adds every failure's full explanation (one exercise).
pub fn render(report: &Report, style: &Style, detailed: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — grading {}\n",
        style.bold(&report.course),
        report.source
    );
    if let Some(reason) = report.isolation.strip_prefix("off: ") {
        let _ = writeln!(
            out,
            "{} {reason}: checks ran with network access and could write to the course.\n",
            style.bold("Isolation off:")
        );
    }
    if !report.ignored.is_empty() {
        let _ = writeln!(
            out,
            "Ignored (only exercises/*/src is graded): {}\n",
            report.ignored.join(", ")
        );
    }
    for ex in &report.exercises {
        render_exercise(&mut out, ex, style, detailed);
    }
    let s = &report.summary;
    let mut counts = format!("{}/{} checks passed", s.passed, s.total);
    for (n, what) in [
        (s.failed, "failing"),
        (s.todo, "todo"),
        (s.skipped, "skipped"),
    ] {
        if n > 0 {
            let _ = write!(counts, ", {n} {what}");
        }
    }
    let totals = format!("{counts}; {}/{} points", s.points, s.max_points);
    let _ = writeln!(out, "{}", style.bold(&totals));
    render_next_step(&mut out, report, style, detailed);
    out
}

fn render_exercise(out: &mut String, ex: &ExerciseReport, style: &Style, detailed: bool) {
    let _ = writeln!(
        out,
        "{} {}  {}  {}/{} points",
        style.status(ex.status),
        style.bold(&ex.name),
        ex.title,
        ex.points,
        ex.max_points
    );
    if let Some(error) = &ex.compile_error {
        let shown = if detailed {
            error.as_str()
        } else {
            first_error(error)
        };
        let _ = writeln!(
            out,
            "  The exercise does not compile:\n{}\n",
            indent(shown, 4)
        );
        return;
    }
    let mut step = "";
    for check in &ex.checks {
        if check.step != step {
            step = &check.step;
            let _ = writeln!(
                out,
                "  {}",
                style.dim(&format!("step {step}: {}", check.step_title))
            );
        }
        let check_name = check.name.rsplit("::").next().unwrap_or(&check.name);
        let mut line = format!(
            "    {} {:<28} {:<10} {}/{}",
            style.status(check.status),
            check_name,
            check.kind,
            check.points,
            check.max_points
        );
        if !detailed
            && !matches!(check.status, Status::Pass | Status::Todo)
            && !check.message.is_empty()
        {
            let first = check.message.lines().next().unwrap_or_default();
            let _ = write!(line, "  {}", style.dim(&shorten(first, 90)));
        }
        let _ = writeln!(out, "{line}");
    }
    if detailed {
        let broken =
            |c: &&CheckReport| !matches!(c.status, Status::Pass | Status::Todo | Status::Skipped);
        for check in ex.checks.iter().filter(broken) {
            render_failure(out, check, style);
        }
        render_unstarted_steps(out, ex, style);
    }
    let _ = writeln!(out);
}

fn render_failure(out: &mut String, check: &CheckReport, style: &Style) {
    let _ = writeln!(
        out,
        "\n  {} {}",
        style.status(check.status),
        style.bold(&check.name)
    );
    if !check.message.is_empty() {
        let _ = writeln!(out, "{}", indent(&check.message, 4));
    }
    if !check.details.is_empty() && check.status != Status::Todo {
        let lines: Vec<&str> = check.details.lines().collect();
        let shown: Vec<String> = lines[lines.len().saturating_sub(DETAIL_LINES)..]
            .iter()
            .map(|line| style.diff_line(line))
            .collect();
        let _ = writeln!(
            out,
            "    {}\n{}",
            style.dim("output:"),
            indent(&shown.join("\n"), 6)
        );
    }
    let _ = writeln!(out, "    hint:  {}", check.hint);
    let _ = writeln!(out, "    read:  {}", check.book);
    let _ = writeln!(out, "    check: {}", check.source);
}

/// One block per step that still has `todo` checks, instead of one per check.
fn render_unstarted_steps(out: &mut String, ex: &ExerciseReport, style: &Style) {
    let mut seen = Vec::new();
    for check in ex.checks.iter().filter(|c| c.status == Status::Todo) {
        if seen.contains(&check.step) {
            continue;
        }
        seen.push(check.step.clone());
        let count = ex
            .checks
            .iter()
            .filter(|c| c.step == check.step && c.status == Status::Todo)
            .count();
        let _ = writeln!(
            out,
            "\n  {} {}",
            style.status(Status::Todo),
            style.bold(&format!(
                "step {}: {} ({count} checks not started)",
                check.step, check.step_title
            ))
        );
        let _ = writeln!(out, "    hint:  {}", check.hint);
        let _ = writeln!(out, "    read:  {}", check.book);
    }
}

fn render_next_step(out: &mut String, report: &Report, style: &Style, detailed: bool) {
    let Some((ex, check)) = report.first_unfinished() else {
        if report.summary.total > 0 {
            let _ = writeln!(out, "\nEvery check passes. Well done.");
        }
        return;
    };
    let details = format!("cargo run -p grader -- {}{}", ex.name, report.source_args);
    if let Some(error) = &ex.compile_error {
        let first = error.lines().next().unwrap_or_default();
        let _ = writeln!(
            out,
            "\n{} make {} compile: {first}",
            style.bold("Next:"),
            ex.name
        );
        if !detailed {
            let _ = writeln!(out, "  details: {details}");
        }
        return;
    }
    let _ = writeln!(
        out,
        "\n{} {} / {}",
        style.bold("Next:"),
        ex.name,
        check.name
    );
    if !check.message.is_empty() {
        let _ = writeln!(out, "{}", indent(&shorten_lines(&check.message, 6), 2));
    }
    let _ = writeln!(out, "  hint: {}", check.hint);
    let _ = writeln!(out, "  read: {}", check.book);
    if !detailed {
        let _ = writeln!(out, "  details: {details}");
    }
}

fn first_error(text: &str) -> &str {
    let end = text.find("\n\n").unwrap_or(text.len());
    &text[..end]
}

pub fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

pub fn shorten_lines(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max {
        return text.to_owned();
    }
    format!("{}\n…", lines[..max].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_diff_lines_are_coloured_and_nothing_else() {
        let style = Style { color: true };
        assert_eq!(
            style.diff_line("    3       │-expected"),
            "\x1b[31m    3       │-expected\x1b[0m"
        );
        assert_eq!(
            style.diff_line("          3 │+actual"),
            "\x1b[32m          3 │+actual\x1b[0m"
        );
        assert_eq!(
            style.diff_line("-old snapshot"),
            "\x1b[31m-old snapshot\x1b[0m"
        );
        for plain in ["    4     4 │ same", "- a list item", "left: 5", "x │-y"] {
            assert_eq!(style.diff_line(plain), plain, "{plain}");
        }
        let plain = Style { color: false };
        assert_eq!(
            plain.diff_line("    3       │-expected"),
            "    3       │-expected"
        );
    }
}
