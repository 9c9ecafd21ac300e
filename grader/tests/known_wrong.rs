//! Known-wrong implementations of the threads exercise: each must be caught by exactly
//! the checks its fixture names (see `fixtures/threads/README.md`).

mod common;

use common::{Graded, grade, grader, processes_under, repo};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    timeout_secs: Option<u64>,
    edit: Vec<Edit>,
    expect: BTreeMap<String, String>,
    #[serde(default)]
    messages: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    replace: String,
}

const EXERCISE_DIR: &str = "01-threads";

fn fixtures_dir() -> PathBuf {
    repo().join("grader/tests/fixtures/threads")
}

fn load(name: &str) -> Fixture {
    let path = fixtures_dir().join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes the solution with the fixture's edits applied as a submission folder.
fn submission(fixture: &Fixture) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("exercises").join(EXERCISE_DIR).join("src");
    common::copy_tree(
        &repo().join("solutions").join(EXERCISE_DIR).join("src"),
        &src,
    );
    for edit in &fixture.edit {
        let path = src.join(&edit.file);
        let text = std::fs::read_to_string(&path).unwrap();
        let found = text.matches(&edit.find).count();
        assert_eq!(
            found, 1,
            "fixture edit must match the solution's {} exactly once, matched {found} times:\n{}",
            edit.file, edit.find
        );
        std::fs::write(&path, text.replacen(&edit.find, &edit.replace, 1)).unwrap();
    }
    dir
}

fn check_fixture(name: &str) -> Graded {
    let fixture = load(name);
    let sub = submission(&fixture);
    let mut args = vec!["threads".to_owned(), "--submission".to_owned()];
    args.push(sub.path().display().to_string());
    if let Some(secs) = fixture.timeout_secs {
        args.extend(["--timeout".to_owned(), secs.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let graded = grade(grader(), &args);
    let actual = graded.checks();
    let wildcard = fixture.expect.get("*").cloned();
    let mut wrong = Vec::new();
    for (check, (status, message)) in &actual {
        let expected = fixture
            .expect
            .get(check)
            .cloned()
            .or_else(|| wildcard.clone())
            .unwrap_or_else(|| "pass".to_owned());
        if *status != expected {
            wrong.push(format!(
                "{check}: expected {expected}, got {status} ({message})"
            ));
        }
        if let Some(needle) = fixture.messages.get(check)
            && !message.contains(needle.as_str())
        {
            wrong.push(format!(
                "{check}: message should contain {needle:?}, was {message:?}"
            ));
        }
    }
    for check in fixture.expect.keys().filter(|c| *c != "*") {
        assert!(
            actual.contains_key(check),
            "{name}: no check {check} in the report"
        );
    }
    assert!(
        wrong.is_empty(),
        "fixture {name} ({}):\n{}",
        fixture.description,
        wrong.join("\n")
    );
    assert_eq!(graded.code, 1, "a known-wrong implementation must exit 1");
    graded
}

macro_rules! fixtures {
    ($($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_fixture(stringify!($name));
            }
        )+
        const LISTED: &[&str] = &[$(stringify!($name)),+];
    };
}

fixtures!(
    sequential,
    tasks_on_caller,
    out_of_order,
    panic_propagates,
    scoped_chunk_size,
    scoped_sequential,
    scoped_reversed,
    thread_per_job,
    pool_accepts_zero,
    pool_lock_held,
    pool_one_job_per_worker,
    pool_panic_kills_worker,
    pool_outlives,
    pool_spins,
    rayon_sequential,
    crashes,
);

#[test]
fn infinite_loop_times_out_and_leaves_nothing_running() {
    let graded = check_fixture("infinite_loop");
    for name in [
        "rayon_map::same_as_sequential",
        "rayon_map::runs_on_rayon_pool",
    ] {
        let seconds = graded.check(name)["seconds"].as_f64().unwrap();
        // Killed at the 3 s limit, not left to spin until something else stops it.
        assert!(
            (3.0..6.0).contains(&seconds),
            "{name} ran {seconds} s with a 3 s limit"
        );
    }
    let workspace = PathBuf::from(graded.json["workspace"].as_str().unwrap());
    let left = processes_under(&workspace);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn compile_error_shows_the_compilers_message_at_the_learners_file() {
    let graded = check_fixture("compile_error");
    let threads = graded.exercise("threads");
    assert_eq!(threads["status"], "compile-error");
    let error = threads["compile_error"].as_str().unwrap();
    assert!(error.contains("error[E0308]: mismatched types"), "{error}");
    assert!(
        error.contains("exercises/01-threads/src/pool.rs"),
        "{error}"
    );
    assert!(
        !error.contains("target/grader"),
        "paths must point at the submission: {error}"
    );
}

#[test]
fn the_human_report_explains_a_failure_in_words() {
    let sub = submission(&load("sequential"));
    let output = grader()
        .args(["threads", "--submission"])
        .arg(sub.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "fail          tasks::eight_sleeps_overlap",
        "concurrent code takes about 0.15 s, sequential about 1.2",
        "the work seems to run one part after another",
        "at most 1 of 8 parties were running at the same moment",
        "hint:  If you join each thread right after spawning it",
        "read:  book/src/threads.md#step-1-run-tasks-concurrently",
        "check: grader/checks/01-threads/tests/checks/tasks.rs:",
        "17/19 checks passed, 2 failing; 36/41 points",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

/// Every fixture file is run by a test above, and every check is caught by some fixture.
#[test]
fn fixtures_cover_every_check() {
    let files: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".toml").map(str::to_owned)
        })
        .collect();
    let mut run: BTreeSet<String> = LISTED.iter().map(|s| s.to_string()).collect();
    run.extend(["infinite_loop".to_owned(), "compile_error".to_owned()]);
    assert_eq!(
        files, run,
        "every fixture file needs a test, and every test a file"
    );

    let caught: BTreeSet<String> = files
        .iter()
        .flat_map(|name| load(name).expect.into_iter())
        .filter(|(check, status)| {
            check != "*" && ["fail", "timeout", "crash"].contains(&status.as_str())
        })
        .map(|(check, _)| check)
        .collect();
    let course: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo().join("course.toml")).unwrap()).unwrap();
    let exercise = course["exercise"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["dir"].as_str() == Some(EXERCISE_DIR))
        .unwrap();
    let mut uncaught = Vec::new();
    for step in exercise["step"].as_array().unwrap() {
        for check in step["check"].as_array().unwrap() {
            let name = format!(
                "{}::{}",
                step["name"].as_str().unwrap(),
                check["name"].as_str().unwrap()
            );
            if !caught.contains(&name) {
                uncaught.push(name);
            }
        }
    }
    assert!(
        uncaught.is_empty(),
        "checks no known-wrong fixture catches: {uncaught:?}"
    );
}
