//! `grader classroom OUT`: writes a student template of the course, the repository each
//! student starts from: the course without its answers.
//!
//! Everything is listed (and every symbolic link judged, the passages for maintainers
//! taken out of the README and the book) before anything is written, so a refusal leaves
//! OUT as it was.

mod student_docs;

use crate::course::{self, Course};
use crate::error::{At, Error, Result, Stage};
use crate::files;
use fs_err as fs;
use std::path::{Path, PathBuf};

const STAGE: Stage = Stage::Command("classroom");

fn error(message: String) -> Error {
    Error::new(STAGE, message)
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to write the template into; it must not exist yet, or be empty.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
}

/// What a student's copy leaves out, relative to the course root: the answers, build
/// output and history, and the course's own tests and CI, which grade the answers. The
/// backups `grader reset` makes may hold answers too, when a maintainer tried them in place.
const LEFT_OUT: &[&str] = &[
    course::SOLUTIONS,
    course::BACKUPS,
    course::TARGET,
    course::GIT,
    ".ci",
    course::GRADER_TESTS,
];

/// The workflow that grades students' pushes, when the course has one.
const WORKFLOW: &str = ".github/workflows/grade.yml";

/// One entry of the template, by its path relative to the course root.
enum Item {
    Folder(PathBuf),
    File(PathBuf),
    /// A relative symbolic link, with its target as written.
    Link(PathBuf, PathBuf),
    /// A document whose template copy leaves out the passages for maintainers.
    Rewritten(PathBuf, String),
}

/// What the walk over the course needs to know besides where it is.
struct Walk<'a> {
    root: &'a Path,
    /// An existing OUT inside the course, which must not be copied into itself.
    skip: Option<&'a Path>,
    /// The book's sources, relative to the root, as `course.toml` names them.
    book: &'a Path,
    /// Where mdBook writes the built book, relative to the root: build output.
    built_book: PathBuf,
}

impl Walk<'_> {
    fn is_left_out(&self, rel: &Path) -> bool {
        rel == self.built_book || LEFT_OUT.iter().any(|left| rel == Path::new(left))
    }

    /// Whether `rel` is a document whose passages for maintainers students' copies leave
    /// out: the README or a page of the book.
    fn has_passages_for_maintainers(&self, rel: &Path) -> bool {
        rel == Path::new("README.md")
            || (rel.starts_with(self.book) && rel.extension().is_some_and(|e| e == "md"))
    }
}

/// What the walk found: the entries to write, and the left-out ones that were there.
#[derive(Default)]
struct Listing {
    items: Vec<Item>,
    left_out: Vec<String>,
}

pub fn run(course: &Course, args: &Args) -> Result<()> {
    let root = fs::canonicalize(&course.root).at(STAGE)?;
    let out = files::absolute(&args.out).at(STAGE)?;
    ensure_new_or_empty(&out)?;
    let mut listing = Listing::default();
    let skip = out.canonicalize().ok();
    let walk = Walk {
        root: &root,
        skip: skip.as_deref(),
        book: &course.course.book,
        built_book: course.book_root().join("book"),
    };
    list(&walk, &mut listing)?;
    fs::create_dir_all(&out).at(STAGE)?;
    for item in &listing.items {
        write_item(&root, &out, item)?;
    }
    print!("{}", summary(course, &out, &listing));
    Ok(())
}

fn ensure_new_or_empty(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let not_empty = || {
        error(format!(
            "refusing {}: the template is written only into a new or empty folder",
            out.display()
        ))
    };
    if !out.is_dir() {
        return Err(not_empty());
    }
    let mut entries = fs::read_dir(out).at(STAGE)?;
    match entries.next() {
        None => Ok(()),
        Some(_) => Err(not_empty()),
    }
}

/// Lists the template's entries under `root`, in a stable order.
fn list(walk: &Walk, listing: &mut Listing) -> Result<()> {
    let rel = |path: &Path| path.strip_prefix(walk.root).unwrap_or(path).to_path_buf();
    let mut left_out = Vec::new();
    let entries = files::walk(walk.root, false)
        .into_iter()
        .filter_entry(|entry| {
            let rel = rel(entry.path());
            if walk.is_left_out(&rel) {
                left_out.push(format!("{}/", rel.display()));
                return false;
            }
            walk.skip != Some(entry.path())
        });
    for entry in entries {
        let entry = entry.map_err(|e| error(e.to_string()))?;
        let rel = rel(entry.path());
        let kind = entry.file_type();
        if kind.is_symlink() {
            let target = judge_link(walk, entry.path())?;
            listing.items.push(Item::Link(rel, target));
        } else if kind.is_dir() {
            listing.items.push(Item::Folder(rel));
        } else if kind.is_file() && walk.has_passages_for_maintainers(&rel) {
            let text = fs::read_to_string(entry.path()).at(STAGE)?;
            let text = student_docs::strip(&text)
                .map_err(|why| error(format!("{}: {why}", entry.path().display())))?;
            listing.items.push(Item::Rewritten(rel, text));
        } else if kind.is_file() {
            listing.items.push(Item::File(rel));
        }
        // Sockets and pipes are no course content.
    }
    listing.left_out.extend(left_out);
    Ok(())
}

/// The target of the link at `path` when the template can keep it: relative, and
/// leading to something inside the course that the template also holds.
fn judge_link(walk: &Walk, path: &Path) -> Result<PathBuf> {
    let root = walk.root;
    let refuse = |why: String| {
        error(format!(
            "refusing the symbolic link {}: {why}",
            path.display()
        ))
    };
    let target = fs::read_link(path).at(STAGE)?;
    if target.is_absolute() {
        return Err(refuse(format!(
            "its target {} is absolute, so the template's copy would lead back into this \
             course; make it relative",
            target.display()
        )));
    }
    let parent = path.parent().unwrap_or(root);
    let resolved = fs::canonicalize(parent.join(&target)).map_err(|e| {
        refuse(format!(
            "its target {} cannot be read: {e}",
            target.display()
        ))
    })?;
    let inside = resolved.strip_prefix(root).map_err(|_| {
        refuse(format!(
            "it points outside the course, to {}",
            resolved.display()
        ))
    })?;
    if inside.ancestors().any(|a| walk.is_left_out(a)) {
        return Err(refuse(format!(
            "it points to {}, which the template leaves out",
            inside.display()
        )));
    }
    Ok(target)
}

fn write_item(root: &Path, out: &Path, item: &Item) -> Result<()> {
    match item {
        Item::Folder(rel) => fs::create_dir(out.join(rel)),
        Item::File(rel) => fs::copy(root.join(rel), out.join(rel)).map(drop),
        Item::Link(rel, target) => fs::os::unix::fs::symlink(target, out.join(rel)),
        Item::Rewritten(rel, text) => fs::write(out.join(rel), text),
    }
    .at(STAGE)
}

/// What was written, what was left out, and what to do next.
fn summary(course: &Course, out: &Path, listing: &Listing) -> String {
    let count = |wanted: fn(&Item) -> bool| listing.items.iter().filter(|i| wanted(i)).count();
    let mut counts = format!(
        "{} files in {} folders",
        count(|i| matches!(i, Item::File(_) | Item::Rewritten(..))),
        count(|i| matches!(i, Item::Folder(_)))
    );
    let links = count(|i| matches!(i, Item::Link(..)));
    if links > 0 {
        counts.push_str(&format!(", {links} symbolic links"));
    }
    let top: Vec<String> = listing
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Folder(rel) if rel.components().count() == 1 => {
                Some(format!("{}/", rel.display()))
            }
            Item::File(rel) | Item::Link(rel, _) | Item::Rewritten(rel, _)
                if rel.components().count() == 1 =>
            {
                Some(rel.display().to_string())
            }
            _ => None,
        })
        .collect();
    let left_out = if listing.left_out.is_empty() {
        "nothing".to_string()
    } else {
        listing.left_out.join(", ")
    };
    let workflow = if out.join(WORKFLOW).is_file() {
        format!("{WORKFLOW} grades every push students make")
    } else {
        format!("{WORKFLOW}, which grades every push, is not in the course: add it first")
    };
    let out = out.display();
    format!(
        "wrote the student template of {title:?} to {out}\n  \
         {counts}: {top}\n  \
         left out: {left_out}\n\
         \n\
         next steps:\n  \
         cd {out} && git init -b main && git add -A && git commit -m \"Course template\"\n  \
         git remote add origin <URL of a new, empty repository> && git push -u origin main\n  \
         make that repository a template: every student starts from a copy of it\n  \
         {workflow}\n",
        title = course.course.title,
        top = top.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn course_tree() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for dir in ["exercises/01-a/src", "solutions/01-a/src", "grader/src"] {
            fs::create_dir_all(tmp.path().join(dir)).unwrap();
        }
        fs::write(tmp.path().join("exercises/01-a/src/lib.rs"), "stub").unwrap();
        fs::write(tmp.path().join("solutions/01-a/src/lib.rs"), "answer").unwrap();
        tmp
    }

    fn listed(root: &Path) -> Result<Listing> {
        let mut listing = Listing::default();
        let root = root.canonicalize().unwrap();
        let walk = Walk {
            root: &root,
            skip: None,
            book: Path::new("book/src"),
            built_book: PathBuf::from("book/book"),
        };
        list(&walk, &mut listing)?;
        Ok(listing)
    }

    #[test]
    fn links_inside_the_course_are_kept() {
        let course = course_tree();
        symlink("../exercises", course.path().join("grader/ex")).unwrap();
        let listing = listed(course.path()).unwrap();
        assert!(listing.items.iter().any(|item| matches!(
            item,
            Item::Link(rel, target) if rel == Path::new("grader/ex")
                && target == Path::new("../exercises")
        )));
        assert_eq!(listing.left_out, ["solutions/"]);
    }

    #[test]
    fn backups_of_reset_never_reach_the_template() {
        let course = course_tree();
        let backup = course.path().join(".backups/01-a-2026-11-26T16-20-05Z/src");
        fs::create_dir_all(&backup).unwrap();
        fs::write(backup.join("lib.rs"), "answer").unwrap();
        let listing = listed(course.path()).unwrap();
        assert_eq!(listing.left_out, [".backups/", "solutions/"]);
        assert!(!listing.items.iter().any(|item| matches!(
            item,
            Item::Folder(rel) | Item::File(rel) if rel.starts_with(".backups")
        )));
    }

    #[test]
    fn links_leaving_the_course_or_into_what_is_left_out_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let cases = [
            ("../../..", "points outside the course"),
            ("../solutions/01-a", "which the template leaves out"),
            ("missing", "cannot be read"),
        ];
        for (target, why) in cases {
            let course = course_tree();
            symlink(target, course.path().join("grader/link")).unwrap();
            let err = listed(course.path()).err().expect(target).to_string();
            assert!(err.contains(why), "{target}: {err}");
        }
        let course = course_tree();
        symlink(outside.path(), course.path().join("grader/abs")).unwrap();
        let err = listed(course.path()).err().unwrap().to_string();
        assert!(err.contains("is absolute"), "{err}");
    }
}
