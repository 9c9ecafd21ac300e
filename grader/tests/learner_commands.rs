//! The learner's commands: `hint`, `list` and `reset`, on the mini course. `reset` runs
//! only on copies of it, never on a folder of the repository.

mod common;

use common::{Ran, grader, mini_course, mini_grader, repo, run};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The grader on the mini course, building in a target folder no copy of the mini course
/// uses: cargo names a workspace member's artifacts by its path inside the workspace, so a
/// copy built in the same target folder (with its delta solved, say) would be taken for the
/// mini course's own, already built.
fn in_place_grader() -> assert_cmd::Command {
    let mut cmd = mini_grader();
    cmd.env(
        "CARGO_TARGET_DIR",
        repo().join("target/mini-course-in-place"),
    );
    cmd
}

fn hint(name: &str) -> Ran {
    run(in_place_grader().args(["hint", name]))
}

#[test]
fn hint_for_an_exercise_not_started_gives_its_step_hint() {
    for name in ["delta", "04-delta", "4"] {
        let ran = hint(name);
        assert_eq!(ran.code, 0, "{name}: {}", ran.stderr);
        let out = &ran.stdout;
        assert!(
            out.contains("delta: todo, 0/1 checks passed, 1 todo; 0/5 points"),
            "{out}"
        );
        assert!(
            out.contains("Next: step basics: The answer (not started)"),
            "{out}"
        );
        assert!(out.contains("hint: delta hint"), "{out}");
        assert!(out.contains("read: book/delta.md#basics"), "{out}");
        // The check's own hint is for code that runs; none does yet.
        assert!(!out.contains("answers hint"), "{out}");
        assert!(
            ran.stderr.is_empty(),
            "noise on a non-terminal: {}",
            ran.stderr
        );
        assert!(!out.contains('\x1b'), "colour on a non-terminal: {out}");
    }
}

#[test]
fn hint_for_a_finished_exercise_points_to_the_next_one() {
    let ran = hint("beta");
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Every check of beta passes."),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("Next: the next exercise, gamma: Elsewhere only"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("hint: cargo run -p grader -- hint gamma"),
        "{}",
        ran.stdout
    );
}

/// The line `fn answers(` is on in the mini course's delta harness, counted from 1.
fn answers_line() -> usize {
    let text =
        fs::read_to_string(mini_course().join("grader/checks/04-delta/tests/checks/main.rs"))
            .unwrap();
    text.lines()
        .position(|l| l.contains("fn answers("))
        .unwrap()
        + 1
}

#[test]
fn hint_for_a_check_or_a_step_grades_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let never_built = tmp.path().join("target");
    let defined = format!(
        "defined in: grader/checks/04-delta/tests/checks/main.rs:{}",
        answers_line()
    );
    for name in [
        "answers",
        "basics::answers",
        "delta::basics::answers",
        "04-delta::basics::answers",
        "4::basics::answers",
    ] {
        let ran = run(mini_grader()
            .env("CARGO_TARGET_DIR", &never_built)
            .args(["hint", name]));
        assert_eq!(ran.code, 0, "{name}: {}", ran.stderr);
        let out = &ran.stdout;
        assert!(out.contains("delta / basics::answers"), "{name}: {out}");
        assert!(out.contains("snapshot, 5 points"), "{name}: {out}");
        assert!(
            out.contains("step:       basics: The answer"),
            "{name}: {out}"
        );
        assert!(out.contains("hint:       answers hint"), "{name}: {out}");
        assert!(out.contains("step hint:  delta hint"), "{name}: {out}");
        assert!(
            out.contains("read:       book/delta.md#basics"),
            "{name}: {out}"
        );
        assert!(out.contains(&defined), "{name}: {out}");
    }
    let ran = run(mini_grader()
        .env("CARGO_TARGET_DIR", &never_built)
        .args(["hint", "delta::basics"]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("hint:       delta hint"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("checks:     answers"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("answers hint"), "{}", ran.stdout);
    assert!(!never_built.exists(), "a hint for a check built something");
}

#[test]
fn ambiguous_and_unknown_names_are_refused() {
    let ran = hint("basics");
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    for candidate in [
        "alpha::basics",
        "beta::basics",
        "gamma::basics",
        "delta::basics",
    ] {
        assert!(ran.stderr.contains(candidate), "{}", ran.stderr);
    }
    assert!(ran.stdout.is_empty());

    let ran = hint("nope");
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(
        ran.stderr
            .contains("no exercise, step or check is named \"nope\""),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("cargo run -p grader -- list"),
        "{}",
        ran.stderr
    );
    assert_eq!(ran.stderr.trim().lines().count(), 1, "{}", ran.stderr);

    let ran = hint("answer");
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("similar: delta::basics::answers"),
        "{}",
        ran.stderr
    );
}

/// A copy of the mini course (without build output) in a new temporary folder.
fn course_copy() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            // Follows links: the mini course's testkit is one.
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(mini_course()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "target" {
            continue;
        }
        let target = tmp.path().join(entry.file_name());
        if entry.path().is_dir() {
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
    tmp
}

#[test]
fn a_check_name_two_exercises_share_must_be_given_in_full() {
    let course = course_copy();
    let manifest = course.path().join("course.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    assert_eq!(text.matches("name = \"greets\"").count(), 1);
    fs::write(
        &manifest,
        text.replace("name = \"greets\"", "name = \"answers\""),
    )
    .unwrap();
    for name in ["answers", "basics::answers"] {
        let ran = run(grader()
            .arg("--course")
            .arg(course.path())
            .args(["hint", name]));
        assert_eq!(ran.code, 2, "{name}: {}", ran.stdout);
        assert!(
            ran.stderr.contains("beta::basics::answers")
                && ran.stderr.contains("delta::basics::answers"),
            "{name}: {}",
            ran.stderr
        );
    }
    let ran = run(grader()
        .arg("--course")
        .arg(course.path())
        .args(["hint", "beta::basics::answers"]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("greets hint"), "{}", ran.stdout);
}

#[test]
fn list_shows_every_exercise_and_step_on_aligned_lines() {
    // alpha fails on purpose (its hangs take the --timeout), so the list exits 1.
    let ran = run(in_place_grader().args(["list", "--timeout", "2"]));
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    let out = &ran.stdout;
    assert!(!out.contains('\x1b'), "colour on a non-terminal: {out}");
    assert!(out.starts_with("Mini course\n\n"), "{out}");
    let table: Vec<&str> = out.lines().skip(2).take_while(|l| !l.is_empty()).collect();
    let labels: Vec<&str> = table
        .iter()
        .map(|l| l.split("  ").next().unwrap())
        .map(|l| if l.is_empty() { "step" } else { l })
        .collect();
    assert_eq!(
        labels,
        [
            "alpha", "step", "step", "step", "beta", "step", "gamma", "step", "delta", "step"
        ],
        "{out}"
    );
    let line = |start: &str| {
        *table
            .iter()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in:\n{out}"))
    };
    let beta = line("beta ");
    for part in [" pass ", " 1/1 checks ", " 2/2 points ", "Always fine"] {
        assert!(beta.contains(part), "{beta}");
    }
    let gamma = line("gamma ");
    assert!(gamma.contains(" skipped "), "{gamma}");
    assert!(gamma.contains("plan9-mips"), "{gamma}");
    let delta = line("delta ");
    for part in [" todo ", " 0/1 checks ", " 0/5 points "] {
        assert!(delta.contains(part), "{delta}");
    }
    for step in ["  basics ", "  hostile ", "  sandbox "] {
        line(step);
    }
    // The status column starts at the same place on every line.
    let column = beta.find(" pass ").unwrap() + 1;
    for l in &table {
        let status = l[column..].split(' ').next().unwrap();
        assert!(
            ["pass", "fail", "todo", "skipped", "compile-error"].contains(&status),
            "{l:?} has no status at column {column}:\n{out}"
        );
    }
    assert!(out.contains("checks passed"), "{out}");
    assert!(
        out.contains("Next: cargo run -p grader -- hint alpha"),
        "{out}"
    );
}

/// Every entry under `dir` (links not followed) with its content: a file's bytes, a
/// link's target, or nothing for a folder.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                let target = fs::read_link(&path).unwrap();
                found.insert(rel, Some(target.into_os_string().into_encoded_bytes()));
            } else if kind.is_dir() {
                found.insert(rel, None);
                stack.push(path);
            } else {
                found.insert(rel, Some(fs::read(&path).unwrap()));
            }
        }
    }
    found
}

fn reset(course: &Path, exercise: &str) -> Ran {
    run(grader()
        .arg("--course")
        .arg(course)
        .args(["reset", exercise]))
}

/// The learner's own work: a solved file, a new module in a folder, bytes that are no
/// UTF-8.
fn write_learner_code(src: &Path) {
    fs::write(src.join("lib.rs"), "pub fn answer() -> u32 {\n    42\n}\n").unwrap();
    fs::create_dir(src.join("notes")).unwrap();
    fs::write(src.join("notes/ideas.rs"), [0x2f, 0x2f, 0xff, 0xfe, b'\n']).unwrap();
}

fn backups(course: &Path) -> Vec<PathBuf> {
    match fs::read_dir(course.join(".backups")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn reset_backs_up_the_learners_code_then_restores_the_stub() {
    let course = course_copy();
    let course = course.path();
    let src = course.join("exercises/04-delta/src");
    let stub = tree(&course.join("grader/stubs/04-delta/src"));
    assert_eq!(tree(&src), stub, "the copy starts with the stub");
    write_learner_code(&src);
    let learner = tree(&src);

    let ran = reset(course, "delta");
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(tree(&src), stub, "src is not the stub:\n{}", ran.stdout);
    let named = ran
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("backup: "))
        .unwrap_or_else(|| panic!("no backup named in:\n{}", ran.stdout))
        .trim();
    let backup = course.join(named);
    assert_eq!(
        tree(&backup),
        learner,
        "the backup {named} is not the learner's code"
    );
    let folder = backup.parent().unwrap();
    assert_eq!(folder.parent().unwrap(), course.join(".backups"));
    let name = folder.file_name().unwrap().to_string_lossy().into_owned();
    let stamp = name.strip_prefix("04-delta-").expect(&name);
    // 2026-11-26T16-20-05Z
    assert_eq!(stamp.len(), 20, "{stamp}");
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{stamp}"
    );
    // The copy has no .gitignore, unlike the course.
    assert!(
        ran.stdout
            .contains("add /.backups to .gitignore so git ignores it"),
        "{}",
        ran.stdout
    );
    assert_eq!(backups(course).len(), 1);
    let leftovers: Vec<_> = fs::read_dir(course.join("exercises/04-delta"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The stub again: nothing to save, nothing to do.
    let ran = reset(course, "4");
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("already holds the stub"),
        "{}",
        ran.stdout
    );
    assert_eq!(backups(course).len(), 1, "a backup of the stub was made");
    assert_eq!(tree(&src), stub);

    // New work, another reset: a second backup, the first one kept.
    fs::write(src.join("lib.rs"), "pub fn answer() -> u32 { 41 }\n").unwrap();
    let second = tree(&src);
    fs::write(course.join(".gitignore"), "/target\n/.backups\n").unwrap();
    let ran = reset(course, "04-delta");
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("(git ignores it)"), "{}", ran.stdout);
    assert!(ran.stdout.contains("1 file,"), "{}", ran.stdout);
    assert_eq!(backups(course).len(), 2);
    assert_eq!(tree(&backup), learner);
    let named = ran
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("backup: "))
        .unwrap()
        .trim();
    assert_eq!(tree(&course.join(named)), second);
}

#[test]
fn a_symbolic_link_in_src_stops_reset_before_anything_changes() {
    let course = course_copy();
    let course = course.path();
    let src = course.join("exercises/04-delta/src");
    write_learner_code(&src);
    std::os::unix::fs::symlink("../Cargo.toml", src.join("notes/link.rs")).unwrap();
    let before = tree(&src);

    let ran = reset(course, "delta");
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(ran.stderr.contains("symbolic link"), "{}", ran.stderr);
    assert!(ran.stderr.contains("nothing was changed"), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    assert_eq!(tree(&src), before);
    assert!(backups(course).is_empty());
}

#[test]
fn a_backup_that_cannot_be_made_leaves_src_alone() {
    let course = course_copy();
    let course = course.path();
    let src = course.join("exercises/04-delta/src");
    write_learner_code(&src);
    let learner = tree(&src);
    fs::write(course.join(".backups"), "a file where the backups go").unwrap();

    let ran = reset(course, "delta");
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(
        ran.stderr
            .contains("exercises/04-delta/src was not changed"),
        "{}",
        ran.stderr
    );
    assert_eq!(tree(&src), learner);
}

#[test]
fn reset_needs_a_known_exercise_and_its_pristine_stub() {
    let course = course_copy();
    let course = course.path();
    let ran = reset(course, "nope");
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("unknown exercise \"nope\""),
        "{}",
        ran.stderr
    );

    let src = course.join("exercises/04-delta/src");
    write_learner_code(&src);
    let learner = tree(&src);
    fs::remove_dir_all(course.join("grader/stubs/04-delta")).unwrap();
    let ran = reset(course, "delta");
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr
            .contains("its pristine stub grader/stubs/04-delta/src is missing"),
        "{}",
        ran.stderr
    );
    assert_eq!(tree(&src), learner);
    assert!(backups(course).is_empty());
}
