//! Integrity: whether graded code reaches for the grader instead of doing the exercise.
//!
//! A check passes only with a record carrying a nonce, but code that runs before `main`
//! (a constructor), replaces a C library function the checks rely on, or writes to the
//! record channel can forge that record in the check's own process. Each such way shows
//! in the compiled check program, whatever the source spelled: it is compared with the
//! same checks built from the course's stubs, which do none of it. A scan of the sources
//! adds where in them it happens.

mod elf;
mod sources;

pub use elf::{Fingerprint, library_exports};
use std::collections::BTreeSet;
use std::path::Path;

/// Evidence that the check program `exe`, built from the sources in `src`, reaches for the
/// grader; empty when it does not. `reference` is the same checks built from the stubs;
/// `shown_as` is how the report names `src`. Only the compiled program decides; the
/// sources add where, so a comment or a field named like a section flags nothing.
pub fn inspect(
    reference: &Fingerprint,
    exe: &Path,
    src: &Path,
    shown_as: &str,
    library_names: &BTreeSet<String>,
) -> Result<Vec<String>, String> {
    let graded = Fingerprint::of(exe)?;
    let interposed = elf::interposed(reference, &graded, library_names);
    let mut found = elf::differences(reference, &graded, &interposed);
    if !found.is_empty() {
        found.extend(sources::scan(src, shown_as, &interposed));
    }
    Ok(found)
}
