//! The report for people: a table per exercise, then what to do next.

use super::{
    CheckReport, Diagnosis, ExerciseReport, FLAGGED_REASON, GRADER_COMMAND, Report, Status,
};
use crate::ui::Style;
use crate::ui::text::{indent, shorten, shorten_lines};
use std::fmt::Write;

/// Lines of a check's output shown under a failure.
const DETAIL_LINES: usize = 40;

/// A verdict as a coloured, aligned cell.
pub fn status_cell(style: &Style, status: Status) -> String {
    let cell = format!("{:<13}", status.as_str());
    match status {
        Status::Pass => style.good(&cell),
        Status::Todo => style.pending(&cell),
        Status::Skipped => style.dim(&cell),
        _ => style.bad(&cell),
    }
}

/// Colours a line of a snapshot diff: what was expected in red, what the code produced
/// in green. Other lines are left alone.
fn diff_line(style: &Style, line: &str) -> String {
    match diff_sign(line) {
        Some('-') => style.expected(line),
        Some('+') => style.good(line),
        _ => line.to_owned(),
    }
}

/// The sign of a diff line as the snapshot library prints it (`  3    │-old`, `    3 │+new`),
/// or as a plain unified diff does (`-old`, `+new`).
fn diff_sign(line: &str) -> Option<char> {
    let body = match line.split_once('│') {
        Some((numbers, body)) if numbers.chars().all(|c| c.is_ascii_digit() || c == ' ') => body,
        // The legend, in the library's words or the course's.
        _ if ["-old snapshot", "+new results", "-expected", "+got"].contains(&line.trim_end()) => {
            line
        }
        _ => return None,
    };
    body.chars().next().filter(|c| matches!(c, '-' | '+'))
}

/// The explanation of one check that is not passing, as the watch mode shows it: the
/// compiler's message, the step's hint for a step not started, or the full failure.
pub fn explain(ex: &ExerciseReport, check: &CheckReport, style: &Style) -> String {
    let mut out = String::new();
    if !ex.flagged.is_empty() {
        let _ = writeln!(out, "  {}: {}", style.bold(&ex.name), flagged_text(ex));
    } else if let Some(error) = &ex.compile_error {
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
            status_cell(style, Status::Todo),
            style.bold(&format!(
                "step {}: {} is not started yet",
                check.step, check.step_title
            ))
        );
        let _ = writeln!(out, "    hint:  {}", check.hint);
        let _ = writeln!(out, "    read:  {}", check.book);
    } else if let Some(diagnosis) = ex.diagnosis_of(check) {
        render_diagnosis(&mut out, diagnosis, None, style);
        render_explained_failure(&mut out, check, None, style);
    } else {
        render_failure(&mut out, check, style);
    }
    out
}

/// Why a flagged exercise was not graded, with the evidence, one item a line.
fn flagged_text(ex: &ExerciseReport) -> String {
    let mut text = format!("Not graded, 0 points: {FLAGGED_REASON}. Found:");
    for item in &ex.flagged {
        let _ = write!(text, "\n    - {item}");
    }
    text
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
    let _ = writeln!(out, "{}", style.bold(&report.summary.line()));
    render_next_step(&mut out, report, style, detailed);
    out
}

fn render_exercise(out: &mut String, ex: &ExerciseReport, style: &Style, detailed: bool) {
    let _ = writeln!(
        out,
        "{} {}  {}  {}/{} points",
        status_cell(style, ex.status),
        style.bold(&ex.name),
        ex.title,
        ex.points,
        ex.max_points
    );
    if let Some(error) = &ex.compile_error {
        let shown = if detailed {
            error.as_str()
        } else {
            ex.first_compile_error().unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "  The exercise does not compile:\n{}\n",
            indent(shown, 4)
        );
        return;
    }
    if !ex.flagged.is_empty() {
        let _ = writeln!(out, "  {}\n", flagged_text(ex));
        return;
    }
    for (i, diagnosis) in ex.diagnoses.iter().enumerate() {
        render_diagnosis(out, diagnosis, Some(i + 1), style);
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
            status_cell(style, check.status),
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
            match ex.numbered_diagnosis_of(check) {
                Some((n, _)) => render_explained_failure(out, check, Some(n), style),
                None => render_failure(out, check, style),
            }
        }
        render_unstarted_steps(out, ex, style);
    }
    let _ = writeln!(out);
}

/// The last lines of what the check printed, diffs coloured.
fn render_details(out: &mut String, check: &CheckReport, style: &Style) {
    if check.details.is_empty() || check.status == Status::Todo {
        return;
    }
    let lines: Vec<&str> = check.details.lines().collect();
    let shown: Vec<String> = lines[lines.len().saturating_sub(DETAIL_LINES)..]
        .iter()
        .map(|line| diff_line(style, line))
        .collect();
    let _ = writeln!(
        out,
        "    {}\n{}",
        style.dim("output:"),
        indent(&shown.join("\n"), 6)
    );
}

fn render_failure(out: &mut String, check: &CheckReport, style: &Style) {
    let _ = writeln!(
        out,
        "\n  {} {}",
        status_cell(style, check.status),
        style.bold(&check.name)
    );
    if !check.message.is_empty() {
        let _ = writeln!(out, "{}", indent(&check.message, 4));
    }
    render_details(out, check, style);
    let _ = writeln!(out, "    hint:  {}", check.hint);
    let _ = writeln!(out, "    read:  {}", check.book);
    let _ = writeln!(out, "    check: {}", check.source);
}

/// A cause found behind failures, before the checks: the learner fixes one bug, not one
/// per check. Numbered when the checks after it refer to it.
fn render_diagnosis(out: &mut String, diagnosis: &Diagnosis, number: Option<usize>, style: &Style) {
    let label = match number {
        Some(n) => format!("diagnosis {n}:"),
        None => "diagnosis:".to_owned(),
    };
    let _ = writeln!(
        out,
        "  {} {}",
        style.bold(&label),
        indent(&diagnosis.cause, 4).trim_start()
    );
    let _ = writeln!(out, "    explains: {}", diagnosis.checks.join(", "));
    let _ = writeln!(out, "    hint:  {}", diagnosis.hint);
    let _ = writeln!(out, "    read:  {}", diagnosis.book);
}

/// A failure a diagnosis explains: its own words and evidence, without repeating the
/// diagnosis or the check's hint, which assumes the shared bug is gone.
fn render_explained_failure(
    out: &mut String,
    check: &CheckReport,
    diagnosis: Option<usize>,
    style: &Style,
) {
    let refers = match diagnosis {
        Some(n) => format!("(diagnosis {n} above)"),
        None => "(explained above)".to_owned(),
    };
    let _ = writeln!(
        out,
        "\n  {} {}  {}",
        status_cell(style, check.status),
        style.bold(&check.name),
        style.dim(&refers)
    );
    if check.status != Status::Crash && !check.message.is_empty() {
        let _ = writeln!(out, "{}", indent(&check.message, 4));
    }
    render_details(out, check, style);
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
            status_cell(style, Status::Todo),
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
    let details = format!("{GRADER_COMMAND} {}{}", ex.name, report.source_args);
    if !ex.flagged.is_empty() {
        let _ = writeln!(
            out,
            "\n{} remove from {} what reaches for the grader (listed above)",
            style.bold("Next:"),
            ex.name
        );
        return;
    }
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
    if let Some(diagnosis) = ex.diagnosis_of(check) {
        let _ = writeln!(
            out,
            "\n{} {}: {}",
            style.bold("Next:"),
            ex.name,
            indent(&shorten_lines(&diagnosis.cause, 6), 2).trim_start()
        );
        let _ = writeln!(out, "  hint: {}", diagnosis.hint);
        let _ = writeln!(out, "  read: {}", diagnosis.book);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{check, report, shared_crash};

    const SEGV: &str = "crashed with SIGSEGV: a misaligned stack";

    #[test]
    fn a_shared_cause_is_told_once_before_the_checks_and_leads_next() {
        let (checks, shared) = shared_crash();
        let report = report(checks, vec![shared]);
        let text = render(&report, &Style::PLAIN, false);
        let diagnosis = text
            .find("diagnosis 1: 2 checks crashed with SIGSEGV")
            .expect(&text);
        assert!(diagnosis < text.find("step a:").unwrap(), "{text}");
        assert!(text.contains("explains: a::one, a::two"), "{text}");
        assert!(
            text.contains("Next: x: 2 checks crashed with SIGSEGV: a misaligned stack\n  hint: one bug crashes them"),
            "{text}"
        );
        assert!(!text.contains("own hint of a::one"), "{text}");

        let detailed = render(&report, &Style::PLAIN, true);
        assert_eq!(
            detailed.matches(SEGV).count(),
            2,
            "once in the diagnosis, once after Next: {detailed}"
        );
        assert!(
            detailed.contains("crash         a::two  (diagnosis 1 above)"),
            "{detailed}"
        );
        assert!(!detailed.contains("own hint of a::"), "{detailed}");
        assert!(detailed.contains("own hint of b::three"), "{detailed}");

        // Shown alone (watch, hint), the diagnosis has no number to refer to.
        let ex = &report.exercises[0];
        let alone = explain(ex, &ex.checks[1], &Style::PLAIN);
        assert!(
            alone.starts_with("  diagnosis: 2 checks crashed"),
            "{alone}"
        );
        assert!(alone.contains("a::two  (explained above)"), "{alone}");
    }

    #[test]
    fn without_a_shared_cause_next_is_the_earliest_steps_failure() {
        let report = report(
            vec![
                check("a::one", Status::Pass, ""),
                check("b::two", Status::Fail, "wrong"),
                check("c::three", Status::Fail, "also wrong"),
            ],
            Vec::new(),
        );
        let text = render(&report, &Style::PLAIN, false);
        assert!(
            text.contains("Next: x / b::two\n  wrong\n  hint: own hint of b::two"),
            "{text}"
        );
    }

    #[test]
    fn snapshot_diff_lines_are_coloured_and_nothing_else() {
        let style = Style::COLORED;
        for (line, painted) in [
            (
                "    3       │-expected",
                style.expected("    3       │-expected"),
            ),
            ("          3 │+actual", style.good("          3 │+actual")),
            ("-old snapshot", style.expected("-old snapshot")),
            ("-expected", style.expected("-expected")),
            ("+got", style.good("+got")),
        ] {
            assert_eq!(diff_line(&style, line), painted, "{line}");
            assert_ne!(painted, line, "{line}");
        }
        for plain in ["    4     4 │ same", "- a list item", "left: 5", "x │-y"] {
            assert_eq!(diff_line(&style, plain), plain, "{plain}");
        }
        assert_eq!(
            diff_line(&Style::PLAIN, "    3       │-expected"),
            "    3       │-expected"
        );
    }
}
