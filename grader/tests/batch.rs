//! `grader batch DIR --out FILE`: every submission folder becomes one gradebook row with
//! the points `--submission` gives it; a submission that cannot be graded becomes an
//! `error` row without stopping the batch.
//!
//! To keep these tests fast, most submissions make the mini course's slow exercise
//! (`alpha`, whose stub hangs and crashes on purpose) fail to compile; only the empty
//! submission grades its stub.

mod common;

use common::{Graded, copy_tree, grade, mini_course, mini_grader};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// An `alpha` that fails to build: graded in a second, worth no points.
const ALPHA_NOT_BUILT: &str = "compile_error!(\"not attempted\");\n";
const BETA_NOT_BUILT: &str = "pub fn greet(name: &str) -> String {\n    name + 1\n}\n";

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn src(submission: &Path, dir: &str) -> PathBuf {
    submission.join("exercises").join(dir).join("src")
}

/// The gradebook as header and rows, each row by column name, read by a CSV library.
fn read_gradebook(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            assert_eq!(record.len(), header.len(), "{record:?}");
            header
                .iter()
                .cloned()
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

fn run_batch(mut grader: assert_cmd::Command, dir: &Path, out: &Path) -> std::process::Output {
    grader
        .args([
            "batch",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--timeout", "2"])
        .output()
        .unwrap()
}

/// The row a gradebook should hold for a submission graded as `graded`.
fn expected_points(graded: &Graded) -> BTreeMap<String, String> {
    let mut points = BTreeMap::new();
    for ex in graded.json["exercises"].as_array().unwrap() {
        points.insert(
            ex["name"].as_str().unwrap().to_owned(),
            ex["points"].to_string(),
        );
    }
    points.insert("total".into(), graded.json["summary"]["points"].to_string());
    points.insert(
        "max_total".into(),
        graded.json["summary"]["max_points"].to_string(),
    );
    points
}

#[test]
fn every_submission_folder_becomes_one_row_and_errors_do_not_stop_the_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("submissions");
    let stub_beta = mini_course().join("exercises/02-beta/src");

    let ann = dir.join("ann");
    write(&src(&ann, "01-alpha").join("lib.rs"), ALPHA_NOT_BUILT);
    copy_tree(&stub_beta, &src(&ann, "02-beta"));

    let bob = dir.join("bob, the \"builder\"");
    write(&src(&bob, "01-alpha").join("lib.rs"), ALPHA_NOT_BUILT);
    write(&src(&bob, "02-beta").join("lib.rs"), BETA_NOT_BUILT);

    // Refused before anything is built; the submissions after it are still graded.
    let cat = dir.join("cat");
    copy_tree(&stub_beta, &src(&cat, "02-beta"));
    std::os::unix::fs::symlink("/etc/passwd", src(&cat, "02-beta").join("secret.rs")).unwrap();

    // Nothing at all: every exercise grades as the course's stub.
    let dan = dir.join("dan");
    fs::create_dir_all(&dan).unwrap();

    // Not submissions.
    write(&dir.join("notes.txt"), "grade these by Friday");
    write(
        &src(&dir.join(".hidden"), "02-beta").join("lib.rs"),
        BETA_NOT_BUILT,
    );

    let out = tmp.path().join("books/gradebook.csv");
    write(&out, "an older gradebook\n");

    let output = run_batch(mini_grader(), &dir, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");

    let (header, rows) = read_gradebook(&out);
    let exercises: Vec<String> = common_exercises();
    let mut want_header = vec!["submission".to_string(), "status".to_string()];
    want_header.extend(exercises.iter().cloned());
    want_header.extend(["total", "max_total", "message"].map(String::from));
    assert_eq!(header, want_header);
    let names: Vec<&str> = rows.iter().map(|r| r["submission"].as_str()).collect();
    assert_eq!(names, ["ann", "bob, the \"builder\"", "cat", "dan"]);
    let row = |name: &str| rows.iter().find(|r| r["submission"] == name).unwrap();

    // Graded rows carry exactly the points `--submission` gives the same folder.
    for sub in [&ann, &bob] {
        let name = sub.file_name().unwrap().to_str().unwrap();
        let graded = grade(
            mini_grader(),
            &["--submission", sub.to_str().unwrap(), "--timeout", "2"],
        );
        let row = row(name);
        assert_eq!(row["status"], "fail", "{name}: {row:?}");
        assert_eq!(row["message"], "", "{name}");
        for (column, points) in expected_points(&graded) {
            assert_eq!(row[&column], points, "{name}: column {column}");
        }
        assert_eq!(graded.exercise("alpha")["status"], "compile-error");
    }
    assert_eq!(row("ann")["beta"], "2");
    assert_eq!(row("bob, the \"builder\"")["beta"], "0");

    let cat_row = row("cat");
    assert_eq!(cat_row["status"], "error");
    assert!(
        cat_row["message"].contains("symbolic link"),
        "{}",
        cat_row["message"]
    );
    for column in exercises.iter().chain([&"total".to_string()]) {
        assert_eq!(cat_row[column], "", "an error row has no points ({column})");
    }

    let dan_row = row("dan");
    assert_eq!(dan_row["status"], "fail");
    let sum: u32 = exercises
        .iter()
        .map(|e| dan_row[e].parse::<u32>().unwrap())
        .sum();
    assert_eq!(dan_row["total"], sum.to_string());
    assert_eq!(dan_row["beta"], "2", "beta's stub passes");
    let max_totals: Vec<&str> = rows.iter().map(|r| r["max_total"].as_str()).collect();
    assert!(max_totals.iter().all(|m| *m == max_totals[0]));

    // Plain-text progress: one line per submission with its result.
    assert!(!stderr.contains('\x1b'), "{stderr}");
    for (line, result) in [
        ("[1/4] ann ... fail, 2/", ""),
        ("[2/4] bob, the \"builder\" ... fail, 0/", ""),
        ("[3/4] cat ... error: workspace: refusing ", "symbolic link"),
        ("[4/4] dan ... fail, ", ""),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(line) && l.contains(result)),
            "no line {line:?} in:\n{stderr}"
        );
    }
    let listed: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        listed,
        ["gradebook.csv"],
        "a temporary file was left behind"
    );
}

/// The mini course's exercises, in course order.
fn common_exercises() -> Vec<String> {
    let text = fs::read_to_string(mini_course().join("course.toml")).unwrap();
    let course: toml::Value = toml::from_str(&text).unwrap();
    course["exercise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ex| ex["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A course of one exercise that always passes: the mini course's `beta`, with the
/// mini course's workspace and build folder.
fn beta_only_course(at: &Path) {
    let mini = mini_course();
    fs::create_dir_all(at).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        fs::copy(mini.join(file), at.join(file)).unwrap();
    }
    copy_tree(
        &mini.join("exercises/02-beta"),
        &at.join("exercises/02-beta"),
    );
    copy_tree(
        &mini.join("grader/checks/02-beta"),
        &at.join("grader/checks/02-beta"),
    );
    fs::create_dir_all(at.join("grader/support")).unwrap();
    std::os::unix::fs::symlink(
        common::repo().join("grader/support/testkit"),
        at.join("grader/support/testkit"),
    )
    .unwrap();
    let text = fs::read_to_string(mini.join("course.toml")).unwrap();
    let mut course: toml::Table = toml::from_str(&text).unwrap();
    let exercises = course["exercise"].as_array_mut().unwrap();
    exercises.retain(|ex| ex["name"].as_str() == Some("beta"));
    fs::write(at.join("course.toml"), toml::to_string(&course).unwrap()).unwrap();
}

#[test]
fn a_batch_in_which_every_submission_passes_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let course = tmp.path().join("course");
    beta_only_course(&course);
    let dir = tmp.path().join("submissions");
    copy_tree(
        &mini_course().join("exercises/02-beta/src"),
        &src(&dir.join("eve"), "02-beta"),
    );
    let out = tmp.path().join("gradebook.csv");

    let mut grader = common::grader();
    grader.arg("--course").arg(&course).env(
        "CARGO_TARGET_DIR",
        common::repo().join("target/mini-course"),
    );
    let output = run_batch(grader, &dir, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let (header, rows) = read_gradebook(&out);
    assert_eq!(
        header,
        [
            "submission",
            "status",
            "beta",
            "total",
            "max_total",
            "message"
        ]
    );
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        [
            &row["submission"],
            &row["status"],
            &row["beta"],
            &row["total"],
            &row["max_total"]
        ],
        ["eve", "pass", "2", "2", "2"]
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 pass, 0 fail, 0 flagged, 0 error"),
        "{output:?}"
    );
}

#[test]
fn a_batch_that_cannot_run_exits_2_before_grading_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("submissions");
    fs::create_dir_all(dir.join("ann")).unwrap();
    let out = tmp.path().join("gradebook.csv");
    let empty = tmp.path().join("empty");
    fs::create_dir_all(empty.join(".git")).unwrap();
    fs::write(empty.join("README"), "no submissions yet").unwrap();
    let missing = tmp.path().join("missing");
    // The error names the folder it could not read.
    let missing_named = format!("{}`: No such file", missing.display());
    let cases = [
        (missing.clone(), out.clone(), missing_named.as_str()),
        (empty, out.clone(), "holds no submission folders"),
        (
            dir.clone(),
            tmp.path().join("no/such/folder/gradebook.csv"),
            "cannot write",
        ),
        (dir.clone(), tmp.path().to_path_buf(), "is a folder"),
    ];
    for (dir, out, why) in cases {
        let output = run_batch(mini_grader(), &dir, &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", dir.display());
        assert!(stderr.contains(why), "{why}: {stderr}");
        assert!(
            !stderr.contains("[1/"),
            "graded although it cannot finish: {stderr}"
        );
    }
    assert!(!out.exists());
}

#[test]
fn subcommands_leave_the_exercise_argument_alone() {
    let output = mini_grader().arg("no-such-exercise").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown exercise"));
    // Options of one grading do not mix with a batch.
    let output = mini_grader()
        .args(["--solutions", "batch", "x", "--out", "y"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let help = mini_grader().args(["batch", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("one after another"), "{help}");
}
