//! Building one exercise's checks with cargo, and reading the compiler's verdict.

use crate::error::{At, Error, Result, Stage};
use crate::sandbox::{self, namespaces::Plan};
use crate::workspace::Workspace;
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Name of the test target every harness crate declares.
pub const TEST_TARGET: &str = "checks";
/// Extension of the folder kept beside a copied check program; see [`keep_libraries`].
pub const LIBRARIES: &str = "libs";
/// Compiler output kept for a report: enough for the first few errors.
const MAX_ERRORS: usize = 4;
const MAX_ERROR_BYTES: usize = 6_000;

pub enum Build {
    /// The check binary to run.
    Built(PathBuf),
    /// The compiler's messages, trimmed, with paths pointing at the graded files.
    Failed(String),
    /// Not built: this platform cannot run the exercise, for this reason.
    Unsupported(String),
    /// Built, but not to be run: the evidence that it reaches for the grader.
    Flagged(Vec<String>),
}

/// Environment variable overriding [`BUILD_LIMIT`], in seconds.
const BUILD_LIMIT_VAR: &str = "GRADER_BUILD_TIMEOUT";
/// Far beyond a cold build of the whole course, so only a build that never ends hits it.
const BUILD_LIMIT: Duration = Duration::from_secs(600);

fn build_limit() -> Duration {
    std::env::var(BUILD_LIMIT_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(BUILD_LIMIT, Duration::from_secs)
}

/// The cargo the grader was started by, else the one on `PATH`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// What cargo builds: the checks of a harness (as graded: a debug test binary) or a bench
/// program (an optimized binary named after its package).
#[derive(Clone, Copy)]
enum Target<'a> {
    Checks(&'a str),
    Program(&'a str),
}

/// Compiles the harness package `harness` (and so the exercise it tests).
pub fn build(ws: &Workspace, harness: &str, fence: Option<&Plan>) -> Result<Build> {
    build_target(ws, Target::Checks(harness), fence)
}

/// Compiles the bench program `package` in release mode.
pub fn build_program(ws: &Workspace, package: &str) -> Result<Build> {
    build_target(ws, Target::Program(package), None)
}

fn build_target(ws: &Workspace, target: Target, fence: Option<&Plan>) -> Result<Build> {
    let _exclusive = ws.shared.as_ref().map(|s| s.enter()).transpose()?;
    let mut compiled = compile(ws, target, fence)?;
    if compiled.link_failed() {
        // Optimized code built incrementally sometimes fails to link after an edit
        // ("undefined hidden symbol ….llvm.…", rust-lang/rust#81280). A submission is
        // only said not to compile when a build without that state fails too.
        let incremental = ws.target_dir.join("debug").join("incremental");
        if incremental.exists() {
            fs_err::remove_dir_all(&incremental).at(Stage::Build)?;
            compiled = compile(ws, target, fence)?;
        }
    }
    compiled.verdict(ws, target)
}

/// What one run of cargo said.
enum Compiled {
    /// Stopped at the build limit.
    Endless(Duration),
    Finished {
        executable: Option<PathBuf>,
        /// The compiled libraries the executable was linked with.
        libraries: Vec<PathBuf>,
        success: bool,
        /// The compiler's error messages, as rendered.
        errors: Vec<String>,
        stderr: String,
    },
}

impl Compiled {
    fn link_failed(&self) -> bool {
        matches!(self, Compiled::Finished { errors, .. }
            if errors.iter().any(|e| e.starts_with("error: linking with")))
    }

    fn verdict(self, ws: &Workspace, target: Target) -> Result<Build> {
        match self {
            Compiled::Endless(limit) => Ok(Build::Failed(format!(
                "the build did not finish within {} s and was stopped (a macro or constant \
                 that never finishes expanding?); {BUILD_LIMIT_VAR} sets this limit in seconds",
                limit.as_secs()
            ))),
            Compiled::Finished {
                executable: Some(exe),
                success: true,
                libraries,
                ..
            } => match &ws.shared {
                // The next overlay's build replaces this binary; run a copy of our own.
                Some(shared) => {
                    let name = match target {
                        Target::Checks(harness) => format!("{harness}-{TEST_TARGET}"),
                        Target::Program(package) => package.to_owned(),
                    };
                    let copy = shared.bin_dir.join(name);
                    let _ = fs_err::remove_file(&copy);
                    fs_err::copy(&exe, &copy).at(Stage::Build)?;
                    if let Target::Checks(_) = target {
                        keep_libraries(&libraries, &copy.with_extension(LIBRARIES))?;
                    }
                    Ok(Build::Built(copy))
                }
                None => Ok(Build::Built(exe)),
            },
            Compiled::Finished { errors, stderr, .. } => {
                let text = if errors.is_empty() {
                    // Not a compiler error: cargo itself complained (a manifest, the registry).
                    stderr.trim().to_owned()
                } else {
                    summarize(&errors)
                };
                Ok(Build::Failed(ws.localize(&text)))
            }
        }
    }
}

fn compile(ws: &Workspace, target: Target, fence: Option<&Plan>) -> Result<Compiled> {
    let mut command = Command::new(cargo());
    if let Some(plan) = fence.cloned() {
        // SAFETY: `enter` only makes system calls on data prepared before the fork.
        unsafe { command.pre_exec(move || plan.enter()) };
    }
    match target {
        Target::Checks(harness) => {
            command.args(["test", "--no-run", "-p", harness, "--test", TEST_TARGET])
        }
        Target::Program(package) => {
            command.args(["build", "--release", "-p", package, "--bin", package])
        }
    };
    command
        .args(["--message-format=json", "--color=never"])
        .current_dir(&ws.root)
        .env("CARGO_TARGET_DIR", &ws.target_dir)
        .stdin(Stdio::null());
    let limit = build_limit();
    let Some(output) = sandbox::capture(command, limit)
        .map_err(|e| Error::new(Stage::Build, format!("cannot run cargo ({}): {e}", cargo())))?
    else {
        return Ok(Compiled::Endless(limit));
    };
    let mut executable = None;
    let mut libraries = Vec::new();
    let mut errors = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let wanted = |message: &Value| match target {
            Target::Checks(_) => {
                message["target"]["name"] == TEST_TARGET && message["profile"]["test"] == true
            }
            Target::Program(package) => {
                message["target"]["name"] == package && message["profile"]["test"] == false
            }
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") if wanted(&message) => {
                executable = message["executable"].as_str().map(PathBuf::from);
            }
            Some("compiler-artifact") => libraries.extend(
                message["filenames"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|name| name.ends_with(".rlib"))
                    .map(PathBuf::from),
            ),
            Some("compiler-message") if message["message"]["level"] == "error" => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    errors.push(rendered.trim_end().to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(Compiled::Finished {
        executable,
        libraries,
        success: output.status.success(),
        errors,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Beside a check program copied out of a shared build folder (which checks cannot see
/// while they run), the folder `<program>.libs` holds the libraries it was linked with, so
/// that a compile-time check can type-check a probe against the same compiled crate
/// (`testkit::compile`). Hard links where the file system allows: no bytes are copied.
fn keep_libraries(libraries: &[PathBuf], dir: &Path) -> Result<()> {
    if dir.exists() {
        fs_err::remove_dir_all(dir).at(Stage::Build)?;
    }
    fs_err::create_dir_all(dir).at(Stage::Build)?;
    for library in libraries {
        let Some(name) = library.file_name() else {
            continue;
        };
        let kept = dir.join(name);
        if fs_err::hard_link(library, &kept).is_err() {
            fs_err::copy(library, &kept).at(Stage::Build)?;
        }
    }
    Ok(())
}

fn summarize(errors: &[String]) -> String {
    let mut text = errors
        .iter()
        .take(MAX_ERRORS)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n\n");
    if text.len() > MAX_ERROR_BYTES {
        let cut = text.floor_char_boundary(MAX_ERROR_BYTES);
        text.truncate(cut);
        text.push_str("\n[...]");
    }
    if errors.len() > MAX_ERRORS {
        text.push_str(&format!(
            "\n\n(and {} more errors)",
            errors.len() - MAX_ERRORS
        ));
    }
    text
}
