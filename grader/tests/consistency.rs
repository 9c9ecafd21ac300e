//! The course manifest, the harness crates and the book agree with each other.

mod common;
mod markdown;

use common::{copy_tree, course, listed_checks, mini_course, repo};
use std::collections::BTreeSet;
use std::process::Command;

/// Builds a harness crate and lists the checks its binary defines.
fn defined_checks(dir: &str) -> BTreeSet<String> {
    let manifest = repo().join("grader/checks").join(dir).join("Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "test",
            "--no-run",
            "--message-format=json",
            "--test",
            "checks",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let exe = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|m| {
            (m["target"]["name"] == "checks")
                .then(|| m["executable"].as_str().map(str::to_owned))
                .flatten()
        })
        .expect("no check binary");
    let list = Command::new(exe)
        .args(["--list", "--format", "terse"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test").map(str::to_owned))
        .collect()
}

#[test]
fn course_and_harnesses_list_the_same_checks() {
    for exercise in course()["exercise"].as_array().unwrap() {
        let dir = exercise["dir"].as_str().unwrap();
        assert_eq!(
            listed_checks(exercise),
            defined_checks(dir),
            "exercise {dir}"
        );
    }
}

#[test]
fn every_check_has_points_a_hint_and_a_book_section_that_exists() {
    let book = repo().join("book/src");
    for exercise in course()["exercise"].as_array().unwrap() {
        let mut links = vec![exercise["book"].as_str().unwrap().to_owned()];
        for cause in exercise
            .get("cause")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            links.push(cause["book"].as_str().unwrap().to_owned());
            assert!(cause["hint"].as_str().unwrap().len() > 10, "{cause}");
        }
        for step in exercise["step"].as_array().unwrap() {
            links.push(step["book"].as_str().unwrap().to_owned());
            assert!(!step["hint"].as_str().unwrap().is_empty());
            for check in step["check"].as_array().unwrap() {
                assert!(check["points"].as_integer().unwrap() > 0, "{check}");
                assert!(check["hint"].as_str().unwrap().len() > 10, "{check}");
            }
        }
        for link in links {
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let text = std::fs::read_to_string(book.join(file))
                .unwrap_or_else(|e| panic!("book link {link}: {e}"));
            if !anchor.is_empty() {
                let anchors = markdown::heading_ids(&text);
                assert!(
                    anchors.iter().any(|a| a == anchor),
                    "book link {link}: no such heading in {anchors:?}"
                );
            }
        }
    }
}

#[test]
fn a_check_missing_from_course_toml_stops_the_grader() {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(&mini_course(), copy.path());
    let course = std::fs::read_to_string(mini_course().join("course.toml")).unwrap();
    let without = course.replace(
        "    [[exercise.step.check]]\n    name = \"greets\"",
        "    [[exercise.step.check]]\n    name = \"waves\"",
    );
    std::fs::write(copy.path().join("course.toml"), without).unwrap();

    let output = common::grader()
        .args(["beta", "--course"])
        .arg(copy.path())
        .env("CARGO_TARGET_DIR", repo().join("target/mini-course-copy"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("not in course.toml: [basics::greets]; not in the harness: [basics::waves]"),
        "{stderr}"
    );
}
