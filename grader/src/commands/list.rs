//! `grader list`: where the learner stands, one line per exercise and per step.

use super::Settings;
use crate::course::Course;
use crate::error::Result;
use crate::grading::{self, Options};
use crate::report::{GRADER_COMMAND, list_view};
use crate::ui::{Progress, Style};
use crate::workspace::Source;

/// Grades every exercise in place and prints the list; true when every check passes.
pub fn run(course: &Course, settings: &Settings) -> Result<bool> {
    let options = Options {
        source: Source::InPlace,
        only: None,
        timeout: settings.timeout,
        jobs: settings.jobs,
    };
    let report = grading::grade(course, &options, &Progress::new(true))?;
    let style = Style::for_stdout();
    println!("{}\n", style.bold(&report.course));
    print!("{}", list_view::render(&report, &style));
    if let Some((ex, _)) = report.first_unfinished() {
        println!(
            "\n{} {GRADER_COMMAND} hint {}",
            style.bold("Next:"),
            ex.name
        );
    }
    Ok(report.all_passed())
}
