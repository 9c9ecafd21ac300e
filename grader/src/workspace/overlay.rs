//! Keeping an overlay directory equal to "the trusted tree, with some folders replaced".
//!
//! Files are only rewritten when their content changed, so cargo's fingerprints (which
//! look at modification times) stay valid and a re-grade rebuilds only what changed.

use crate::course;
use crate::error::{At, Error, Result, Stage};
use crate::files;
use fs_err::{self as fs, File};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Top-level entries of the trusted tree that an overlay never needs, besides the book.
/// The backups `grader reset` saved may be answers on a maintainer's machine.
const SKIPPED_TOP: &[&str] = &[
    course::GIT,
    course::TARGET,
    course::SOLUTIONS,
    course::BACKUPS,
];
/// Deeper folders an overlay never needs (the grader's own test fixtures).
const SKIPPED_DEEP: &[&str] = &[course::GRADER_TESTS];

/// Makes `overlay` hold the trusted tree under `trusted` (without its top folder `book`),
/// except that each `(rel, from)` in `replaced` has its folder `rel` filled from the
/// folder `from` instead.
pub fn sync(
    trusted: &Path,
    book: &Path,
    overlay: &Path,
    replaced: &[(PathBuf, PathBuf)],
) -> Result<()> {
    let mut wanted = BTreeMap::new();
    let skip = |rel: &Path| {
        let top = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        rel == book
            || top.is_some_and(|t| SKIPPED_TOP.contains(&t.as_str()))
            || SKIPPED_DEEP.iter().any(|d| rel == Path::new(d))
            || replaced.iter().any(|(r, _)| rel == r)
    };
    collect(trusted, Path::new(""), &skip, false, &mut wanted)?;
    for (rel, from) in replaced {
        collect(from, rel, &|_| false, true, &mut wanted)?;
    }
    fs::create_dir_all(overlay).at(Stage::Workspace)?;
    for (rel, from) in &wanted {
        let to = overlay.join(rel);
        let content = fs::read(from).at(Stage::Workspace)?;
        if fs::read(&to).ok().as_deref() != Some(content.as_slice()) {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).at(Stage::Workspace)?;
            }
            fs::write(&to, &content).at(Stage::Workspace)?;
        }
    }
    remove_unwanted(overlay, &wanted)
}

/// Lists regular files under `dir` as `rel/...` → path, leaving out what `skip` names
/// (relative to `dir`, prefixed by `rel`). Symbolic links are refused when `strict` (they
/// could point anywhere outside the graded folder), else followed.
fn collect(
    dir: &Path,
    rel: &Path,
    skip: &dyn Fn(&Path) -> bool,
    strict: bool,
    out: &mut BTreeMap<PathBuf, PathBuf>,
) -> Result<()> {
    let inside = |path: &Path| rel.join(path.strip_prefix(dir).unwrap_or(path));
    let entries = files::walk(dir, !strict)
        .into_iter()
        .filter_entry(|e| !skip(&inside(e.path())));
    for entry in entries {
        let entry = entry.at(Stage::Workspace)?;
        if strict && entry.path_is_symlink() {
            return Err(Error::new(
                Stage::Workspace,
                format!(
                    "refusing {}: a symbolic link inside graded sources could point anywhere",
                    entry.path().display()
                ),
            ));
        }
        if entry.file_type().is_file() {
            out.insert(inside(entry.path()), entry.into_path());
        }
    }
    Ok(())
}

/// Removes what `wanted` does not hold from `root`, and the folders left empty.
fn remove_unwanted(root: &Path, wanted: &BTreeMap<PathBuf, PathBuf>) -> Result<()> {
    // Children before their folder, so a folder is judged once it has been emptied.
    for entry in files::walk(root, false).contents_first(true) {
        let entry = entry.at(Stage::Workspace)?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if entry.file_type().is_dir() {
            if fs::read_dir(entry.path())
                .at(Stage::Workspace)?
                .next()
                .is_none()
            {
                fs::remove_dir(entry.path()).at(Stage::Workspace)?;
            }
        } else if !wanted.contains_key(rel) {
            fs::remove_file(entry.path()).at(Stage::Workspace)?;
        }
    }
    Ok(())
}

/// Every regular file under `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = BTreeMap::new();
    let _ = collect(dir, Path::new(""), &|_| false, false, &mut found);
    found.keys().map(|rel| dir.join(rel)).collect()
}

/// Takes an exclusive lock on `path` (created if needed), waiting for other holders.
pub fn lock(path: &Path) -> Result<File> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .at(Stage::Workspace)?;
    file.lock().at(Stage::Workspace)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::SystemTime;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn mtime(path: &Path) -> SystemTime {
        fs::metadata(path).unwrap().modified().unwrap()
    }

    #[test]
    fn replaces_only_the_chosen_folders_and_keeps_unchanged_files() {
        let tmp = tempfile::tempdir().unwrap();
        let (trusted, other, overlay) = (
            tmp.path().join("t"),
            tmp.path().join("o"),
            tmp.path().join("v"),
        );
        write(&trusted.join("Cargo.toml"), "trusted manifest");
        write(&trusted.join("ex/a/Cargo.toml"), "a manifest");
        write(&trusted.join("ex/a/src/lib.rs"), "stub");
        write(&trusted.join("target/big"), "never copied");
        write(&trusted.join("solutions/a/src/lib.rs"), "never copied");
        write(&other.join("lib.rs"), "graded");
        write(&other.join("deep/mod.rs"), "graded too");
        let replaced = [(PathBuf::from("ex/a/src"), other.clone())];

        sync(&trusted, Path::new("book"), &overlay, &replaced).unwrap();
        assert_eq!(
            fs::read_to_string(overlay.join("Cargo.toml")).unwrap(),
            "trusted manifest"
        );
        assert_eq!(
            fs::read_to_string(overlay.join("ex/a/src/lib.rs")).unwrap(),
            "graded"
        );
        assert_eq!(
            fs::read_to_string(overlay.join("ex/a/src/deep/mod.rs")).unwrap(),
            "graded too"
        );
        assert!(!overlay.join("target").exists());
        assert!(!overlay.join("solutions").exists());

        let before = mtime(&overlay.join("ex/a/Cargo.toml"));
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::remove_file(other.join("deep/mod.rs")).unwrap();
        write(&overlay.join("ex/a/src/stray.rs"), "left over");
        sync(&trusted, Path::new("book"), &overlay, &replaced).unwrap();
        assert_eq!(
            mtime(&overlay.join("ex/a/Cargo.toml")),
            before,
            "unchanged file rewritten"
        );
        assert!(!overlay.join("ex/a/src/deep").exists());
        assert!(!overlay.join("ex/a/src/stray.rs").exists());
    }

    #[test]
    fn refuses_symlinks_in_graded_sources() {
        let tmp = tempfile::tempdir().unwrap();
        let (trusted, other) = (tmp.path().join("t"), tmp.path().join("o"));
        write(&trusted.join("Cargo.toml"), "m");
        write(&other.join("lib.rs"), "x");
        std::os::unix::fs::symlink("/etc/passwd", other.join("secret.rs")).unwrap();
        let err = sync(
            &trusted,
            Path::new("book"),
            &tmp.path().join("v"),
            &[(PathBuf::from("src"), other)],
        )
        .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}
