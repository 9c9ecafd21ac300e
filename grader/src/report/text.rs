//! Text that came from a check's output made safe for a document: colours gone, and no
//! character that XML 1.0 forbids (which also keeps a Markdown job summary readable).

use std::borrow::Cow;

/// `text` with terminal colour sequences removed and every character XML 1.0 forbids
/// replaced by U+FFFD.
///
/// A check's output is whatever the graded code printed: colours, NUL bytes, a stray
/// escape. One such byte makes a whole JUnit file unreadable to a strict parser, and
/// shows as garbage in a job summary.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| !xml_allowed(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            skip_csi_rest(&mut chars);
        } else if xml_allowed(c) {
            out.push(c);
        } else {
            out.push('\u{FFFD}');
        }
    }
    Cow::Owned(out)
}

/// Skips the parameters and the final byte of an `ESC [` sequence (ECMA-48), so that
/// `ESC[31m` disappears as a whole rather than leaving `[31m` behind.
fn skip_csi_rest(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        if ('\u{20}'..='\u{3f}').contains(&c) {
            chars.next();
            continue;
        }
        // A final byte ends the sequence; anything else means it was not well-formed,
        // and that text is kept.
        if ('\u{40}'..='\u{7e}').contains(&c) {
            chars.next();
        }
        return;
    }
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
        assert_eq!(clean("a\0b\x07c\x1bd"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}d");
        assert_eq!(clean("\u{FFFE}\u{FFFF}é"), "\u{FFFD}\u{FFFD}é");
        // A sequence cut off at the end of the output.
        assert_eq!(clean("x\x1b[12"), "x");
    }
}
