//! Checks for exercise 7 (multi-thread), one module per step. Each check is named
//! `<step>::<check>` in `course.toml` and in the grader's report.

// Dropping a `JoinHandle` is part of what some checks do; the stub's handle has no `Drop`
// of its own, a learner's may.
#![allow(clippy::drop_non_drop)]

mod idle_race;
mod join;
mod scheduling;
mod shutdown;
mod task;

use multi_thread::{JoinError, JoinHandle};
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// How long a check waits for something a correct runtime does in a few milliseconds:
/// long enough for the busiest machine, short of the grader's own time limit.
const PATIENCE: Duration = Duration::from_secs(5);

/// A gate another thread opens: futures made by [`Gate::wait`] are pending until then.
#[derive(Clone, Default)]
struct Gate(Arc<Mutex<GateState>>);

#[derive(Default)]
struct GateState {
    open: bool,
    /// The waker of the latest poll that found the gate closed.
    waker: Option<Waker>,
}

impl Gate {
    fn open(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.open = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn wait(&self) -> GateWait {
        GateWait(self.clone())
    }
}

struct GateWait(Gate);

impl Future for GateWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = (self.0).0.lock().unwrap();
        if state.open {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// `handle.join()` on a helper thread, given up after `patience`: `None` when the task's
/// result did not arrive in time.
fn join_within<T: Send + 'static>(
    handle: JoinHandle<T>,
    patience: Duration,
) -> Option<Result<T, JoinError>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(handle.join());
    });
    rx.recv_timeout(patience).ok()
}
