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
///
/// `block_on` holds `&mut self` while tasks run, and a running task may call `spawn`, so
/// what `spawn` needs (the task map, the next id, the ready queue) sits in an
/// `Rc` of a struct with `RefCell`/`Cell` fields, shared by the runtime and the
/// thread-local (set by `block_on`, cleared when it returns). Take a task *out* of the map
/// while you poll it and put it back if it is still pending: its poll may `spawn`, which
/// borrows the map again. The task waker is shared with other threads, so it needs
/// `Send + Sync` (`std::task::Wake` asks for them): `Arc`, `Mutex` and `Condvar` there,
/// `Rc` only on the runtime's side. `main` need not be `'static`, so it does not go in the
/// map: pin it on `block_on`'s stack (`std::pin::pin!`) and give it a waker with an id of
/// its own (one no task gets).
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
/// `poll`) and delivered to the handle as a `JoinError`. The map holds futures with output
/// `()`, so wrap `future` in a future of your own whose `poll` polls it inside
/// `catch_unwind(AssertUnwindSafe(..))` and, once it is done (value or panic), stores the
/// result where the handle can take it and wakes the handle's waker. Keep `future` in a
/// `Pin<Box<F>>` there: `F` may be `!Unpin`, and the box makes your wrapper `Unpin`, so its
/// `poll` can use `self.get_mut()`. (`F: 'static` makes `F::Output: 'static` too.)
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    todo!()
}
