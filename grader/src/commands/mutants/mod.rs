//! `grader dev mutants [EXERCISE]`: how many small bugs the checks catch. Each mutant of a
//! reference solution (made by cargo-mutants) is graded as a submission, through the same
//! pipeline, sandbox and verdicts as a learner's work; a mutant that passes every check is
//! a bug the course would let through, unless `grader/mutants/equivalent.toml` explains
//! why no check can tell it from the solution.

mod equivalent;
mod generate;

use super::Settings;
use crate::course::{Course, Exercise, package_name};
use crate::error::{At, Error, Result};
use crate::grading::{self, Options};
use crate::report::{ExerciseReport, Status};
use crate::ui::Progress;
use crate::workspace::{Source, Workspace};
use generate::{Mutant, STAGE};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The exercise whose solution is mutated (name, folder or number); default: all.
    #[arg(value_name = "EXERCISE")]
    pub exercise: Option<String>,

    /// Grade only the mutants whose position in the list is K modulo N (`--shard 0/4`), so
    /// that several machines can share a run.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,

    /// Grade only N mutants spread evenly over each exercise's list.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,

    /// Only list the mutants, with their diffs; grade nothing.
    #[arg(long)]
    pub list: bool,

    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.parse().ok()?, n.parse().ok()?)));
    match parsed {
        Some((k, n)) if k < n => Ok((k, n)),
        _ => Err(format!("{text:?} is no shard: give K/N with K < N, as 0/4")),
    }
}

/// What grading a mutant showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A check failed or crashed.
    Killed,
    /// Only time limits stopped it: caught, but slowly.
    TimedOut,
    /// Every check passed, and the mutant is not on the reviewed list: a hole.
    Survived,
    /// Every check passed, and the list explains why no check can tell.
    Equivalent,
    /// The mutant does not compile; it says nothing about the checks.
    Unviable,
}

#[derive(Debug, Serialize)]
struct Graded {
    name: String,
    outcome: Outcome,
    /// The checks that did not pass, with their verdicts.
    caught_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct ExerciseResult {
    exercise: String,
    generated: usize,
    graded: usize,
    killed: usize,
    timed_out: usize,
    survived: usize,
    equivalent: usize,
    unviable: usize,
    /// Killed and timed out, over the graded mutants that compile and are not equivalent.
    score: Option<f64>,
    mutants: Vec<Graded>,
}

/// Files of the exercise that the course gives whole: the stub's copy and the solution's
/// are the same. Their mutants would test the course's code, not the checks of what the
/// learner writes.
fn given_files(course: &Course, ex: &Exercise) -> Vec<String> {
    let (stub, solution) = (ex.stub_src(&course.root), ex.solution_src(&course.root));
    let Ok(entries) = fs_err::read_dir(&solution) else {
        return Vec::new();
    };
    let mut given: Vec<String> = entries
        .flatten()
        .filter(|e| {
            let (a, b) = (
                fs_err::read(e.path()),
                fs_err::read(stub.join(e.file_name())),
            );
            matches!((a, b), (Ok(a), Ok(b)) if a == b)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    given.sort();
    given
}

/// Grades the mutants; true when none survived unexplained.
pub fn run(course: &Course, args: &Args, settings: &Settings) -> Result<bool> {
    let exercises: Vec<&Exercise> = match &args.exercise {
        Some(wanted) => vec![course.exercise(wanted)?],
        None => course.exercises.iter().collect(),
    };
    let equivalent = equivalent::load(&course.root)?;
    let solutions = Workspace::prepare(course, &Source::Solutions)?;
    let mut results = Vec::new();
    for ex in exercises {
        let package = package_name(&ex.exercise_dir(&course.root))?;
        let given = given_files(course, ex);
        let mutants: Vec<_> = generate::list(&solutions.root, &package)?
            .into_iter()
            .filter(|m| !given.iter().any(|name| Path::new(&m.file).ends_with(name)))
            .collect();
        if !given.is_empty() {
            eprintln!(
                "{}: left out, as given code the learner does not write: {}",
                ex.name,
                given.join(", ")
            );
        }
        let listed: Vec<&equivalent::Entry> = equivalent
            .iter()
            .filter(|e| e.exercise == ex.name)
            .collect();
        if let Some(stale) = listed
            .iter()
            .find(|e| !mutants.iter().any(|m| m.name == e.mutant))
        {
            return Err(Error::new(
                STAGE,
                format!(
                    "{}: {:?} is not a mutant of {} any more; remove it or give its new name",
                    equivalent::FILE,
                    stale.mutant,
                    ex.name
                ),
            ));
        }
        let chosen = choose(&mutants, args.shard, args.sample);
        if args.list {
            for (index, mutant) in &chosen {
                println!("{index:4} {}\n{}", mutant.name, mutant.diff);
            }
            continue;
        }
        let mut result = ExerciseResult {
            exercise: ex.name.clone(),
            generated: mutants.len(),
            graded: chosen.len(),
            killed: 0,
            timed_out: 0,
            survived: 0,
            equivalent: 0,
            unviable: 0,
            score: None,
            mutants: Vec::new(),
        };
        let scratch = course.overlays_dir().join("mutants").join(&ex.dir);
        for (position, (_, mutant)) in chosen.iter().enumerate() {
            eprint!(
                "[{}/{}] {} {} ... ",
                position + 1,
                chosen.len(),
                ex.name,
                mutant.name
            );
            let _ = std::io::stderr().flush();
            let reason = listed
                .iter()
                .find(|e| e.mutant == mutant.name)
                .map(|e| e.reason.clone());
            let graded = grade(course, ex, mutant, &scratch, settings, reason)?;
            eprintln!("{}", describe(&graded));
            match graded.outcome {
                Outcome::Killed => result.killed += 1,
                Outcome::TimedOut => result.timed_out += 1,
                Outcome::Survived => result.survived += 1,
                Outcome::Equivalent => result.equivalent += 1,
                Outcome::Unviable => result.unviable += 1,
            }
            result.mutants.push(graded);
        }
        let judged = result.killed + result.timed_out + result.survived;
        result.score =
            (judged > 0).then(|| (result.killed + result.timed_out) as f64 / judged as f64);
        results.push(result);
    }
    if args.list {
        return Ok(true);
    }
    print!("{}", summary(&results));
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&results).at(STAGE)?;
        fs_err::write(path, json + "\n").at(STAGE)?;
    }
    Ok(results.iter().all(|r| r.survived == 0))
}

/// The mutants to grade with their positions in the full list: a shard of it, then an
/// even sample of that.
fn choose(
    mutants: &[Mutant],
    shard: Option<(usize, usize)>,
    sample: Option<usize>,
) -> Vec<(usize, &Mutant)> {
    let in_shard: Vec<(usize, &Mutant)> = mutants
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(k, n)| i % n == k))
        .collect();
    match sample {
        Some(n) if n < in_shard.len() => (0..n).map(|i| in_shard[i * in_shard.len() / n]).collect(),
        _ => in_shard,
    }
}

/// Grades one mutant of `ex`'s solution as a submission kept in `scratch` (one folder per
/// exercise, so the compiler's caches carry over from one mutant to the next).
fn grade(
    course: &Course,
    ex: &Exercise,
    mutant: &Mutant,
    scratch: &Path,
    settings: &Settings,
    equivalent: Option<String>,
) -> Result<Graded> {
    let src = scratch.join(ex.src_rel());
    if src.exists() {
        fs_err::remove_dir_all(&src).at(STAGE)?;
    }
    copy_tree(&ex.solution_src(&course.root), &src)?;
    let rel = Path::new(&mutant.file)
        .strip_prefix(ex.src_rel())
        .map_err(|_| {
            Error::new(
                STAGE,
                format!(
                    "mutant {:?} changes {}, outside {}",
                    mutant.name,
                    mutant.file,
                    ex.src_rel().display()
                ),
            )
        })?
        .to_path_buf();
    let file = src.join(rel);
    let original = fs_err::read_to_string(&file).at(STAGE)?;
    fs_err::write(&file, generate::apply(mutant, &original)?).at(STAGE)?;
    let options = Options {
        source: Source::Submission(scratch.to_path_buf()),
        only: Some(ex.name.clone()),
        timeout: settings.timeout,
        jobs: settings.jobs,
    };
    let report = grading::grade(course, &options, &Progress::new(false))?;
    let graded = report
        .exercises
        .first()
        .ok_or_else(|| Error::new(STAGE, format!("grading {} reported nothing", ex.name)))?;
    Ok(judge(mutant, graded, equivalent))
}

fn judge(mutant: &Mutant, graded: &ExerciseReport, equivalent: Option<String>) -> Graded {
    let caught: Vec<(&str, Status)> = graded
        .checks
        .iter()
        .filter(|c| !c.status.is_done())
        .map(|c| (c.name.as_str(), c.status))
        .collect();
    let outcome = if graded.compile_error.is_some() {
        Outcome::Unviable
    } else if caught.is_empty() {
        match equivalent {
            Some(_) => Outcome::Equivalent,
            None => Outcome::Survived,
        }
    } else if caught.iter().all(|(_, s)| *s == Status::Timeout) {
        Outcome::TimedOut
    } else {
        Outcome::Killed
    };
    Graded {
        name: mutant.name.clone(),
        outcome,
        caught_by: caught
            .iter()
            .map(|(name, status)| format!("{name} ({})", status.as_str()))
            .collect(),
        reason: equivalent.filter(|_| outcome == Outcome::Equivalent),
    }
}

fn describe(graded: &Graded) -> String {
    match graded.outcome {
        Outcome::Killed | Outcome::TimedOut => {
            let mut by = graded.caught_by.clone();
            let more = by.len().saturating_sub(3);
            by.truncate(3);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("caught by {}{more}", by.join(", "))
        }
        Outcome::Survived => "SURVIVED".into(),
        Outcome::Equivalent => "equivalent (listed)".into(),
        Outcome::Unviable => "does not compile".into(),
    }
}

/// Per exercise: the counts, the score, and every survivor by name.
fn summary(results: &[ExerciseResult]) -> String {
    let mut out = String::from(
        "\nexercise        generated graded killed timeout survived equiv unviable  score\n",
    );
    for r in results {
        let score = r
            .score
            .map_or("-".to_owned(), |s| format!("{:.0} %", s * 100.0));
        out.push_str(&format!(
            "{:<15} {:>9} {:>6} {:>6} {:>7} {:>8} {:>5} {:>8} {:>6}\n",
            r.exercise,
            r.generated,
            r.graded,
            r.killed,
            r.timed_out,
            r.survived,
            r.equivalent,
            r.unviable,
            score
        ));
    }
    let survivors: BTreeMap<&str, Vec<&str>> = results
        .iter()
        .map(|r| {
            let names = r
                .mutants
                .iter()
                .filter(|m| m.outcome == Outcome::Survived)
                .map(|m| m.name.as_str())
                .collect();
            (r.exercise.as_str(), names)
        })
        .filter(|(_, names): &(&str, Vec<&str>)| !names.is_empty())
        .collect();
    for (exercise, names) in survivors {
        out.push_str(&format!(
            "\nsurvivors in {exercise} (a check should catch each, or {} should say why none can):\n",
            equivalent::FILE
        ));
        for name in names {
            out.push_str(&format!("  {name}\n"));
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs_err::create_dir_all(to).at(STAGE)?;
    for entry in crate::files::walk(from, false) {
        let entry = entry.at(STAGE)?;
        let target = to.join(entry.path().strip_prefix(from).unwrap_or(entry.path()));
        if entry.file_type().is_dir() {
            fs_err::create_dir_all(&target).at(STAGE)?;
        } else {
            fs_err::copy(entry.path(), &target).at(STAGE)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutants(n: usize) -> Vec<Mutant> {
        (0..n)
            .map(|i| Mutant {
                name: format!("m{i}"),
                file: String::new(),
                diff: String::new(),
            })
            .collect()
    }

    fn chosen(all: &[Mutant], shard: Option<(usize, usize)>, sample: Option<usize>) -> Vec<usize> {
        choose(all, shard, sample)
            .into_iter()
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn shards_and_samples_pick_by_position() {
        let all = mutants(10);
        assert_eq!(chosen(&all, None, None), (0..10).collect::<Vec<_>>());
        assert_eq!(chosen(&all, Some((1, 4)), None), [1, 5, 9]);
        assert_eq!(chosen(&all, None, Some(3)), [0, 3, 6]);
        assert_eq!(chosen(&all, Some((0, 2)), Some(2)), [0, 4]);
        assert_eq!(chosen(&all, None, Some(20)).len(), 10);
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert!(parse_shard("4/4").is_err());
        assert!(parse_shard("x").is_err());
    }
}
