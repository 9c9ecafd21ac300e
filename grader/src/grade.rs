//! The pipeline: prepare the workspace, build each exercise, run every check, collect.

use crate::compile::{self, Build};
use crate::course::{Check, Course, Exercise, Step, package_name};
use crate::error::Fatal;
use crate::fences::Fences;
use crate::progress::Progress;
use crate::report::{CheckReport, ExerciseReport, Report};
use crate::sandbox::{self, Limits};
use crate::verdict::{self, Status, Verdict};
use crate::workspace::{Source, Workspace};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub struct Options {
    pub source: Source,
    /// Grade only this exercise (name, folder or number).
    pub only: Option<String>,
    /// Replaces every check's time limit.
    pub timeout: Option<Duration>,
    /// How many checks run at once (checks that measure time always run alone).
    pub jobs: usize,
}

/// Output beyond this stops a check; learners' debug prints stay far below it.
const MAX_OUTPUT: usize = 8 * 1024 * 1024;
const MAX_FILE: u64 = 64 * 1024 * 1024;
/// Listing the checks takes milliseconds; only code that never returns reaches this.
const LIST_LIMIT: Duration = Duration::from_secs(10);

/// One check to run, with everything needed to run it on any thread.
struct Job<'a> {
    exercise: usize,
    step: &'a Step,
    check: &'a Check,
    exe: PathBuf,
    cwd: PathBuf,
}

pub fn grade(course: &Course, options: &Options, progress: &Progress) -> Result<Report, Fatal> {
    let selected: Vec<&Exercise> = match &options.only {
        Some(wanted) => vec![course.find(wanted).ok_or_else(|| {
            let known: Vec<&str> = course.exercises.iter().map(|e| e.name.as_str()).collect();
            Fatal::new(format!(
                "unknown exercise {wanted:?}; the course has: {}",
                known.join(", ")
            ))
        })?],
        None => course.exercises.iter().collect(),
    };
    crate::reaper::adopt_orphans();
    let ws = Workspace::prepare(course, &options.source)?;
    let fences = Fences::prepare(course, &ws, &options.source)?;

    let builds = build_all(course, &ws, &selected, &fences, options.timeout, progress)?;
    let mut verdicts =
        run_all(course, &ws, &selected, &builds, &fences, options, progress)?.into_iter();
    let exercises = selected
        .iter()
        .zip(&builds)
        .map(|(ex, build)| exercise_report(course, ex, build, &mut verdicts))
        .collect::<Vec<_>>();
    Ok(Report {
        course: course.course.title.clone(),
        source: options.source.label(),
        workspace: ws.root.display().to_string(),
        isolation: fences.describe(),
        memory_limit: fences.memory.clone(),
        ignored: ws.ignored.clone(),
        summary: Report::summarize(&exercises),
        exercises,
        source_args: options.source.args(),
    })
}

/// Builds each exercise's checks separately, so one compile error stays in its exercise.
fn build_all(
    course: &Course,
    ws: &Workspace,
    selected: &[&Exercise],
    fences: &Fences,
    timeout: Option<Duration>,
    progress: &Progress,
) -> Result<Vec<Build>, Fatal> {
    let platform = crate::course::this_platform();
    let mut builds = Vec::new();
    for ex in selected {
        if let Some(reason) = ex.unsupported_on(&platform) {
            builds.push(Build::Unsupported(reason));
            continue;
        }
        progress.building(&ex.name);
        let harness = package_name(&ex.harness_dir(&course.root))?;
        let mut build = compile::build(ws, &harness, fences.build.as_ref())?;
        if let Build::Built(exe) = &build {
            match list_checks(exe, fences, timeout.unwrap_or(LIST_LIMIT)) {
                Ok(names) => ensure_same_checks(ex, &names)?,
                Err(why) => build = Build::Failed(why),
            }
        }
        builds.push(build);
    }
    Ok(builds)
}

/// Runs every check of the built exercises and returns their verdicts in course order.
/// Checks that measure time or CPU run one at a time, after all the others.
fn run_all(
    course: &Course,
    ws: &Workspace,
    selected: &[&Exercise],
    builds: &[Build],
    fences: &Fences,
    options: &Options,
    progress: &Progress,
) -> Result<Vec<(Verdict, f64)>, Fatal> {
    let mut jobs = Vec::new();
    for (i, (ex, build)) in selected.iter().zip(builds).enumerate() {
        if let Build::Built(exe) = build {
            for (step, check) in ex.checks() {
                jobs.push(Job {
                    exercise: i,
                    step,
                    check,
                    exe: exe.clone(),
                    // Not the harness folder: relative paths must not lead to its sources.
                    cwd: std::env::temp_dir(),
                });
            }
        }
    }
    let total = jobs.len();
    progress.running(0, total);
    let (quiet, shared): (Vec<_>, Vec<_>) = jobs
        .iter()
        .enumerate()
        .partition(|(_, job)| job.check.kind.needs_quiet_machine());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build()
        .map_err(|e| Fatal::new(format!("cannot start worker threads: {e}")))?;
    let run_one = |(index, job): &(usize, &Job)| {
        let verdict = run_check(
            course,
            ws,
            fences,
            selected[job.exercise],
            job,
            options.timeout,
        );
        progress.ran_one(total);
        (*index, verdict)
    };
    let mut verdicts: Vec<(usize, (Verdict, f64))> =
        pool.install(|| shared.par_iter().map(run_one).collect());
    verdicts.extend(quiet.iter().map(run_one));
    verdicts.sort_by_key(|(index, _)| *index);
    crate::reaper::kill_strays();
    progress.done();
    Ok(verdicts.into_iter().map(|(_, v)| v).collect())
}

/// One exercise's report, taking its checks' verdicts from `verdicts` when it was built.
fn exercise_report(
    course: &Course,
    ex: &Exercise,
    build: &Build,
    verdicts: &mut impl Iterator<Item = (Verdict, f64)>,
) -> ExerciseReport {
    let checks: Vec<CheckReport> = ex
        .checks()
        .map(|(step, check)| {
            let (verdict, seconds) = match build {
                Build::Built(_) => verdicts.next().expect("one verdict per job"),
                Build::Unsupported(reason) => {
                    (Verdict::without_run(Status::Skipped, reason.clone()), 0.0)
                }
                Build::Failed(_) => (
                    Verdict::without_run(
                        Status::CompileError,
                        "the exercise does not compile (see the compiler's message)",
                    ),
                    0.0,
                ),
            };
            check_report(course, ex, step, check, verdict, seconds)
        })
        .collect();
    let compile_error = match build {
        Build::Failed(text) => Some(text.clone()),
        Build::Built(_) | Build::Unsupported(_) => None,
    };
    ExerciseReport {
        name: ex.name.clone(),
        title: ex.title.clone(),
        dir: ex.dir.clone(),
        status: ExerciseReport::summarize(&checks, compile_error.is_some()),
        points: checks.iter().map(|c| c.points).sum(),
        max_points: ex.max_points(),
        book: course.book_link(&ex.book),
        compile_error,
        checks,
    }
}

fn run_check(
    course: &Course,
    ws: &Workspace,
    fences: &Fences,
    ex: &Exercise,
    job: &Job,
    timeout: Option<Duration>,
) -> (Verdict, f64) {
    let test_name = job.step.test_name(job.check);
    let limits = Limits {
        timeout: timeout.unwrap_or_else(|| job.check.timeout(course)),
        max_output: MAX_OUTPUT,
        max_file: MAX_FILE,
        max_tasks: fences.max_tasks,
        max_memory: fences.max_memory,
    };
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
        env_remove_prefixes: &["INSTA_", "GRADER_", "RUST_TEST_"],
        isolation: fences.run.as_ref(),
    };
    match sandbox::run(&spec, &limits) {
        Ok(run) => {
            let hint = ex.crash_hints.get(&signal_of(&run)).map(String::as_str);
            (
                verdict::classify(&run, &test_name, hint),
                run.elapsed.as_secs_f64(),
            )
        }
        Err(e) => (
            Verdict::without_run(
                Status::Fail,
                format!("the grader could not start this check: {e}"),
            ),
            0.0,
        ),
    }
}

fn signal_of(run: &sandbox::Run) -> String {
    match run.ending {
        sandbox::Ending::Signaled(signal) => sandbox::signal_name(signal),
        _ => String::new(),
    }
}

fn check_report(
    course: &Course,
    ex: &Exercise,
    step: &Step,
    check: &Check,
    verdict: Verdict,
    seconds: f64,
) -> CheckReport {
    CheckReport {
        name: step.test_name(check),
        step: step.name.clone(),
        step_title: step.title.clone(),
        kind: check.kind.as_str(),
        status: verdict.status,
        points: if verdict.status == Status::Pass {
            check.points
        } else {
            0
        },
        max_points: check.points,
        message: verdict.message,
        // A step not started yet needs the step's hint more than the check's.
        hint: if verdict.status == Status::Todo {
            step.hint.clone()
        } else {
            check.hint.clone()
        },
        book: course.book_link(&step.book),
        source: verdict
            .location
            .clone()
            .unwrap_or_else(|| format!("grader/checks/{}/tests/checks/{}.rs", ex.dir, step.name)),
        // A pass needs no evidence; keeping it would bloat reports with passing output.
        details: if verdict.status == Status::Pass {
            String::new()
        } else {
            verdict.details
        },
        seconds: (seconds * 1000.0).round() / 1000.0,
    }
}

/// The test names the check binary defines (`<step>::<check>`). Listing loads the
/// learner's code too (code can run before `main`), so it runs fenced like a check.
fn list_checks(
    exe: &std::path::Path,
    fences: &Fences,
    limit: Duration,
) -> Result<Vec<String>, String> {
    let limits = Limits {
        timeout: limit,
        max_output: MAX_OUTPUT,
        max_file: MAX_FILE,
        max_tasks: fences.max_tasks,
        max_memory: fences.max_memory,
    };
    let spec = sandbox::Spec {
        program: exe,
        args: ["--list", "--format", "terse"].map(OsString::from).to_vec(),
        cwd: &std::env::temp_dir(),
        env: Vec::new(),
        env_remove_prefixes: &["INSTA_", "GRADER_", "RUST_TEST_"],
        isolation: fences.run.as_ref(),
    };
    let run =
        sandbox::run(&spec, &limits).map_err(|e| format!("the checks could not be listed: {e}"))?;
    if run.ending != sandbox::Ending::Exited(0) {
        return Err(format!(
            "the checks could not be listed (the check program ended with {:?} while only \
             listing; does code run before main, or at load time?):\n{}",
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

/// The course and the harness must agree on the checks: a check missing from either side
/// would silently never be graded.
fn ensure_same_checks(ex: &Exercise, defined: &[String]) -> Result<(), Fatal> {
    let listed: BTreeSet<String> = ex.checks().map(|(s, c)| s.test_name(c)).collect();
    let defined: BTreeSet<String> = defined.iter().cloned().collect();
    let unlisted: Vec<_> = defined.difference(&listed).cloned().collect();
    let undefined: Vec<_> = listed.difference(&defined).cloned().collect();
    if unlisted.is_empty() && undefined.is_empty() {
        return Ok(());
    }
    Err(Fatal::new(format!(
        "course.toml and grader/checks/{} disagree about exercise {:?}: \
         not in course.toml: [{}]; not in the harness: [{}]",
        ex.dir,
        ex.name,
        unlisted.join(", "),
        undefined.join(", ")
    )))
}
