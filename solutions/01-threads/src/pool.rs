//! Step 3 — a fixed-size thread pool.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of worker threads that run submitted jobs from a shared queue.
///
/// - [`ThreadPool::new`] starts exactly `size` workers; the pool never runs jobs on more
///   threads than that.
/// - Idle workers block while the queue is empty; they do not poll it.
/// - A job that panics does not take its worker (or the pool) down; later jobs still run.
/// - Dropping the pool runs every job already submitted, then joins all workers: when
///   `drop` returns, no worker thread is left.
pub struct ThreadPool {
    queue: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    /// Starts a pool of `size` worker threads.
    ///
    /// # Panics
    /// When `size` is 0.
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a thread pool needs at least one worker");
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..size)
            .map(|i| {
                let jobs = Arc::clone(&jobs);
                thread::Builder::new()
                    .name(format!("pool-worker-{i}"))
                    .spawn(move || work(&jobs))
                    .expect("the OS refused to start a worker thread")
            })
            .collect();
        ThreadPool {
            queue: Some(queue),
            workers,
        }
    }

    /// Queues `job` to run on one of the workers. Returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let queue = self.queue.as_ref().expect("the queue lives until drop");
        queue
            .send(Box::new(job))
            .expect("workers never stop before the pool is dropped");
    }

    /// The number of worker threads.
    pub fn size(&self) -> usize {
        self.workers.len()
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        // The guard is a temporary: the lock is released before the job runs.
        let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(job) => {
                // The default panic hook has already reported the panic.
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Closing the queue lets each worker finish what is queued and then stop.
        drop(self.queue.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
