//! The documents of a student template: the course's README and book pages without the
//! passages meant for the people who maintain the course (the solutions, the course's own
//! tests, CI), which a student's copy does not have.

/// Opens a passage that students' copies leave out.
pub const BEGIN: &str = "<!-- not in the student template -->";
/// Closes it.
pub const END: &str = "<!-- end: not in the student template -->";

/// `document` (Markdown) without its marked passages, or why the markers cannot be
/// trusted. Everything else stays as written, line endings included, except that a blank
/// line following a removed passage is dropped when one precedes it. Markers inside fenced
/// code blocks are text, not markers.
pub fn strip(document: &str) -> Result<String, String> {
    let mut kept = String::with_capacity(document.len());
    let mut opened_at = None;
    let mut in_fence = false;
    let mut after_passage = false;
    // At the start, a blank line after a removed passage has nothing to separate.
    let mut last_blank = true;
    for (index, line) in document.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let text = line.trim().trim_start_matches('\u{feff}');
        let marker = if in_fence {
            None
        } else if text == BEGIN {
            Some(true)
        } else if text == END {
            Some(false)
        } else {
            None
        };
        match (marker, opened_at) {
            (Some(true), None) => {
                opened_at = Some(number);
                continue;
            }
            (Some(true), Some(open)) => {
                return Err(format!(
                    "line {number} opens a passage for maintainers inside the one opened on line {open}"
                ));
            }
            (Some(false), Some(_)) => {
                opened_at = None;
                after_passage = true;
                continue;
            }
            (Some(false), None) => {
                return Err(format!(
                    "line {number} closes a passage for maintainers that was never opened"
                ));
            }
            (None, _) => {}
        }
        if text.starts_with("```") || text.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if opened_at.is_some() || (after_passage && text.is_empty() && last_blank) {
            continue;
        }
        after_passage = false;
        last_blank = text.is_empty();
        kept.push_str(line);
    }
    if let Some(open) = opened_at {
        return Err(format!(
            "the passage for maintainers opened on line {open} is never closed with {END}"
        ));
    }
    if after_passage {
        // The file ended with a passage: the blank line before it separates nothing now.
        let end = kept.trim_end_matches(['\r', '\n']).len();
        let newline = if kept.ends_with("\r\n") { "\r\n" } else { "\n" };
        kept.truncate(end);
        kept.push_str(newline);
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_passages_go_and_the_rest_stays_as_written() {
        let readme = format!(
            "# Course\n\nFor everyone.\n\n{BEGIN}\n\nFor maintainers.\n\n{END}\n\nAgain for everyone.\n\n{BEGIN}\n## Speed\n{END}\n"
        );
        assert_eq!(
            strip(&readme).unwrap(),
            "# Course\n\nFor everyone.\n\nAgain for everyone.\n"
        );
        assert_eq!(strip("plain\n").unwrap(), "plain\n");
    }

    #[test]
    fn line_endings_code_blocks_and_their_blank_lines_are_kept() {
        let crlf = format!("a\r\n\r\n{BEGIN}\r\nb\r\n{END}\r\n\r\nc\r\n");
        assert_eq!(strip(&crlf).unwrap(), "a\r\n\r\nc\r\n");
        let fenced = format!("```\nx\n\n\n{END}\n```\n");
        assert_eq!(strip(&fenced).unwrap(), fenced);
        let spaced = "a\n\n\n\nb\n";
        assert_eq!(strip(spaced).unwrap(), spaced);
    }

    #[test]
    fn markers_that_do_not_pair_up_are_refused() {
        let unclosed = format!("a\n{BEGIN}\nb\n");
        assert!(
            strip(&unclosed)
                .unwrap_err()
                .contains("opened on line 2 is never closed")
        );
        let nested = format!("{BEGIN}\n{BEGIN}\n{END}\n");
        assert!(strip(&nested).unwrap_err().contains("line 2 opens"));
        let stray = format!("a\n{END}\n");
        assert!(strip(&stray).unwrap_err().contains("never opened"));
    }
}
