//! `grader dev load`: grades the solutions under a load it makes itself and counts every
//! check that did not pass.

mod common;

use common::{mini_grader, run};

#[test]
fn passing_solutions_give_no_false_failures() {
    let ran = run(mini_grader().args([
        "dev",
        "load",
        "delta",
        "--runs",
        "2",
        "--busy",
        "1",
        "--no-build",
    ]));
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains(
            "2 gradings of the solutions (1 checks each) with 1 spinning threads: 0 false failures"
        ),
        "{}",
        ran.stdout
    );
    assert_eq!(
        ran.stderr.matches("1/1 checks passed").count(),
        2,
        "{}",
        ran.stderr
    );
}

#[test]
fn a_check_that_does_not_pass_is_counted_and_named_with_its_run() {
    // The mini course has no solution of alpha, whose stub provokes every verdict.
    let ran = run(mini_grader().args([
        "--timeout",
        "1",
        "dev",
        "load",
        "alpha",
        "--runs",
        "2",
        "--busy",
        "1",
        "--no-build",
    ]));
    let stdout = &ran.stdout;
    assert_eq!(ran.code, 1, "{stdout}");
    assert!(
        stdout.contains("\n  basics::multiplies: 2 of 2 runs; first in run 1: fail (2 × 3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n  basics::unfinished: 2 of 2 runs; first in run 1: todo"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("basics::adds"),
        "a passing check is listed: {stdout}"
    );
    assert!(!stdout.contains(" 0 false failures"), "{stdout}");
}

#[test]
fn a_command_runs_under_the_load_and_gives_its_exit_status() {
    for (command, code) in [("true", 0), ("false", 1)] {
        let ran =
            run(mini_grader().args(["dev", "load", "--busy", "2", "--no-build", "--", command]));
        assert_eq!(ran.code, code, "{command}: {}", ran.stdout);
        assert!(
            ran.stdout
                .contains(&format!("{command} under 2 spinning threads")),
            "{}",
            ran.stdout
        );
    }
}

#[test]
fn the_competing_build_lives_through_the_gradings() {
    // The grader kills every child it does not know as a check's stray; the build is not
    // one, and a load without it would be lighter than the summary says.
    let ran = run(mini_grader().args(["dev", "load", "delta", "--runs", "2", "--busy", "0"]));
    let stdout = &ran.stdout;
    assert_eq!(ran.code, 0, "{stdout}\n{}", ran.stderr);
    assert!(stdout.contains(" and a competing build ("), "{stdout}");
    assert!(!stdout.contains("failed"), "{stdout}");
}
