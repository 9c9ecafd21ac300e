//! Step 3 — a fixed-size thread pool.

/// A fixed set of worker threads that run submitted jobs from a shared queue.
///
/// - [`ThreadPool::new`] starts exactly `size` workers; the pool never runs jobs on more
///   threads than that.
/// - Idle workers block while the queue is empty; they do not poll it.
/// - A job that panics does not take its worker (or the pool) down; later jobs still run.
/// - Dropping the pool runs every job already submitted, then joins all workers: when
///   `drop` returns, no worker thread is left.
///
/// Hint: one `std::sync::mpsc` channel of boxed jobs (`Box<dyn FnOnce() + Send +
/// 'static>`), its receiver shared by the workers behind `Arc<Mutex<_>>`;
/// `std::panic::catch_unwind` keeps a worker alive (a boxed `FnOnce` is not `UnwindSafe`:
/// wrap it in `std::panic::AssertUnwindSafe`). A worker holds the lock only to receive
/// (`let job = receiver.lock().unwrap().recv();` ends the guard with the statement), not
/// while it runs the job, or the jobs would run one at a time. Keep the `Sender` in an
/// `Option`: `drop` takes it out and drops it, which ends the workers' `recv` once the
/// queue is empty, and then joins them.
pub struct ThreadPool {
    // Replace this with the pool's state (the queue, the workers' JoinHandles, ...).
    _todo: (),
}

impl ThreadPool {
    /// Starts a pool of `size` worker threads.
    ///
    /// # Panics
    /// When `size` is 0.
    pub fn new(size: usize) -> ThreadPool {
        todo!()
    }

    /// Queues `job` to run on one of the workers. Returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        todo!()
    }

    /// The number of worker threads.
    pub fn size(&self) -> usize {
        todo!()
    }
}

impl Drop for ThreadPool {
    /// Runs every queued job, then joins every worker.
    fn drop(&mut self) {
        todo!()
    }
}
