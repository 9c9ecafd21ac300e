//! Styling text for a terminal, and the one decision whether to: `anstream`'s, which
//! follows the `NO_COLOR`, `CLICOLOR` and `CLICOLOR_FORCE` conventions and colours only a
//! terminal that supports it.

use anstream::{AutoStream, ColorChoice};
use anstyle::AnsiColor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// No colour at all.
    pub const PLAIN: Style = Style { color: false };
    /// Colour whatever the output is (for tests of what colour looks like).
    pub const COLORED: Style = Style { color: true };

    /// Colour when standard output is a terminal that wants it.
    pub fn for_stdout() -> Style {
        Style {
            color: AutoStream::choice(&std::io::stdout()) != ColorChoice::Never,
        }
    }

    pub fn color(&self) -> bool {
        self.color
    }

    fn paint(&self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().bold(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().dimmed(), text)
    }

    /// What is right: a pass, what the code produced.
    pub fn good(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }

    /// What waits to be done.
    pub fn pending(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }

    /// What was expected and did not come.
    pub fn expected(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }

    /// What is broken.
    pub fn bad(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default().bold(), text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_is_plain_and_colour_is_reset_after_the_text() {
        assert_eq!(Style::PLAIN.bad("fail"), "fail");
        let painted = Style::COLORED.good("pass");
        assert!(
            painted.starts_with('\x1b') && painted.contains("32m"),
            "{painted:?}"
        );
        assert!(painted.ends_with("pass\x1b[0m"), "{painted:?}");
    }
}
