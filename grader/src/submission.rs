//! What of a submission is graded, and what is refused or ignored.
//!
//! Only `exercises/<dir>/src/**` of a submission is read. Everything else in its folder
//! that differs from the course (edited manifests, harnesses, snapshots, course.toml,
//! added build scripts) is listed as ignored, so an instructor sees at a glance what a
//! learner changed to no effect. Unchanged copies of course files are not listed: a
//! learner's repository made from the course template holds all of them.

use crate::course::Course;
use crate::error::Fatal;
use std::path::{Path, PathBuf};

/// Longest list of ignored files reported; the rest is counted.
const MAX_LISTED: usize = 200;

/// Refuses an exercise whose `src` folder, or a folder on the way to it, is a symbolic
/// link: it could lead anywhere outside the submission.
pub fn refuse_escape(submission: &Path, dir: &str) -> Result<(), Fatal> {
    let mut path = submission.to_path_buf();
    for part in ["exercises", dir, "src"] {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Fatal::new(format!(
                    "refusing the submission: {} is a symbolic link, which could lead \
                     outside {}; replace it with the folder itself",
                    path.display(),
                    submission.display()
                )));
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
    let graded: Vec<PathBuf> = course
        .exercises
        .iter()
        .map(|ex| Path::new("exercises").join(&ex.dir).join("src"))
        .collect();
    let mut found = Vec::new();
    walk(submission, Path::new(""), &graded, &mut found);
    found.retain(|rel| {
        rel.ends_with('/')
            || std::fs::read(submission.join(rel)).ok() != std::fs::read(course.root.join(rel)).ok()
    });
    found.sort();
    if found.len() > MAX_LISTED {
        let more = found.len() - MAX_LISTED;
        found.truncate(MAX_LISTED);
        found.push(format!("... and {more} more"));
    }
    found
}

fn walk(root: &Path, rel: &Path, graded: &[PathBuf], found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    for entry in entries.flatten() {
        let rel = rel.join(entry.file_name());
        if graded.contains(&rel) || rel == Path::new(".git") {
            continue;
        }
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && rel == Path::new("target") {
            found.push("target/".into());
        } else if is_dir {
            walk(root, &rel, graded, found);
        } else {
            found.push(rel.display().to_string());
        }
    }
}
