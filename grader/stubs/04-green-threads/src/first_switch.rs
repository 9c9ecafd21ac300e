//! Step 1 — run a function on a stack you provide, and come back.

/// Runs `f` with `stack` as its stack, then switches back and returns.
///
/// While `f` runs, its local variables live inside `stack`. `stack` must be large enough
/// for `f` (a few KiB for simple functions); it need not be aligned.
///
/// Hint: keep two contexts (the caller's and the new one) and `f` where an entry function
/// can find them, for example behind a thread-local pointer. The entry function calls
/// `f`, then switches back to the caller; it never returns (there is nothing to return
/// to on a fresh stack).
pub fn run_on_stack(stack: &mut [u8], f: fn()) {
    todo!()
}
