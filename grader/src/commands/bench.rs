//! `grader bench [EXERCISE]`: measures the learner's implementation, the reference
//! solution and production peers on the same workloads, in one run, in release builds.

use super::Settings;
use crate::course::{Course, Exercise};
use crate::error::{At, Error, Result, Stage};
use crate::grading::programs::{self, Listed, Programs};
use crate::grading::{self, Options};
use crate::report::bench::{
    self, BenchReport, ExerciseBench, Outcome, REFERENCE, Row, WorkloadBench, YOURS,
};
use crate::report::{Status, svg};
use crate::ui::{Progress, Style};
use crate::workspace::Source;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Bench only this exercise (name, folder or number).
    pub exercise: Option<String>,
    /// Bench the reference solutions as "yours" (against the peers only).
    #[arg(long)]
    pub solutions: bool,
    /// Bench exercises even when they do not compile or fail checks (skips grading).
    #[arg(long)]
    pub anyway: bool,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Where to write bench.json and bench.svg (default: target/grader/bench).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(course: &Course, args: &Args, settings: &Settings) -> Result<bool> {
    let selected: Vec<&Exercise> = match &args.exercise {
        Some(wanted) => vec![course.exercise(wanted)?],
        None => course.exercises.iter().collect(),
    };
    let source = if args.solutions {
        Source::Solutions
    } else {
        Source::InPlace
    };
    let progress = Progress::new(!args.json);
    let unready = if args.anyway {
        Vec::new()
    } else {
        unready(course, &selected, &source, settings, &progress)?
    };
    let yours = Programs::of(course, &source)?;
    let reference = match (&source, programs::reference(course)) {
        (Source::InPlace, Some(reference)) => Some(Programs::of(course, &reference)?),
        _ => None,
    };
    let mut peers = None;
    let mut exercises = Vec::new();
    for ex in selected {
        let mut bench = ExerciseBench {
            exercise: ex.name.clone(),
            title: ex.title.clone(),
            not_benched: unready
                .iter()
                .find(|(name, _)| *name == ex.name)
                .map(|(_, why)| why.clone()),
            workloads: Vec::new(),
        };
        let dir = programs::bench_dir(course, ex);
        if bench.not_benched.is_none() && !dir.is_dir() {
            bench.not_benched = Some(format!(
                "the course has no bench program for it ({} is missing)",
                dir.display()
            ));
        }
        if bench.not_benched.is_none() {
            if peers.is_none() {
                progress.status("building the peers (tokio, corosensei, mio, rayon, futures) ...");
                peers = Some(build_peers(course)?);
            }
            let peers = peers.as_ref().expect("built above");
            match measure(&dir, ex, &yours, reference.as_ref(), peers, &progress)? {
                Ok(workloads) => bench.workloads = workloads,
                Err(why) => bench.not_benched = Some(why),
            }
        }
        exercises.push(bench);
    }
    progress.done();
    let report = BenchReport {
        source: source.label(),
        exercises,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| course.overlays_dir().join("bench"));
    let written = write(&report, &out)?;
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::new(Stage::Report, format!("cannot write JSON: {e}")))?;
        println!("{json}");
    } else {
        print!("{}", bench::render(&report, &Style::for_stdout()));
        println!("\nWritten: {}", written.join(", "));
    }
    let all_measured = report.exercises.iter().all(|e| {
        e.not_benched.is_none()
            && e.workloads
                .iter()
                .all(|w| w.rows.iter().all(|r| r.value().is_some()))
    });
    Ok(all_measured)
}

/// The exercises whose checks do not all pass, with a line saying so.
fn unready(
    course: &Course,
    selected: &[&Exercise],
    source: &Source,
    settings: &Settings,
    progress: &Progress,
) -> Result<Vec<(String, String)>> {
    let options = Options {
        source: source.clone(),
        only: (selected.len() == 1).then(|| selected[0].name.clone()),
        timeout: settings.timeout,
        jobs: settings.jobs,
    };
    let report = grading::grade(course, &options, progress)?;
    Ok(report
        .exercises
        .iter()
        .filter(|ex| ex.status != Status::Pass)
        .map(|ex| {
            let passed = ex
                .checks
                .iter()
                .filter(|c| c.status == Status::Pass)
                .count();
            (
                ex.name.clone(),
                format!(
                    "{passed} of its {} checks pass ({}); `grader {}` says what is missing, \
                     and `grader bench {} --anyway` benches it as it is",
                    ex.checks.len(),
                    ex.status.as_str(),
                    ex.name,
                    ex.name
                ),
            )
        })
        .collect())
}

/// The peers' program and what it holds, or why there is none.
type Peers = std::result::Result<(PathBuf, Vec<Listed>), String>;

/// The peers' program, always built in the course's own build folder, which keeps it
/// between runs whoever "yours" is.
fn build_peers(course: &Course) -> Result<Peers> {
    let dir = programs::peers_dir(course);
    if !dir.is_dir() {
        return Ok(Err(format!(
            "the course has no peers' bench program ({} is missing)",
            dir.display()
        )));
    }
    let program = match Programs::of(course, &Source::InPlace)?.build(&dir)? {
        Ok(program) => program,
        Err(why) => return Ok(Err(format!("do not build: {why}"))),
    };
    Ok(programs::list(&program)?
        .map(|listed| (program, listed))
        .map_err(|why| format!("cannot list their workloads: {why}")))
}

/// Every workload of one exercise on yours, the reference and the peers; `Err` when the
/// exercise's bench program does not build.
fn measure(
    dir: &Path,
    ex: &Exercise,
    yours: &Programs,
    reference: Option<&Programs>,
    peers: &Peers,
    progress: &Progress,
) -> Result<std::result::Result<Vec<WorkloadBench>, String>> {
    progress.building(&format!("{} (release)", ex.name));
    let mine = match yours.build(dir)? {
        Ok(path) => path,
        Err(why) => return Ok(Err(format!("its bench program does not build:\n{why}"))),
    };
    let theirs = match reference {
        Some(reference) => Some(reference.build(dir)?),
        None => None,
    };
    let listed = match programs::list(&mine)? {
        Ok(listed) => listed,
        Err(why) => {
            return Ok(Err(format!(
                "its bench program cannot list its workloads: {why}"
            )));
        }
    };
    let own: Vec<&Listed> = listed
        .iter()
        .filter(|w| w.is_workload() && w.peer.is_none())
        .collect();
    // Peers the exercise's own program holds (the compiler's own state machine, say) run
    // on the reference when there is one, so they do not depend on the learner's code.
    let host = match &theirs {
        Some(Ok(path)) => path,
        _ => &mine,
    };
    let mut workloads = Vec::new();
    for (done, w) in own.iter().enumerate() {
        progress.measuring(&ex.name, done, own.len());
        let name = w.name.as_str();
        let mut rows = vec![row(YOURS, programs::measure(&mine, name, None)?)];
        match &theirs {
            Some(Ok(path)) => rows.push(row(REFERENCE, programs::measure(path, name, None)?)),
            Some(Err(why)) => rows.push(failed(REFERENCE, format!("does not build: {why}"))),
            None => {}
        }
        for label in peers_of(&listed, name) {
            rows.push(row(label, programs::measure(host, name, Some(label))?));
        }
        let peer_name = format!("{}/{name}", ex.name);
        match peers {
            Ok((path, listed)) => {
                for label in peers_of(listed, &peer_name) {
                    rows.push(row(
                        label,
                        programs::measure(path, &peer_name, Some(label))?,
                    ));
                }
            }
            Err(why) => rows.push(failed("peers", why.clone())),
        }
        workloads.push(WorkloadBench {
            name: name.to_owned(),
            what: w.what.clone(),
            unit: w.unit.clone(),
            rows,
        });
    }
    Ok(Ok(workloads))
}

/// The peers `listed` measures the workload `name` on.
fn peers_of<'a>(listed: &'a [Listed], name: &'a str) -> impl Iterator<Item = &'a str> {
    listed
        .iter()
        .filter(move |p| p.is_workload() && p.name == name)
        .filter_map(|p| p.peer.as_deref())
}

fn row(implementation: &str, outcome: Outcome) -> Row {
    Row {
        implementation: implementation.to_owned(),
        outcome,
    }
}

fn failed(implementation: &str, why: String) -> Row {
    row(implementation, Outcome::Failed { why })
}

/// Writes bench.json and bench.svg into `out`; their paths.
fn write(report: &BenchReport, out: &Path) -> Result<Vec<String>> {
    fs_err::create_dir_all(out).at(Stage::Report)?;
    let json = out.join("bench.json");
    let picture = out.join("bench.svg");
    let text = serde_json::to_string_pretty(report)
        .map_err(|e| Error::new(Stage::Report, format!("cannot write JSON: {e}")))?;
    fs_err::write(&json, text).at(Stage::Report)?;
    fs_err::write(&picture, svg::bench_bars(report)).at(Stage::Report)?;
    Ok(vec![
        json.display().to_string(),
        picture.display().to_string(),
    ])
}
