//! The course's bench programs (`grader/bench/`): built in release mode from an
//! implementation source, and run one request at a time, each answering in JSON lines.
//!
//! They are separate packages from the checks, so grading never compiles them nor the
//! peers (tokio, corosensei, ...) they are measured against.

use super::build::{self, Build};
use crate::course::{self, Course, Exercise};
use crate::error::{Error, Result, Stage};
use crate::sandbox;
use crate::workspace::{Source, Workspace};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The folder of an exercise's bench program, `grader/bench/NN-name`.
pub fn bench_dir(course: &Course, ex: &Exercise) -> PathBuf {
    course.root.join(course::BENCH).join(&ex.dir)
}

/// The folder of the peers' bench program.
pub fn peers_dir(course: &Course) -> PathBuf {
    course.root.join(course::BENCH).join(course::PEERS)
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
            Build::Unsupported(why) => Err(why),
            Build::Flagged(evidence) => Err(evidence.join("\n")),
        })
    }
}

/// Runs `program` with `args` to its end (or kills it after `limit`) and parses every
/// line it printed as JSON. `Err` says in a line why there is no answer.
pub fn answer(
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
    Ok(text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line)
                .map_err(|e| format!("printed what is not JSON ({e}): {line}"))
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
    fn every_line_is_an_answer() {
        let got = sh(
            r#"echo '{"value": 1}'; echo; echo '{"value": 2}'"#,
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
        assert!(sh("echo oops", limit).unwrap_err().contains("not JSON"));
    }
}
