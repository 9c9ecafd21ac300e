//! `grader [EXERCISE]`: grades the exercises (or the solutions, or a submission) and
//! prints the report in the format asked for.

use super::Settings;
use crate::course::Course;
use crate::error::{At, Error, Result, Stage};
use crate::files;
use crate::grading::{self, Options};
use crate::report::{gradescope, human, junit, markdown};
use crate::ui::{Progress, Style};
use crate::workspace::Source;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Format {
    Human,
    Json,
    /// JUnit XML for CI test reports.
    Junit,
    /// Gradescope's results.json.
    Gradescope,
    /// A Markdown summary (also appended to $GITHUB_STEP_SUMMARY whatever the format).
    Markdown,
}

pub struct Args {
    pub exercise: Option<String>,
    pub solutions: bool,
    pub submission: Option<PathBuf>,
    pub format: Format,
}

/// The variable GitHub Actions sets to the file a step's summary is collected in.
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Grades and prints the report; true when every graded check passed.
pub fn run(course: &Course, args: &Args, settings: &Settings) -> Result<bool> {
    let source = if args.solutions {
        Source::Solutions
    } else if let Some(dir) = &args.submission {
        Source::Submission(files::absolute(dir).at(Stage::Workspace)?)
    } else {
        Source::InPlace
    };
    let options = Options {
        source,
        only: args.exercise.clone(),
        timeout: settings.timeout,
        jobs: settings.jobs,
    };
    let progress = Progress::new(args.format == Format::Human);
    let report = grading::grade(course, &options, &progress)?;
    let cannot_write =
        |e: serde_json::Error| Error::new(Stage::Report, format!("cannot write the report: {e}"));
    let text = match args.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report).map_err(cannot_write)?
        ),
        Format::Human => human::render(&report, &Style::for_stdout(), args.exercise.is_some()),
        Format::Junit => junit::render(&report)?,
        Format::Gradescope => format!("{}\n", gradescope::render(&report).map_err(cannot_write)?),
        Format::Markdown => markdown::render(&report),
    };
    print!("{text}");
    append_step_summary(&report);
    Ok(report.all_passed())
}

/// Appends the Markdown summary to the file `GITHUB_STEP_SUMMARY` names, if it is set.
///
/// Earlier steps of the job may have written to the file already, so it is only ever
/// appended to. Not being able to write it must not change the grade: it is a warning.
fn append_step_summary(report: &crate::report::Report) {
    let Some(path) = std::env::var_os(STEP_SUMMARY_VAR).filter(|p| !p.is_empty()) else {
        return;
    };
    let summary = markdown::render(report);
    // The blank line keeps our heading from gluing onto a last line without a newline.
    let written = fs_err::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut file| file.write_all(format!("\n{summary}").as_bytes()));
    if let Err(e) = written {
        eprintln!("grader: warning: cannot append the summary ({STEP_SUMMARY_VAR}): {e}");
    }
}
