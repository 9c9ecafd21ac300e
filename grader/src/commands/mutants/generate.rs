//! The mutants of a reference solution, as cargo-mutants lists them: each a small change of
//! the code (an operator flipped, a function body replaced by a default value) with the
//! unified diff that makes it.

use crate::error::{Error, Result, Stage};
use serde::Deserialize;
use std::path::Path;
use std::process::Command;

pub const STAGE: Stage = Stage::Command("mutants");

/// The version `.ci/run` installs; others may name mutants differently.
pub const TOOL: &str = "cargo-mutants";

/// One mutant, as `cargo mutants --list --json` describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Mutant {
    /// `file:line:column: what changes`, unique within a package: the key of
    /// `equivalent.toml`.
    pub name: String,
    /// The mutated file, relative to the workspace root.
    pub file: String,
    /// The change as a unified diff of `file`.
    pub diff: String,
}

/// Every mutant cargo-mutants makes of `package` in the workspace at `root`.
pub fn list(root: &Path, package: &str) -> Result<Vec<Mutant>> {
    let mut command = Command::new(crate::grading::cargo());
    command
        .args([
            "mutants",
            "--list",
            "--json",
            "--diff",
            "--package",
            package,
            "--dir",
        ])
        .arg(root)
        .stdin(std::process::Stdio::null());
    // Listing reads sources and builds nothing: it takes seconds unless something hangs.
    let limit = std::time::Duration::from_secs(300);
    let output = crate::sandbox::capture(command, limit)
        .map_err(|e| Error::new(STAGE, format!("cannot run cargo mutants: {e}")))?
        .ok_or_else(|| {
            Error::new(
                STAGE,
                format!(
                    "cargo mutants did not list the mutants of {package} within {} s",
                    limit.as_secs()
                ),
            )
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let advice = if stderr.contains("no such command") {
            format!("; install it with `cargo install --locked {TOOL}`")
        } else {
            String::new()
        };
        return Err(Error::new(
            STAGE,
            format!(
                "cargo mutants could not list the mutants of {package}{advice}: {}",
                stderr.trim()
            ),
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| {
        Error::new(
            STAGE,
            format!("cargo mutants listed the mutants of {package} in a form not understood: {e}"),
        )
    })
}

/// The text of `original` with the mutant's diff applied.
pub fn apply(mutant: &Mutant, original: &str) -> Result<String> {
    // The header's second name is cargo-mutants' description of the change, which may hold
    // quotes a patch reader refuses as a file name; the hunks are all that is needed.
    let hunks = match mutant.diff.find("\n@@") {
        Some(at) => &mutant.diff[at + 1..],
        None => mutant.diff.as_str(),
    };
    let diff = format!("--- original\n+++ mutated\n{hunks}");
    let patch = diffy::Patch::from_str(&diff).map_err(|e| {
        Error::new(
            STAGE,
            format!("the diff of mutant {:?} cannot be read: {e}", mutant.name),
        )
    })?;
    diffy::apply(original, &patch).map_err(|e| {
        Error::new(
            STAGE,
            format!(
                "the diff of mutant {:?} does not apply to {}: {e}",
                mutant.name, mutant.file
            ),
        )
    })
}
