//! `grader dev load`: grades the reference solutions again and again on a machine kept
//! saturated on purpose (a spinning thread per core and more, and a build of the grader
//! from scratch, over and over), and reports every check that did not pass. The solutions
//! are correct, so each such verdict is a false failure: a check whose verdict depends on
//! what a busy machine delays or reorders.

use super::Settings;
use crate::course::{Course, package_name, this_platform};
use crate::error::{Error, Result, Stage};
use crate::grading::{self, Options};
use crate::report::Status;
use crate::sandbox::reaper;
use crate::ui::Progress;
use crate::workspace::Source;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The exercise to grade (name, folder or number); default: all.
    #[arg(value_name = "EXERCISE")]
    pub exercise: Option<String>,

    /// How many times to grade the solutions.
    #[arg(long, default_value_t = 50)]
    pub runs: usize,

    /// Spinning threads kept running; default: one per core, plus one.
    #[arg(long, value_name = "N")]
    pub busy: Option<usize>,

    /// Do not run the competing build.
    #[arg(long)]
    pub no_build: bool,

    /// Run this command under the same load instead of grading (after `--`), for example
    /// `-- cargo test --workspace`; the exit status is the command's.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Every verdict other than a pass, per check: (run, status, message).
type Failures = BTreeMap<String, Vec<(usize, Status, String)>>;

pub fn run(course: &Course, args: &Args, settings: &Settings) -> Result<bool> {
    if args.runs == 0 {
        return Err(Error::new(Stage::Usage, "--runs must be at least 1"));
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let busy = args.busy.unwrap_or(cores + 1);
    let build = if args.no_build {
        None
    } else {
        Some(CompetingBuild::of(course)?)
    };
    let load = Load::start(busy, build);
    if let Some((program, rest)) = args.command.split_first() {
        let started = Instant::now();
        let status = Command::new(program).args(rest).status();
        let builds = load.stop();
        let status =
            status.map_err(|e| Error::new(Stage::Usage, format!("cannot run {program}: {e}")))?;
        println!(
            "{} under {busy} spinning threads{}: {status} after {:.0} s",
            args.command.join(" "),
            competing(builds),
            started.elapsed().as_secs_f64()
        );
        return Ok(status.success());
    }
    let options = Options {
        source: Source::Solutions,
        only: args.exercise.clone(),
        timeout: settings.timeout,
        jobs: settings.jobs,
    };
    let mut failures = Failures::new();
    let mut seconds = Vec::new();
    let mut graded = 0;
    for run in 1..=args.runs {
        let started = Instant::now();
        let report = grading::grade(course, &options, &Progress::new(false))?;
        seconds.push(started.elapsed().as_secs_f64());
        let checks: Vec<_> = report.exercises.iter().flat_map(|ex| &ex.checks).collect();
        graded = checks.len();
        let failed: Vec<_> = checks.iter().filter(|c| !c.status.is_done()).collect();
        for check in &failed {
            failures.entry(check.name.clone()).or_default().push((
                run,
                check.status,
                check.message.clone(),
            ));
        }
        eprintln!(
            "run {run}/{}: {}/{} checks passed in {:.1} s{}{}",
            args.runs,
            checks.len() - failed.len(),
            checks.len(),
            seconds.last().copied().unwrap_or_default(),
            if failed.is_empty() {
                ""
            } else {
                "; not passing: "
            },
            failed
                .iter()
                .map(|c| format!("{} ({})", c.name, c.status.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let builds = load.stop();
    println!(
        "{}",
        summary(args.runs, graded, busy, builds, &seconds, &failures)
    );
    Ok(failures.is_empty())
}

fn summary(
    runs: usize,
    checks: usize,
    busy: usize,
    builds: Option<Builds>,
    seconds: &[f64],
    failures: &Failures,
) -> String {
    let mut sorted = seconds.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let slowest = sorted.last().copied().unwrap_or_default();
    let competing = competing(builds);
    let count: usize = failures.values().map(Vec::len).sum();
    let mut out = format!(
        "{runs} gradings of the solutions ({checks} checks each) with {busy} spinning \
         threads{competing}: {count} false failures; a grading took {median:.1} s (median), \
         {slowest:.1} s at most"
    );
    for (check, seen) in failures {
        let (run, status, message) = &seen[0];
        out.push_str(&format!(
            "\n  {check}: {} of {runs} runs; first in run {run}: {} ({})",
            seen.len(),
            status.as_str(),
            message.lines().next().unwrap_or_default()
        ));
    }
    out
}

fn competing(builds: Option<Builds>) -> String {
    match builds {
        Some(Builds {
            started,
            finished,
            failed: 0,
        }) => format!(" and a competing build ({started} started, {finished} finished)"),
        Some(Builds {
            started, failed, ..
        }) => format!(
            " and a competing build ({started} started, {failed} of them failed: the load was \
             lighter than meant)"
        ),
        None => String::new(),
    }
}

/// A build of the course's workspace from scratch, but for the exercises this machine
/// cannot build.
struct CompetingBuild {
    root: PathBuf,
    /// Beside the grader's folder, not in it: the folders in it are hidden from checks,
    /// and one that comes and goes would be planned for and then be missing.
    dir: PathBuf,
    excluded: Vec<String>,
}

impl CompetingBuild {
    fn of(course: &Course) -> Result<CompetingBuild> {
        let platform = this_platform();
        let mut excluded = Vec::new();
        for ex in &course.exercises {
            if ex.unsupported_on(&platform).is_some() {
                excluded.push(package_name(&ex.exercise_dir(&course.root))?);
                excluded.push(package_name(&ex.harness_dir(&course.root))?);
            }
        }
        Ok(CompetingBuild {
            root: course.root.clone(),
            dir: course.target_dir().join("load-build"),
            excluded,
        })
    }
}

/// The machine kept busy: spinning threads, and a build that starts over when it ends.
struct Load {
    stop: Arc<AtomicBool>,
    spinners: Vec<JoinHandle<()>>,
    builder: Option<JoinHandle<Builds>>,
}

/// How many competing builds were started, finished, and failed.
#[derive(Clone, Copy, Default)]
struct Builds {
    started: usize,
    finished: usize,
    failed: usize,
}

impl Load {
    fn start(busy: usize, build: Option<CompetingBuild>) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let spinners = (0..busy)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        let builder = build.map(|build| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || build_over_and_over(&build, &stop))
        });
        Load {
            stop,
            spinners,
            builder,
        }
    }

    /// Stops the load; says how the competing builds went.
    fn stop(self) -> Option<Builds> {
        self.stop.store(true, Ordering::Relaxed);
        for spinner in self.spinners {
            let _ = spinner.join();
        }
        self.builder.map(|b| b.join().unwrap_or_default())
    }
}

/// Runs `build` until `stop`, starting over whenever it ends.
fn build_over_and_over(build: &CompetingBuild, stop: &AtomicBool) -> Builds {
    let mut builds = Builds::default();
    while !stop.load(Ordering::Relaxed) {
        let _ = std::fs::remove_dir_all(&build.dir);
        let mut command = Command::new(grading::cargo());
        command
            .args([
                "build",
                "--offline",
                "--quiet",
                "--workspace",
                "--target-dir",
            ])
            .arg(&build.dir)
            .args(build.excluded.iter().flat_map(|p| ["--exclude", p]))
            .current_dir(&build.root)
            // A group of its own, so that stopping it stops the compilers it started.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // An interrupted `dev load` leaves no build running on.
        // SAFETY: one prctl with integer arguments, which allocates nothing.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        // Kept, or the grading beside it would kill it as a stray of a check.
        let Ok(mut child) = reaper::spawn_kept(&mut command) else {
            builds.failed += 1;
            return builds;
        };
        builds.started += 1;
        let ended = wait_or_stop(&mut child, stop);
        reaper::release(&child);
        match ended {
            Some(true) => builds.finished += 1,
            None => {}
            Some(false) => {
                // A build that fails fails again: spinning on it would be no load at all.
                builds.failed += 1;
                return builds;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&build.dir);
    builds
}

/// Whether the build succeeded; `None` when it was stopped.
fn wait_or_stop(child: &mut Child, stop: &AtomicBool) -> Option<bool> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status.success()),
            Ok(None) => {}
            // Reaped by someone else: whatever it did is unknown, so it counts as failed.
            Err(_) => return Some(false),
        }
        if stop.load(Ordering::Relaxed) {
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: signals the process group the child leads; no memory involved.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
