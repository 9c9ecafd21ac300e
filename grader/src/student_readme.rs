//! The README of a student template: the course's README without the passages meant for
//! the people who maintain the course (the solutions, the course's own tests, CI), which a
//! student's copy does not have.

/// Opens a passage that students' copies leave out.
pub const BEGIN: &str = "<!-- not in the student template -->";
/// Closes it.
pub const END: &str = "<!-- end: not in the student template -->";

/// `readme` without its marked passages, or why the markers cannot be trusted. Blank lines
/// that would pile up where a passage was are folded into one.
pub fn strip(readme: &str) -> Result<String, String> {
    let mut kept = String::with_capacity(readme.len());
    let mut opened_at = None;
    for (index, line) in readme.lines().enumerate() {
        let number = index + 1;
        match (line.trim(), opened_at) {
            (BEGIN, None) => opened_at = Some(number),
            (BEGIN, Some(open)) => {
                return Err(format!(
                    "line {number} opens a passage for maintainers inside the one opened on line {open}"
                ));
            }
            (END, Some(_)) => opened_at = None,
            (END, None) => {
                return Err(format!(
                    "line {number} closes a passage for maintainers that was never opened"
                ));
            }
            (_, Some(_)) => {}
            (_, None) => {
                if !(line.trim().is_empty() && kept.ends_with("\n\n")) {
                    kept.push_str(line);
                    kept.push('\n');
                }
            }
        }
    }
    match opened_at {
        Some(open) => Err(format!(
            "the passage for maintainers opened on line {open} is never closed with {END}"
        )),
        None => Ok(kept.trim_end().to_string() + "\n"),
    }
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
