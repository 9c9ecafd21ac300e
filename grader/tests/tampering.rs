//! Submissions that try to cheat, graded against the mini course's `delta` exercise (a
//! stub whose check wants 42, with a reference solution). Each one must gain nothing: the
//! check does not pass, the trusted course is unchanged, and what the submission changed
//! outside its graded surface is listed as ignored.

mod common;

use common::{
    DELTA_EXPECTED as EXPECTED, DELTA_HARNESS as HARNESS, DELTA_SRC, Graded, answer_body, grade,
    grade_delta, mini_course, mini_grader, repo, submission,
};
use std::path::Path;

fn status(graded: &Graded) -> String {
    graded.check("basics::answers")["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn ignored(graded: &Graded) -> Vec<String> {
    graded.json["ignored"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_reference_answer_passes_so_the_setup_can_tell_cheating_from_success() {
    let dir = submission(&[answer_body("42")]);
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "pass", "{}", graded.json);
    assert_eq!(graded.code, 0);
}

#[test]
fn edited_harness_snapshot_manifests_course_and_build_script_are_ignored() {
    let dir = submission(&[
        answer_body("0"),
        (
            HARNESS,
            "mod basics { testkit::check! { fn answers() {} } }\n".into(),
        ),
        (EXPECTED, "0".into()),
        (
            "course.toml",
            std::fs::read_to_string(mini_course().join("course.toml"))
                .unwrap()
                .replace("points = 5", "points = 500"),
        ),
        (
            "exercises/04-delta/Cargo.toml",
            "[package]\nname = \"delta\"\nbuild = \"build.rs\"\n".into(),
        ),
        (
            "exercises/04-delta/build.rs",
            "fn main() { std::fs::write(\"/tmp/delta-build-ran\", \"\").unwrap(); }\n".into(),
        ),
        ("Cargo.toml", "[workspace]\nmembers = []\n".into()),
    ]);
    let _ = std::fs::remove_file("/tmp/delta-build-ran");
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "fail", "{}", graded.json);
    assert!(
        !Path::new("/tmp/delta-build-ran").exists(),
        "the submission's build script ran"
    );
    assert_eq!(graded.exercise("delta")["max_points"], 5);
    assert_eq!(graded.code, 1);
    let mut expected = vec![
        "Cargo.toml",
        "course.toml",
        "exercises/04-delta/Cargo.toml",
        "exercises/04-delta/build.rs",
        EXPECTED,
        HARNESS,
    ];
    expected.sort();
    assert_eq!(ignored(&graded), expected);
}

#[test]
fn rewriting_the_expectations_while_running_fails_and_changes_nothing() {
    let overlay_harness = format!("concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../{EXPECTED}\")");
    let trusted = mini_course().join(EXPECTED);
    let body = format!(
        "    let _ = std::fs::write({overlay_harness}, \"0\");\n    \
         let _ = std::fs::write({trusted:?}, \"0\");\n    0"
    );
    let dir = submission(&[answer_body(&body)]);
    assert_eq!(status(&grade_delta(dir.path())), "fail");
    // And the next grading still expects 42.
    let honest = submission(&[answer_body("42")]);
    assert_eq!(status(&grade_delta(honest.path())), "pass");
}

#[test]
fn reading_the_expectations_while_running_finds_nothing() {
    let trusted = mini_course().join(EXPECTED);
    let overlay = format!("concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../{EXPECTED}\")");
    let body = format!(
        "    [{overlay}, {trusted:?}]\n        .iter()\n        \
         .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse().ok())\n        \
         .unwrap_or(0)"
    );
    let dir = submission(&[answer_body(&body)]);
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "fail", "{}", graded.json);
}

#[test]
fn compiling_in_the_reference_solution_is_a_compile_error() {
    let solution = mini_course().join("solutions/04-delta/src/lib.rs");
    let dir = submission(&[(
        DELTA_SRC,
        format!("#[path = {solution:?}]\nmod copied;\npub use copied::answer;\n"),
    )]);
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "compile-error", "{}", graded.json);
    let error = graded.exercise("delta")["compile_error"].as_str().unwrap();
    assert!(error.contains("couldn't read"), "{error}");
}

#[test]
fn printing_success_and_exiting_early_fails() {
    let body = "    println!(\"test basics::answers ... ok\");\n    std::process::exit(0)";
    let dir = submission(&[answer_body(body)]);
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "fail", "{}", graded.json);
    let message = graded.check("basics::answers")["message"].as_str().unwrap();
    assert!(message.contains("exited with status 0"), "{message}");
}

#[test]
fn symbolic_links_out_of_the_submission_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("lib.rs"),
        "pub fn answer() -> u32 { 42 }\n",
    )
    .unwrap();
    for link in ["exercises/04-delta/src", "exercises/04-delta/src/lib.rs"] {
        let dir = submission(&[]);
        let path = dir.path().join(link);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let target = if link.ends_with("src") {
            outside.path().to_path_buf()
        } else {
            outside.path().join("lib.rs")
        };
        std::os::unix::fs::symlink(target, &path).unwrap();
        let output = mini_grader()
            .args(["delta", "--submission", dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{link}: {stderr}");
        assert!(stderr.contains("symbolic link"), "{link}: {stderr}");
    }
}

#[test]
fn a_missing_exercise_folder_grades_as_todo() {
    // An unchanged copy of a course file is not worth listing.
    let manifest = std::fs::read_to_string(mini_course().join("Cargo.toml")).unwrap();
    let dir = submission(&[
        ("README.md", "nothing done yet".into()),
        ("Cargo.toml", manifest),
    ]);
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "todo");
    assert_eq!(ignored(&graded), ["README.md"]);
    let markdown = mini_grader()
        .args(["delta", "--format", "markdown", "--submission"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        text.contains("Ignored (only `exercises/*/src` is graded): `README.md`"),
        "{text}"
    );
}

#[test]
fn a_build_that_never_ends_is_stopped_and_reported() {
    // Each level doubles the expansion: 2^40 steps never finish.
    let levels = "a ".repeat(40);
    let dir = submission(&[(
        DELTA_SRC,
        format!(
            "#![recursion_limit = \"1000000\"]\n\
             macro_rules! grow {{\n    () => {{ 0 }};\n    \
             ($x:tt $($rest:tt)*) => {{ grow!($($rest)*) + grow!($($rest)*) }};\n}}\n\
             pub fn answer() -> u32 {{\n    grow!({levels})\n}}\n"
        ),
    )]);
    let mut cmd = mini_grader();
    cmd.env("GRADER_BUILD_TIMEOUT", "3");
    let graded = grade(
        cmd,
        &["delta", "--submission", dir.path().to_str().unwrap()],
    );
    assert_eq!(status(&graded), "compile-error", "{}", graded.json);
    let error = graded.exercise("delta")["compile_error"].as_str().unwrap();
    assert!(error.contains("did not finish within 3 s"), "{error}");
}

#[test]
fn code_that_runs_at_load_time_is_flagged_and_never_run() {
    // Runs before main in every process that loads the exercise, even one that only lists
    // the checks; it never returns. Listing uses the stubs' build, and the graded build is
    // flagged, so it never runs at all.
    let dir = submission(&[(
        DELTA_SRC,
        "#[used]\n#[unsafe(link_section = \".init_array\")]\n\
         static AT_LOAD: extern \"C\" fn() = at_load;\n\
         extern \"C\" fn at_load() {\n    loop {\n        std::hint::spin_loop();\n    }\n}\n\
         pub fn answer() -> u32 {\n    42\n}\n"
            .into(),
    )]);
    let graded = grade(
        mini_grader(),
        &[
            "delta",
            "--timeout",
            "2",
            "--submission",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(status(&graded), "flagged", "{}", graded.json);
    let evidence = graded.exercise("delta")["flagged"].to_string();
    assert!(evidence.contains("delta::at_load"), "{evidence}");
    let left = common::processes_marked(&graded.mark);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn running_the_compiled_solution_checks_finds_nothing() {
    // Compiled checks of the reference solution, which pass.
    let solutions = grade(mini_grader(), &["delta", "--solutions"]);
    assert_eq!(status(&solutions), "pass", "{}", solutions.json);
    // The submission's check runs them in its place, with the same arguments.
    let body = "    use std::os::unix::process::CommandExt;\n    \
         let bin = concat!(env!(\"CARGO_MANIFEST_DIR\"), \
         \"/../../../solutions.bin/delta-checks-checks\");\n    \
         let _ = std::process::Command::new(bin).args(std::env::args().skip(1)).exec();\n    0";
    let dir = submission(&[answer_body(body)]);
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "fail", "{}", graded.json);
}

#[test]
fn a_missing_exercise_grades_as_the_pristine_stub_not_as_the_courses_folder() {
    // The course's own exercises folder may hold solved code (a maintainer trying the
    // solutions in place); a submission without the exercise must not get its points.
    let course = tempfile::tempdir().unwrap();
    common::copy_tree(&mini_course(), course.path());
    std::fs::write(
        course.path().join(DELTA_SRC),
        "pub fn answer() -> u32 {\n    42\n}\n",
    )
    .unwrap();
    let dir = submission(&[("README.md", "nothing yet".into())]);
    let mut cmd = common::grader();
    cmd.arg("--course").arg(course.path()).env(
        "CARGO_TARGET_DIR",
        common::repo().join("target/mini-course-copy"),
    );
    let graded = grade(
        cmd,
        &["delta", "--submission", dir.path().to_str().unwrap()],
    );
    assert_eq!(status(&graded), "todo", "{}", graded.json);
}

#[test]
fn embedding_what_the_solutions_build_left_is_a_compile_error() {
    // Grading the solutions first leaves their build folder, with its marker file.
    let solved = mini_grader()
        .args(["--solutions", "delta", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(solved.status.code(), Some(0), "{solved:?}");
    let marker = repo().join("target/mini-course/grader/build/last-built-sources");
    assert!(marker.is_file(), "{} is missing", marker.display());
    let dir = submission(&[answer_body(&format!(
        "    include_bytes!({marker:?}).len() as u32"
    ))]);
    let graded = grade_delta(dir.path());
    assert_eq!(status(&graded), "compile-error", "{}", graded.json);
    let error = graded.exercise("delta")["compile_error"].as_str().unwrap();
    assert!(error.contains("couldn't read"), "{error}");
}
