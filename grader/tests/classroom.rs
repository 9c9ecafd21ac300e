//! `grader classroom OUT`: the student template is the course without its answers, still a
//! valid cargo workspace, and is never written over an existing folder's content.

mod common;

use common::{fingerprint, grader, repo};
use std::fs;
use std::path::Path;

fn classroom(out: &Path) -> std::process::Output {
    grader()
        .args(["classroom", out.to_str().unwrap()])
        .output()
        .unwrap()
}

/// The names of the workspace's packages, as cargo sees them without building anything.
fn workspace_members(root: &Path) -> Vec<String> {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--offline",
            "--format-version",
            "1",
            "--no-deps",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} is no cargo workspace: {}",
        root.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut names: Vec<String> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"grader".to_string()), "{names:?}");
    names
}

/// The template's copy of the document `rel` is the course's, line for line and in order,
/// without the passages about what students' copies lack: none of the `course_only`
/// phrases, which the course's copy has, and every `kept` one.
fn students_copy(out: &Path, rel: &str, course_only: &[&str], kept: &[&str]) {
    let course = fs::read_to_string(repo().join(rel)).unwrap();
    let template = fs::read_to_string(out.join(rel)).unwrap();
    for text in course_only {
        assert!(
            course.contains(text),
            "the course's {rel} never says {text:?}"
        );
        assert!(
            !template.contains(text),
            "the students' {rel} says {text:?}"
        );
    }
    let mut course_lines = course.lines();
    for line in template.lines().filter(|l| !l.is_empty()) {
        assert!(
            course_lines.any(|c| c == line),
            "the students' {rel} has a line the course's does not, or in another order: {line:?}"
        );
    }
    for text in kept {
        assert!(template.contains(text), "the students' {rel} lost {text:?}");
    }
}

/// The book pages that hold passages for maintainers.
const BOOK_PAGES_REWRITTEN: &[&str] = &["book/src/grader.md"];

#[test]
fn the_template_holds_the_course_without_its_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("template");
    let output = classroom(&out);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    for left_out in ["solutions", "target", ".git", ".ci", "grader/tests"] {
        assert!(!out.join(left_out).exists(), "{left_out} was copied");
    }
    for same in ["course.toml", "Cargo.toml", "Cargo.lock"] {
        assert_eq!(
            fs::read(out.join(same)).unwrap(),
            fs::read(repo().join(same)).unwrap(),
            "{same} differs"
        );
    }
    // The stubs, the checks, the grader's sources and the book are there, unchanged but for
    // the book pages' passages for maintainers.
    for dir in ["exercises", "grader/checks", "grader/src", "book/src"] {
        let rel = |files: Vec<(std::path::PathBuf, u64, u64)>, root: &Path| {
            files
                .into_iter()
                .map(|(path, len, hash)| (path.strip_prefix(root).unwrap().to_owned(), len, hash))
                .filter(|(path, _, _)| !BOOK_PAGES_REWRITTEN.iter().any(|p| path == Path::new(p)))
                .collect::<Vec<_>>()
        };
        let want = rel(fingerprint(&repo().join(dir)), &repo());
        assert!(!want.is_empty(), "{dir} is empty in the course");
        assert_eq!(rel(fingerprint(&out.join(dir)), &out), want, "{dir}");
    }
    students_copy(
        &out,
        "README.md",
        &[
            "--solutions",
            ".ci/run",
            "grader/tests",
            "cargo test --workspace",
            "<!--",
        ],
        &[
            "## The exercises",
            "cargo run -p grader -- watch",
            "## Layout",
        ],
    );
    students_copy(
        &out,
        "book/src/grader.md",
        &["--solutions", "<!--"],
        &["cargo run -p grader -- threads", "## The watch mode"],
    );
    // No page of the students' book tells them to grade the solutions they do not have,
    // except the instructor chapter, which is about the course's own repository.
    for page in fs::read_dir(out.join("book/src")).unwrap() {
        let path = page.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") && !path.ends_with("instructor.md") {
            let text = fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains("--solutions"),
                "{} says --solutions",
                path.display()
            );
        }
    }
    if repo().join(".github").is_dir() {
        assert!(out.join(".github").is_dir(), ".github was left out");
    }

    // The same workspace: every member is there, and nothing the template left out was one.
    assert_eq!(workspace_members(&out), workspace_members(&repo()));

    assert!(stdout.contains("git init"), "{stdout}");
    assert!(stdout.contains(".github/workflows/grade.yml"), "{stdout}");
    assert!(stdout.contains("solutions/"), "what was left out: {stdout}");

    // Never written over: the template itself is now a folder with content.
    let before = fingerprint(&out);
    let again = classroom(&out);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("new or empty folder"),
        "{again:?}"
    );
    assert_eq!(
        fingerprint(&out),
        before,
        "the refused run changed the folder"
    );
}

#[test]
fn a_folder_with_anything_in_it_or_a_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("template");
    fs::create_dir_all(out.join(".git")).unwrap();
    let output = classroom(&out);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        fs::read_dir(&out).unwrap().count(),
        1,
        "something was written"
    );

    let file = tmp.path().join("notes.txt");
    fs::write(&file, "mine").unwrap();
    let output = classroom(&file);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
}
