//! The stubs' docs suggest a design; a learner who follows them must not hit a wall the
//! docs never mention (a private field another module needs, a missing `Unpin`, a bound
//! a check requires). Each exercise keeps, in `fixtures/stub-designs/NN-x/`, a minimal
//! implementation written from the stub's docs alone, file by file; this test puts it in
//! place of the stub's files and compiles it together with the exercise's checks, so the
//! design has to fit both the stub's public API and what the checks do with it.

mod common;

use common::repo;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn designs(dir: &str) -> PathBuf {
    repo().join("grader/tests/fixtures/stub-designs").join(dir)
}

/// Every file under `dir`, by its path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for (rel, bytes) in files(&path) {
                found.insert(Path::new(path.file_name().unwrap()).join(rel), bytes);
            }
        } else {
            found.insert(
                path.file_name().unwrap().into(),
                std::fs::read(&path).unwrap(),
            );
        }
    }
    found
}

/// Makes `to` hold exactly `wanted`, rewriting only what changed: untouched files keep
/// their times, so cargo rebuilds only what a design changed.
fn sync(to: &Path, wanted: &BTreeMap<PathBuf, Vec<u8>>) {
    if to.exists() {
        for rel in files(to).keys().filter(|rel| !wanted.contains_key(*rel)) {
            std::fs::remove_file(to.join(rel)).unwrap();
        }
    }
    for (rel, bytes) in wanted {
        let path = to.join(rel);
        if std::fs::read(&path).ok().as_ref() != Some(bytes) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
    }
}

/// The course's workspace manifest, reduced to what an exercise and its checks need.
fn manifest() -> String {
    let mut root: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("Cargo.toml")).unwrap()).unwrap();
    root.remove("profile");
    let workspace = root["workspace"].as_table_mut().unwrap();
    workspace.remove("default-members");
    workspace.insert(
        "members".into(),
        toml::Value::Array(
            ["exercises/*", "grader/checks/*", "grader/support/*"]
                .map(|m| toml::Value::String(m.into()))
                .to_vec(),
        ),
    );
    toml::to_string(&root).unwrap()
}

/// The public items the stub declares, each as its text up to its body, with whitespace
/// evened out: the design must declare every one of them the same way.
fn declarations(source: &str) -> Vec<String> {
    const STARTS: [&str; 8] = [
        "pub fn ",
        "pub async fn ",
        "pub unsafe ",
        "pub const fn ",
        "pub struct ",
        "pub enum ",
        "pub type ",
        "impl",
    ];
    let lines: Vec<&str> = source.lines().map(str::trim).collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !STARTS.iter().any(|s| line.starts_with(s)) {
            continue;
        }
        let joined = lines[i..].join(" ");
        let end = joined.find(['{', ';']).unwrap_or(joined.len());
        found.push(even(&joined[..end]));
    }
    found
}

/// A `todo!()` in code, not in a comment.
fn has_todo(source: &str) -> bool {
    source
        .lines()
        .any(|line| !line.trim_start().starts_with("//") && line.contains("todo!("))
}

fn even(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Compiles exercise `dir` with its stub-design files in place of the stub's, together with
/// its checks, and fails with rustc's messages if they do not compile.
fn compiles(dir: &str, checks: &str) {
    let stub = files(&repo().join("grader/stubs").join(dir).join("src"));
    let design = files(&designs(dir));
    for (rel, bytes) in &stub {
        assert!(
            design.contains_key(rel) || !has_todo(&String::from_utf8_lossy(bytes)),
            "stub-designs/{dir} leaves {} as the stub wrote it, `todo!()` and all",
            rel.display()
        );
    }
    let mut src = stub.clone();
    for (rel, bytes) in &design {
        let original = stub.get(rel).unwrap_or_else(|| {
            panic!(
                "stub-designs/{dir}/{} replaces no file of the stub",
                rel.display()
            )
        });
        let (original, replaced) = (
            String::from_utf8_lossy(original),
            even(&String::from_utf8_lossy(bytes)),
        );
        for declared in declarations(&original) {
            assert!(
                replaced.contains(&declared),
                "stub-designs/{dir}/{} changes or drops the stub's `{declared}`: a design must \
                 fit the stub's API as given",
                rel.display()
            );
        }
        assert!(
            !has_todo(&String::from_utf8_lossy(bytes)),
            "stub-designs/{dir}/{} still has a `todo!()`: it must implement what the stub \
             left to do",
            rel.display()
        );
        src.insert(rel.clone(), bytes.clone());
    }

    // One workspace for every exercise, kept between runs so that its dependencies and
    // unchanged crates are built once; the lock gives it to one test at a time.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stub-designs");
    std::fs::create_dir_all(&base).unwrap();
    let turn = std::fs::File::create(base.join("turn.lock")).unwrap();
    turn.lock().unwrap();
    let root = base.join("course");
    let mut top = BTreeMap::new();
    top.insert(PathBuf::from("Cargo.toml"), manifest().into_bytes());
    top.insert(
        PathBuf::from("Cargo.lock"),
        std::fs::read(repo().join("Cargo.lock")).unwrap(),
    );
    for (rel, bytes) in top {
        if std::fs::read(root.join(&rel)).ok() != Some(bytes.clone()) {
            std::fs::create_dir_all(&root).unwrap();
            std::fs::write(root.join(rel), bytes).unwrap();
        }
    }
    for support in ["testkit", "delayserver"] {
        let from = repo().join("grader/support").join(support);
        sync(&root.join("grader/support").join(support), &files(&from));
    }
    sync(
        &root.join("grader/checks").join(dir),
        &files(&repo().join("grader/checks").join(dir)),
    );
    let mut exercise = BTreeMap::new();
    exercise.insert(
        PathBuf::from("Cargo.toml"),
        std::fs::read(repo().join("exercises").join(dir).join("Cargo.toml")).unwrap(),
    );
    for (rel, bytes) in src {
        exercise.insert(Path::new("src").join(rel), bytes);
    }
    sync(&root.join("exercises").join(dir), &exercise);

    let output = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["check", "--offline", "--quiet", "--message-format=short"])
        .args(["-p", checks, "--test", "checks"])
        .env("CARGO_TARGET_DIR", base.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the design that {dir}'s stub suggests (grader/tests/fixtures/stub-designs/{dir}) does \
         not compile with its checks: the stub's docs must say what it needs.\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn threads() {
    compiles("01-threads", "threads-checks");
}

#[test]
fn callbacks() {
    compiles("02-callbacks", "callbacks-checks");
}

#[test]
fn epoll() {
    compiles("03-epoll", "epoll-checks");
}

#[test]
fn green_threads() {
    compiles("04-green-threads", "green-threads-checks");
}

#[test]
fn futures() {
    compiles("05-futures", "futures-checks");
}

#[test]
fn runtime() {
    compiles("06-runtime", "runtime-checks");
}

#[test]
fn multi_thread() {
    compiles("07-multi-thread", "multi-thread-checks");
}

#[test]
fn every_exercise_has_a_design() {
    let mut dirs: Vec<String> = std::fs::read_dir(repo().join("grader/stubs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    for dir in dirs {
        assert!(
            designs(&dir).is_dir(),
            "{dir} has no stub design in grader/tests/fixtures/stub-designs/{dir}"
        );
    }
}
