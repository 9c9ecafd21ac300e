//! The pipeline, course + source → report: prepare the workspace, build each exercise,
//! run every check in the sandbox, turn each ending into a verdict, collect the report.

mod build;
mod collect;
mod diagnosis;
pub mod fences;
pub mod integrity;
mod panics;
pub mod programs;
mod reference;
mod run;
mod snapshot;
mod stuck;
pub mod verdict;

use crate::course::{Course, Exercise, package_name};
use crate::error::{Error, Result, Stage};
use crate::report::Report;
use crate::sandbox::reaper;
use crate::ui::Progress;
use crate::workspace::{Source, Workspace};
use build::Build;
pub use build::cargo;
use fences::Fences;
use rayon::prelude::*;
use run::Job;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use verdict::Verdict;

pub struct Options {
    pub source: Source,
    /// Grade only this exercise (name, folder or number).
    pub only: Option<String>,
    /// Replaces every check's time limit.
    pub timeout: Option<Duration>,
    /// How many checks run at once (checks that measure time always run alone).
    pub jobs: usize,
}

pub fn grade(course: &Course, options: &Options, progress: &Progress) -> Result<Report> {
    let selected: Vec<&Exercise> = match &options.only {
        Some(wanted) => vec![course.exercise(wanted)?],
        None => course.exercises.iter().collect(),
    };
    reaper::adopt_orphans();
    let ws = Workspace::prepare(course, &options.source)?;
    let fences = Fences::prepare(course, &ws, &options.source)?;

    let builds = build_all(course, &ws, &selected, &fences, progress)?;
    let mut verdicts =
        run_all(course, &ws, &selected, &builds, &fences, options, progress)?.into_iter();
    let exercises = selected
        .iter()
        .zip(&builds)
        .map(|(ex, build)| collect::exercise_report(course, ex, build, &mut verdicts))
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
    progress: &Progress,
) -> Result<Vec<Build>> {
    let platform = crate::course::this_platform();
    progress.building("the course's reference");
    let stubs = reference::Stubs::prepare(course)?;
    let libraries = integrity::library_exports();
    let mut builds = Vec::new();
    for ex in selected {
        if let Some(reason) = ex.unsupported_on(&platform) {
            builds.push(Build::Unsupported(reason));
            continue;
        }
        let harness = package_name(&ex.harness_dir(&course.root))?;
        let reference = stubs.reference(ex, &harness, fences)?;
        ensure_same_checks(ex, &reference.names)?;
        progress.building(&ex.name);
        let mut build = build::build(ws, &harness, fences.build.as_ref())?;
        if let Build::Built(exe) = &build {
            let evidence = evidence(ws, ex, exe, &reference, &libraries)?;
            if !evidence.is_empty() {
                build = Build::Flagged(evidence);
            }
        }
        builds.push(build);
    }
    Ok(builds)
}

/// What the compiled checks `exe` of `ex` do that the stubs' build does not.
fn evidence(
    ws: &Workspace,
    ex: &Exercise,
    exe: &Path,
    reference: &reference::Reference,
    libraries: &BTreeSet<String>,
) -> Result<Vec<String>> {
    let src = ws.root.join(ex.src_rel());
    let shown_as = ws.localize(&format!("{}/", ex.src_rel().display()));
    integrity::inspect(
        &reference.fingerprint,
        exe,
        &src,
        shown_as.trim_end_matches('/'),
        libraries,
    )
    .map_err(|why| {
        Error::new(
            Stage::Build,
            format!("cannot read the compiled checks: {why}"),
        )
    })
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
) -> Result<Vec<(Verdict, f64)>> {
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
        .map_err(|e| Error::new(Stage::Checks, format!("cannot start worker threads: {e}")))?;
    let run_one = |(index, job): &(usize, &Job)| {
        let verdict = run::run_check(
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
    reaper::kill_strays();
    progress.done();
    Ok(verdicts.into_iter().map(|(_, v)| v).collect())
}

/// The course and the harness must agree on the checks: a check missing from either side
/// would silently never be graded.
fn ensure_same_checks(ex: &Exercise, defined: &[String]) -> Result<()> {
    let listed: BTreeSet<String> = ex.checks().map(|(s, c)| s.test_name(c)).collect();
    let defined: BTreeSet<String> = defined.iter().cloned().collect();
    let unlisted: Vec<_> = defined.difference(&listed).cloned().collect();
    let undefined: Vec<_> = listed.difference(&defined).cloned().collect();
    if unlisted.is_empty() && undefined.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        Stage::Course,
        format!(
            "course.toml and {}/{} disagree about exercise {:?}: \
             not in course.toml: [{}]; not in the harness: [{}]",
            crate::course::CHECKS,
            ex.dir,
            ex.name,
            unlisted.join(", "),
            undefined.join(", ")
        ),
    ))
}
