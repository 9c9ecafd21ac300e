//! Steps 1 to 4 — the runtime: workers, queues, stealing, sleeping, shutdown.

use crate::join::{self, JoinError, JoinHandle};
use crate::reactor::{self, Reactor};
use crate::task::{BoxFuture, Task};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

type Queue = Mutex<VecDeque<Arc<Task>>>;

/// What the workers, the wakers and the runtime share.
pub(crate) struct Shared {
    /// Tasks spawned or woken outside the workers.
    injector: Queue,
    /// One queue per worker: what that worker spawned or woke. Idle workers steal from it.
    locals: Vec<Queue>,
    /// How many workers sleep on `bell`. Whoever queues a task takes this lock to decide
    /// whether to ring, and a worker holds it from its last look at the queues until it
    /// waits, so no task is queued unseen between the two.
    sleeping: Mutex<usize>,
    bell: Condvar,
    stopping: AtomicBool,
    /// Every unfinished task, so that the shutdown can drop them.
    tasks: Mutex<HashMap<u64, Arc<Task>>>,
    next_id: AtomicU64,
    reactor: Arc<Reactor>,
}

thread_local! {
    /// The runtime this thread belongs to, and its worker number (`None` in `block_on`).
    static CONTEXT: RefCell<Option<(Arc<Shared>, Option<usize>)>> = const { RefCell::new(None) };
}

/// A runtime that runs `Send` tasks on a fixed number of worker threads.
///
/// - [`Runtime::spawn`] (from any thread) and [`spawn`] (inside the runtime) start a task;
///   whichever worker is free polls it.
/// - A task is polled only after its waker was woken, from any thread, and never by two
///   workers at once; a wake during a poll makes one more poll.
/// - A worker with nothing to do sleeps until a task is queued; an idle worker takes
///   tasks queued on a busy (or blocked) worker.
/// - The workers share one reactor for [`crate::sleep`] and [`crate::TcpStream`].
/// - Dropping the runtime stops and joins every worker (each finishes the poll it is in),
///   drops every unfinished task (their handles then give [`JoinError::Cancelled`]), and
///   stops the reactor.
pub struct Runtime {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Runtime {
    /// Starts `workers` worker threads and the reactor.
    ///
    /// # Panics
    /// When `workers` is 0.
    pub fn new(workers: usize) -> io::Result<Runtime> {
        assert!(workers > 0, "a runtime needs at least one worker");
        let shared = Arc::new(Shared {
            injector: Queue::default(),
            locals: (0..workers).map(|_| Queue::default()).collect(),
            sleeping: Mutex::new(0),
            bell: Condvar::new(),
            stopping: AtomicBool::new(false),
            tasks: Mutex::default(),
            next_id: AtomicU64::new(0),
            reactor: Reactor::start()?,
        });
        let mut runtime = Runtime {
            shared,
            workers: Vec::with_capacity(workers),
        };
        for index in 0..workers {
            let shared = Arc::clone(&runtime.shared);
            // On failure, `runtime`'s Drop stops the workers started so far.
            runtime.workers.push(
                thread::Builder::new()
                    .name(format!("worker-{index}"))
                    .spawn(move || shared.work(index))?,
            );
        }
        Ok(runtime)
    }

    /// Starts `future` as a task, from any thread.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared.spawn(future)
    }

    /// Runs `future` on the calling thread until it completes, with the runtime entered:
    /// [`spawn`], [`crate::sleep`] and [`crate::TcpStream`] work inside it. The thread
    /// sleeps while `future` is pending.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _entered = Entered::enter(&self.shared, None);
        let unparker = Arc::new(Unparker {
            woken: AtomicBool::new(false),
            thread: thread::current(),
        });
        let waker = Waker::from(Arc::clone(&unparker));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            while !unparker.woken.swap(false, Ordering::Acquire) {
                thread::park();
            }
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        {
            let _sleeping = self.shared.sleeping.lock().unwrap();
            self.shared.bell.notify_all();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        // The workers are gone: nothing polls any more. Drop every unfinished task's future
        // (outside the locks: a future's Drop may wake or spawn).
        let tasks: Vec<Arc<Task>> = self
            .shared
            .tasks
            .lock()
            .unwrap()
            .drain()
            .map(|(_, t)| t)
            .collect();
        let futures: Vec<BoxFuture> = tasks.iter().filter_map(|task| task.cancel()).collect();
        drop(futures);
        self.shared.injector.lock().unwrap().clear();
        for local in &self.shared.locals {
            local.lock().unwrap().clear();
        }
        self.shared.reactor.shut_down();
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
    let shared = CONTEXT
        .with(|context| context.borrow().as_ref().map(|(shared, _)| Arc::clone(shared)))
        .expect("spawn works only inside the runtime (on a worker or in Runtime::block_on); use Runtime::spawn elsewhere");
    shared.spawn(future)
}

impl Shared {
    fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (completer, handle) = join::pair();
        let future: BoxFuture = Box::pin(async move {
            let result = CatchUnwind(future).await.map_err(JoinError::Panicked);
            completer.complete(result);
        });
        if self.stopping.load(Ordering::SeqCst) {
            return handle; // the future is dropped here: the handle says Cancelled
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let task = Task::new(id, future, Arc::downgrade(self));
        self.tasks.lock().unwrap().insert(id, Arc::clone(&task));
        self.schedule(task);
        handle
    }

    /// Queues a task: on this worker's own queue when a worker of this runtime queues it,
    /// else on the injector; then rings for a sleeping worker, if any.
    pub(crate) fn schedule(self: &Arc<Self>, task: Arc<Task>) {
        let worker = CONTEXT.with(|context| match &*context.borrow() {
            Some((shared, worker)) if Arc::ptr_eq(shared, self) => *worker,
            _ => None,
        });
        match worker {
            Some(index) => self.locals[index].lock().unwrap().push_back(task),
            None => self.injector.lock().unwrap().push_back(task),
        }
        // Even for a task on this worker's own queue: this worker may be about to block
        // in a long poll, and a sleeping one can take the task.
        if *self.sleeping.lock().unwrap() > 0 {
            self.bell.notify_one();
        }
    }

    /// A finished task leaves the registry at once.
    pub(crate) fn forget(&self, id: u64) {
        self.tasks.lock().unwrap().remove(&id);
    }

    fn work(self: Arc<Self>, index: usize) {
        let _entered = Entered::enter(&self, Some(index));
        while !self.stopping.load(Ordering::SeqCst) {
            if let Some(task) = self.next_task(index) {
                task.run(&self);
                continue;
            }
            let mut sleeping = self.sleeping.lock().unwrap();
            *sleeping += 1;
            // Looked at again under the lock: a task queued from now on rings the bell.
            if !self.has_work() && !self.stopping.load(Ordering::SeqCst) {
                sleeping = self.bell.wait(sleeping).unwrap();
            }
            *sleeping -= 1;
        }
    }

    /// This worker's own queue first, then the injector, then half of another worker's.
    fn next_task(&self, index: usize) -> Option<Arc<Task>> {
        if let Some(task) = self.locals[index].lock().unwrap().pop_front() {
            return Some(task);
        }
        if let Some(task) = self.injector.lock().unwrap().pop_front() {
            return Some(task);
        }
        let count = self.locals.len();
        for other in (1..count).map(|k| (index + k) % count) {
            let stolen = {
                let mut victim = self.locals[other].lock().unwrap();
                let half = victim.len().div_ceil(2);
                let keep = victim.len() - half;
                victim.split_off(keep)
            };
            let mut stolen = stolen.into_iter();
            if let Some(task) = stolen.next() {
                self.locals[index].lock().unwrap().extend(stolen);
                return Some(task);
            }
        }
        None
    }

    fn has_work(&self) -> bool {
        !self.injector.lock().unwrap().is_empty()
            || self.locals.iter().any(|q| !q.lock().unwrap().is_empty())
    }
}

/// Sets this thread's runtime and reactor until dropped.
struct Entered {
    previous: Option<(Arc<Shared>, Option<usize>)>,
    _reactor: reactor::Entered,
}

impl Entered {
    fn enter(shared: &Arc<Shared>, worker: Option<usize>) -> Entered {
        let previous = CONTEXT.with(|context| context.replace(Some((Arc::clone(shared), worker))));
        Entered {
            previous,
            _reactor: reactor::enter(Arc::clone(&shared.reactor)),
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CONTEXT.try_with(|context| context.replace(previous));
    }
}

/// `block_on`'s waker: a flag, then an unpark of the blocked thread.
struct Unparker {
    woken: AtomicBool,
    thread: Thread,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Polls a future inside `catch_unwind`: a panic becomes its message.
struct CatchUnwind<F>(F);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the inner future is never moved out of the pinned wrapper.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.0) };
        match panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
