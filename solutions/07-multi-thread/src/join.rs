//! Step 1 — join handles that work from any thread.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};

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

/// What a task and its handle share.
struct Joint<T> {
    state: Mutex<State<T>>,
    /// Rung when the result arrives, for a thread blocked in [`JoinHandle::join`].
    finished: Condvar,
}

struct State<T> {
    result: Option<Result<T, JoinError>>,
    /// The waker of the latest poll of the handle that returned `Pending`.
    waker: Option<Waker>,
}

/// Awaits a spawned task's output from another task, or blocks a thread until it is there
/// ([`JoinHandle::join`]). Dropping the handle does not cancel the task.
pub struct JoinHandle<T> {
    joint: Arc<Joint<T>>,
}

/// The task's side: delivers the result once. Dropped without delivering (the runtime
/// dropped the task), it delivers [`JoinError::Cancelled`].
pub(crate) struct Completer<T> {
    joint: Option<Arc<Joint<T>>>,
}

pub(crate) fn pair<T>() -> (Completer<T>, JoinHandle<T>) {
    let joint = Arc::new(Joint {
        state: Mutex::new(State {
            result: None,
            waker: None,
        }),
        finished: Condvar::new(),
    });
    (
        Completer {
            joint: Some(Arc::clone(&joint)),
        },
        JoinHandle { joint },
    )
}

impl<T> Completer<T> {
    pub(crate) fn complete(mut self, result: Result<T, JoinError>) {
        self.deliver(result);
    }

    fn deliver(&mut self, result: Result<T, JoinError>) {
        let Some(joint) = self.joint.take() else {
            return;
        };
        let waker = {
            let mut state = joint.state.lock().unwrap();
            state.result = Some(result);
            state.waker.take()
        };
        joint.finished.notify_all();
        // Outside the lock: the woken task may poll the handle on another worker at once.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        self.deliver(Err(JoinError::Cancelled));
    }
}

impl<T> JoinHandle<T> {
    /// Blocks the calling thread until the task finished, and returns its output. For
    /// threads outside the runtime: a task awaits the handle instead.
    pub fn join(self) -> Result<T, JoinError> {
        let mut state = self.joint.state.lock().unwrap();
        loop {
            if let Some(result) = state.result.take() {
                return result;
            }
            state = self.joint.finished.wait(state).unwrap();
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.joint.state.lock().unwrap();
        if let Some(result) = state.result.take() {
            return Poll::Ready(result);
        }
        match &state.waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
