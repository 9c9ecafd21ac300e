//! Where the graded code comes from, and the workspace it is built in.
//!
//! The learner's own exercises are graded in place, so compiler errors point at their
//! files. Any other implementation (the solutions, a submission) is graded through an
//! *overlay*: a copy of the trusted course under `target/grader/` in which only
//! `exercises/*/src/**` comes from the graded source. Manifests, checks, snapshots,
//! `course.toml` and the grader always come from the trusted tree.
//!
//! Overlays cannot share the course's own target directory: cargo identifies a path
//! package by its path *relative to the workspace root*, so an overlay's `threads` crate and
//! the learner's would share one artifact, and whichever was built last would be run for
//! both. So all overlays build in one target directory of their own,
//! `target/grader/build` (dependencies are compiled there once), one build at a time, and
//! each overlay keeps a copy of its check binaries. See [`SharedBuild`].

mod overlay;
mod submission;

use crate::course::{self, Course};
use crate::error::{At, Error, Result, Stage};
use fs_err::{self as fs, File};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The implementation being graded.
#[derive(Debug, Clone)]
pub enum Source {
    /// `exercises/*/src` of the course itself.
    InPlace,
    /// `solutions/*/src`.
    Solutions,
    /// `DIR/exercises/*/src` of someone's submission.
    Submission(PathBuf),
    /// The pristine stubs (`grader/stubs/*/src`): the reference every graded build is
    /// compared with, and the program the checks are listed from.
    Stubs,
}

impl Source {
    /// Where exercise `dir`'s sources come from.
    pub fn src_of(&self, course: &Course, ex: &course::Exercise) -> PathBuf {
        match self {
            Source::InPlace => course.root.join(ex.src_rel()),
            Source::Solutions => ex.solution_src(&course.root),
            Source::Submission(sub) => sub.join(ex.src_rel()),
            Source::Stubs => ex.stub_src(&course.root),
        }
    }

    /// The command-line arguments that select this source.
    pub fn args(&self) -> String {
        match self {
            Source::InPlace => String::new(),
            Source::Solutions => " --solutions".into(),
            Source::Submission(dir) => format!(" --submission {}", dir.display()),
            Source::Stubs => String::new(),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Source::InPlace => "exercises".into(),
            Source::Solutions => "solutions".into(),
            Source::Submission(dir) => format!("submission {}", dir.display()),
            Source::Stubs => "stubs".into(),
        }
    }
}

/// A workspace ready to build: the course itself, or an overlay of it.
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    /// Maps paths printed by the compiler back to where the learner's files are.
    pub display_src: Vec<(String, String)>,
    /// Present for overlays: how to build safely in the target directory they share.
    pub shared: Option<SharedBuild>,
    /// A submission's files that are not graded, relative to its folder.
    pub ignored: Vec<String>,
    /// Held while grading, so two graders never rewrite the same overlay at once.
    _lock: Option<File>,
}

/// Building an overlay in the target directory all overlays share.
///
/// Overlays differ only in `exercises/*/src`, at the same relative paths, so cargo may
/// consider another overlay's artifacts fresh. The directory therefore remembers (in a
/// marker file) which sources it last built; when those were different, every graded
/// source file is touched so cargo rebuilds the exercise and its checks.
pub struct SharedBuild {
    lock: PathBuf,
    marker: PathBuf,
    /// Where this overlay keeps copies of its check binaries.
    pub bin_dir: PathBuf,
    /// A digest of the graded sources, the marker's content.
    sources_id: String,
    graded_files: Vec<PathBuf>,
}

impl SharedBuild {
    /// Takes the build lock and makes sure cargo sees this overlay's sources as new when
    /// the target directory last built other ones. The lock is released on drop of the
    /// returned file.
    pub fn enter(&self) -> Result<File> {
        let lock = overlay::lock(&self.lock)?;
        let last = fs::read_to_string(&self.marker).unwrap_or_default();
        if last != self.sources_id {
            let now = SystemTime::now();
            for path in &self.graded_files {
                File::options()
                    .write(true)
                    .open(path)
                    .and_then(|f| f.set_modified(now))
                    .at(Stage::Workspace)?;
            }
            fs::write(&self.marker, &self.sources_id).at(Stage::Workspace)?;
        }
        Ok(lock)
    }
}

impl Workspace {
    pub fn prepare(course: &Course, source: &Source) -> Result<Workspace> {
        let target_dir = course.target_dir();
        if let Source::InPlace = source {
            return Ok(Workspace {
                root: course.root.clone(),
                target_dir,
                display_src: Vec::new(),
                shared: None,
                ignored: Vec::new(),
                _lock: None,
            });
        }
        if let Source::Submission(dir) = source
            && !dir.is_dir()
        {
            return Err(Error::new(
                Stage::Workspace,
                format!("submission folder {} does not exist", dir.display()),
            ));
        }
        let overlays = course.overlays_dir();
        let build_name = build_folder(source);
        let build_dir = overlays.join(build_name);
        fs::create_dir_all(&build_dir).at(Stage::Workspace)?;
        let name = overlay_name(source);
        let lock = overlay::lock(&overlays.join(format!("{name}.lock")))?;
        let root = overlays.join(&name);
        let mut sources = Vec::new();
        let mut display_src = Vec::new();
        let ignored = match source {
            Source::Submission(dir) => submission::ignored_files(dir, course),
            Source::InPlace | Source::Solutions | Source::Stubs => Vec::new(),
        };
        for ex in &course.exercises {
            let from = source.src_of(course, ex);
            if let Source::Submission(dir) = source {
                submission::refuse_escape(dir, ex)?;
            }
            let from = if from.is_dir() {
                from
            } else if matches!(source, Source::Solutions)
                && !course.root.join(course::SOLUTIONS).is_dir()
            {
                return Err(Error::new(
                    Stage::Workspace,
                    format!(
                        "this course has no {}/ folder (a course made with `grader \
                         classroom` has none), so there are no reference solutions to grade \
                         (looked for {})",
                        course::SOLUTIONS,
                        from.display()
                    ),
                ));
            } else {
                // A submission without this exercise grades as the pristine stub (`todo`),
                // never as whatever the course's own exercises folder holds now.
                let pristine = ex.stub_src(&course.root);
                if pristine.is_dir() {
                    pristine
                } else {
                    course.root.join(ex.src_rel())
                }
            };
            let rel = ex.src_rel();
            display_src.push((
                format!("{}/", rel.display()),
                format!("{}/", display(&course.root, &from)),
            ));
            sources.push((rel, from));
        }
        overlay::sync(&course.root, &course.book_root(), &root, &sources)?;
        let graded_files = sources
            .iter()
            .flat_map(|(rel, _)| overlay::files_under(&root.join(rel)))
            .collect::<Vec<_>>();
        let shared = SharedBuild {
            lock: overlays.join(format!("{build_name}.lock")),
            marker: build_dir.join("last-built-sources"),
            bin_dir: overlays.join(format!("{name}.bin")),
            sources_id: digest(&graded_files)?,
            graded_files,
        };
        fs::create_dir_all(&shared.bin_dir).at(Stage::Workspace)?;
        Ok(Workspace {
            root,
            target_dir: build_dir,
            display_src,
            shared: Some(shared),
            ignored,
            _lock: Some(lock),
        })
    }

    /// Rewrites overlay-relative source paths in compiler output to the graded files.
    pub fn localize(&self, text: &str) -> String {
        self.display_src
            .iter()
            .fold(text.to_owned(), |acc, (from, to)| acc.replace(from, to))
    }
}

/// A digest of the files' relative names and contents.
fn digest(files: &[PathBuf]) -> Result<String> {
    let mut hasher = DefaultHasher::new();
    for path in files {
        path.hash(&mut hasher);
        fs::read(path).at(Stage::Workspace)?.hash(&mut hasher);
    }
    Ok(format!("{:016x}", hasher.finish()))
}

/// The target folder an overlay builds in. Submissions never build where the solutions
/// were built: a submission's compiler could otherwise embed a compiled check program of
/// the solutions (which passes) with `include_bytes!` and run it. The stubs keep a folder
/// of their own so that grading never alternates sources in one folder, which would
/// rebuild each exercise every time.
fn build_folder(source: &Source) -> &'static str {
    match source {
        Source::Submission(_) => "build-submissions",
        Source::Stubs => "build-stubs",
        Source::InPlace | Source::Solutions => "build",
    }
}

fn overlay_name(source: &Source) -> String {
    match source {
        Source::InPlace => "in-place".into(),
        Source::Solutions => "solutions".into(),
        Source::Stubs => "stubs".into(),
        Source::Submission(dir) => {
            let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            let mut hasher = DefaultHasher::new();
            canonical.hash(&mut hasher);
            format!("submission-{:016x}", hasher.finish())
        }
    }
}

/// `path` relative to the course root when it is inside it, else as given.
fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
