//! JUnit XML, the test report CI systems know how to show.
//!
//! One `<testsuite>` per exercise and one `<testcase>` per check, with classname
//! `exercise.step` and the check's name. Verdicts map to:
//!
//! | verdict | element |
//! |---|---|
//! | `pass` | none |
//! | `fail`, `timeout`, `crash` | `<failure type="…">` with the message, the output and the hint |
//! | `todo` | `<failure type="todo">`: a step not started must never look passed, nor skipped (which CI shows as fine) |
//! | `compile-error` | `<error type="compile-error">`; the whole compiler message is the suite's `<system-err>` |
//! | `skipped` | `<skipped message="reason"/>` |
//!
//! Points are `<properties>` of every suite and case.

use super::clean;
use crate::report::{CheckReport, ExerciseReport, Report};
use crate::verdict::Status;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all = Counts::of(report.exercises.iter().flat_map(|e| &e.checks));
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" {}>",
        escape_attr(&report.course),
        all.attributes()
    );
    for ex in &report.exercises {
        render_suite(&mut out, ex);
    }
    out.push_str("</testsuites>\n");
    out
}

fn render_suite(out: &mut String, ex: &ExerciseReport) {
    let counts = Counts::of(&ex.checks);
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" {}>",
        escape_attr(&ex.name),
        counts.attributes()
    );
    out.push_str("    <properties>\n");
    for (name, value) in [
        ("title", ex.title.as_str()),
        ("status", ex.status.as_str()),
        ("points", &ex.points.to_string()),
        ("max_points", &ex.max_points.to_string()),
        ("book", &ex.book),
    ] {
        property(out, 6, name, value);
    }
    out.push_str("    </properties>\n");
    for check in &ex.checks {
        render_case(out, ex, check);
    }
    if let Some(error) = &ex.compile_error {
        let _ = writeln!(out, "    <system-err>{}</system-err>", escape_text(error));
    }
    out.push_str("  </testsuite>\n");
}

fn render_case(out: &mut String, ex: &ExerciseReport, check: &CheckReport) {
    let check_name = check.name.rsplit("::").next().unwrap_or(&check.name);
    let _ = writeln!(
        out,
        "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\">",
        escape_attr(&ex.name),
        escape_attr(&check.step),
        escape_attr(check_name),
        check.seconds
    );
    out.push_str("      <properties>\n");
    for (name, value) in [
        ("kind", check.kind),
        ("points", &check.points.to_string()),
        ("max_points", &check.max_points.to_string()),
    ] {
        property(out, 8, name, value);
    }
    out.push_str("      </properties>\n");
    match check.status {
        Status::Pass => {}
        Status::Skipped => {
            let _ = writeln!(
                out,
                "      <skipped message=\"{}\"/>",
                escape_attr(&check.message)
            );
        }
        Status::CompileError => {
            let first = ex.compile_error.as_deref().map(first_error).unwrap_or("");
            let _ = writeln!(
                out,
                "      <error message=\"{}\" type=\"compile-error\">{}</error>",
                escape_attr(&check.message),
                escape_text(first)
            );
        }
        Status::Fail | Status::Timeout | Status::Crash | Status::Todo => {
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                escape_attr(&check.message),
                check.status.as_str(),
                escape_text(&explanation(check))
            );
        }
    }
    out.push_str("    </testcase>\n");
}

/// The body of a `<failure>`: everything a learner would need to act without the grader.
fn explanation(check: &CheckReport) -> String {
    let mut text = check.message.clone();
    if !check.details.is_empty() && check.status != Status::Todo {
        let _ = write!(text, "\n\noutput:\n{}", check.details.trim_end());
    }
    let _ = write!(
        text,
        "\n\nhint:  {}\nread:  {}\ncheck: {}",
        check.hint, check.book, check.source
    );
    text
}

fn property(out: &mut String, indent: usize, name: &str, value: &str) {
    let _ = writeln!(
        out,
        "{:indent$}<property name=\"{}\" value=\"{}\"/>",
        "",
        escape_attr(name),
        escape_attr(value)
    );
}

/// The compiler's first diagnostic: the whole message is in the suite's `<system-err>`,
/// and repeating all of it under every check would only bury it.
fn first_error(text: &str) -> &str {
    text.split("\n\n").next().unwrap_or(text)
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    seconds: f64,
}

impl Counts {
    fn of<'a>(checks: impl IntoIterator<Item = &'a CheckReport>) -> Counts {
        let mut counts = Counts::default();
        for check in checks {
            counts.tests += 1;
            counts.seconds += check.seconds;
            match check.status {
                Status::Pass => {}
                Status::Skipped => counts.skipped += 1,
                Status::CompileError => counts.errors += 1,
                Status::Fail | Status::Timeout | Status::Crash | Status::Todo => {
                    counts.failures += 1
                }
            }
        }
        counts
    }

    fn attributes(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\"",
            self.tests, self.failures, self.errors, self.skipped, self.seconds
        )
    }
}

/// `text` as XML character data.
pub fn escape_text(text: &str) -> String {
    escape(text, false)
}

/// `text` as the value of a double- or single-quoted XML attribute.
pub fn escape_attr(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, attribute: bool) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A parser turns a literal CR LF into LF; a reference survives.
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            // In attribute values a parser turns literal newlines and tabs into spaces.
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "a<b>&c\"d'e\0f\x07g\x1b[31mred\x1b[0m\u{FFFF}h\r\ni\tj\u{10348}";
    /// What a parser must read back: colours gone, forbidden characters replaced, the
    /// rest exactly as it was.
    const READ_BACK: &str = "a<b>&c\"d'e\u{FFFD}f\u{FFFD}gred\u{FFFD}h\r\ni\tj\u{10348}";

    #[test]
    fn escapes_markup_and_forbidden_characters() {
        assert_eq!(
            escape_attr("<&\"'>\n\t"),
            "&lt;&amp;&quot;&apos;&gt;&#10;&#9;"
        );
        assert_eq!(escape_text("<&\"'>\n\t"), "&lt;&amp;\"'&gt;\n\t");
        for escaped in [escape_text(NASTY), escape_attr(NASTY)] {
            assert!(
                !escaped
                    .chars()
                    .any(|c| c.is_control() && !"\t\n".contains(c)),
                "{escaped:?}"
            );
        }
    }

    #[test]
    fn escaped_text_reads_back_exactly() {
        for quote in ['"', '\''] {
            let doc = format!(
                "<a v={quote}{}{quote}>{}</a>",
                escape_attr(NASTY),
                escape_text(NASTY)
            );
            let parsed = roxmltree::Document::parse(&doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
            let root = parsed.root_element();
            assert_eq!(root.attribute("v"), Some(READ_BACK));
            assert_eq!(root.text(), Some(READ_BACK));
        }
    }
}
