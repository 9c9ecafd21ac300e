//! Step 3 — offloading blocking work to a worker pool.

use crate::timers::EventLoop;

impl EventLoop {
    /// Runs `work` on one of the loop's worker threads, then `then(loop, result)` back on
    /// the loop's own thread, during [`EventLoop::run`].
    ///
    /// - `work` must be `Send` (it moves to a worker); `then` need not be, it never leaves
    ///   the loop thread.
    /// - While a job is outstanding, `run` does not return.
    /// - `then` is a loop callback like any other: if it panics, `run` returns
    ///   `LoopError::CallbackPanicked`.
    /// - If `work` panics, `run` returns [`crate::LoopError::WorkPanicked`] and `then`
    ///   never runs.
    ///
    /// Hint: keep `then` on the loop, under a job number. The worker sends back only the
    /// job number and the value (boxed as `Box<dyn Any + Send>` so one channel carries
    /// every type). `run` then waits on that channel with `recv_timeout` until the next
    /// timer's deadline: one blocking wait covers both kinds of event.
    ///
    /// `then` takes a `T`, and each job has its own `T`, so the loop cannot store them
    /// as they are: store a boxed `FnOnce(&mut EventLoop, Box<dyn Any + Send>)` that
    /// downcasts the value to `T` (`value.downcast::<T>()`) and calls `then`. A panic in
    /// `work` is caught on the worker (`catch_unwind` with `AssertUnwindSafe`) and sent
    /// back as its message, so the worker lives on.
    pub fn spawn_blocking<T: Send + 'static>(
        &mut self,
        work: impl FnOnce() -> T + Send + 'static,
        then: impl FnOnce(&mut EventLoop, T) + 'static,
    ) {
        todo!()
    }
}
