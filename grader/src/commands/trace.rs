//! `grader trace EXERCISE`: runs the exercise's small scenarios on the learner's code
//! and on the reference solution, and draws each as a timeline (SVG), one above the
//! other: which task ran when, each poll, each wake, each yield.

use crate::course::{Course, SOLUTIONS};
use crate::error::{At, Error, Result, Stage};
use crate::grading::programs::{self, Programs};
use crate::report::svg::{self, Event, Panel};
use crate::ui::Progress;
use crate::workspace::Source;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

const SCENARIO_LIMIT: Duration = Duration::from_secs(30);
const LIST_LIMIT: Duration = Duration::from_secs(10);

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The exercise (name, folder or number).
    pub exercise: String,
    /// Trace the reference solution alone.
    #[arg(long)]
    pub solutions: bool,
    /// Where to write the pictures (default: target/grader/trace).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(course: &Course, args: &Args) -> Result<bool> {
    let ex = course.exercise(&args.exercise)?;
    let dir = programs::bench_dir(course, ex);
    if !dir.is_dir() {
        return Err(Error::new(
            Stage::Usage,
            format!(
                "the course has no scenarios for {} ({} is missing)",
                ex.name,
                dir.display()
            ),
        ));
    }
    let progress = Progress::new(true);
    let mut sources = vec![("your code", Source::InPlace)];
    if args.solutions {
        sources = vec![("the reference solution", Source::Solutions)];
    } else if course.root.join(SOLUTIONS).is_dir() {
        sources.push(("the reference solution", Source::Solutions));
    }
    let mut built = Vec::new();
    for (label, source) in &sources {
        progress.building(&format!("{} scenarios on {label} (release)", ex.name));
        let program = Programs::of(course, source)?.build(&dir)?;
        built.push((*label, program));
    }
    progress.done();
    let Some(scenarios) = scenarios(&built)? else {
        for (label, program) in &built {
            if let Err(why) = program {
                println!("The scenarios do not build on {label}:\n{why}");
            }
        }
        return Ok(false);
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| course.overlays_dir().join("trace"));
    fs_err::create_dir_all(&out).at(Stage::Report)?;
    let mut all_ran = true;
    for (name, what) in &scenarios {
        let mut runs = Vec::new();
        for (label, program) in &built {
            let events = match program {
                Ok(path) => programs::answer(path, &["trace", name], SCENARIO_LIMIT)?,
                Err(_) => Err("it does not build".to_owned()),
            };
            let events = events.and_then(parse);
            if let Err(why) = &events {
                all_ran = false;
                println!("{name} on {label}: {why}");
            }
            runs.push((label, events));
        }
        let panels: Vec<Panel> = runs
            .iter()
            .map(|(label, events)| Panel {
                title: label.to_string(),
                events: events.as_deref().map_err(String::as_str),
            })
            .collect();
        let title = format!("{}: {name}", ex.name);
        let path = out.join(format!("{}-{name}.svg", ex.name));
        fs_err::write(&path, svg::timeline(&title, what, &panels)).at(Stage::Report)?;
        println!("{name}: {what}\n  written: {}", path.display());
    }
    Ok(all_ran)
}

/// The scenarios the first program that builds lists: (name, what it shows).
fn scenarios(
    built: &[(&str, std::result::Result<PathBuf, String>)],
) -> Result<Option<Vec<(String, String)>>> {
    let Some(program) = built.iter().find_map(|(_, p)| p.as_ref().ok()) else {
        return Ok(None);
    };
    let listed = programs::answer(program, &["list"], LIST_LIMIT)?
        .map_err(|why| Error::new(Stage::Checks, format!("{}: {why}", program.display())))?;
    Ok(Some(
        listed
            .iter()
            .filter(|v| v["kind"] == "scenario")
            .map(|v| {
                let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
                (text("name"), text("what"))
            })
            .collect(),
    ))
}

fn parse(lines: Vec<Value>) -> std::result::Result<Vec<Event>, String> {
    lines
        .into_iter()
        .map(|line| serde_json::from_value(line).map_err(|e| format!("a malformed event: {e}")))
        .collect()
}
