//! Exit status 2, with a one-line reason, whenever the grader itself cannot run.

mod common;

use common::{grader, repo};
use std::path::Path;

fn fails_with_2(cmd: &mut assert_cmd::Command, reason: &str) {
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(reason), "expected {reason:?} in: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
    assert!(output.stdout.is_empty());
}

fn course_with(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("course.toml"), toml).unwrap();
    dir
}

const VALID_HEAD: &str = "[course]\ntitle = \"T\"\nbook = \"book\"\ntimeout_secs = 5\n";

#[test]
fn unknown_exercise() {
    fails_with_2(
        grader().arg("nope"),
        "unknown exercise \"nope\"; the course has: threads",
    );
}

#[test]
fn exercises_can_be_named_by_folder_or_number() {
    for name in ["01-threads", "1"] {
        let output = grader().args([name, "--format", "json"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{name}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["exercises"][0]["name"], "threads");
    }
}

#[test]
fn malformed_course_toml() {
    let dir = course_with("[course\ntitle = 1");
    fails_with_2(
        grader().arg("--course").arg(dir.path()),
        "course.toml is malformed",
    );
    let dir = course_with(&format!(
        "{VALID_HEAD}[[exercise]]\nname = \"x\"\nsurprise = 1\n"
    ));
    fails_with_2(
        grader().arg("--course").arg(dir.path()),
        "unknown field `surprise`",
    );
    let dir = course_with(VALID_HEAD);
    fails_with_2(
        grader().arg("--course").arg(dir.path()),
        "lists no [[exercise]]",
    );
    let dir = course_with(&format!(
        "{VALID_HEAD}memory_mib = 1\n[[exercise]]\nname = \"x\"\ndir = \"01-x\"\ntitle = \"X\"\n\
         book = \"x.md\"\n[[exercise.step]]\nname = \"s\"\ntitle = \"S\"\nbook = \"x.md\"\n\
         hint = \"h\"\n[[exercise.step.check]]\nname = \"c\"\nkind = \"behaviour\"\n\
         points = 1\nhint = \"h\"\n"
    ));
    fails_with_2(
        grader().arg("--course").arg(dir.path()),
        "[course] memory_mib must be at least 16",
    );
}

#[test]
fn missing_folders() {
    let manifest = format!(
        "{VALID_HEAD}[[exercise]]\nname = \"x\"\ndir = \"01-x\"\ntitle = \"X\"\nbook = \"x.md\"\n\
         [[exercise.step]]\nname = \"s\"\ntitle = \"S\"\nbook = \"x.md\"\nhint = \"h\"\n\
         [[exercise.step.check]]\nname = \"c\"\nkind = \"behaviour\"\npoints = 1\nhint = \"h\"\n"
    );
    let dir = course_with(&manifest);
    fails_with_2(grader().arg("--course").arg(dir.path()), "missing folder");
    let empty = tempfile::tempdir().unwrap();
    fails_with_2(
        grader().arg("--course").arg(empty.path()),
        "has no course.toml",
    );
    fails_with_2(
        grader()
            .arg("--submission")
            .arg(Path::new("/nonexistent/submission")),
        "submission folder /nonexistent/submission does not exist",
    );
}

#[test]
fn bad_arguments() {
    let output = grader().args(["--format", "yaml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = grader()
        .args(["--solutions", "--submission", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_course_is_found_from_a_subfolder() {
    let output = grader()
        .current_dir(repo().join("exercises/01-threads/src"))
        .args(["threads", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["workspace"], repo().display().to_string());
}

/// Errors of file operations name the file, whatever the grader was doing. Provoked with
/// folders and files in each other's places, which stop root as much as anyone.
#[test]
fn file_errors_name_their_files() {
    let tmp = tempfile::tempdir().unwrap();
    let course = tmp.path().join("course");
    std::fs::create_dir_all(course.join("course.toml")).unwrap();
    let manifest = course.join("course.toml").display().to_string();
    fails_with_2(grader().arg("--course").arg(&course), &manifest);
    fails_with_2(grader().arg("--course").arg(&course), "course: ");

    let blocker = tmp.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let out = blocker.join("template");
    fails_with_2(
        grader().arg("classroom").arg(&out),
        &format!("classroom: failed to create directory `{}`", out.display()),
    );
    // An overlay cannot be made where the build folder would have to be.
    let submission = tmp.path().join("submission");
    std::fs::create_dir_all(&submission).unwrap();
    fails_with_2(
        common::mini_grader()
            .arg("--submission")
            .arg(&submission)
            .env("CARGO_TARGET_DIR", &blocker),
        &format!(
            "workspace: failed to create directory `{}",
            blocker.display()
        ),
    );
}
