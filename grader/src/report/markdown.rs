//! A Markdown summary, made for a GitHub Actions job summary and still readable as plain
//! text: the totals, a table of the exercises, then what does not pass and why.

use super::text::clean;
use super::{CheckReport, ExerciseReport, FLAGGED_REASON, GRADER_COMMAND, Report, Status};
use std::fmt::Write;

/// How much of a check's output is shown under a failure, from its end: a job summary
/// has a size limit (1 MiB on GitHub), and a flood of output must not use it up.
const DETAIL_LINES: usize = 40;
const DETAIL_CHARS: usize = 4000;
/// How much of a compiler's message is shown, from its start: the first errors are the
/// ones to fix first.
const COMPILE_LINES: usize = 60;
const COMPILE_CHARS: usize = 6000;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## {} — grading {}\n",
        inline(&report.course),
        inline(&report.source)
    );
    let _ = writeln!(out, "**{}**\n", report.summary.line());
    if let Some(reason) = report.isolation.strip_prefix("off: ") {
        let _ = writeln!(
            out,
            "> **Isolation off** ({}): checks ran with network access and could write to \
             the course.\n",
            inline(reason)
        );
    }
    if !report.ignored.is_empty() {
        let files: Vec<String> = report.ignored.iter().map(|f| code(f)).collect();
        let _ = writeln!(
            out,
            "Ignored (only `exercises/*/src` is graded): {}\n",
            files.join(", ")
        );
    }
    render_table(&mut out, &report.exercises);
    render_broken(&mut out, report);
    render_unstarted(&mut out, report);
    if let Some((ex, _)) = report.first_unfinished() {
        let command = format!("{GRADER_COMMAND} {}{}", ex.name, report.source_args);
        let _ = writeln!(
            out,
            "Next: work on {}; {} explains each of its failures in full.\n",
            inline(&ex.name),
            code(&command)
        );
    } else if report.summary.total > 0 {
        out.push_str("Every check passes.\n\n");
    }
    out
}

fn render_table(out: &mut String, exercises: &[ExerciseReport]) {
    out.push_str("| # | exercise | title | status | checks passed | points |\n");
    out.push_str("|---|---|---|---|---:|---:|\n");
    for ex in exercises {
        let counts = ex.summary();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} {} | {}/{} | {}/{} |",
            inline(ex.dir.split('-').next().unwrap_or_default()),
            inline(&ex.name),
            inline(&ex.title),
            icon(ex.status),
            ex.status.as_str(),
            counts.passed,
            counts.total - counts.skipped,
            ex.points,
            ex.max_points
        );
    }
    out.push('\n');
}

/// Every compile error and every check that ran and did not pass, with its evidence.
fn render_broken(out: &mut String, report: &Report) {
    let broken =
        |c: &&CheckReport| matches!(c.status, Status::Fail | Status::Timeout | Status::Crash);
    let any = report.exercises.iter().any(|ex| {
        ex.compile_error.is_some() || !ex.flagged.is_empty() || ex.checks.iter().any(|c| broken(&c))
    });
    if !any {
        return;
    }
    out.push_str("### Not passing\n\n");
    for ex in &report.exercises {
        if let Some(error) = &ex.compile_error {
            let _ = writeln!(
                out,
                "#### {} {} does not compile\n",
                icon(Status::CompileError),
                inline(&ex.name)
            );
            fenced(out, &head(error));
            let _ = writeln!(out, "Read: {}\n", code(&ex.book));
        }
        if !ex.flagged.is_empty() {
            let _ = writeln!(
                out,
                "#### {} {} flagged, not graded (0 points)\n\n{}{}. Found:\n",
                icon(Status::Flagged),
                inline(&ex.name),
                FLAGGED_REASON[..1].to_uppercase(),
                &FLAGGED_REASON[1..]
            );
            fenced(out, &ex.flagged.join("\n"));
            continue;
        }
        for diagnosis in &ex.diagnoses {
            let _ = writeln!(
                out,
                "#### {} {}: one cause, {} check{}\n",
                icon(Status::Fail),
                inline(&ex.name),
                diagnosis.checks.len(),
                if diagnosis.checks.len() == 1 { "" } else { "s" }
            );
            fenced(out, &diagnosis.cause);
            let names: Vec<String> = diagnosis.checks.iter().map(|c| code(c)).collect();
            let _ = writeln!(out, "Explains: {}  ", names.join(", "));
            let _ = writeln!(out, "Hint: {}  ", inline(&diagnosis.hint));
            let _ = writeln!(out, "Read: {}\n", code(&diagnosis.book));
        }
        for check in ex.checks.iter().filter(broken) {
            let _ = writeln!(
                out,
                "#### {} {} {} — {}, {}/{} points\n",
                icon(check.status),
                inline(&ex.name),
                code(&check.name),
                check.status.as_str(),
                check.points,
                check.max_points
            );
            // A failure a diagnosis explains keeps its evidence, not a paragraph that
            // repeats the diagnosis, nor a hint that assumes the shared bug is gone.
            let explained = ex.diagnosis_of(check).is_some();
            if explained {
                out.push_str("Explained by the diagnosis above.\n\n");
            }
            let repeats_the_diagnosis = explained && check.status == Status::Crash;
            if !check.message.is_empty() && !repeats_the_diagnosis {
                fenced(out, &check.message);
            }
            if !check.details.is_empty() {
                out.push_str("<details><summary>output</summary>\n\n");
                fenced(out, &tail(&check.details));
                out.push_str("</details>\n\n");
            }
            if !explained {
                let _ = writeln!(out, "Hint: {}  ", inline(&check.hint));
                let _ = writeln!(out, "Read: {}  ", code(&check.book));
            }
            let _ = writeln!(out, "Check: {}\n", code(&check.source));
        }
    }
}

fn head(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let mut shown: String = lines[..lines.len().min(COMPILE_LINES)].join("\n");
    if shown.chars().count() > COMPILE_CHARS {
        shown = shown.chars().take(COMPILE_CHARS).collect();
    }
    if shown.len() < text.trim_end().len() {
        shown.push_str("\n…");
    }
    shown
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let shown = lines[lines.len().saturating_sub(DETAIL_LINES)..].join("\n");
    let chars = shown.chars().count();
    if chars <= DETAIL_CHARS {
        return shown;
    }
    let kept: String = shown.chars().skip(chars - DETAIL_CHARS).collect();
    format!("…{kept}")
}

/// Steps not started: one line per step rather than one per check, as there can be many.
fn render_unstarted(out: &mut String, report: &Report) {
    let mut lines = Vec::new();
    for ex in &report.exercises {
        let mut seen: Vec<&str> = Vec::new();
        for check in ex.checks.iter().filter(|c| c.status == Status::Todo) {
            if seen.contains(&check.step.as_str()) {
                continue;
            }
            seen.push(&check.step);
            let n = ex
                .checks
                .iter()
                .filter(|c| c.step == check.step && c.status == Status::Todo)
                .count();
            lines.push(format!(
                "- {} {} step {} ({}): {n} {} not started. Hint: {} · Read: {}",
                icon(Status::Todo),
                inline(&ex.name),
                code(&check.step),
                inline(&check.step_title),
                if n == 1 { "check" } else { "checks" },
                inline(&check.hint),
                code(&check.book)
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Not started\n\n{}\n", lines.join("\n"));
}

fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Todo => "🚧",
        Status::CompileError => "🛠️",
        Status::Timeout => "⏱️",
        Status::Crash => "💥",
        Status::Skipped => "⏭️",
        Status::Flagged => "🚩",
    }
}

/// `text` as literal text on one line, also inside a table cell.
pub fn inline(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Raw HTML is rendered in a job summary: `Box<dyn Fn()>` must not be a tag.
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as a code span on one line, whose backticks cannot end the span early. (Not for
/// table cells: GitHub splits cells at `|` before it looks at code spans.)
fn code(text: &str) -> String {
    let text = clean(text).replace(['\n', '\r', '\t'], " ");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// `text` verbatim in a fenced code block whose fence no line of it can close.
fn fenced(out: &mut String, text: &str) {
    let text = clean(text);
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    let _ = writeln!(out, "{fence}text\n{}\n{fence}\n", text.trim_end());
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_cannot_break_the_markup() {
        assert_eq!(
            inline("a | b\n<br> *c* `d`"),
            "a \\| b &lt;br&gt; \\*c\\* \\`d\\`"
        );
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`y`"), "`` `y` ``");
        let mut out = String::new();
        fenced(&mut out, "```\ninside\n```");
        assert_eq!(out, "````text\n```\ninside\n```\n````\n\n");
    }

    #[test]
    fn a_shared_cause_is_one_section_and_its_checks_keep_only_their_evidence() {
        let (checks, shared) = crate::report::testing::shared_crash();
        let report = crate::report::testing::report(checks, vec![shared]);
        let mut out = String::new();
        render_broken(&mut out, &report);
        assert!(out.contains("x: one cause, 2 checks"), "{out}");
        assert!(out.contains("Explains: `a::one`, `a::two`"), "{out}");
        assert_eq!(out.matches("a misaligned stack").count(), 1, "{out}");
        assert_eq!(
            out.matches("Explained by the diagnosis above.").count(),
            2,
            "{out}"
        );
        assert!(!out.contains("own hint of a::"), "{out}");
        assert!(out.contains("own hint of b::three"), "{out}");
    }

    #[test]
    fn a_pipe_in_a_title_stays_inside_its_cell() {
        let ex = ExerciseReport {
            name: "pipes".into(),
            title: "a | b\nc".into(),
            dir: "07-pipes".into(),
            status: Status::Todo,
            points: 0,
            max_points: 3,
            book: "pipes.md".into(),
            compile_error: None,
            flagged: Vec::new(),
            diagnoses: Vec::new(),
            next: None,
            checks: Vec::new(),
        };
        let mut out = String::new();
        render_table(&mut out, &[ex]);
        let row = out.lines().nth(2).unwrap();
        assert_eq!(row, "| 07 | pipes | a \\| b c | 🚧 todo | 0/0 | 0/3 |");
        let cells = row.replace("\\|", "").matches('|').count() - 1;
        assert_eq!(cells, 6, "{row}");
    }
}
