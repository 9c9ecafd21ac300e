//! Steps 1, 3 and 4 — the runtime: workers, queues, stealing, sleeping, shutdown.

use crate::join::JoinHandle;
use std::future::Future;
use std::io;

/// A runtime that runs `Send` tasks on a fixed number of worker threads.
///
/// - [`Runtime::spawn`] (from any thread) and [`spawn`] (inside the runtime) start a task;
///   whichever worker is free polls it.
/// - A task is polled only after its waker was woken, from any thread, and never by two
///   workers at once; a wake during a poll makes one more poll.
/// - A task that panics is reported through its handle ([`crate::JoinError::Panicked`]);
///   the worker carries on.
/// - A worker with nothing to do sleeps until a task is queued; an idle worker takes
///   tasks queued on a busy (or blocked) worker.
/// - The workers share one reactor for [`crate::sleep`] and [`crate::TcpStream`].
/// - Dropping the runtime stops and joins every worker (each finishes the poll it is in),
///   drops every unfinished task (their handles then give
///   [`crate::JoinError::Cancelled`]), and stops the reactor.
///
/// Hint, step 1: start with one `Mutex<VecDeque<_>>` of tasks and a `Condvar`, shared by
/// the workers (an `Arc` of a struct of the runtime's shared state, `pub(crate)` because
/// the tasks of [`crate::task`] queue themselves through it). [`spawn`] finds it through
/// a thread-local holding that `Arc`, set on every worker and during `block_on`.
/// Step 3: give each worker a queue of its own too, for what it spawns or wakes (a
/// thread-local tells a worker which one it is); a worker takes from its own queue, then
/// the shared one, then half of another worker's. Whoever queues a task rings for a
/// sleeping worker, if any, under the same lock a worker holds from its last look at the
/// queues until it waits.
/// Step 4: start the reactor with [`crate::reactor::Reactor::start`] and enter it
/// ([`crate::reactor::enter`]) on every worker and in `block_on`; keep every unfinished
/// task in a map by id, so that `Drop` can drop them all.
pub struct Runtime {
    // Replace this with the runtime's state: what the workers share, and their threads.
    _todo: (),
}

impl Runtime {
    /// Starts `workers` worker threads and the reactor.
    ///
    /// # Panics
    /// When `workers` is 0.
    pub fn new(workers: usize) -> io::Result<Runtime> {
        todo!()
    }

    /// Starts `future` as a task, from any thread.
    ///
    /// Hint: a panic while polling the task is caught (`std::panic::catch_unwind` around
    /// the poll of the task's future) and delivered to the handle. A worker only sees
    /// futures with output `()`, so do it as in exercise 6: wrap `future` in a future of
    /// your own holding it as a `Pin<Box<F>>` (which keeps the wrapper `Unpin`) and the
    /// task's side of the handle (in an `Option`, to take it when delivering). The
    /// wrapper is `Send` because `F` and `F::Output` are, as the task's
    /// `Pin<Box<dyn Future<Output = ()> + Send>>` requires.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        todo!()
    }

    /// Runs `future` on the calling thread until it completes, with the runtime entered:
    /// [`spawn`], [`crate::sleep`] and [`crate::TcpStream`] work inside it. The thread
    /// sleeps while `future` is pending (as `block_on` did in exercise 6).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        todo!()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Replace this with the shutdown described on `Runtime`.
    }
}

/// Starts `future` as a task of the runtime this thread belongs to: on a worker, or inside
/// [`Runtime::block_on`].
///
/// # Panics
/// On any other thread.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    todo!()
}
