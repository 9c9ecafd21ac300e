//! The one error that stops the grader itself (exit status 2).

use std::fmt;

/// Something that prevents grading at all: a malformed course, a missing folder, an
/// unknown exercise, a build tool that cannot start. Learners' mistakes are never fatal;
/// they become check verdicts.
#[derive(Debug)]
pub struct Fatal(String);

impl Fatal {
    pub fn new(reason: impl Into<String>) -> Self {
        Fatal(reason.into())
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for Fatal {
    fn from(e: std::io::Error) -> Self {
        Fatal(e.to_string())
    }
}
