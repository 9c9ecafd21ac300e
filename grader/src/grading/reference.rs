//! The course's own build of each exercise's checks, against the pristine stubs: the list
//! of its checks (so listing never runs graded code) and the baseline of what a check
//! program does outside the checks (see [`super::integrity`]).

use super::build::{self, Build};
use super::fences::Fences;
use super::integrity::Fingerprint;
use super::run;
use crate::course::{Course, Exercise, package_name};
use crate::error::{Error, Result, Stage};
use crate::workspace::{Source, Workspace};
use std::time::Duration;

pub struct Reference {
    /// The checks the harness defines, as `<step>::<check>`.
    pub names: Vec<String>,
    pub fingerprint: Fingerprint,
}

/// Listing takes milliseconds; the stubs are the course's code, so a limit only guards
/// against a broken course.
const LIST_LIMIT: Duration = Duration::from_secs(30);

/// The reference of each of `selected`, `None` for those this platform does not run.
/// The stubs and the checks are the course's, so a failure here is the course's.
pub fn of(
    course: &Course,
    selected: &[&Exercise],
    fences: &Fences,
) -> Result<Vec<Option<Reference>>> {
    let platform = crate::course::this_platform();
    let ws = Workspace::prepare(course, &Source::Stubs)?;
    let mut references = Vec::new();
    for ex in selected {
        if ex.unsupported_on(&platform).is_some() {
            references.push(None);
            continue;
        }
        let harness = package_name(&ex.harness_dir(&course.root))?;
        let broken = |why: String| {
            Error::new(
                Stage::Course,
                format!(
                    "the checks of exercise {:?} cannot be built against its stubs, so there \
                     is nothing to grade against: {why}",
                    ex.name
                ),
            )
        };
        let exe = match build::build(&ws, &harness, None)? {
            Build::Built(exe) => exe,
            Build::Failed(why) | Build::Unsupported(why) => return Err(broken(why)),
            Build::Flagged(evidence) => return Err(broken(evidence.join("; "))),
        };
        let names = run::list_checks(&exe, fences, LIST_LIMIT).map_err(broken)?;
        let fingerprint = Fingerprint::of(&exe).map_err(broken)?;
        references.push(Some(Reference { names, fingerprint }));
    }
    Ok(references)
}
