//! Step 2 — a parallel map over a borrowed slice with scoped threads.

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
///
/// Hint: 10 items over 4 threads are chunks of 3, 3, 2 and 2 — `len / threads` items each,
/// plus one more for the first `len % threads` chunks. Each thread's closure is `move`, to
/// own its chunk; take `let f = &f;` first, so that what moves in is a reference to `f`
/// (which may cross threads because `F: Sync`) rather than `f` itself.
pub fn parallel_map<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    todo!()
}
