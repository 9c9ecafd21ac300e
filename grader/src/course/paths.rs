//! Every path the course layout fixes, relative to the course root, in one place.

use super::Exercise;
use std::path::{Path, PathBuf};

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

impl Exercise {
    /// `exercises/NN-name`.
    pub fn exercise_dir(&self, root: &Path) -> PathBuf {
        root.join(EXERCISES).join(&self.dir)
    }

    /// `exercises/NN-name/src`, relative to the root: the only part of an exercise that is
    /// graded.
    pub fn src_rel(&self) -> PathBuf {
        Path::new(EXERCISES).join(&self.dir).join("src")
    }

    /// `grader/checks/NN-name`.
    pub fn harness_dir(&self, root: &Path) -> PathBuf {
        root.join(CHECKS).join(&self.dir)
    }

    /// The harness's folder of check modules, relative to the root.
    pub fn checks_rel(&self) -> String {
        format!("{CHECKS}/{}/tests/checks", self.dir)
    }

    /// `grader/stubs/NN-name/src`.
    pub fn stub_src(&self, root: &Path) -> PathBuf {
        root.join(STUBS).join(&self.dir).join("src")
    }

    /// `solutions/NN-name/src`.
    pub fn solution_src(&self, root: &Path) -> PathBuf {
        root.join(SOLUTIONS).join(&self.dir).join("src")
    }
}
