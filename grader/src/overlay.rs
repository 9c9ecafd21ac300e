//! Keeping an overlay directory equal to "the trusted tree, with some folders replaced".
//!
//! Files are only rewritten when their content changed, so cargo's fingerprints (which
//! look at modification times) stay valid and a re-grade rebuilds only what changed.

use crate::error::Fatal;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Top-level entries of the trusted tree that an overlay never needs. `.backups` holds
/// copies `grader reset` saved, which may be answers on a maintainer's machine.
const SKIPPED_TOP: &[&str] = &[".git", "target", "book", "solutions", ".backups"];
/// Deeper folders an overlay never needs (the grader's own test fixtures).
const SKIPPED_DEEP: &[&str] = &["grader/tests"];

/// Makes `overlay` hold the trusted tree under `trusted`, except that each `(rel, from)`
/// in `replaced` has its folder `rel` filled from the folder `from` instead.
pub fn sync(trusted: &Path, overlay: &Path, replaced: &[(PathBuf, PathBuf)]) -> Result<(), Fatal> {
    let mut wanted = BTreeMap::new();
    let skip = |rel: &Path| {
        let top = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        top.is_some_and(|t| SKIPPED_TOP.contains(&t.as_str()))
            || SKIPPED_DEEP.iter().any(|d| rel == Path::new(d))
            || replaced.iter().any(|(r, _)| rel == r)
    };
    collect(trusted, Path::new(""), &skip, false, &mut wanted)?;
    for (rel, from) in replaced {
        collect(from, rel, &|_| false, true, &mut wanted)?;
    }
    fs::create_dir_all(overlay)?;
    for (rel, from) in &wanted {
        let to = overlay.join(rel);
        let content = fs::read(from)
            .map_err(|e| Fatal::new(format!("cannot read {}: {e}", from.display())))?;
        if fs::read(&to).ok().as_deref() != Some(content.as_slice()) {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&to, &content)
                .map_err(|e| Fatal::new(format!("cannot write {}: {e}", to.display())))?;
        }
    }
    remove_unwanted(overlay, Path::new(""), &wanted)
}

/// Lists regular files under `dir` as `rel/...` → path. Symlinks are refused when
/// `strict` (they could point anywhere outside the graded folder).
fn collect(
    dir: &Path,
    rel: &Path,
    skip: &dyn Fn(&Path) -> bool,
    strict: bool,
    out: &mut BTreeMap<PathBuf, PathBuf>,
) -> Result<(), Fatal> {
    let entries =
        fs::read_dir(dir).map_err(|e| Fatal::new(format!("cannot list {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let rel = rel.join(entry.file_name());
        if skip(&rel) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_symlink() && strict {
            return Err(Fatal::new(format!(
                "refusing {}: a symbolic link inside graded sources could point anywhere",
                path.display()
            )));
        }
        let meta = fs::metadata(&path)?;
        if meta.is_dir() {
            collect(&path, &rel, skip, strict, out)?;
        } else if meta.is_file() {
            out.insert(rel, path);
        }
    }
    Ok(())
}

fn remove_unwanted(
    root: &Path,
    rel: &Path,
    wanted: &BTreeMap<PathBuf, PathBuf>,
) -> Result<(), Fatal> {
    for entry in fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            remove_unwanted(root, &rel, wanted)?;
            if fs::read_dir(root.join(&rel))?.next().is_none() {
                fs::remove_dir(root.join(&rel))?;
            }
        } else if !wanted.contains_key(&rel) {
            fs::remove_file(root.join(&rel))?;
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
pub fn lock(path: &Path) -> Result<File, Fatal> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Fatal::new(format!("cannot create {}: {e}", path.display())))?;
    // SAFETY: flock on a descriptor we own; the lock lives as long as the File.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    if rc != 0 {
        return Err(Fatal::new(format!(
            "cannot lock {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        )));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
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

        sync(&trusted, &overlay, &replaced).unwrap();
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
        sync(&trusted, &overlay, &replaced).unwrap();
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
            &tmp.path().join("v"),
            &[(PathBuf::from("src"), other)],
        )
        .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}
