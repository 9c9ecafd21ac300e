//! The command line: parses it, finds the course and hands over to one command.
//!
//! Exit status: 0 when every graded check passes, 1 when some do not, 2 when the grader
//! itself cannot run (a malformed course, a missing folder, an unknown exercise).

use crate::commands::{
    self, batch, bench, classroom, grade, hint, load, mutants, reset, trace, watch,
};
use crate::course::{self, Course};
use crate::error::{At, Error, Result, Stage};
use crate::files;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Grades the exercises of "Async Rust from Scratch": builds each exercise's checks and
/// runs every check in a process of its own.
#[derive(Parser, Debug)]
#[command(name = "grader", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Grade only this exercise (name like `threads`, folder like `01-threads`, or number),
    /// and explain every failure in full.
    exercise: Option<String>,

    /// Grade the reference solutions (`solutions/*/src`) instead of `exercises/`.
    #[arg(long, conflicts_with = "submission")]
    solutions: bool,

    /// Grade someone else's work: `DIR/exercises/*/src`, against this course's checks.
    #[arg(long, value_name = "DIR")]
    submission: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = grade::Format::Human)]
    format: grade::Format,

    /// The course folder (holding course.toml); default: found from the current folder
    /// upwards, else the course this grader belongs to.
    #[arg(long, value_name = "DIR", global = true)]
    course: Option<PathBuf>,

    /// Time limit of every check in seconds, instead of the limits in course.toml.
    #[arg(long, value_name = "SECS", global = true, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: Option<u64>,

    /// How many checks run at once (checks that measure time always run alone).
    #[arg(long, value_name = "N", global = true)]
    jobs: Option<usize>,
}

/// Tools for learners and instructors.
#[derive(Subcommand, Debug)]
enum Command {
    /// Grade the course, then re-grade an exercise whenever one of its files is saved.
    ///
    /// Keys: h hint, l list, n next failing check, r or Enter re-grade, q or Ctrl-C quit.
    Watch(watch::Args),

    /// Show the hint for where you are in an exercise (grading it), or the hints of one
    /// check or step (`scoped::edge_cases`, `threads::scoped`) without grading.
    Hint(hint::Args),

    /// Grade your exercises and list every exercise and step with its state, one line each.
    /// Exit status: 0 when every check passes, 1 when some do not.
    List,

    /// Put an exercise's stub back, after saving your code in a backup folder
    /// (`.backups/` in the course folder).
    Reset(reset::Args),

    /// Grade every submission folder in DIR, one after another, into a CSV gradebook.
    ///
    /// Each subfolder of DIR is graded as `--submission` grades it. Submissions are graded
    /// one after another, never at the same time: checks that measure time must not share
    /// the machine with another submission's build or checks. A submission that cannot be
    /// graded becomes an `error` row; the batch goes on. Exit status: 0 when every
    /// submission passes, 1 when some fail or error, 2 when the batch cannot run.
    Batch(batch::Args),

    /// Measure your implementation, the reference solution and production peers (tokio,
    /// corosensei, mio, rayon, futures, OS threads) on the same workloads, in release builds, and
    /// write the results as JSON and as a bar chart (SVG). Exercises whose checks do not
    /// all pass are benched only with --anyway. Exit status: 0 when every workload was
    /// measured.
    Bench(bench::Args),

    /// Run an exercise's small scenarios on your code and on the reference solution and
    /// draw each as a timeline (SVG): when each task ran, each poll, wake and yield.
    Trace(trace::Args),

    /// Write a student template of the course into OUT: the course without its solutions,
    /// build output, history, CI script and the grader's own tests.
    Classroom(classroom::Args),

    /// Tools for the course's maintainers.
    #[command(subcommand)]
    Dev(Dev),
}

/// Tools for the people who write the course's checks.
#[derive(Subcommand, Debug)]
enum Dev {
    /// Grade the mutants cargo-mutants makes of the reference solutions, as submissions,
    /// and report per exercise how many the checks catch. Exit status: 0 when every mutant
    /// graded is caught, does not compile, or is listed in grader/mutants/equivalent.toml
    /// with a reason; 1 when one survives unexplained.
    Mutants(mutants::Args),
    /// Grade the reference solutions again and again with every core kept busy (spinning
    /// threads and a build of the course from scratch) and report every check that did not
    /// pass: a false failure. Exit status: 0 when there was none. After `--`, run that
    /// command under the same load instead.
    Load(load::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("grader: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<bool> {
    let root = course_root(cli.course.as_deref())?;
    let course = Course::load(&root)?;
    let settings = commands::Settings {
        timeout: cli.timeout.map(Duration::from_secs),
        jobs: cli
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
    };
    let Some(command) = &cli.command else {
        let args = grade::Args {
            exercise: cli.exercise.clone(),
            solutions: cli.solutions,
            submission: cli.submission.clone(),
            format: cli.format,
        };
        return grade::run(&course, &args, &settings);
    };
    // Checked here rather than by clap, so shared options may stand before the command.
    if cli.exercise.is_some() || cli.solutions || cli.submission.is_some() {
        return Err(Error::new(
            Stage::Usage,
            "an exercise, --solutions and --submission do not go with a command such as batch or watch",
        ));
    }
    match command {
        Command::Batch(args) => batch::run(&course, args, &settings),
        Command::Bench(args) => bench::run(&course, args, &settings),
        Command::Trace(args) => trace::run(&course, args),
        Command::Classroom(args) => classroom::run(&course, args).map(|()| true),
        Command::Watch(args) => watch::run(&course, args, &settings),
        Command::Hint(args) => hint::run(&course, args, &settings),
        Command::List => commands::list::run(&course, &settings),
        Command::Reset(args) => reset::run(&course, args).map(|()| true),
        Command::Dev(Dev::Mutants(args)) => mutants::run(&course, args, &settings),
        Command::Dev(Dev::Load(args)) => load::run(&course, args, &settings),
    }
}

/// The course folder: as given, else the nearest folder upwards holding `course.toml`,
/// else the course this grader was built from.
fn course_root(given: Option<&Path>) -> Result<PathBuf> {
    // `exists`, not `is_file`: a manifest that cannot be read must say why, with its path.
    let has_manifest = |dir: &Path| dir.join(course::MANIFEST).exists();
    if let Some(dir) = given {
        if !has_manifest(dir) {
            return Err(Error::new(
                Stage::Course,
                format!("{} has no {}", dir.display(), course::MANIFEST),
            ));
        }
        return files::absolute(dir).at(Stage::Course);
    }
    let cwd = std::env::current_dir().map_err(|e| {
        Error::new(
            Stage::Course,
            format!("cannot read the current folder: {e}"),
        )
    })?;
    if let Some(found) = cwd.ancestors().find(|d| has_manifest(d)) {
        return Ok(found.to_path_buf());
    }
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if has_manifest(&built_in) {
        return fs_err::canonicalize(built_in).at(Stage::Course);
    }
    Err(Error::new(
        Stage::Course,
        format!("no {} in {} or above it", course::MANIFEST, cwd.display()),
    ))
}
