//! What of a submission is graded, and what is refused or ignored.
//!
//! Only `exercises/<dir>/src/**` of a submission is read. Everything else in its folder
//! that differs from the course (edited manifests, harnesses, snapshots, course.toml,
//! added build scripts) is listed as ignored, so an instructor sees at a glance what a
//! learner changed to no effect. Unchanged copies of course files are not listed: a
//! learner's repository made from the course template holds all of them.

use crate::course::{Course, Exercise};
use crate::error::{Error, Result, Stage};
use crate::files;
use std::path::{Path, PathBuf};

/// Longest list of ignored files reported; the rest is counted.
const MAX_LISTED: usize = 200;

/// Refuses an exercise whose `src` folder, or a folder on the way to it, is a symbolic
/// link: it could lead anywhere outside the submission.
pub fn refuse_escape(submission: &Path, ex: &Exercise) -> Result<()> {
    let mut path = submission.to_path_buf();
    for part in ex.src_rel().components() {
        path.push(part);
        match fs_err::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Error::new(
                    Stage::Workspace,
                    format!(
                        "refusing the submission: {} is a symbolic link, which could lead \
                         outside {}; replace it with the folder itself",
                        path.display(),
                        submission.display()
                    ),
                ));
            }
            Ok(_) => {}
            Err(_) => return Ok(()), // missing: graded as the untouched stub
        }
    }
    Ok(())
}

/// Files of the submission outside the graded surface that the course does not hold
/// with the same content, relative to the submission's folder, sorted. `.git` is left
/// out; a `target` folder is one entry.
pub fn ignored_files(submission: &Path, course: &Course) -> Vec<String> {
    let graded: Vec<PathBuf> = course.exercises.iter().map(Exercise::src_rel).collect();
    let rel = |path: &Path| path.strip_prefix(submission).unwrap_or(path).to_path_buf();
    let mut found = Vec::new();
    let entries = files::walk(submission, false)
        .into_iter()
        .filter_entry(|e| {
            let rel = rel(e.path());
            // A build folder is one entry, whatever it holds.
            let in_target = rel.starts_with("target") && rel != Path::new("target");
            !graded.contains(&rel) && rel != Path::new(".git") && !in_target
        })
        // Unreadable entries cannot be told apart from the course's: nothing to report.
        .flatten();
    for entry in entries {
        let rel = rel(entry.path());
        if entry.file_type().is_dir() {
            if rel == Path::new("target") {
                found.push("target/".to_owned());
            }
        } else {
            found.push(rel.display().to_string());
        }
    }
    found.retain(|rel| {
        rel.ends_with('/')
            || fs_err::read(submission.join(rel)).ok() != fs_err::read(course.root.join(rel)).ok()
    });
    found.sort();
    if found.len() > MAX_LISTED {
        let more = found.len() - MAX_LISTED;
        found.truncate(MAX_LISTED);
        found.push(format!("... and {more} more"));
    }
    found
}
