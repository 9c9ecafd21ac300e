//! `cargo run -p grader`: grades the course's exercises.
//!
//! Exit status: 0 when every graded check passes, 1 when some do not, 2 when the grader
//! itself cannot run (a malformed course, a missing folder, an unknown exercise).

mod batch;
mod cgroup;
mod classroom;
mod compile;
mod course;
mod error;
mod fences;
mod formats;
mod grade;
mod hint;
mod human;
mod isolation;
mod listing;
mod overlay;
mod progress;
mod reaper;
mod report;
mod reset;
mod sandbox;
mod student_docs;
mod submission;
mod terminal;
mod verdict;
mod watch;
mod workspace;

use clap::{Parser, Subcommand, ValueEnum};
use error::Fatal;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use workspace::Source;

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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

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
    Watch(watch::WatchArgs),

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

    /// Write a student template of the course into OUT: the course without its solutions,
    /// build output, history, CI script and the grader's own tests.
    Classroom(classroom::Args),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
    /// JUnit XML for CI test reports.
    Junit,
    /// Gradescope's results.json.
    Gradescope,
    /// A Markdown summary (also appended to $GITHUB_STEP_SUMMARY whatever the format).
    Markdown,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(fatal) => {
            eprintln!("grader: {fatal}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<bool, Fatal> {
    let root = course_root(cli.course.as_deref())?;
    let course = course::Course::load(&root)?;
    let timeout = cli.timeout.map(Duration::from_secs);
    let jobs = cli
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    if let Some(command) = &cli.command {
        // Checked here rather than by clap, so shared options may stand before the command.
        if cli.exercise.is_some() || cli.solutions || cli.submission.is_some() {
            return Err(Fatal::new(
                "an exercise, --solutions and --submission do not go with a command such as batch or watch",
            ));
        }
        return match command {
            Command::Batch(args) => batch::run(&course, args, timeout, jobs),
            Command::Classroom(args) => classroom::run(&course, args).map(|()| true),
            Command::Watch(args) => watch::run(&course, args, timeout, jobs),
            Command::Hint(args) => hint::run(&course, args, timeout, jobs),
            Command::List => listing::run(&course, timeout, jobs),
            Command::Reset(args) => reset::run(&course, args).map(|()| true),
        };
    }
    let source = if cli.solutions {
        Source::Solutions
    } else if let Some(dir) = &cli.submission {
        Source::Submission(std::path::absolute(dir)?)
    } else {
        Source::InPlace
    };
    let options = grade::Options {
        source,
        only: cli.exercise.clone(),
        timeout,
        jobs,
    };
    let progress = progress::Progress::new(cli.format == Format::Human);
    let report = grade::grade(&course, &options, &progress)?;
    match cli.format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| Fatal::new(format!("cannot write the report: {e}")))?;
            println!("{json}");
        }
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let style = human::Style { color };
            print!("{}", human::render(&report, &style, cli.exercise.is_some()));
        }
        Format::Junit => print!("{}", formats::junit::render(&report)),
        Format::Gradescope => {
            let json = formats::gradescope::render(&report)
                .map_err(|e| Fatal::new(format!("cannot write the report: {e}")))?;
            println!("{json}");
        }
        Format::Markdown => print!("{}", formats::markdown::render(&report)),
    }
    formats::append_step_summary(&report);
    Ok(report.all_passed())
}

/// The course folder: as given, else the nearest folder upwards holding `course.toml`,
/// else the course this grader was built from.
fn course_root(given: Option<&Path>) -> Result<PathBuf, Fatal> {
    if let Some(dir) = given {
        if !dir.join(course::MANIFEST).is_file() {
            return Err(Fatal::new(format!(
                "{} has no {}",
                dir.display(),
                course::MANIFEST
            )));
        }
        return Ok(std::path::absolute(dir)?);
    }
    let cwd = std::env::current_dir()?;
    if let Some(found) = cwd.ancestors().find(|d| d.join(course::MANIFEST).is_file()) {
        return Ok(found.to_path_buf());
    }
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if built_in.join(course::MANIFEST).is_file() {
        return Ok(built_in.canonicalize()?);
    }
    Err(Fatal::new(format!(
        "no {} in {} or above it",
        course::MANIFEST,
        cwd.display()
    )))
}
