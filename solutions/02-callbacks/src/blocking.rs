//! Step 3 — offloading blocking work to a worker pool.

use crate::timers::{EventLoop, LoopError};
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

type Job = Box<dyn FnOnce() + Send>;
/// A finished job: its number and its value, or its panic's message.
pub(crate) type Completion = (u64, Result<Box<dyn Any + Send>, String>);
/// What to do with a job's value, back on the loop thread.
pub(crate) type Then = Box<dyn FnOnce(&mut EventLoop, Box<dyn Any + Send>)>;

impl EventLoop {
    /// Runs `work` on one of the loop's worker threads, then `then(loop, result)` back on
    /// the loop's own thread, during [`EventLoop::run`].
    ///
    /// - `work` must be `Send` (it moves to a worker); `then` need not be, it never leaves
    ///   the loop thread.
    /// - While a job is outstanding, `run` does not return.
    /// - `then` is a loop callback like any other: if it panics, `run` returns
    ///   `LoopError::CallbackPanicked`.
    /// - If `work` panics, `run` returns [`LoopError::WorkPanicked`] and `then` never runs.
    pub fn spawn_blocking<T: Send + 'static>(
        &mut self,
        work: impl FnOnce() -> T + Send + 'static,
        then: impl FnOnce(&mut EventLoop, T) + 'static,
    ) {
        let job_id = self.next_seq;
        self.next_seq += 1;
        self.waiting_for.insert(
            job_id,
            Box::new(move |el, value| {
                let value = value
                    .downcast::<T>()
                    .expect("a job's value has the job's type");
                then(el, *value);
            }),
        );
        let done = self.done_tx.clone();
        self.pool.execute(Box::new(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(work))
                .map(|value| Box::new(value) as Box<dyn Any + Send>)
                .map_err(|payload| panic_text(&*payload));
            // The loop may be gone already; then nobody wants the value.
            let _ = done.send((job_id, result));
        }));
    }

    pub(crate) fn complete(&mut self, (job_id, result): Completion) -> Result<(), LoopError> {
        let then = self
            .waiting_for
            .remove(&job_id)
            .expect("every completion belongs to a waiting job");
        match result {
            Ok(value) => self.guard(|el| then(el, value)),
            Err(message) => Err(LoopError::WorkPanicked(message)),
        }
    }
}

/// A panic payload's message, when it has one.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-string panic>".to_owned()
    }
}

/// A fixed set of worker threads fed from one queue; dropping it joins them.
pub(crate) struct WorkerPool {
    queue: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub(crate) fn new(size: usize) -> WorkerPool {
        assert!(size > 0, "an event loop needs at least one worker");
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..size)
            .map(|i| {
                let jobs = Arc::clone(&jobs);
                thread::Builder::new()
                    .name(format!("loop-worker-{i}"))
                    .spawn(move || work(&jobs))
                    .expect("the OS refused to start a worker thread")
            })
            .collect();
        WorkerPool {
            queue: Some(queue),
            workers,
        }
    }

    pub(crate) fn execute(&self, job: Job) {
        let queue = self.queue.as_ref().expect("the queue lives until drop");
        queue.send(job).expect("workers live until drop");
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        drop(self.queue.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
