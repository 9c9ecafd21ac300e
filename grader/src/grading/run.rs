//! Running one check, or the listing of a harness's checks, in the sandbox.

use super::fences::Fences;
use super::stuck;
use super::verdict::{self, Verdict};
use crate::course::{Check, Course, Exercise, Step, package_name};
use crate::report::Status;
use crate::sandbox::{self, Limits};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One check to run, with everything needed to run it on any thread.
pub(super) struct Job<'a> {
    /// The exercise's index among those graded.
    pub exercise: usize,
    pub step: &'a Step,
    pub check: &'a Check,
    pub exe: PathBuf,
    pub cwd: PathBuf,
}

/// Output beyond this stops a check; learners' debug prints stay far below it.
const MAX_OUTPUT: usize = 8 * 1024 * 1024;
const MAX_FILE: u64 = 64 * 1024 * 1024;
/// The grader's own variables, and those that change what a test harness does, are not
/// passed on to a check.
const REMOVED_ENV: &[&str] = &["INSTA_", "GRADER_", "RUST_TEST_"];

fn limits(fences: &Fences, timeout: Duration) -> Limits {
    Limits {
        timeout,
        max_output: MAX_OUTPUT,
        max_file: MAX_FILE,
        max_tasks: fences.max_tasks,
        max_memory: fences.max_memory,
    }
}

pub(super) fn run_check(
    course: &Course,
    ws: &crate::workspace::Workspace,
    fences: &Fences,
    ex: &Exercise,
    job: &Job,
    timeout: Option<Duration>,
) -> (Verdict, f64) {
    let test_name = job.step.test_name(job.check);
    let limits = limits(fences, timeout.unwrap_or_else(|| job.check.timeout(course)));
    let env: Vec<(OsString, OsString)> = [
        ("INSTA_UPDATE", OsString::from("no")),
        ("INSTA_OUTPUT", "diff".into()),
        ("INSTA_WORKSPACE_ROOT", ws.root.clone().into_os_string()),
        ("RUST_BACKTRACE", "0".into()),
        ("RUST_LIB_BACKTRACE", "0".into()),
        ("NO_COLOR", "1".into()),
        ("CLICOLOR", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (OsString::from(k), v))
    .collect();
    let spec = sandbox::Spec {
        program: &job.exe,
        args: [
            test_name.as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ]
        .map(OsString::from)
        .to_vec(),
        cwd: &job.cwd,
        env,
        env_remove_prefixes: REMOVED_ENV,
        isolation: fences.run.as_ref(),
    };
    match sandbox::run(&spec, &limits) {
        Ok(run) => {
            let hint = ex
                .crash_hints
                .get(&verdict::crash_signal(&run))
                .map(String::as_str);
            let stuck = run.stacks.as_ref().and_then(|snapshot| {
                let name = package_name(&ex.exercise_dir(&course.root)).ok()?;
                stuck::describe(snapshot, &name.replace('-', "_"))
            });
            (
                verdict::classify(&run, &test_name, hint).with_stuck(stuck),
                run.elapsed.as_secs_f64(),
            )
        }
        Err(e) => (
            Verdict::without_run(
                Status::Fail,
                format!(
                    "the grader could not start this check ({}): {e}",
                    job.exe.display()
                ),
            ),
            0.0,
        ),
    }
}

/// The test names the check binary defines (`<step>::<check>`). Only the course's own
/// build against the stubs is listed: a graded program could run code before `main`.
pub(super) fn list_checks(
    exe: &Path,
    fences: &Fences,
    limit: Duration,
) -> Result<Vec<String>, String> {
    let limits = limits(fences, limit);
    let spec = sandbox::Spec {
        program: exe,
        args: ["--list", "--format", "terse"].map(OsString::from).to_vec(),
        cwd: &std::env::temp_dir(),
        env: Vec::new(),
        env_remove_prefixes: REMOVED_ENV,
        // The program is the course's, and lives where fenced checks cannot see.
        isolation: None,
    };
    let run = sandbox::run(&spec, &limits)
        .map_err(|e| format!("the checks could not be listed ({}): {e}", exe.display()))?;
    if run.ending != sandbox::Ending::Exited(0) {
        return Err(format!(
            "the checks could not be listed (the check program ended with {:?} while only \
             listing):\n{}",
            run.ending,
            run.output.trim()
        ));
    }
    Ok(run
        .output
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}
