//! The one error that stops the grader itself (exit status 2), and the stage it stopped in.
//!
//! Learners' mistakes are never errors here: they become check verdicts. An error is what
//! prevents grading at all: a malformed course, a missing folder, an unknown exercise, a
//! build tool that cannot start, a report that cannot be written. File operations go
//! through `fs_err`, whose errors name the file, so a message never reads "Permission
//! denied (os error 13)" without saying of what.

use std::fmt;

/// Where the grader was when it had to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the command line.
    Usage,
    /// Finding and reading `course.toml`, choosing an exercise.
    Course,
    /// Preparing the workspace: the overlay of a submission or of the solutions.
    Workspace,
    /// Building an exercise's checks.
    Build,
    /// Fencing and running the checks.
    Checks,
    /// Writing a report or a gradebook.
    Report,
    /// Talking to the terminal.
    Terminal,
    /// The work of one command (`reset`, `classroom`, `batch`, ...).
    Command(&'static str),
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Usage => "usage",
            Stage::Course => "course",
            Stage::Workspace => "workspace",
            Stage::Build => "build",
            Stage::Checks => "checks",
            Stage::Report => "report",
            Stage::Terminal => "terminal",
            Stage::Command(name) => name,
        })
    }
}

#[derive(Debug)]
pub struct Error {
    stage: Stage,
    message: String,
}

impl Error {
    pub fn new(stage: Stage, message: impl Into<String>) -> Self {
        Error {
            stage,
            message: message.into(),
        }
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// What went wrong, without the stage.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.stage, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns any displayable error into the grader's, in the stage given. There is no blanket
/// `From`: every `?` on a foreign error says which stage it stops.
pub trait At<T> {
    fn at(self, stage: Stage) -> Result<T>;
}

impl<T, E: fmt::Display> At<T> for std::result::Result<T, E> {
    fn at(self, stage: Stage) -> Result<T> {
        self.map_err(|e| Error::new(stage, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_comes_first_and_file_errors_keep_their_path() {
        let missing = std::path::Path::new("/no/such/folder/course.toml");
        let err = fs_err::read_to_string(missing)
            .at(Stage::Course)
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("course: "), "{text}");
        assert!(text.contains("/no/such/folder/course.toml"), "{text}");
        assert_eq!(err.stage(), Stage::Course);
        assert_eq!(
            Error::new(Stage::Command("reset"), "x").to_string(),
            "reset: x"
        );
    }
}
