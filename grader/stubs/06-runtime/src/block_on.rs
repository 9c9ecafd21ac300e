//! Step 1 — `block_on`.

use std::future::Future;

/// Runs `future` to completion on the current thread and returns its output.
///
/// Between polls the thread sleeps (`std::thread::park`) until the future's waker is
/// woken, from any thread. A wake that arrives before the thread parks is not lost, and a
/// spurious unpark does not cause a poll without a wake.
///
/// Hint: make the waker from an `Arc` of your own type implementing `std::task::Wake`: it
/// holds the thread (`std::thread::current()`) and an `AtomicBool` "woken" flag. `wake`
/// sets the flag, then unparks; `block_on` parks in a loop until it can take the flag.
pub fn block_on<F: Future>(future: F) -> F::Output {
    todo!()
}
