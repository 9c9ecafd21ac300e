//! The course's own build of each exercise's checks, against the pristine stubs: the list
//! of its checks (so listing never runs graded code) and the baseline of what a check
//! program does outside the checks (see [`super::integrity`]).

use super::build::{self, Build};
use super::fences::Fences;
use super::integrity::Fingerprint;
use super::run;
use crate::course::{Course, Exercise};
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

/// The stubs' overlay, built in a folder of its own. The stubs and the checks are the
/// course's, so a failure here is the course's.
pub struct Stubs {
    ws: Workspace,
}

impl Stubs {
    pub fn prepare(course: &Course) -> Result<Stubs> {
        Ok(Stubs {
            ws: Workspace::prepare(course, &Source::Stubs)?,
        })
    }

    /// The reference of exercise `ex`, whose checks are the package `harness`.
    pub fn reference(&self, ex: &Exercise, harness: &str, fences: &Fences) -> Result<Reference> {
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
        let exe = match build::build(&self.ws, harness, None)? {
            Build::Built(exe) => exe,
            Build::Failed(why) => return Err(broken(why)),
            // Decided by the grading, after a build.
            Build::Unsupported(_) | Build::Flagged(_) => {
                unreachable!("a build either builds or fails")
            }
        };
        let names = run::list_checks(&exe, fences, LIST_LIMIT).map_err(broken)?;
        let fingerprint = Fingerprint::of(&exe).map_err(broken)?;
        Ok(Reference { names, fingerprint })
    }
}
