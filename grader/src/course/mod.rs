//! The course manifest, `course.toml`: exercises in order, their steps and checks.

mod paths;

pub use paths::*;

use crate::error::{At, Error, Result, Stage};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    pub course: Meta,
    #[serde(rename = "exercise", default)]
    pub exercises: Vec<Exercise>,
    /// Where the manifest was read from; the course root.
    #[serde(skip)]
    pub root: PathBuf,
}

/// The memory limit of a check when `course.toml` names none: well above the largest need
/// of a correct check, well below what would push the machine into swapping.
fn default_memory_mib() -> u64 {
    1024
}

/// Below this, even a check that does nothing may not start.
const MIN_MEMORY_MIB: u64 = 16;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub title: String,
    /// The default time limit of one check, in seconds.
    pub timeout_secs: u64,
    /// The memory one check may use, in MiB, where control groups allow a limit.
    #[serde(default = "default_memory_mib")]
    pub memory_mib: u64,
    /// Folder of the book's sources, relative to the root; book links are relative to it.
    pub book: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Short name used on the command line (`cargo run -p grader -- threads`).
    pub name: String,
    /// Folder name shared by `exercises/`, `solutions/` and `grader/checks/`.
    pub dir: String,
    pub title: String,
    pub book: String,
    /// What a crash with a given signal usually means in this exercise.
    #[serde(default)]
    pub crash_hints: BTreeMap<String, String>,
    /// The platforms (`<os>-<arch>`, as Rust names them, e.g. `linux-x86_64`) the exercise
    /// can run on; empty means all. Elsewhere its checks are skipped, not built.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Bugs a check can recognize in what it measured and name when it fails (a panic
    /// message starting `[cause: NAME]`), so that the report explains the bug rather than
    /// the check's own pitfall.
    #[serde(rename = "cause", default)]
    pub causes: Vec<Cause>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    /// What checks call it by.
    pub name: String,
    /// What went wrong, in words, as the report's diagnosis says it.
    pub says: String,
    pub hint: String,
    pub book: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Also the module of the harness that holds the step's checks.
    pub name: String,
    pub title: String,
    pub book: String,
    pub hint: String,
    #[serde(rename = "check")]
    pub checks: Vec<Check>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The check function's name inside the step's module.
    pub name: String,
    pub kind: Kind,
    pub points: u32,
    pub hint: String,
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Output or event order compared with an embedded expectation.
    Snapshot,
    /// Wall time compared between two hypotheses measured in the same run.
    Timing,
    /// Concurrency proven by structure: rendezvous, thread ids, poll counts.
    Structural,
    /// CPU time, threads, file descriptors, drops.
    Resource,
    /// One classic bug provoked on purpose.
    Pitfall,
    /// A plain behavioural contract.
    Behaviour,
}

impl Kind {
    /// Checks that measure time or CPU run alone, with nothing else of the grader running.
    pub fn needs_quiet_machine(self) -> bool {
        matches!(self, Kind::Timing | Kind::Resource)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Snapshot => "snapshot",
            Kind::Timing => "timing",
            Kind::Structural => "structural",
            Kind::Resource => "resource",
            Kind::Pitfall => "pitfall",
            Kind::Behaviour => "behaviour",
        }
    }
}

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

    /// Every check with its step, in course order.
    pub fn checks(&self) -> impl Iterator<Item = (&Step, &Check)> {
        self.steps
            .iter()
            .flat_map(|step| step.checks.iter().map(move |check| (step, check)))
    }

    /// The cause named `name`, if this exercise declares it.
    pub fn cause(&self, name: &str) -> Option<&Cause> {
        self.causes.iter().find(|c| c.name == name)
    }

    pub fn max_points(&self) -> u32 {
        self.checks().map(|(_, c)| c.points).sum()
    }

    /// Why this exercise cannot run on `platform` (`<os>-<arch>`), if it cannot.
    pub fn unsupported_on(&self, platform: &str) -> Option<String> {
        if self.platforms.is_empty() || self.platforms.iter().any(|p| p == platform) {
            return None;
        }
        Some(format!(
            "this exercise runs on {} only; this machine is {platform}",
            self.platforms.join(", ")
        ))
    }
}

/// This machine's platform, as `course.toml` names platforms.
pub fn this_platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

impl Step {
    /// The name the test harness knows the check by.
    pub fn test_name(&self, check: &Check) -> String {
        format!("{}::{}", self.name, check.name)
    }
}

impl Check {
    pub fn timeout(&self, course: &Course) -> Duration {
        Duration::from_secs(self.timeout_secs.unwrap_or(course.course.timeout_secs))
    }
}

impl Course {
    /// Reads and validates `course.toml` under `root`.
    pub fn load(root: &Path) -> Result<Course> {
        let path = root.join(MANIFEST);
        let text = fs_err::read_to_string(&path).at(Stage::Course)?;
        let mut course: Course = toml::from_str(&text).map_err(|e| {
            let detail = e.to_string().replace('\n', " ").replace("  ", " ");
            Error::new(
                Stage::Course,
                format!("{} is malformed: {}", path.display(), detail.trim()),
            )
        })?;
        course.root = root.to_path_buf();
        course.validate()?;
        Ok(course)
    }

    fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(Error::new(Stage::Course, format!("{MANIFEST}: {what}")));
        if self.exercises.is_empty() {
            return bad("lists no [[exercise]]".into());
        }
        if self.course.timeout_secs == 0 {
            return bad("[course] timeout_secs must be at least 1".into());
        }
        if self.course.memory_mib < MIN_MEMORY_MIB {
            return bad(format!(
                "[course] memory_mib must be at least {MIN_MEMORY_MIB}: a check's process \
                 needs that much to start"
            ));
        }
        let (mut names, mut dirs) = (HashSet::new(), HashSet::new());
        for ex in &self.exercises {
            if !is_command_word(&ex.name) || !names.insert(ex.name.as_str()) {
                return bad(format!(
                    "exercise name {:?} must be unique, of lowercase letters, digits, - and _",
                    ex.name
                ));
            }
            if !dirs.insert(ex.dir.as_str()) {
                return bad(format!("exercise folder {:?} is used twice", ex.dir));
            }
            if ex.dir.is_empty() || ex.dir.contains(['/', '\\']) || ex.dir.starts_with('.') {
                return bad(format!(
                    "exercise folder {:?} must be a plain folder name",
                    ex.dir
                ));
            }
            if ex.steps.is_empty() {
                return bad(format!("exercise {:?} has no [[exercise.step]]", ex.name));
            }
            let mut tests = HashSet::new();
            for step in &ex.steps {
                if !is_identifier(&step.name) || step.checks.is_empty() {
                    return bad(format!(
                        "step {:?} of {:?} needs an identifier name and at least one check",
                        step.name, ex.name
                    ));
                }
                for check in &step.checks {
                    if !is_identifier(&check.name) || !tests.insert(step.test_name(check)) {
                        return bad(format!(
                            "check {:?} in step {:?} of {:?} is not a unique identifier",
                            check.name, step.name, ex.name
                        ));
                    }
                    if check.timeout_secs == Some(0) {
                        return bad(format!(
                            "check {:?}: timeout_secs must be at least 1",
                            check.name
                        ));
                    }
                }
            }
            let mut causes = HashSet::new();
            for cause in &ex.causes {
                if !is_command_word(&cause.name) || !causes.insert(cause.name.as_str()) {
                    return bad(format!(
                        "cause {:?} of {:?} must be unique, of lowercase letters, digits, - and _",
                        cause.name, ex.name
                    ));
                }
            }
            for required in [ex.exercise_dir(&self.root), ex.harness_dir(&self.root)] {
                if !required.join("Cargo.toml").is_file() {
                    return Err(Error::new(
                        Stage::Course,
                        format!(
                            "exercise {:?}: missing folder {} (or its Cargo.toml)",
                            ex.name,
                            required.display()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Finds an exercise by name, folder (`01-threads`) or number (`1`).
    pub fn find(&self, wanted: &str) -> Option<&Exercise> {
        self.exercises.iter().enumerate().find_map(|(i, ex)| {
            let by_number = wanted.parse::<usize>().ok() == Some(i + 1);
            (ex.name == wanted || ex.dir == wanted || by_number).then_some(ex)
        })
    }

    /// Like [`Course::find`], with an error that lists the exercises there are.
    pub fn exercise(&self, wanted: &str) -> Result<&Exercise> {
        self.find(wanted).ok_or_else(|| {
            let known: Vec<&str> = self.exercises.iter().map(|e| e.name.as_str()).collect();
            Error::new(
                Stage::Course,
                format!(
                    "unknown exercise {wanted:?}; the course has: {}",
                    known.join(", ")
                ),
            )
        })
    }

    /// The top folder of the book (`book` for `book/src`), where mdBook also writes the
    /// built book.
    pub fn book_root(&self) -> PathBuf {
        self.course
            .book
            .components()
            .next()
            .map_or_else(PathBuf::new, |c| PathBuf::from(c.as_os_str()))
    }

    /// Cargo's build output for this course: `CARGO_TARGET_DIR` (relative to the root)
    /// when set, else `target` under the root.
    pub fn target_dir(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(|dir| self.root.join(dir))
            .unwrap_or_else(|| self.root.join(TARGET))
    }

    /// Where the grader keeps its overlays, in the build output.
    pub fn overlays_dir(&self) -> PathBuf {
        self.target_dir().join(OVERLAYS)
    }

    /// A book link as a path a reader can open.
    pub fn book_link(&self, link: &str) -> String {
        format!("{}/{link}", self.course.book.display())
    }
}

/// A name typed on the command line: lowercase letters, digits, `-` and `_`.
fn is_command_word(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The package name declared by a crate's `Cargo.toml`.
pub fn package_name(crate_dir: &Path) -> Result<String> {
    #[derive(Deserialize)]
    struct Manifest {
        package: Package,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
    }
    let path = crate_dir.join("Cargo.toml");
    let text = fs_err::read_to_string(&path).at(Stage::Course)?;
    let manifest: Manifest = toml::from_str(&text).map_err(|e| {
        Error::new(
            Stage::Course,
            format!("{} has no [package] name: {e}", path.display()),
        )
    })?;
    Ok(manifest.package.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("results_in_order2"));
        assert!(!is_identifier("Results"));
        assert!(!is_identifier("9lives"));
        assert!(!is_identifier("a::b"));
        assert!(!is_identifier(""));
        assert!(is_command_word("green-threads"));
        assert!(!is_command_word("-x"));
        assert!(!is_command_word("Green"));
    }
}
