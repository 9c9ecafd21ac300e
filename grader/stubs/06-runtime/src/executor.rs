//! Step 2 — an executor with `spawn` and `JoinHandle`.

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A single-threaded runtime: an executor and its reactor.
///
/// - [`Runtime::block_on`] runs a main future on the current thread together with every
///   task [`spawn`]ed meanwhile, and returns when the main future completes.
/// - A task is polled only after its waker was woken; with nothing to poll, the thread
///   sleeps until a waker is woken (from any thread).
/// - A finished task's future is dropped at once; tasks still pending when the runtime is
///   dropped are dropped with it.
/// - Dropping the runtime stops its reactor thread and closes its file descriptors.
///
/// Hint: keep the tasks (`Pin<Box<dyn Future<Output = ()>>>`) in a map by id, and make
/// each task's waker hold only its id and an `Arc` of a ready queue (a
/// `Mutex<VecDeque<usize>>` with a `Condvar`): waking pushes the id. Such a waker never
/// keeps a task alive. `spawn` finds the running runtime through a thread-local.
pub struct Runtime {
    // Replace this with the runtime's state.
    _todo: (),
}

impl Runtime {
    pub fn new() -> io::Result<Runtime> {
        todo!()
    }

    /// Runs `main`, and the tasks it spawns, until `main` completes.
    ///
    /// # Panics
    /// When a runtime is already running on this thread.
    pub fn block_on<F: Future>(&mut self, main: F) -> F::Output {
        todo!()
    }
}

/// Why a task did not produce its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    /// The task's panic message.
    pub panic: String,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task panicked: {}", self.panic)
    }
}

impl std::error::Error for JoinError {}

/// Awaits a spawned task's output: `Ok(value)`, or `Err` if the task panicked. Dropping
/// the handle does not cancel the task.
///
/// Hint: the handle and the task share an `Rc<RefCell<_>>` holding the result (once the
/// task finished) and the waker of whoever awaits the handle. The task may finish before
/// or after the handle is first polled: keep the value either way.
pub struct JoinHandle<T> {
    // Replace this with what the handle shares with its task.
    _todo: PhantomData<T>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}

/// Starts `future` as a task of the runtime running on this thread.
///
/// # Panics
/// Outside [`Runtime::block_on`].
///
/// Hint: a panic while polling the task is caught (`std::panic::catch_unwind` around
/// `poll`) and delivered to the handle as a `JoinError`.
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    todo!()
}
