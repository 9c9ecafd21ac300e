//! Step 1 — timers, and the loop that runs them.

use std::fmt;
use std::time::{Duration, Instant};

/// Identifies a timer, for [`EventLoop::clear_timeout`]. You decide what the number means
/// (a counter is enough: the sequence number of the timer's key does).
///
/// The field is `pub(crate)` because the sibling module `repeat` makes ids too (for
/// intervals); users of the crate still cannot forge one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(pub(crate) u64);

/// Why [`EventLoop::run`] stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopError {
    /// A callback running on the loop panicked, with this message; the loop stopped at once.
    CallbackPanicked(String),
    /// A `spawn_blocking` job panicked on a worker, with this message; its `then` callback
    /// never runs and the loop stopped.
    WorkPanicked(String),
}

impl fmt::Display for LoopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopError::CallbackPanicked(m) => write!(f, "a callback panicked: {m}"),
            LoopError::WorkPanicked(m) => write!(f, "blocking work panicked: {m}"),
        }
    }
}

impl std::error::Error for LoopError {}

/// A single-threaded event loop.
///
/// - Callbacks run one at a time, on the thread that calls [`EventLoop::run`], each with
///   `&mut EventLoop` so that it can schedule more work.
/// - Timers run in deadline order; timers with the same deadline run in the order they
///   were scheduled; no timer runs before its deadline.
/// - Between callbacks the loop *sleeps* until the next deadline or the next completed
///   blocking job, whichever comes first; it never polls.
/// - `run` returns `Ok(())` when no timer is pending and no blocking job is outstanding.
/// - Dropping the loop joins its worker threads, after they finish the jobs they were
///   given (without running those jobs' `then` callbacks).
///
/// Hint: keep timers in a `BTreeMap` keyed by `(deadline, sequence number)`: its first
/// entry is always the next timer to run, and ties stay in scheduling order. Take a
/// callback out of the map before calling it with `&mut self`.
///
/// This one struct serves all four steps, and the methods of steps 2 and 3 live in the
/// sibling modules `repeat` and `blocking`: give the fields (and any type of yours they
/// use) `pub(crate)` visibility so those modules can reach them. Plan for what the later
/// steps add, so that step 1 need not be rebuilt:
///
/// - step 2 (intervals): a timer's callback is either a one-shot
///   `Box<dyn FnOnce(&mut EventLoop)>` or an interval's `Box<dyn FnMut(&mut EventLoop,
///   TimerId)>` with its period, so make the map's values an enum of the two from the
///   start; `clear_timeout(id)` must find a timer's entry from its id alone (an id-to-
///   deadline map, for instance); and an interval that clears itself is out of the map
///   while it runs, so the loop needs a field saying "the running interval was cleared".
/// - step 3 (blocking work): the worker threads and the sending end of their job queue
///   (in an `Option`, so that `Drop` can close the queue before joining the workers), the
///   channel on which workers report finished jobs, and the `then` callbacks waiting for
///   them, by job number.
///
/// Callbacks run inside `std::panic::catch_unwind`, which wants an `UnwindSafe` closure;
/// a closure that borrows `&mut self` is not, so wrap it in `std::panic::AssertUnwindSafe`
/// (the loop stops after a panic, so no broken state is seen again).
pub struct EventLoop {
    // Replace this with the loop's state: the timers, the worker pool, a channel for
    // finished blocking work, ...
    _todo: (),
}

impl Default for EventLoop {
    fn default() -> Self {
        Self::new()
    }
}

impl EventLoop {
    /// A loop whose blocking work runs on 4 worker threads.
    pub fn new() -> EventLoop {
        Self::with_workers(4)
    }

    /// A loop whose blocking work runs on at most `workers` threads.
    ///
    /// # Panics
    /// When `workers` is 0.
    pub fn with_workers(workers: usize) -> EventLoop {
        todo!()
    }

    /// Runs `callback` once, `delay` after now.
    pub fn set_timeout(
        &mut self,
        delay: Duration,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerId {
        self.set_timeout_at(Instant::now() + delay, callback)
    }

    /// Runs `callback` once, at `deadline` (at once if it has passed).
    pub fn set_timeout_at(
        &mut self,
        deadline: Instant,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerId {
        todo!()
    }

    /// Runs callbacks until nothing is pending. See [`EventLoop`] for the rules.
    ///
    /// A panic in a callback is caught (`std::panic::catch_unwind`) and returned as
    /// [`LoopError::CallbackPanicked`].
    pub fn run(&mut self) -> Result<(), LoopError> {
        todo!()
    }
}
