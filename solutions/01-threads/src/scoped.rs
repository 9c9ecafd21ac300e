//! Step 2 — a parallel map over a borrowed slice with scoped threads.

use std::thread;

/// Applies `f` to every item, spreading the work over `threads` OS threads, and returns
/// the results in the order of `items`.
///
/// - The slice is cut into `min(threads, items.len())` contiguous chunks whose lengths
///   differ by at most one, and each chunk is mapped on its own thread.
/// - The threads are *scoped* ([`std::thread::scope`]), so they may borrow `items` and `f`
///   (no `'static` bound, no `Arc`).
/// - An empty slice gives an empty vector without starting any thread; `threads == 0` is
///   treated as 1.
/// - If `f` panics, `parallel_map` panics too, with the same payload
///   ([`std::panic::resume_unwind`] re-raises it after a failed `join`).
pub fn parallel_map<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    if items.is_empty() {
        return Vec::new();
    }
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = balanced_chunks(items, threads)
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .collect()
    })
}

/// `min(parts, items.len())` contiguous chunks; the first `len % parts` are one longer.
fn balanced_chunks<T>(items: &[T], parts: usize) -> impl Iterator<Item = &[T]> {
    let parts = parts.clamp(1, items.len().max(1));
    let (base, longer) = (items.len() / parts, items.len() % parts);
    let mut rest = items;
    (0..parts).map(move |i| {
        let (chunk, tail) = rest.split_at(base + usize::from(i < longer));
        rest = tail;
        chunk
    })
}
