//! The course's bench programs (`grader/bench/`): built in release mode from an
//! implementation source, and asked one question per process (list, run a workload, trace a
//! scenario), each answering in JSON lines marked with [`MARK`] (see `benchkit`).
//!
//! They are separate packages from the checks, so grading never compiles them nor the
//! peers (tokio, corosensei, ...) they are measured against.

use super::build::{self, Build};
use crate::course::{self, Course, Exercise};
use crate::error::{Error, Result, Stage};
use crate::report::bench::Outcome;
use crate::report::svg::Event;
use crate::sandbox;
use crate::workspace::{Source, Workspace};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The start of every answer line; `benchkit::MARK`.
pub const MARK: &str = "@bench ";
/// Listing takes no measurement.
const LIST_LIMIT: Duration = Duration::from_secs(10);
/// A workload's calibration, warm-up and five rounds take about a second.
const WORKLOAD_LIMIT: Duration = Duration::from_secs(30);
/// A scenario lasts tens of milliseconds.
const SCENARIO_LIMIT: Duration = Duration::from_secs(30);

/// The folder of an exercise's bench program, `grader/bench/NN-name`.
pub fn bench_dir(course: &Course, ex: &Exercise) -> PathBuf {
    course.root.join(course::BENCH).join(&ex.dir)
}

/// The folder of the peers' bench program.
pub fn peers_dir(course: &Course) -> PathBuf {
    course.root.join(course::BENCH).join(course::PEERS)
}

/// The reference solutions' source, when the course has them (a students' copy does not).
pub fn reference(course: &Course) -> Option<Source> {
    course
        .root
        .join(course::SOLUTIONS)
        .is_dir()
        .then_some(Source::Solutions)
}

/// Builds bench programs from one implementation source.
pub struct Programs {
    ws: Workspace,
}

impl Programs {
    pub fn of(course: &Course, source: &Source) -> Result<Programs> {
        Ok(Programs {
            ws: Workspace::prepare(course, source)?,
        })
    }

    /// Builds the package in `crate_dir`: the program's path, or why it did not build.
    pub fn build(&self, crate_dir: &Path) -> Result<std::result::Result<PathBuf, String>> {
        let package = course::package_name(crate_dir)?;
        Ok(match build::build_program(&self.ws, &package)? {
            Build::Built(path) => Ok(path),
            Build::Failed(text) => Err(text),
            // Bench programs are not fenced nor tied to a platform; kept for completeness.
            Build::Unsupported(why) => Err(why),
            Build::Flagged(evidence) => Err(evidence.join("\n")),
        })
    }
}

/// What a bench program holds: a workload (of the course's implementation when `peer` is
/// `None`) or a trace scenario.
#[derive(Debug, Clone, Deserialize)]
pub struct Listed {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub peer: Option<String>,
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub unit: String,
}

impl Listed {
    pub fn is_workload(&self) -> bool {
        self.kind == "workload"
    }
}

/// Everything `program` holds, or why it cannot say.
pub fn list(program: &Path) -> Result<std::result::Result<Vec<Listed>, String>> {
    Ok(answer(program, &["list"], LIST_LIMIT)?.and_then(|lines| {
        lines
            .into_iter()
            .map(|line| {
                serde_json::from_value(line).map_err(|e| format!("a malformed listing: {e}"))
            })
            .collect()
    }))
}

/// Measures one workload: the median of its rounds, or why there is none.
pub fn measure(program: &Path, name: &str, peer: Option<&str>) -> Result<Outcome> {
    let mut args = vec!["run", name];
    args.extend(peer);
    let lines = match answer(program, &args, WORKLOAD_LIMIT)? {
        Ok(lines) => lines,
        Err(why) => return Ok(Outcome::Failed { why }),
    };
    let Some(answer) = lines.first() else {
        return Ok(Outcome::Failed {
            why: "printed no answer".into(),
        });
    };
    Ok(match answer["value"].as_f64() {
        Some(value) => Outcome::Measured {
            value,
            rounds: answer["rounds"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default(),
        },
        None => Outcome::Failed {
            why: format!("answered without a value: {answer}"),
        },
    })
}

/// Runs one trace scenario: its events in the order recorded, or why there are none.
pub fn trace(program: &Path, scenario: &str) -> Result<std::result::Result<Vec<Event>, String>> {
    Ok(
        answer(program, &["trace", scenario], SCENARIO_LIMIT)?.and_then(|lines| {
            lines
                .into_iter()
                .map(|line| {
                    serde_json::from_value(line).map_err(|e| format!("a malformed event: {e}"))
                })
                .collect()
        }),
    )
}

/// Runs `program` with `args` to its end (or kills it after `limit`) and parses every
/// marked line it printed as JSON. `Err` says in a line why there is no answer.
fn answer(
    program: &Path,
    args: &[&str],
    limit: Duration,
) -> Result<std::result::Result<Vec<Value>, String>> {
    let mut command = Command::new(program);
    command.args(args).stdin(std::process::Stdio::null());
    let Some(output) = sandbox::capture(command, limit).map_err(|e| {
        Error::new(
            Stage::Checks,
            format!("cannot run {}: {e}", program.display()),
        )
    })?
    else {
        return Ok(Err(format!("did not finish within {} s", limit.as_secs())));
    };
    if !output.status.success() {
        return Ok(Err(why_failed(&output)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    // A mark may follow what the code under test printed without a newline.
    Ok(text
        .lines()
        .filter_map(|line| line.find(MARK).map(|at| &line[at + MARK.len()..]))
        .map(|json| {
            serde_json::from_str(json)
                .map_err(|e| format!("printed what is not JSON ({e}): {json}"))
        })
        .collect())
}

/// One line: the panic message, else the signal or exit status.
fn why_failed(output: &std::process::Output) -> String {
    use std::os::unix::process::ExitStatusExt;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let panic = stderr
        .lines()
        .skip_while(|line| !line.contains("panicked at"))
        .nth(1);
    match (panic, output.status.signal()) {
        (Some(message), _) => format!("panicked: {}", message.trim()),
        (None, Some(signal)) => format!("killed by {}", sandbox::signal_name(signal)),
        (None, None) => match stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            Some(last) => format!("{} ({})", output.status, last.trim()),
            None => output.status.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, limit: Duration) -> std::result::Result<Vec<Value>, String> {
        answer(Path::new("/bin/sh"), &["-c", script], limit).unwrap()
    }

    #[test]
    fn only_marked_lines_are_answers_whatever_else_is_printed() {
        let got = sh(
            r#"echo 'debug output'; echo '@bench {"value": 1}'; printf 'no newline'; echo '@bench {"value": 2}'"#,
            Duration::from_secs(10),
        );
        assert_eq!(got.unwrap().len(), 2);
    }

    #[test]
    fn a_program_that_cannot_answer_says_why_in_a_line() {
        let limit = Duration::from_secs(10);
        assert_eq!(
            sh(
                "echo \"thread 'main' panicked at src/main.rs:1:1:\" >&2; echo 'not yet implemented' >&2; exit 101",
                limit
            ),
            Err("panicked: not yet implemented".into())
        );
        assert_eq!(sh("kill -SEGV $$", limit), Err("killed by SIGSEGV".into()));
        assert_eq!(
            sh("sleep 5", Duration::from_secs(1)),
            Err("did not finish within 1 s".into())
        );
        assert!(
            sh("echo '@bench oops'", limit)
                .unwrap_err()
                .contains("not JSON")
        );
    }

    #[test]
    fn a_workload_without_an_answer_is_a_failed_measurement() {
        // `echo run NAME` prints a line, but no marked one.
        let outcome = measure(Path::new("/bin/echo"), "pool_job", None).unwrap();
        assert!(
            matches!(&outcome, Outcome::Failed { why } if why == "printed no answer"),
            "{outcome:?}"
        );
    }
}
