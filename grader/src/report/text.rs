//! Text that came from a check's output made safe for a document: colours gone, and no
//! character that XML 1.0 forbids (which also keeps a Markdown job summary readable).

use std::borrow::Cow;

/// `text` without terminal escape sequences and control characters (anstream strips them),
/// and with every other character XML 1.0 forbids (U+FFFE, U+FFFF) replaced by U+FFFD.
///
/// A check's output is whatever the graded code printed: colours, NUL bytes, a stray
/// escape. One such byte makes a whole JUnit file unreadable to a strict parser, and
/// shows as garbage in a job summary.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| !xml_allowed(c)) {
        return Cow::Borrowed(text);
    }
    let stripped: String = anstream::adapter::strip_str(text).collect();
    Cow::Owned(
        stripped
            .chars()
            .map(|c| if xml_allowed(c) { c } else { '\u{FFFD}' })
            .collect(),
    )
}

/// The characters XML 1.0 allows in a document (its production `Char`); Rust's `char`
/// already excludes the surrogates.
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_colours_and_replaces_forbidden_characters() {
        assert!(matches!(clean("plain\ttext\r\n"), Cow::Borrowed(_)));
        assert_eq!(clean("\x1b[31;1mred\x1b[0m ok"), "red ok");
        // Control characters go, with whatever escape sequence they begin.
        assert_eq!(clean("a\0b\x07c\x1bd"), "abc");
        assert_eq!(clean("\u{FFFE}\u{FFFF}é"), "\u{FFFD}\u{FFFD}é");
        // A sequence cut off at the end of the output.
        assert_eq!(clean("x\x1b[12"), "x");
    }
}
