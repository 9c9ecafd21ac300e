//! The reviewed list of surviving mutants that no check can or should catch, each with its
//! reason (`grader/mutants/equivalent.toml`). A survivor not on it is a hole in the checks.

use super::generate::STAGE;
use crate::error::{At, Error, Result};
use serde::Deserialize;
use std::path::Path;

pub use crate::course::EQUIVALENT_MUTANTS as FILE;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    #[serde(default, rename = "mutant")]
    mutants: Vec<Entry>,
}

/// One mutant judged equivalent to the solution, or unobservable by any check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The exercise's name, as `course.toml` gives it.
    pub exercise: String,
    /// The mutant's name, as cargo-mutants gives it.
    pub mutant: String,
    /// Why it is equivalent or cannot be observed, in a line.
    pub reason: String,
}

/// The list, or an empty one when the course has none.
pub fn load(root: &Path) -> Result<Vec<Entry>> {
    let path = root.join(FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = fs_err::read_to_string(&path).at(STAGE)?;
    let list: List = toml::from_str(&text)
        .map_err(|e| Error::new(STAGE, format!("{} is malformed: {e}", path.display())))?;
    if let Some(bare) = list.mutants.iter().find(|e| e.reason.trim().is_empty()) {
        return Err(Error::new(
            STAGE,
            format!("{FILE}: {:?} needs a reason", bare.mutant),
        ));
    }
    Ok(list.mutants)
}
