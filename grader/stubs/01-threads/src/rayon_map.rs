//! Step 4 — the same parallel map, written with rayon.

/// Applies `f` to every item on rayon's thread pool and returns the results in the order
/// of `items`, like [`crate::scoped::parallel_map`] but letting rayon decide how to split
/// the work.
///
/// Hint: `use rayon::prelude::*;` gives slices a `par_iter()`.
pub fn par_map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    todo!()
}
