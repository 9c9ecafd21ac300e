//! `grader reset` restores stubs from `grader/stubs`; the learner edits `exercises/` in
//! place. Both must hold the same stubs, in the course and in the mini course.

mod common;

use common::{mini_course, repo};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every file under `dir` by its path relative to `dir`, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                found.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

fn folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_same_stubs(root: &Path) {
    let exercises = folders(&root.join("exercises"));
    assert_eq!(
        folders(&root.join("grader/stubs")),
        exercises,
        "{}: grader/stubs must hold one folder per exercise",
        root.display()
    );
    for dir in exercises {
        let stub = root.join("grader/stubs").join(&dir).join("src");
        let exercise = root.join("exercises").join(&dir).join("src");
        let (stub_files, exercise_files) = (files(&stub), files(&exercise));
        let differing: BTreeSet<String> = stub_files
            .keys()
            .chain(exercise_files.keys())
            .filter(|rel| stub_files.get(*rel) != exercise_files.get(*rel))
            .map(|rel| rel.display().to_string())
            .collect();
        assert!(
            differing.is_empty(),
            "{} and {} differ in {differing:?}. `grader reset` restores the stub from \
             grader/stubs: a maintainer who changes a stub in exercises/ must make the same \
             change in grader/stubs (for example: `rm -r grader/stubs/{dir}/src && \
             cp -R exercises/{dir}/src grader/stubs/{dir}/src`).",
            stub.display(),
            exercise.display()
        );
    }
}

#[test]
fn the_pristine_stubs_equal_the_exercises() {
    assert_same_stubs(&repo());
}

#[test]
fn the_mini_course_has_its_pristine_stubs_too() {
    assert_same_stubs(&mini_course());
}
