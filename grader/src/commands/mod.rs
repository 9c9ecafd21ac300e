//! What a learner or an instructor asks the grader for, one module per command. A command
//! may use every layer below it, and never another command: what two commands share
//! belongs in a lower layer.

pub mod batch;
pub mod bench;
pub mod classroom;
pub mod grade;
pub mod hint;
pub mod list;
pub mod load;
pub mod mutants;
pub mod reset;
pub mod trace;
pub mod watch;

use std::time::Duration;

/// The command line's options that every grading command takes.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Replaces every check's time limit.
    pub timeout: Option<Duration>,
    /// How many checks run at once (checks that measure time always run alone).
    pub jobs: usize,
}
