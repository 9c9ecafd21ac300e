//! A one-line progress indicator on stderr, shown only on a terminal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Progress {
    enabled: bool,
    finished: AtomicUsize,
    /// Written before every line, so a batch keeps its `[i/n] name ...` in view.
    prefix: String,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            enabled: enabled && std::io::stderr().is_terminal(),
            finished: AtomicUsize::new(0),
            prefix: String::new(),
        }
    }

    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        Progress {
            prefix: prefix.into(),
            ..self
        }
    }

    fn show(&self, line: &str) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{}{line}", self.prefix);
            let _ = err.flush();
        }
    }

    pub fn building(&self, exercise: &str) {
        self.show(&format!("building {exercise} ..."));
    }

    pub fn running(&self, done: usize, total: usize) {
        self.show(&format!("running checks {}", bar(done, total)));
    }

    /// Any other line of progress, such as what is being built.
    pub fn status(&self, line: &str) {
        self.show(line);
    }

    pub fn measuring(&self, what: &str, done: usize, total: usize) {
        self.show(&format!("measuring {what} {}", bar(done, total)));
    }

    pub fn ran_one(&self, total: usize) {
        let done = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
        self.running(done, total);
    }

    pub fn done(&self) {
        self.show("");
    }
}

/// `[######------] done/total`
fn bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 24;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "[{}{}] {done}/{total}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}
