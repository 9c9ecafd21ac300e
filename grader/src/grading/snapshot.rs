//! A snapshot check's evidence in the course's words.
//!
//! The snapshot library prints a diff, framed for developers who own their snapshots: its
//! legend says "old snapshot" and "new results", and it closes with advice to review and
//! accept the new results with its own command-line tool. A learner must change the code,
//! never the snapshot, and has no such tool here: the legend becomes expected / got, and
//! the advice becomes the grader's own sentence.

use std::borrow::Cow;

/// Said once, where the snapshot library advised using its tool.
pub const IN_OUR_WORDS: &str = "-expected is the course's snapshot, +got is what the code gave: change the code, not the snapshot";

/// `lines` of a check's output with the snapshot library's legend relabelled and its
/// advice replaced.
pub fn in_course_words<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<Cow<'a, str>> {
    let mut said = false;
    let mut out = Vec::new();
    for line in lines {
        let plain = without_colour(line);
        if is_tool_advice(&plain) {
            if !said {
                out.push(Cow::Borrowed(IN_OUR_WORDS));
                said = true;
            }
            continue;
        }
        out.push(match plain.trim_end() {
            "-old snapshot" => Cow::Borrowed("-expected"),
            "+new results" => Cow::Borrowed("+got"),
            _ => Cow::Borrowed(line),
        });
    }
    out
}

/// Whether `line` is the snapshot library talking about itself rather than the values.
fn is_tool_advice(line: &str) -> bool {
    const OPENINGS: [&str; 3] = [
        "To update snapshots",
        "Stopped on the first failure",
        "To enable fast failing for glob",
    ];
    const NAMES: [&str; 4] = ["cargo insta", "cargo-insta", "INSTA_", "insta review"];
    let line = line.trim();
    OPENINGS.iter().any(|o| line.starts_with(o)) || NAMES.iter().any(|n| line.contains(n))
}

/// `line` without terminal colour sequences (`ESC [ … m`), which a library may print
/// even when asked not to.
fn without_colour(line: &str) -> Cow<'_, str> {
    if !line.contains('\x1b') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `details` with the snapshot header's `Source:` naming `file`: run where the course's
/// sources are hidden, the snapshot library cannot resolve the path and names the
/// workspace's folder instead.
pub fn with_snapshot_source(details: &str, file: &str) -> String {
    details
        .lines()
        .map(|line| match line.strip_prefix("Source: ") {
            Some(place) => match source_line(place) {
                Some(n) => format!("Source: {file}:{n}"),
                None => format!("Source: {file}"),
            },
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line of the check's file where the snapshot that differs is asserted: the place a
/// report's `check:` points at.
pub fn assertion_line(details: &str) -> Option<&str> {
    details
        .lines()
        .find_map(|line| line.strip_prefix("Source: "))
        .and_then(source_line)
}

fn source_line(place: &str) -> Option<&str> {
    let (_, n) = place.rsplit_once(':')?;
    Some(n).filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the snapshot library (insta 1.49) printed for a failing inline snapshot of this
    /// course, from the summary to its last words, once with `INSTA_UPDATE=no` (as the
    /// grader runs it) and once without (as a learner's shell might), and once in colour.
    const PRINTED: &str = "\
━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ Snapshot Summary ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
Snapshot: panics_become_errors
Source: /course/target/grader/submission-f20b92c850ec4c3e:296
────────────────────────────────────────────────────────────────────────────────
Expression: all.iter().map(shown).collect::<Vec<_>>().join(\"\\n\")
────────────────────────────────────────────────────────────────────────────────
-old snapshot
+new results
────────────┬───────────────────────────────────────────────────────────────────
    1     1 │ WorkPanicked(\"the disk is on fire\") / blocking work panicked: the disk is on fire
    2       │-WorkPanicked(\"disk 2 is on fire\") / blocking work panicked: disk 2 is on fire
          2 │+WorkPanicked(\"<non-string panic>\") / blocking work panicked: <non-string panic>
────────────┴───────────────────────────────────────────────────────────────────
To update snapshots run `cargo insta review`
Stopped on the first failure. Run `cargo insta test` to run all snapshots.";

    #[test]
    fn the_tools_advice_becomes_the_graders_words() {
        let coloured = PRINTED
            .replace("To update", "\x1b[2mTo update")
            .replace("review`", "review`\x1b[0m")
            .replace("-old snapshot", "\x1b[31m-old snapshot\x1b[0m");
        for printed in [
            PRINTED.to_owned(),
            PRINTED.replace("To update snapshots run `cargo insta review`\n", ""),
            coloured,
        ] {
            let shown = in_course_words(printed.lines()).join("\n");
            for word in [
                "insta",
                "INSTA",
                "review",
                "update",
                "old snapshot",
                "new results",
            ] {
                assert!(!shown.contains(word), "{word:?} left in:\n{shown}");
            }
            assert_eq!(shown.matches(IN_OUR_WORDS).count(), 1, "{shown}");
            assert!(shown.ends_with(IN_OUR_WORDS), "{shown}");
            assert!(shown.contains("\n-expected\n+got\n"), "{shown}");
            assert!(shown.contains("│-WorkPanicked(\"disk 2"), "{shown}");
        }
    }

    #[test]
    fn values_that_merely_look_like_advice_stay() {
        let diff = ["    1     1 │ to update the cache, run it twice", "+got"];
        assert_eq!(in_course_words(diff).join("\n"), diff.join("\n"));
    }

    #[test]
    fn the_snapshot_header_names_the_checks_file() {
        let details = "Snapshot: s\nSource: /course/target/grader/submission-1:49\n-expected";
        assert_eq!(
            with_snapshot_source(details, "grader/checks/01-x/tests/checks/a.rs"),
            "Snapshot: s\nSource: grader/checks/01-x/tests/checks/a.rs:49\n-expected"
        );
        assert_eq!(assertion_line(details), Some("49"));
        assert_eq!(
            with_snapshot_source("Source: /somewhere", "a.rs"),
            "Source: a.rs"
        );
        assert_eq!(assertion_line("Source: /somewhere"), None);
    }
}
