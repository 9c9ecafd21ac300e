//! Every verdict, provoked on purpose by the mini course (`fixtures/mini-course`): hangs,
//! crashes, floods of output, fake successes, compile errors. None may crash the grader,
//! leave a process behind or touch the graded files.

mod common;

use std::path::PathBuf;

use common::{
    Graded, fingerprint, grade, mini_course, mini_grader, processes_marked, repo, submission_from,
};

const TIMEOUT: f64 = 2.0;

fn grade_mini_course() -> Graded {
    grade(mini_grader(), &["--timeout", "2"])
}

/// Whether a process of this user may create a memory control group with a limit: root, and
/// a cgroup v1 memory hierarchy, or cgroup v2 whose root passes the memory controller on.
fn memory_groups_allowed() -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    let v1 = std::path::Path::new("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists();
    let v2 = std::fs::read_to_string("/sys/fs/cgroup/cgroup.subtree_control")
        .is_ok_and(|c| c.split_whitespace().any(|c| c == "memory"));
    root && (v1 || v2)
}

/// The mini course allows 256 MiB per check. Where the grader can set that limit, the check
/// that maps 3 GiB is killed by it and the report says so; elsewhere the report says the
/// limit is off, and the check is not killed by a limit.
fn memory_limit_applies(graded: &Graded) {
    let eats = graded.check("hostile::eats_memory");
    let message = eats["message"].as_str().unwrap();
    if memory_groups_allowed() {
        assert_eq!(graded.json["memory_limit"], "256 MiB");
        assert_eq!(eats["status"], "crash", "{eats}");
        assert!(
            message.starts_with("ran out of memory: a check may use at most 256 MiB"),
            "{message}"
        );
    } else {
        let limit = graded.json["memory_limit"].as_str().unwrap();
        assert!(limit.starts_with("off: "), "{limit}");
        assert!(!message.contains("ran out of memory"), "{message}");
    }
}

#[test]
fn every_verdict_is_reported_and_nothing_is_left_behind() {
    let exercises = mini_course().join("exercises");
    let before = fingerprint(&exercises);
    let graded = grade_mini_course();
    assert_eq!(graded.code, 1, "{}", graded.stderr);
    let expected = [
        ("basics::adds", "pass", ""),
        (
            "basics::multiplies",
            "fail",
            "2 × 3\n     got: 5\nexpected: 6",
        ),
        ("basics::unfinished", "todo", "not started yet"),
        (
            "basics::not_here",
            "skipped",
            "this platform has no such thing",
        ),
        ("hostile::spins", "timeout", "did not finish within 2 s"),
        ("hostile::sleeps", "timeout", "did not finish within 2 s"),
        (
            "hostile::segfaults",
            "crash",
            "crashed with SIGSEGV: alpha's own crash hint",
        ),
        (
            "hostile::aborts",
            "crash",
            "crashed with SIGABRT: the process aborted",
        ),
        ("hostile::floods", "fail", "printed so much output"),
        ("hostile::chatters", "pass", ""),
        (
            "hostile::fakes_success",
            "fail",
            "the process exited with status 0 before the check finished",
        ),
        // Stopped by the process limit, far below the machine's.
        ("hostile::fork_bomb", "fail", "fork refused after"),
        ("hostile::thread_bomb", "fail", "thread refused after"),
        ("hostile::prints_gigabyte", "fail", "printed so much output"),
        ("hostile::starts_daemon", "pass", ""),
        ("hostile::leaves_child", "pass", ""),
        ("sandbox::only_loopback", "pass", ""),
        ("sandbox::course_read_only", "pass", ""),
        ("sandbox::no_capabilities", "pass", ""),
        ("sandbox::sources_hidden", "pass", ""),
        ("basics::answers", "todo", "not started yet"),
    ];
    for (name, status, message) in expected {
        let check = graded.check(name);
        assert_eq!(check["status"], status, "{name}: {check}");
        let actual = check["message"].as_str().unwrap();
        assert!(actual.starts_with(message), "{name}: {actual:?}");
    }
    // Taken before the kill: where each hung check's thread was in the exercise's code.
    for (name, place) in [
        ("hostile::spins", "busy in `spin_forever`"),
        ("hostile::sleeps", "waiting in `sleep_forever` → `sleep`"),
    ] {
        let message = graded.check(name)["message"].as_str().unwrap();
        assert!(
            message.ends_with(&format!("\nwhere it was stuck: 1 thread {place}")),
            "{name}: {message:?}"
        );
    }
    // Killed at the limit: well under twice the limit.
    for name in ["hostile::spins", "hostile::sleeps"] {
        let seconds = graded.check(name)["seconds"].as_f64().unwrap();
        assert!(
            (TIMEOUT..2.0 * TIMEOUT).contains(&seconds),
            "{name}: {seconds} s"
        );
    }
    // The flood was stopped and its output cut to a bounded size.
    let flood = graded.check("hostile::floods")["details"].as_str().unwrap();
    assert!(flood.len() < 64 * 1024, "{} bytes of details", flood.len());
    assert!(flood.contains("bytes of output cut"));
    assert_eq!(graded.exercise("beta")["status"], "pass");
    // gamma only runs on another platform: skipped with the reason, never built (its
    // code does not even compile).
    let gamma = graded.exercise("gamma");
    assert_eq!(gamma["status"], "skipped");
    assert_eq!(
        gamma["checks"][0]["message"],
        format!(
            "this exercise runs on plan9-mips only; this machine is {}-{}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    );
    assert_eq!(graded.json["summary"]["skipped"], 2);
    assert_eq!(graded.json["isolation"], "on");
    memory_limit_applies(&graded);
    let left = processes_marked(&graded.mark);
    assert!(left.is_empty(), "processes left behind: {left:?}");
    assert_eq!(
        before,
        fingerprint(&exercises),
        "grading changed the graded files"
    );
}

/// A submission holding a copy of alpha's stub: it, its `lib.rs` and that file's text.
fn alpha_submission() -> (tempfile::TempDir, PathBuf, String) {
    let (submission, src) =
        submission_from(&mini_course().join("exercises/01-alpha/src"), "01-alpha");
    let lib = src.join("lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    (submission, lib, text)
}

/// Checks that hang at the same place of the learner's code, reached from different
/// functions, are one diagnosis naming that place.
#[test]
fn timeouts_stuck_at_one_place_are_one_diagnosis_that_names_it() {
    let (submission, lib, text) = alpha_submission();
    let text = text
        .replace(
            "pub fn spin_forever() {\n    loop {\n        std::hint::spin_loop();\n    }\n}",
            "pub fn spin_forever() {\n    wait_forever();\n}",
        )
        .replace(
            "pub fn sleep_forever() {\n    loop {\n        \
             std::thread::sleep(Duration::from_secs(3600));\n    }\n}",
            "pub fn sleep_forever() {\n    wait_forever();\n}\n\n\
             fn wait_forever() {\n    loop {\n        std::thread::park();\n    }\n}",
        );
    assert_eq!(text.matches("wait_forever();").count(), 2, "{text}");
    std::fs::write(&lib, text).unwrap();
    let graded = grade(
        mini_grader(),
        &[
            "alpha",
            "--timeout",
            "2",
            "--submission",
            submission.path().to_str().unwrap(),
        ],
    );
    for name in ["hostile::spins", "hostile::sleeps"] {
        assert_eq!(graded.check(name)["status"], "timeout", "{name}");
    }
    let alpha = graded.exercise("alpha");
    let stuck: Vec<&serde_json::Value> = alpha["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["cause"]
                .as_str()
                .unwrap()
                .contains("did not finish in time")
        })
        .collect();
    assert_eq!(stuck.len(), 1, "{alpha}");
    assert_eq!(
        stuck[0]["checks"],
        serde_json::json!(["hostile::spins", "hostile::sleeps"])
    );
    let cause = stuck[0]["cause"].as_str().unwrap();
    assert!(
        cause.starts_with(
            "2 checks did not finish in time, stuck in the same places: 1 thread waiting in \
             `spin_forever` → `wait_forever` → `park`"
        ),
        "{cause}"
    );
    let left = processes_marked(&graded.mark);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn a_compile_error_in_one_exercise_leaves_the_others_graded() {
    let (submission, lib, text) = alpha_submission();
    std::fs::write(
        &lib,
        text.replace(
            "    a + b\n}\n\npub fn multiply",
            "    a + \"b\"\n}\n\npub fn multiply",
        ),
    )
    .unwrap();
    let before = fingerprint(submission.path());

    let graded = grade(
        mini_grader(),
        &["--submission", submission.path().to_str().unwrap()],
    );
    assert_eq!(graded.code, 1, "{}", graded.stderr);
    let alpha = graded.exercise("alpha");
    assert_eq!(alpha["status"], "compile-error");
    let error = alpha["compile_error"].as_str().unwrap();
    assert!(error.contains("error[E0277]"), "{error}");
    assert!(error.contains(&format!("{}", lib.display())), "{error}");
    for check in alpha["checks"].as_array().unwrap() {
        assert_eq!(check["status"], "compile-error");
    }
    // 02-beta is missing from the submission: it grades as the course's own code.
    assert_eq!(graded.exercise("beta")["status"], "pass");
    assert_eq!(
        before,
        fingerprint(submission.path()),
        "grading changed the submission"
    );
}

/// The incremental compiler's state sometimes yields a program that cannot be linked
/// (rust-lang/rust#81280), so a link error is only reported after a build without that
/// state; a type error is reported at once, and the state is kept.
#[test]
fn a_link_error_is_reported_after_a_build_without_incremental_state() {
    let (submission, lib, original) = alpha_submission();
    let incremental = repo().join("target/mini-course/grader/build-submissions/debug/incremental");
    let stale = incremental.join("stale-state-left-by-an-earlier-build");
    let graded_with = |text: String| {
        std::fs::write(&lib, text).unwrap();
        std::fs::create_dir_all(&stale).unwrap();
        let graded = grade(
            mini_grader(),
            &["alpha", "--submission", submission.path().to_str().unwrap()],
        );
        assert_eq!(graded.exercise("alpha")["status"], "compile-error");
        graded.exercise("alpha")["compile_error"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let error = graded_with(original.replace(
        "    a + b\n}\n\npub fn multiply",
        "    a + \"b\"\n}\n\npub fn multiply",
    ));
    assert!(error.contains("error[E0277]"), "{error}");
    assert!(stale.exists(), "a type error cleared the incremental state");

    let error = graded_with(original.replace(
        "    a + b\n}\n\npub fn multiply",
        "    // SAFETY: never sound: the symbol is defined nowhere, so linking fails.\n    \
         unsafe { defined_nowhere() };\n    a + b\n}\n\nunsafe extern \"C\" {\n    \
         fn defined_nowhere();\n}\n\npub fn multiply",
    ));
    assert!(error.contains("defined_nowhere"), "{error}");
    assert!(
        !stale.exists(),
        "the link error was reported without a build free of incremental state"
    );
}

#[test]
fn without_namespaces_the_report_says_isolation_is_off_and_the_sandbox_checks_fail() {
    let mut cmd = mini_grader();
    cmd.env("GRADER_ISOLATION", "off");
    let graded = grade(cmd, &["alpha", "--timeout", "2"]);
    assert_eq!(graded.json["isolation"], "off: GRADER_ISOLATION=off");
    for name in [
        "sandbox::only_loopback",
        "sandbox::course_read_only",
        "sandbox::sources_hidden",
        "sandbox::no_capabilities",
    ] {
        assert_eq!(graded.check(name)["status"], "fail", "{name}");
    }
    // The process limit and the sweep for escaped processes do not need namespaces.
    let bomb = graded.check("hostile::fork_bomb")["message"]
        .as_str()
        .unwrap();
    assert!(bomb.starts_with("fork refused after"), "{bomb}");
    let left = processes_marked(&graded.mark);
    assert!(left.is_empty(), "processes left behind: {left:?}");

    let mut cmd = mini_grader();
    let human = cmd
        .env("GRADER_ISOLATION", "off")
        .args(["beta"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("Isolation off: GRADER_ISOLATION=off: checks ran with network access"),
        "{text}"
    );
    let markdown = mini_grader()
        .env("GRADER_ISOLATION", "off")
        .args(["beta", "--format", "markdown"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        text.contains("> **Isolation off** (GRADER\\_ISOLATION=off)"),
        "{text}"
    );
    let gradescope = mini_grader()
        .env("GRADER_ISOLATION", "off")
        .args(["beta", "--format", "gradescope"])
        .output()
        .unwrap();
    let results: serde_json::Value = serde_json::from_slice(&gradescope.stdout).unwrap();
    let overview = results["output"].as_str().unwrap();
    assert!(
        overview.contains("Isolation off (GRADER_ISOLATION=off)"),
        "{overview}"
    );
}
