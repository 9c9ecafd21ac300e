//! Every path the course layout fixes, relative to the course root, in one place.

/// The manifest at the course root.
pub const MANIFEST: &str = "course.toml";
/// The exercises learners edit, one folder each.
pub const EXERCISES: &str = "exercises";
/// The reference solutions (absent from a students' copy).
pub const SOLUTIONS: &str = "solutions";
/// The harness crates, one per exercise.
pub const CHECKS: &str = "grader/checks";
/// The pristine stubs, `grader/stubs/NN-name/src`, which `reset` restores: learners edit
/// `exercises/` itself, so the grader cannot take the stubs from there.
pub const STUBS: &str = "grader/stubs";
/// Where `reset` saves learners' code before it restores a stub; `.gitignore` leaves it
/// out.
pub const BACKUPS: &str = ".backups";
/// The grader's own tests and their fixtures (absent from a students' copy).
pub const GRADER_TESTS: &str = "grader/tests";
