//! `grader trace EXERCISE`: runs the exercise's small scenarios on the learner's code
//! and on the reference solution, and draws each as a timeline (SVG), one above the
//! other: which task ran when, each poll, each wake, each yield.

use crate::course::Course;
use crate::error::{At, Error, Result, Stage};
use crate::grading::programs::{self, Programs};
use crate::report::svg::{self, Panel};
use crate::ui::Progress;
use crate::workspace::Source;
use std::path::PathBuf;

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
    let mut sources = Vec::new();
    if !args.solutions {
        sources.push(("your code", Source::InPlace));
    }
    match programs::reference(course) {
        Some(reference) => sources.push(("the reference solution", reference)),
        None if args.solutions => {
            return Err(Error::new(
                Stage::Workspace,
                "this course has no solutions/ folder, so there is no reference to trace",
            ));
        }
        None => {}
    }
    let progress = Progress::new(true);
    let mut built = Vec::new();
    for (label, source) in sources {
        progress.building(&format!("{} scenarios on {label} (release)", ex.name));
        built.push((label, Programs::of(course, &source)?.build(&dir)?));
    }
    progress.done();
    // The scenarios are the course's, the same in every build: ask any that built.
    let Some(program) = built.iter().find_map(|(_, p)| p.as_ref().ok()) else {
        for (label, program) in &built {
            if let Err(why) = program {
                println!("The scenarios do not build on {label}:\n{why}");
            }
        }
        return Ok(false);
    };
    let scenarios = programs::list(program)?
        .map_err(|why| Error::new(Stage::Checks, format!("{}: {why}", program.display())))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| course.overlays_dir().join("trace"));
    fs_err::create_dir_all(&out).at(Stage::Report)?;
    let mut all_ran = true;
    for scenario in scenarios.iter().filter(|s| !s.is_workload()) {
        let name = scenario.name.as_str();
        let mut runs = Vec::new();
        for (label, program) in &built {
            let events = match program {
                Ok(path) => programs::trace(path, name)?,
                Err(_) => Err("it does not build".to_owned()),
            };
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
        fs_err::write(&path, svg::timeline(&title, &scenario.what, &panels)).at(Stage::Report)?;
        println!("{name}: {}\n  written: {}", scenario.what, path.display());
    }
    Ok(all_ran)
}
