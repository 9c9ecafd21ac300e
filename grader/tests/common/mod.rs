//! Helpers shared by the grader's integration tests.

#![allow(dead_code)] // each test file uses a different subset

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

/// The course repository.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The course's manifest, parsed.
pub fn course() -> toml::Value {
    toml::from_str(&std::fs::read_to_string(repo().join("course.toml")).unwrap()).unwrap()
}

/// The checks an exercise entry of `course.toml` lists, as `<step>::<check>`.
pub fn listed_checks(exercise: &toml::Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for step in exercise["step"].as_array().unwrap() {
        for check in step["check"].as_array().unwrap() {
            names.insert(format!(
                "{}::{}",
                step["name"].as_str().unwrap(),
                check["name"].as_str().unwrap()
            ));
        }
    }
    names
}

/// The small course of its own used to provoke every verdict.
pub fn mini_course() -> PathBuf {
    repo().join("grader/tests/fixtures/mini-course")
}

/// The grader binary, run from the repository root.
pub fn grader() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_grader"));
    // A CI job's summary file must not collect the summaries of the tests' own gradings.
    cmd.current_dir(repo())
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

/// The grader on the mini course, with a target folder of its own.
pub fn mini_grader() -> assert_cmd::Command {
    let mut cmd = grader();
    cmd.arg("--course")
        .arg(mini_course())
        .env("CARGO_TARGET_DIR", repo().join("target/mini-course"));
    cmd
}

/// A finished command, its output as text.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to its end.
pub fn run(cmd: &mut assert_cmd::Command) -> Ran {
    let output = cmd.output().unwrap();
    Ran {
        code: output.status.code().expect("the grader was killed"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A finished grader run with its JSON report parsed.
pub struct Graded {
    /// The mark of the processes this grading started (empty when not made by [`grade`]).
    pub mark: String,
    pub code: i32,
    pub json: Value,
    pub stderr: String,
}

impl Graded {
    pub fn from_output(output: Output) -> Graded {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("the report is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}")
        });
        Graded {
            mark: String::new(),
            code: output.status.code().expect("the grader was killed"),
            json,
            stderr,
        }
    }

    /// Every check as `name → (status, message)`, over all exercises.
    pub fn checks(&self) -> BTreeMap<String, (String, String)> {
        let mut all = BTreeMap::new();
        for ex in self.json["exercises"].as_array().unwrap() {
            for check in ex["checks"].as_array().unwrap() {
                all.insert(
                    check["name"].as_str().unwrap().to_owned(),
                    (
                        check["status"].as_str().unwrap().to_owned(),
                        check["message"].as_str().unwrap().to_owned(),
                    ),
                );
            }
        }
        all
    }

    pub fn check(&self, name: &str) -> &Value {
        self.json["exercises"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|ex| ex["checks"].as_array().unwrap())
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no check {name} in the report"))
    }

    pub fn exercise(&self, name: &str) -> &Value {
        self.json["exercises"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("no exercise {name} in the report"))
    }
}

/// Runs the grader with `--format json` and the given arguments. Every process it starts
/// inherits a fresh mark in its environment, for [`processes_marked`].
pub fn grade(mut cmd: assert_cmd::Command, args: &[&str]) -> Graded {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mark = format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let output = cmd
        .env(MARK, &mark)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    Graded {
        mark,
        ..Graded::from_output(output)
    }
}

/// The environment variable holding a grading's mark.
const MARK: &str = "COURSE_TEST_MARK";

/// A content fingerprint of every file under `dir` (path, length, bytes hash).
pub fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, u64)> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let mut h = DefaultHasher::new();
                bytes.hash(&mut h);
                out.push((path, bytes.len() as u64, h.finish()));
            }
        }
    }
    out.sort();
    out
}

/// Processes still running that a grading started (they carry its mark), daemons that
/// left the process group and changed folder included.
pub fn processes_marked(mark: &str) -> Vec<String> {
    let wanted = format!("{MARK}={mark}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let marked = environ
            .split(|b| *b == 0)
            .any(|var| var == wanted.as_bytes());
        if marked {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            found.push(String::from_utf8_lossy(&cmdline).replace('\0', " "));
        }
    }
    found
}

/// A submission holding a copy of the sources `src` as those of exercise folder
/// `exercise` (such as `01-alpha`), and the copy's `src` folder.
pub fn submission_from(src: &Path, exercise: &str) -> (tempfile::TempDir, PathBuf) {
    let submission = tempfile::tempdir().unwrap();
    let copy = submission
        .path()
        .join("exercises")
        .join(exercise)
        .join("src");
    copy_tree(src, &copy);
    (submission, copy)
}

/// Copies a folder tree, following symbolic links.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The graded file of the mini course's `delta` (a stub whose check wants 42).
pub const DELTA_SRC: &str = "exercises/04-delta/src/lib.rs";
/// `delta`'s check harness and the answer it expects: the course's, never graded.
pub const DELTA_HARNESS: &str = "grader/checks/04-delta/tests/checks/main.rs";
pub const DELTA_EXPECTED: &str = "grader/checks/04-delta/tests/checks/expected.txt";

/// A submission folder holding `files` (path relative to it, content).
pub fn submission(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A learner's `answer()` of `delta` with the given body.
pub fn answer_body(body: &str) -> (&'static str, String) {
    (
        DELTA_SRC,
        format!("pub fn answer() -> u32 {{\n{body}\n}}\n"),
    )
}

/// Grades `delta` of the submission and checks that the trusted course did not change.
pub fn grade_delta(dir: &Path) -> Graded {
    let course = mini_course();
    let before = fingerprint(&course);
    let kept: Vec<_> = [DELTA_HARNESS, DELTA_EXPECTED]
        .map(|rel| (course.join(rel), std::fs::read(course.join(rel)).unwrap()))
        .into();
    let graded = grade(
        mini_grader(),
        &["delta", "--submission", dir.to_str().unwrap()],
    );
    if before != fingerprint(&course) {
        // Put the fixture back before failing, so one broken defence fails one test.
        for (path, bytes) in kept {
            std::fs::write(path, bytes).unwrap();
        }
        panic!("the trusted course changed");
    }
    graded
}

/// Whether the statuses a fixture allows for a check make that check a catch of its
/// mistake: at least one status that catches it (`fail`, `timeout`, `crash`,
/// `compile-error`), and every other one `skipped` (a check that could not measure on this
/// machine, like `two_workers_faster` without a second free core). Never `pass`.
pub fn statuses_catch<S: AsRef<str>>(statuses: &[S]) -> bool {
    let caught = |s: &S| matches!(s.as_ref(), "fail" | "timeout" | "crash" | "compile-error");
    statuses.iter().any(caught)
        && statuses
            .iter()
            .all(|s| caught(s) || s.as_ref() == "skipped")
}
