//! Step 4 — the same parallel map, written with rayon.

use rayon::prelude::*;

/// Applies `f` to every item on rayon's thread pool and returns the results in the order
/// of `items`, like [`crate::scoped::parallel_map`] but letting rayon decide how to split
/// the work.
pub fn par_map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    items.par_iter().map(f).collect()
}
