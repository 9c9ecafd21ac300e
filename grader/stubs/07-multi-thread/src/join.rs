//! Step 1 — join handles that work from any thread.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Why a task did not produce its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    /// The task panicked; this is its panic message.
    Panicked(String),
    /// The runtime shut down before the task finished, and dropped it.
    Cancelled,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(message) => write!(f, "the task panicked: {message}"),
            JoinError::Cancelled => write!(f, "the task was cancelled: its runtime shut down"),
        }
    }
}

impl std::error::Error for JoinError {}

/// Awaits a spawned task's output from another task, or blocks a thread until it is there
/// ([`JoinHandle::join`]). Dropping the handle does not cancel the task.
///
/// - The task may finish before or after the handle is first polled: keep the value
///   either way.
/// - Every poll that returns `Pending` leaves its waker, replacing the one before; the
///   finishing task wakes the latest.
/// - If the runtime drops the task before it finishes, the handle gives
///   `Err(JoinError::Cancelled)` (a waiting `join` returns then, it does not hang).
///
/// Hint: unlike exercise 6, the task and its handle live on different threads, so they
/// share an `Arc` of a `Mutex` (the result once there, and the latest waker) and a
/// `Condvar` for `join`. Give the task's side a `Drop` that delivers `Cancelled` when it
/// was dropped without delivering anything: that covers the shutdown for free.
///
/// `runtime.rs` makes the handles, but this struct's fields are private to this module:
/// add a `pub(crate)` function here that makes a handle together with its task's side
/// (a `pub(crate)` type with a `pub(crate)` method that delivers the result). Both sides
/// are `Send` when `T` is, as `spawn` requires of a task's output, because a `Mutex<T>` is
/// `Sync` for any `T: Send`.
pub struct JoinHandle<T> {
    // Replace this with what the handle shares with its task.
    _todo: PhantomData<T>,
}

impl<T> JoinHandle<T> {
    /// Blocks the calling thread until the task finished, and returns its output. For
    /// threads outside the runtime: a task awaits the handle instead.
    pub fn join(self) -> Result<T, JoinError> {
        todo!()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}
