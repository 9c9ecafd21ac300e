//! Step 2 — tasks whose wakers work from any thread, polled by one worker at a time.

use crate::runtime::Shared;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Wake, Waker};

/// A task's future, boxed: the workers run tasks of any type.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

// A task's life. Only the worker that moved a task from QUEUED to RUNNING polls it, so two
// workers never poll the same task at once; a wake during the poll is remembered as
// NOTIFIED and the worker queues the task again when the poll returns.
/// Waiting for a wake: in no queue.
const IDLE: u8 = 0;
/// In a queue, once.
const QUEUED: u8 = 1;
/// Being polled by a worker.
const RUNNING: u8 = 2;
/// Being polled, and woken meanwhile: poll it again afterwards.
const NOTIFIED: u8 = 3;
/// Finished or dropped: wakes do nothing.
const DONE: u8 = 4;

pub(crate) struct Task {
    pub(crate) id: u64,
    state: AtomicU8,
    /// Only the worker that holds the task RUNNING locks this, so the lock is never
    /// contended; it makes the task `Sync` without `unsafe`.
    future: Mutex<Option<BoxFuture>>,
    /// Weak: a waker kept after the runtime is gone must not keep the runtime alive.
    runtime: Weak<Shared>,
}

impl Task {
    /// A new task, already QUEUED: the caller puts it in a queue.
    pub(crate) fn new(id: u64, future: BoxFuture, runtime: Weak<Shared>) -> Arc<Task> {
        Arc::new(Task {
            id,
            state: AtomicU8::new(QUEUED),
            future: Mutex::new(Some(future)),
            runtime,
        })
    }

    /// Polls the task once; the caller took it out of a queue.
    pub(crate) fn run(self: &Arc<Self>, runtime: &Arc<Shared>) {
        self.state.store(RUNNING, Ordering::SeqCst);
        let waker = Waker::from(Arc::clone(self));
        let mut cx = Context::from_waker(&waker);
        let mut slot = self.future.lock().unwrap();
        let Some(future) = slot.as_mut() else {
            return; // dropped by the shutdown meanwhile
        };
        // The future catches its own panics (see `spawn`), so a poll always returns.
        if future.as_mut().poll(&mut cx).is_ready() {
            self.state.store(DONE, Ordering::SeqCst);
            let finished = slot.take();
            drop(slot);
            drop(finished);
            runtime.forget(self.id);
            return;
        }
        drop(slot);
        if self
            .state
            .compare_exchange(RUNNING, IDLE, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            // Woken while it ran (NOTIFIED): it goes back in a queue, once.
            self.state.store(QUEUED, Ordering::SeqCst);
            runtime.schedule(Arc::clone(self));
        }
    }

    /// Drops the future of a task the runtime gives up on, at shutdown.
    pub(crate) fn cancel(&self) -> Option<BoxFuture> {
        self.state.store(DONE, Ordering::SeqCst);
        self.future.lock().unwrap().take()
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::SeqCst);
        loop {
            let next = match state {
                IDLE => QUEUED,
                RUNNING => NOTIFIED,
                _ => return, // already queued or noted, or finished
            };
            match self
                .state
                .compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state == IDLE
            && let Some(runtime) = self.runtime.upgrade()
        {
            runtime.schedule(Arc::clone(self));
        }
    }
}
