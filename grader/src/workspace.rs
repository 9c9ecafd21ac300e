//! Where the graded code comes from, and the workspace it is built in.
//!
//! The learner's own exercises are graded in place, so compiler errors point at their
//! files. Any other implementation (the solutions, a submission) is graded through an
//! *overlay*: a copy of the trusted course under `target/grader/` in which only
//! `exercises/*/src/**` comes from the graded source. Manifests, checks, snapshots,
//! `course.toml` and the grader always come from the trusted tree, and the overlay shares
//! the course's target directory so dependencies are never rebuilt.

use crate::course::Course;
use crate::error::Fatal;
use crate::overlay;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The implementation being graded.
#[derive(Debug, Clone)]
pub enum Source {
    /// `exercises/*/src` of the course itself.
    InPlace,
    /// `solutions/*/src`.
    Solutions,
    /// `DIR/exercises/*/src` of someone's submission.
    Submission(PathBuf),
}

impl Source {
    /// Where exercise `dir`'s sources come from.
    pub fn src_of(&self, course: &Course, dir: &str) -> PathBuf {
        match self {
            Source::InPlace => course.root.join("exercises").join(dir).join("src"),
            Source::Solutions => course.root.join("solutions").join(dir).join("src"),
            Source::Submission(sub) => sub.join("exercises").join(dir).join("src"),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Source::InPlace => "exercises".into(),
            Source::Solutions => "solutions".into(),
            Source::Submission(dir) => format!("submission {}", dir.display()),
        }
    }
}

/// A workspace ready to build: the course itself, or an overlay of it.
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    /// Maps paths printed by the compiler back to where the learner's files are.
    pub display_src: Vec<(String, String)>,
    /// Held while grading, so two graders never rewrite the same overlay at once.
    _lock: Option<File>,
}

impl Workspace {
    pub fn prepare(course: &Course, source: &Source) -> Result<Workspace, Fatal> {
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| course.root.join(dir))
            .unwrap_or_else(|| course.root.join("target"));
        if let Source::InPlace = source {
            return Ok(Workspace {
                root: course.root.clone(),
                target_dir,
                display_src: Vec::new(),
                _lock: None,
            });
        }
        if let Source::Submission(dir) = source
            && !dir.is_dir()
        {
            return Err(Fatal::new(format!(
                "submission folder {} does not exist",
                dir.display()
            )));
        }
        let overlays = target_dir.join("grader");
        std::fs::create_dir_all(&overlays)?;
        let name = overlay_name(source);
        let lock = overlay::lock(&overlays.join(format!("{name}.lock")))?;
        let root = overlays.join(&name);
        let mut sources = Vec::new();
        let mut display_src = Vec::new();
        for ex in &course.exercises {
            let from = source.src_of(course, &ex.dir);
            // A submission without this exercise grades as the untouched stub: `todo`.
            let from = if from.is_dir() {
                from
            } else {
                course.root.join("exercises").join(&ex.dir).join("src")
            };
            let rel = format!("exercises/{}/src/", ex.dir);
            display_src.push((rel.clone(), format!("{}/", display(&course.root, &from))));
            sources.push((PathBuf::from(rel.trim_end_matches('/')), from));
        }
        overlay::sync(&course.root, &root, &sources)?;
        Ok(Workspace {
            root,
            target_dir,
            display_src,
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

fn overlay_name(source: &Source) -> String {
    match source {
        Source::InPlace => "in-place".into(),
        Source::Solutions => "solutions".into(),
        Source::Submission(dir) => {
            use std::hash::{DefaultHasher, Hash, Hasher};
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
