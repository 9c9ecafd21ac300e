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
/// The grader: its sources, harnesses, stubs and tests.
pub const GRADER: &str = "grader";
/// The grader's own tests and their fixtures (absent from a students' copy).
pub const GRADER_TESTS: &str = "grader/tests";
/// The reviewed list of mutants of the solutions that no check can catch.
pub const EQUIVALENT_MUTANTS: &str = "grader/mutants/equivalent.toml";
/// Cargo's build output, unless `CARGO_TARGET_DIR` names another folder.
pub const TARGET: &str = "target";
/// Inside the build output: the grader's overlays and their shared build folder.
pub const OVERLAYS: &str = "grader";
/// Version control's own folder.
pub const GIT: &str = ".git";
/// The bench programs: `grader/bench/NN-name` per exercise, and the peers'.
pub const BENCH: &str = "grader/bench";
/// The peers' bench program, under [`BENCH`].
pub const PEERS: &str = "peers";
