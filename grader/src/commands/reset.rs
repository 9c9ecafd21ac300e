//! `grader reset EXERCISE`: puts an exercise's stub back in `exercises/NN-name/src`, after
//! saving the learner's code in a backup folder.
//!
//! The learner's work must survive anything: it is copied to the backup and the copy is
//! read back and compared, byte for byte, before `src/` is touched; the stub is written
//! next to `src/` and swapped in by renaming, so `src/` is at every moment either the
//! learner's code or the whole stub. Any failure before the swap leaves `src/` as it was.

use crate::course::{BACKUPS, Course, Exercise};
use crate::error::{Error, Result, Stage};
use crate::files;
use crate::ui::text::counted;
use fs_err::{self as fs, File};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const STAGE: Stage = Stage::Command("reset");

fn error(message: String) -> Error {
    Error::new(STAGE, message)
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The exercise to reset: name like `threads`, folder like `01-threads`, or number.
    #[arg(value_name = "EXERCISE")]
    pub exercise: String,
}

/// A folder's content, by path relative to the folder. Parents sort before their
/// children, so creating the entries in order works.
type Tree = BTreeMap<PathBuf, Entry>;

#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Folder,
    File(Vec<u8>),
}

pub fn run(course: &Course, args: &Args) -> Result<()> {
    let ex = course.exercise(&args.exercise)?;
    let root = &course.root;
    let src_rel = ex.src_rel();
    let src = root.join(&src_rel);
    let stub_dir = ex.stub_src(root);
    if !stub_dir.is_dir() {
        return Err(error(format!(
            "cannot reset {}: its pristine stub {} is missing",
            ex.name,
            stub_dir.strip_prefix(root).unwrap_or(&stub_dir).display()
        )));
    }
    let stub = read_tree(&stub_dir)?;
    let current = match fs::symlink_metadata(&src) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(error(e.to_string())),
        Ok(meta) if !meta.is_dir() => {
            return Err(error(format!(
                "refusing to reset {}: {} is not a folder (a symbolic link?); nothing was changed",
                ex.name,
                src.display()
            )));
        }
        Ok(_) => Some(read_tree(&src)?),
    };
    if current.as_ref() == Some(&stub) {
        println!(
            "{} already holds the stub of {}: nothing to reset, no backup made.",
            src_rel.display(),
            ex.name
        );
        return Ok(());
    }
    let backup = match &current {
        Some(tree) => Some(back_up(root, ex, &src, tree)?),
        None => None,
    };
    swap_in(&src, &stub, backup.as_deref())?;
    let ignored = ignored_by_git(root);
    print!(
        "{}",
        summary(ex, &src_rel, backup.as_deref(), current.as_ref(), ignored)
    );
    Ok(())
}

/// Whether the course's `.gitignore` leaves the backups out, as the course's own does.
fn ignored_by_git(root: &Path) -> bool {
    let text = fs::read_to_string(root.join(".gitignore")).unwrap_or_default();
    text.lines().any(|line| {
        let line = line.trim().trim_end_matches('/');
        line == BACKUPS || line.strip_prefix('/') == Some(BACKUPS)
    })
}

fn summary(
    ex: &Exercise,
    src_rel: &Path,
    backup: Option<&Path>,
    saved: Option<&Tree>,
    ignored: bool,
) -> String {
    let src = src_rel.display();
    let (Some(backup), Some(saved)) = (backup, saved) else {
        return format!("reset {}: {src} was missing; the stub is back.\n", ex.name);
    };
    let files = saved
        .values()
        .filter(|e| matches!(e, Entry::File(_)))
        .count();
    let backup = backup.display();
    let git = if ignored {
        "git ignores it".to_string()
    } else {
        format!("add /{BACKUPS} to .gitignore so git ignores it")
    };
    format!(
        "reset {name}: {src} holds the stub again.\n  \
         backup: {backup}\n          \
         your code as it was: {files}, checked byte for byte\n  \
         undo:   rm -r {src} && cp -R {backup} {src}   (in the course folder)\n\
         {BACKUPS}/ is a local safety net ({git}); delete old backups when you no longer \
         need them.\n",
        name = ex.name,
        files = counted(files, "file"),
    )
}

/// Copies `tree` (just read from `src`) into a new backup folder and proves the copy
/// right; returns the copy's path relative to `root`.
fn back_up(root: &Path, ex: &Exercise, src: &Path, tree: &Tree) -> Result<PathBuf> {
    let backups = root.join(BACKUPS);
    let not_replaced = |what: String| {
        error(format!(
            "{what}; {} was not changed",
            ex.src_rel().display()
        ))
    };
    fs::create_dir_all(&backups)
        .map_err(|e| not_replaced(format!("cannot create the backup folder: {e}")))?;
    let stamp = timestamp(SystemTime::now());
    let folder = new_folder(&backups, &format!("{}-{stamp}", ex.dir)).map_err(|e| {
        not_replaced(format!(
            "cannot create a backup in {}: {e}",
            backups.display()
        ))
    })?;
    let copy = folder.join("src");
    let checked = write_tree(&copy, tree)
        .map_err(|e| format!("cannot write the backup {}: {e}", copy.display()))
        .and_then(|()| {
            let written = read_tree(&copy).map_err(|e| e.message().to_owned())?;
            if written != *tree {
                return Err(format!(
                    "the backup {} does not match the original",
                    copy.display()
                ));
            }
            // An editor saving meanwhile would make the backup miss that save.
            let again = read_tree(src).map_err(|e| e.message().to_owned())?;
            if again != *tree {
                return Err(format!(
                    "{} changed while it was being backed up; run reset again",
                    src.display()
                ));
            }
            Ok(())
        });
    if let Err(why) = checked {
        // Only this run wrote there: the folder was new.
        let _ = fs::remove_dir_all(&folder);
        return Err(not_replaced(why));
    }
    Ok(copy.strip_prefix(root).unwrap_or(&copy).to_path_buf())
}

/// Replaces `src` with `stub`: written beside it and checked first, then swapped in by
/// renaming.
fn swap_in(src: &Path, stub: &Tree, backup: Option<&Path>) -> Result<()> {
    let parent = src
        .parent()
        .ok_or_else(|| error(format!("{} has no parent folder", src.display())))?;
    let unchanged = |what: String| error(format!("{what}; {} was not changed", src.display()));
    let fresh = new_folder(parent, ".src-reset")
        .map_err(|e| unchanged(format!("cannot write next to {}: {e}", src.display())))?;
    let written = write_tree(&fresh, stub)
        .map_err(|e| e.to_string())
        .and_then(|()| match read_tree(&fresh) {
            Ok(tree) if tree == *stub => Ok(()),
            Ok(_) => Err("the copy of the stub does not match it".to_string()),
            Err(e) => Err(e.message().to_owned()),
        });
    if let Err(why) = written {
        let _ = fs::remove_dir_all(&fresh);
        return Err(unchanged(format!(
            "cannot write the stub to {}: {why}",
            fresh.display()
        )));
    }
    if !src.exists() {
        return fs::rename(&fresh, src)
            .map_err(|e| error(format!("cannot move the stub into place: {e}")));
    }
    let aside = parent.join(format!(".src-old-{}", std::process::id()));
    if let Err(e) = fs::rename(src, &aside) {
        let _ = fs::remove_dir_all(&fresh);
        return Err(unchanged(format!(
            "cannot move {} aside: {e}",
            src.display()
        )));
    }
    if let Err(e) = fs::rename(&fresh, src) {
        let _ = fs::remove_dir_all(&fresh);
        return match fs::rename(&aside, src) {
            Ok(()) => Err(unchanged(format!("cannot move the stub in: {e}"))),
            Err(back) => Err(error(format!(
                "cannot move the stub in ({e}) nor your code back ({back}): your code is in {}{}",
                aside.display(),
                backup.map_or(String::new(), |b| format!(" and in {}", b.display()))
            ))),
        };
    }
    if let Err(e) = fs::remove_dir_all(&aside) {
        eprintln!(
            "grader: the stub is in place, but {} (your previous code, also in the backup) \
             could not be removed: {e}",
            aside.display()
        );
    }
    Ok(())
}

/// Reads every entry under `dir`. Symbolic links are refused: a backup must hold the
/// code itself, and a link could lead anywhere.
fn read_tree(dir: &Path) -> Result<Tree> {
    let mut tree = Tree::new();
    for entry in files::walk(dir, false) {
        let entry = entry.map_err(|e| error(e.to_string()))?;
        let path = entry.path();
        let rel = path.strip_prefix(dir).unwrap_or(path).to_path_buf();
        let kind = entry.file_type();
        if kind.is_symlink() {
            return Err(error(format!(
                "refusing {}: a symbolic link is neither backed up nor restored; replace it with \
                 the file itself or remove it; nothing was changed",
                path.display()
            )));
        } else if kind.is_dir() {
            tree.insert(rel, Entry::Folder);
        } else if kind.is_file() {
            let bytes = fs::read(path).map_err(|e| error(e.to_string()))?;
            tree.insert(rel, Entry::File(bytes));
        } else {
            return Err(error(format!(
                "refusing {}: it is neither a file nor a folder; nothing was changed",
                path.display()
            )));
        }
    }
    Ok(tree)
}

/// Writes `tree` into `dir` (created if needed), each file synced to disk.
fn write_tree(dir: &Path, tree: &Tree) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (rel, entry) in tree {
        let path = dir.join(rel);
        match entry {
            Entry::Folder => fs::create_dir(&path)?,
            Entry::File(bytes) => {
                let mut file = File::create_new(&path)?;
                file.write_all(bytes)?;
                file.sync_all()?;
            }
        }
    }
    Ok(())
}

/// Creates `parent/base`, or `base-2`, `base-3`, … when that exists: two resets in one
/// second must not share a backup.
fn new_folder(parent: &Path, base: &str) -> io::Result<PathBuf> {
    for n in 1..1000 {
        let name = if n == 1 {
            base.to_owned()
        } else {
            format!("{base}-{n}")
        };
        let path = parent.join(name);
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{base} and 998 numbered folders like it exist already"
    )))
}

/// `2026-11-26T16-20-05Z`: UTC, so it means the same on every machine, without `:`,
/// which some file systems refuse.
fn timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time)
        .to_string()
        .replace(':', "-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> String {
        timestamp(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(at(0), "1970-01-01T00-00-00Z");
        assert_eq!(at(951_868_799), "2000-02-29T23-59-59Z");
        assert_eq!(at(951_868_800), "2000-03-01T00-00-00Z");
        assert_eq!(at(1_795_710_005), "2026-11-26T16-20-05Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00-00-00Z");
    }

    #[test]
    fn a_taken_folder_name_gets_a_number() {
        let tmp = tempfile::tempdir().unwrap();
        let first = new_folder(tmp.path(), "01-a-stamp").unwrap();
        let second = new_folder(tmp.path(), "01-a-stamp").unwrap();
        let third = new_folder(tmp.path(), "01-a-stamp").unwrap();
        assert_eq!(first, tmp.path().join("01-a-stamp"));
        assert_eq!(second, tmp.path().join("01-a-stamp-2"));
        assert_eq!(third, tmp.path().join("01-a-stamp-3"));
    }

    #[test]
    fn trees_round_trip_with_empty_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let mut tree = Tree::new();
        tree.insert("lib.rs".into(), Entry::File(b"pub fn f() {}\n".to_vec()));
        tree.insert("empty".into(), Entry::Folder);
        tree.insert("nested".into(), Entry::Folder);
        tree.insert("nested/deep.rs".into(), Entry::File(vec![0, 159, 146, 150]));
        let dir = tmp.path().join("copy");
        write_tree(&dir, &tree).unwrap();
        assert_eq!(read_tree(&dir).unwrap(), tree);
        // Written once only: a second write into the same folder must not overwrite.
        assert!(write_tree(&dir, &tree).is_err());
    }

    #[test]
    fn swapping_leaves_no_temporary_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        fs::create_dir(&src).unwrap();
        fs::write(src.join("lib.rs"), "learner").unwrap();
        fs::write(src.join("extra.rs"), "more").unwrap();
        let mut stub = Tree::new();
        stub.insert("lib.rs".into(), Entry::File(b"todo!()".to_vec()));
        swap_in(&src, &stub, None).unwrap();
        assert_eq!(read_tree(&src).unwrap(), stub);
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["src"]);
    }
}
